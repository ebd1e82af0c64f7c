package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/storage"
)

func migrateCmd() *cobra.Command {
	var o common
	cmd := &cobra.Command{
		Use:     "migrate",
		Short:   "Apply pending database migrations",
		PreRunE: envOverrides,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := storage.Open(cmd.Context(), o.databaseURL, o.logger())
			if err != nil {
				return err
			}
			defer st.Close()
			applied, err := st.Migrate(cmd.Context())
			for _, name := range applied {
				fmt.Println("applied", name)
			}
			if err == nil && len(applied) == 0 {
				fmt.Println("up to date")
			}
			return err
		},
	}
	o.register(cmd)
	return cmd
}

func checkCmd() *cobra.Command {
	var o common
	cmd := &cobra.Command{
		Use:     "check",
		Short:   "Compile the policy tree in strict mode with credpol's restricted capabilities",
		PreRunE: envOverrides,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := engine.Compile(cmd.Context(), o.policyFS(), engine.Options{Strict: true})
			if err != nil {
				return err
			}
			fmt.Printf("ok: %d modules, revision %s\n", len(ps.Modules()), ps.Revision())
			return nil
		},
	}
	o.register(cmd)
	return cmd
}

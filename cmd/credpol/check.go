package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/verify"
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
		Use:   "check",
		Short: "Compile the policy tree on disk (./policies or --policy-dir) in strict mode with credpol's restricted capabilities",
		Long: "Compiles the policy tree in strict mode with credpol's restricted capabilities, as serve\n" +
			"would load it, and reports every problem with its file and line. The tree is ./policies\n" +
			"(or --policy-dir); the one built into the binary only with --builtin or when there is no ./policies.",
		Args:    cobra.NoArgs,
		PreRunE: envOverrides,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tree, err := o.toolTree(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ps, err := engine.Compile(cmd.Context(), tree.fsys, engine.Options{Strict: true})
			if err != nil {
				return fmt.Errorf("the policy tree in %s does not compile:\n%w", tree.path, verify.LocateIn(tree.path, err))
			}
			if err := checkCorpus(cmd.Context(), cmd.OutOrStdout(), ps, tree.path, casesBeside(tree.dir)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d modules, revision %s\n", len(ps.Modules()), ps.Revision())
			return nil
		},
	}
	o.register(cmd)
	o.registerTree(cmd)
	return cmd
}

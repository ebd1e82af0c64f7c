package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/internal/storage"
)

// auditCmd groups the tools over the audit log.
func auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Check the audit log of administrative actions"}
	cmd.AddCommand(auditVerifyCmd())
	return cmd
}

func auditVerifyCmd() *cobra.Command {
	var (
		o      common
		asJSON bool
	)
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "verify [--json]",
		Short: "Check that no audit entry was changed, removed or reordered",
		Long: "Walks the audit log's hash chain from the first entry: each entry against its own hash and\n" +
			"the hash of the entry before it. Prints the first entry changed, removed or reordered, with its\n" +
			"sequence number, and exits 1 when there is one.",
		Args:    cobra.NoArgs,
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, _ []string) error {
			v, err := st.VerifyAudit(ctx)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(map[string]any{"checked": v.Checked, "head_seq": v.HeadSeq, "head": v.Head, "finding": v.Found}, "", "  ")
				fmt.Fprintln(w, string(b))
			} else {
				if v.Found != nil {
					fmt.Fprintln(w, v.Found.Message)
				}
				fmt.Fprintf(w, "%d audit entries checked; head entry %d %s\n", v.Checked, v.HeadSeq, v.Head)
			}
			if v.Found != nil {
				return fmt.Errorf("the audit log was changed at entry %d (%s)", v.Found.Seq, v.Found.Kind)
			}
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

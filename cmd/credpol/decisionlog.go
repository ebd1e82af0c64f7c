package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/storage"
)

// decisionLogCmd groups the tools over the stored decision log.
func decisionLogCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "decision-log", Short: "Check the stored decision log"}
	cmd.AddCommand(decisionLogVerifyCmd())
	return cmd
}

func decisionLogVerifyCmd() *cobra.Command {
	var (
		o        common
		from, to string
		asJSON   bool
		anchors  []string
	)
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "verify [--from T] [--to T] [--json] [--anchor SEQ:HASH ...]",
		Short: "Check that no stored decision was changed or removed: every row against its hash, every batch against the chain",
		Long: "Walks the chain of written batches from the first (or retention's cut): each batch's record\n" +
			"against its hash and the one before it, and, for batches written in [--from, --to), each row\n" +
			"against its own hash and the batch's count and root. Prints what was changed, removed or\n" +
			"reordered, at its batch and decision, and exits 1 when anything was. --anchor SEQ:HASH holds the\n" +
			"chain to a head batch hash copied outside the database earlier (see credpol audit verify).",
		Args:    cobra.NoArgs,
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, _ []string) error {
			var bounds [2]time.Time
			for i, v := range []string{from, to} {
				if v == "" {
					continue
				}
				t, err := impact.ParseInstant(v)
				if err != nil {
					return fmt.Errorf("%s: %w", []string{"--from", "--to"}[i], err)
				}
				bounds[i] = t
			}
			held, err := parseAnchors(anchors)
			if err != nil {
				return err
			}
			rep, err := decisionlog.Verify(ctx, st, bounds[0], bounds[1], held)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				b, _ := json.MarshalIndent(rep, "", "  ")
				fmt.Fprintln(w, string(b))
			} else {
				for _, f := range rep.Findings {
					fmt.Fprintln(w, f.Message)
				}
				fmt.Fprintf(w, "%d batches, %d decisions checked; %d decisions logged before the chain; %d batches partly removed by retention; head batch %d %s\n",
					rep.Batches, rep.Entries, rep.Unchained, rep.Pruned, rep.HeadSeq, rep.Head)
			}
			if !rep.OK() {
				return fmt.Errorf("the decision log was changed: %d findings", len(rep.Findings))
			}
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().StringVar(&from, "from", "", "check the rows of batches written from this time (RFC 3339, or a date)")
	cmd.Flags().StringVar(&to, "to", "", "up to this time, exclusive")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "a batch's hash recorded outside the database earlier, as SEQ:HASH (repeatable)")
	return cmd
}

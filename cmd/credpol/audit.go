package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
		o       common
		asJSON  bool
		anchors []string
	)
	var cmd *cobra.Command
	cmd = &cobra.Command{
		Use:   "verify [--json] [--anchor SEQ:HASH ...]",
		Short: "Check that no audit entry was changed, removed or reordered",
		Long: "Walks the audit log's hash chain from the first entry: each entry against its own hash and\n" +
			"the hash of the entry before it. Prints the first entry changed, removed or reordered, with its\n" +
			"sequence number, and exits 1 when there is one.\n\n" +
			"Whoever can write to the database can rewrite every hash after a change. Copy the head it prints\n" +
			"(entry and hash) somewhere the database's administrators cannot write (a signed mail to the\n" +
			"supervising bureau, a register on paper); later, --anchor SEQ:HASH holds the chain to it, and a\n" +
			"rewrite at or before that entry, or a log cut short before it, is reported.",
		Args:    cobra.NoArgs,
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, _ []string) error {
			held, err := parseAnchors(anchors)
			if err != nil {
				return err
			}
			v, err := st.VerifyAuditAnchored(ctx, held)
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
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "an entry's hash recorded outside the database earlier, as SEQ:HASH (repeatable)")
	return cmd
}

// parseAnchors reads SEQ:HASH pairs.
func parseAnchors(in []string) (map[int64]string, error) {
	out := map[int64]string{}
	for _, a := range in {
		seq, hash, ok := strings.Cut(a, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("--anchor %q: want SEQ:HASH, the head's number and 64-hex-digit hash as verify prints them", a)
		}
		out[n] = hash
	}
	return out, nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage"
)

func seedCmd() *cobra.Command {
	var o common
	var count int
	var seed uint64
	cmd := &cobra.Command{
		Use:     "seed",
		Short:   "Store a synthetic demo population of enterprises (same seed, same data)",
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, _ []string) error {
			start := time.Now()
			if err := seedDemo(ctx, st, count, seed); err != nil {
				return err
			}
			elapsed := time.Since(start)
			fmt.Printf("stored %d enterprises (seed %d) in %s (%.0f enterprises/s)\n", count, seed,
				elapsed.Round(time.Millisecond), float64(count)/elapsed.Seconds())
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().IntVar(&count, "enterprises", 1000, "how many enterprises")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed; the same seed gives the same population")
	return cmd
}

// seedDemo generates and stores count enterprises in batches.
func seedDemo(ctx context.Context, st *storage.Store, count int, seed uint64) error {
	const batch = 2000
	buf := make([]enterprise.Facts, 0, batch)
	err := demo.Generate(demo.Options{Seed: seed, Count: count}, func(f enterprise.Facts) error {
		buf = append(buf, f)
		if len(buf) < batch {
			return nil
		}
		err := st.PutEnterprises(ctx, buf)
		buf = buf[:0]
		return err
	})
	if err != nil {
		return err
	}
	return st.PutEnterprises(ctx, buf)
}

func importCmd() *cobra.Command {
	var o common
	var format string
	cmd := &cobra.Command{
		Use:     "import FILE",
		Short:   "Import enterprise facts from an NDJSON or CSV file (format from the extension unless --format)",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			if format == "" {
				format = map[string]string{".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}[strings.ToLower(filepath.Ext(args[0]))]
			}
			if format != "csv" && format != "ndjson" {
				return fmt.Errorf("cannot tell the format of %s: use --format ndjson|csv", args[0])
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			// Facts name jurisdictions of the policy tree served; the store's
			// table must hold them too, for its foreign keys.
			reg, _, err := engine.ReadTreeData(o.policyFS())
			if err == nil {
				err = st.SyncJurisdictions(ctx, reg)
			}
			if err != nil {
				return err
			}
			svc := &ingest.Service{Store: st, Validator: enterprise.Validator{KnownJurisdiction: reg.Has, LegacyUSCC: o.legacyUSCC}}
			sum, err := svc.Import(ctx, f, ingest.Format(format), func(string) bool { return true })
			if sum != nil {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				enc.Encode(sum)
			}
			if err != nil {
				return err
			}
			if sum.Rejected > 0 {
				return fmt.Errorf("%d lines rejected", sum.Rejected)
			}
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().StringVar(&format, "format", "", "ndjson or csv")
	return cmd
}

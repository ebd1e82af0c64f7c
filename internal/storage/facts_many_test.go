package storage_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// FactsMany loads a few enterprises in one query on Postgres and many with a
// query per table: both give each enterprise as Facts gives it alone.
func TestFactsManyLoadsAnyNumberAlike(t *testing.T) {
	var usccs []string
	var recs []enterprise.Facts
	if err := demo.Generate(demo.Options{Seed: 4, Count: 150}, func(f enterprise.Facts) error {
		recs, usccs = append(recs, f), append(usccs, *f.USCC)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.Store.PutEnterprises(ctx, recs); err != nil {
				t.Fatal(err)
			}
			many, err := s.Store.FactsMany(ctx, usccs)
			if err != nil {
				t.Fatal(err)
			}
			few, err := s.Store.FactsMany(ctx, usccs[:3])
			if err != nil {
				t.Fatal(err)
			}
			if len(many) != len(usccs) || len(few) != 3 {
				t.Fatalf("%d and %d loaded, want %d and 3", len(many), len(few), len(usccs))
			}
			for _, u := range usccs {
				one, err := s.Store.Facts(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(one, many[u]); diff != "" {
					t.Fatalf("%s loaded with 149 others (-alone +with others):\n%s", u, diff)
				}
				if f, ok := few[u]; ok {
					if diff := cmp.Diff(one, f); diff != "" {
						t.Fatalf("%s loaded with 2 others (-alone +with others):\n%s", u, diff)
					}
				}
			}
		})
	}
}

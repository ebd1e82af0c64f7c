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

// FactsReading loads the lists a decision reads, as Facts loads them, and
// leaves the others absent rather than empty.
func TestFactsReadingLoadsOnlyTheListsNamed(t *testing.T) {
	recs := demoRecords(t, 5, 40)
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.Store.PutEnterprises(ctx, recs); err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				whole, err := s.Store.Facts(ctx, *r.USCC)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Store.FactsReading(ctx, *r.USCC, []string{"annual_reports", "public_credit_score", "penalties"})
				if err != nil {
					t.Fatal(err)
				}
				want := whole
				want.Listings, want.Licenses, want.Inspections, want.Complaints, want.Commitments, want.RegistrationChanges = nil, nil, nil, nil, nil, nil
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("%s (-want +got):\n%s", *r.USCC, diff)
				}
				if got.Penalties == nil || got.AnnualReports == nil {
					t.Fatalf("%s: a list read came back absent, not empty", *r.USCC)
				}
				if none, err := s.Store.FactsReading(ctx, *r.USCC, []string{}); err != nil || none.Penalties != nil || none.USCC == nil {
					t.Fatalf("%s reading no list: %+v %v", *r.USCC, none, err)
				}
			}
			if _, err := s.Store.FactsReading(ctx, "91440500MA4UJKQ82M", []string{"penalties"}); err != enterprise.ErrNotFound {
				t.Fatalf("an unknown enterprise: %v", err)
			}
		})
	}
}

// demoRecords are count demo enterprises drawn from seed.
func demoRecords(t *testing.T, seed uint64, count int) []enterprise.Facts {
	t.Helper()
	var recs []enterprise.Facts
	if err := demo.Generate(demo.Options{Seed: seed, Count: count}, func(f enterprise.Facts) error {
		recs = append(recs, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

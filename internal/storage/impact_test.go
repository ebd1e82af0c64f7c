package storage_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// An impact run walks a population in key ranges: pages after a key, a
// range up to a key, and counts per jurisdiction, all within the
// jurisdictions asked for and in USCC order.
func TestEnterpriseKeysWalkKeyRanges(t *testing.T) {
	var recs []enterprise.Facts
	want := map[string][]string{}
	counts := map[string]int64{}
	if err := demo.Generate(demo.Options{Seed: 9, Count: 300}, func(f enterprise.Facts) error {
		recs = append(recs, f)
		want[*f.Jurisdiction] = append(want[*f.Jurisdiction], *f.USCC)
		counts[*f.Jurisdiction]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	fujian := slices.Sorted(slices.Values(append(slices.Clone(want["350500"]), want["350505"]...)))
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.Store.PutEnterprises(ctx, recs); err != nil {
				t.Fatal(err)
			}
			codes := []string{"350500", "350505"}
			all, err := s.Store.EnterpriseKeys(ctx, codes, "", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fujian, all); diff != "" {
				t.Fatalf("every key of 350500 and 350505 (-want +got):\n%s", diff)
			}
			var paged []string
			for after := ""; ; {
				page, err := s.Store.EnterpriseKeys(ctx, codes, after, "", 7)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				if len(page) > 7 {
					t.Fatalf("a page of %d keys, limit 7", len(page))
				}
				paged, after = append(paged, page...), page[len(page)-1]
			}
			if diff := cmp.Diff(fujian, paged); diff != "" {
				t.Errorf("pages of 7 (-want +got):\n%s", diff)
			}
			middle, err := s.Store.EnterpriseKeys(ctx, codes, fujian[3], fujian[10], 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(fujian[4:11], middle); diff != "" {
				t.Errorf("after the 4th key through the 11th (-want +got):\n%s", diff)
			}
			if none, err := s.Store.EnterpriseKeys(ctx, nil, "", "", 0); err != nil || len(none) != 0 {
				t.Errorf("no jurisdictions: %v, %v", none, err)
			}
			got, err := s.Store.EnterpriseCounts(ctx, []string{"230000", "350505", "100000"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]int64{"230000": counts["230000"], "350505": counts["350505"]}, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

// A chunk of an impact run loads a key range of the enterprises of some
// jurisdictions in one go, with the lists its decisions can read: the same
// facts FactsMany gives, in USCC order, and only the lists asked for.
func TestFactsRangeLoadsAKeyRange(t *testing.T) {
	recs := demoRecords(t, 11, 400)
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.Store.PutEnterprises(ctx, recs); err != nil {
				t.Fatal(err)
			}
			codes := []string{"350505", "230000"}
			keys, err := s.Store.EnterpriseKeys(ctx, codes, "", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			byKey, err := s.Store.FactsMany(ctx, keys)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				after, through string
				want           []string
			}{
				{"", "", keys},
				{keys[4], keys[30], keys[5:31]},
				{keys[10], "", keys[11:]},
			} {
				got, err := s.Store.FactsRange(ctx, codes, c.after, c.through, nil)
				if err != nil {
					t.Fatal(err)
				}
				var usccs []string
				for _, f := range got {
					usccs = append(usccs, *f.USCC)
					if diff := cmp.Diff(byKey[*f.USCC], f); diff != "" {
						t.Fatalf("%s (-FactsMany +FactsRange):\n%s", *f.USCC, diff)
					}
				}
				if diff := cmp.Diff(c.want, usccs); diff != "" {
					t.Errorf("after %q through %q (-want +got):\n%s", c.after, c.through, diff)
				}
			}
			some, err := s.Store.FactsRange(ctx, codes, "", "", []string{"penalties", "annual_reports", "public_credit_score"})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range some {
				full := byKey[*f.USCC]
				if !cmp.Equal(full.Penalties, f.Penalties) || !cmp.Equal(full.AnnualReports, f.AnnualReports) ||
					f.Listings != nil || f.Licenses != nil || f.Inspections != nil || f.Complaints != nil || f.Commitments != nil ||
					f.RegistrationChanges != nil || !cmp.Equal(full.PublicCreditScore, f.PublicCreditScore) {
					t.Fatalf("%s with penalties and annual reports only (and every field): %+v", *f.USCC, f)
				}
			}
			none, err := s.Store.FactsRange(ctx, codes, keys[0], keys[2], []string{"risk_class"})
			if err != nil || len(none) != 2 || none[0].Penalties != nil || none[1].AnnualReports != nil || *none[1].USCC != keys[2] {
				t.Errorf("no list: %+v, %v", none, err)
			}
		})
	}
}

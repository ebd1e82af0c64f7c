package storage_test

import (
	"context"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// QG-1 曾受处罚 in a drawn population: a penalty counts from the day it was
// decided, never before, as the supervision policy reads it.
func TestPopulationCountsOnlyPenaltiesDecidedByAsOf(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			f := full("91110000600037341L") // first penalty decided on 2024-05-06
			if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{f}); err != nil {
				t.Fatal(err)
			}
			for asOf, want := range map[string]bool{"2024-05-05": false, "2024-05-06": true, "2026-11-22": true} {
				var got []bool
				err := s.Store.StreamPopulation(ctx, sampling.PopulationQuery{Jurisdictions: []string{"440500"}, AsOf: asOf}, 1,
					func(_ int, m sampling.Member) error {
						got = append(got, m.Penalised)
						return nil
					})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("as of %s: penalised %v, want [%v]", asOf, got, want)
				}
			}
		})
	}
}

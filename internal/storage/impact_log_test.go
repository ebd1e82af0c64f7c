package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// An impact run walks the decision log of a window in key ranges of entry
// ids: pages after an id, a range up to an id, whole entries of a range and
// counts per decision and jurisdiction, all within the window (from
// inclusive, to exclusive, across monthly partitions on Postgres) and the
// scope asked for.
func TestDecisionKeysWalkAWindowOfTheLog(t *testing.T) {
	from := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	scope := map[string][]string{"credit_grade": {"230000"}, "supervision": {"230000", "350505"}}
	var recs []decisionlog.Record
	var want []string
	counts := map[string]map[string]int64{}
	decisions := []string{"credit_grade", "supervision", "risk_class"}
	places := []string{"230000", "350505", "440500"}
	at := from.Add(-48 * time.Hour)
	for i := range 240 {
		at = at.Add(2 * time.Hour) // 20 days before the window to 10 days after it
		r := decisionlog.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: at, Caller: "test", Decision: decisions[i%3],
			Jurisdiction: places[(i/3)%3], Source: "230000", AsOf: "2026-11-01", Revision: "r",
			Input:  map[string]any{"enterprise": map[string]any{"uscc": fmt.Sprintf("U%03d", i)}},
			Result: map[string]any{"n": float64(i)}, Reasons: []any{}}
		if i == 0 {
			r.Time = from // the first instant of the window
		}
		if i == 1 {
			r.Time = to // the first instant after it
		}
		recs = append(recs, r)
		if !r.Time.Before(from) && r.Time.Before(to) {
			if counts[r.Decision] == nil {
				counts[r.Decision] = map[string]int64{}
			}
			counts[r.Decision][r.Jurisdiction]++
			if slices.Contains(scope[r.Decision], r.Jurisdiction) {
				want = append(want, r.ID)
			}
		}
	}
	slices.Sort(want)
	if len(want) < 20 {
		t.Fatalf("only %d entries in the window and scope", len(want))
	}
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := s.Store.InsertDecisions(ctx, recs); err != nil {
				t.Fatal(err)
			}
			all, err := s.Store.DecisionKeys(ctx, from, to, scope, "", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, all); diff != "" {
				t.Fatalf("every id in the window and scope (-want +got):\n%s", diff)
			}
			var paged []string
			for after := ""; ; {
				page, err := s.Store.DecisionKeys(ctx, from, to, scope, after, "", 7)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				if len(page) > 7 {
					t.Fatalf("a page of %d ids, limit 7", len(page))
				}
				paged, after = append(paged, page...), page[len(page)-1]
			}
			if diff := cmp.Diff(want, paged); diff != "" {
				t.Errorf("pages of 7 (-want +got):\n%s", diff)
			}
			middle, err := s.Store.DecisionRange(ctx, from, to, scope, want[3], want[10])
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range middle {
				ids = append(ids, r.ID)
				if r.Input["enterprise"] == nil || r.Result["n"] == nil {
					t.Errorf("entry %s loaded without its input or result: %+v", r.ID, r)
				}
			}
			if diff := cmp.Diff(want[4:11], ids); diff != "" {
				t.Errorf("entries after the 4th id through the 11th (-want +got):\n%s", diff)
			}
			if none, err := s.Store.DecisionKeys(ctx, from, to, map[string][]string{"credit_grade": nil}, "", "", 0); err != nil || len(none) != 0 {
				t.Errorf("an empty scope: %v, %v", none, err)
			}
			got, err := s.Store.DecisionCounts(ctx, from, to, decisions, places)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(counts, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

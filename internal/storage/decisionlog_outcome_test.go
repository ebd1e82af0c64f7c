package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func logRecord(at time.Time, result map[string]any) decisionlog.Record {
	return decisionlog.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: at, Caller: "t", Decision: "credit_grade",
		Jurisdiction: "230000", Source: "230000", AsOf: "2026-03-01", Revision: "r1",
		Input: map[string]any{}, Result: result, Reasons: []any{}}
}

// Outcome filters match a result field's value as JSON true/false, as a
// number, or as a string, on both stores alike.
func TestSearchByOutcome(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			recs := []decisionlog.Record{
				logRecord(at, map[string]any{"grade": "B", "score": 800, "accept": false}),
				logRecord(at, map[string]any{"grade": "A", "score": 950.5, "accept": true, "code": "800"}),
				logRecord(at, map[string]any{"grade": "true", "score": -1, "code": "x"}),
			}
			if err := s.Store.InsertDecisions(ctx, recs); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				field, value string
				want         []int
			}{
				{"grade", "B", []int{0}},
				{"grade", "true", []int{2}},
				{"accept", "false", []int{0}},
				{"accept", "true", []int{1}},
				{"score", "800", []int{0}},
				{"score", "950.5", []int{1}},
				{"score", "-1", []int{2}},
				{"code", "800", []int{1}},
				{"grade", "b", nil},
				{"grade", "01", nil},
				{"score", "1e999", nil},
				{"missing", "B", nil},
				{"grade", `"}'`, nil},
			} {
				got, err := s.Store.SearchDecisions(ctx, decisionlog.LogQuery{OutcomeField: tc.field, OutcomeValue: tc.value, Limit: 10})
				if err != nil {
					t.Errorf("%s:%s: %v", tc.field, tc.value, err)
					continue
				}
				var ids []string
				for _, r := range got {
					ids = append(ids, r.ID)
				}
				var want []string
				for _, i := range tc.want {
					want = append(want, recs[i].ID)
				}
				if fmt.Sprint(ids) != fmt.Sprint(want) {
					t.Errorf("%s:%s found %v, want %v", tc.field, tc.value, ids, want)
				}
			}
		})
	}
}

// On Postgres an outcome search is served by the GIN index on result, not a
// scan of the whole log.
func TestOutcomeSearchUsesTheResultIndex(t *testing.T) {
	s := storetest.Postgres(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var recs []decisionlog.Record
	for i := range 20000 {
		grade := []string{"B", "C", "D"}[i%3]
		if i%1000 == 0 {
			grade = "A"
		}
		recs = append(recs, logRecord(at.Add(time.Duration(i)*time.Second), map[string]any{"grade": grade, "score": i % 1000}))
	}
	if err := s.Store.InsertDecisions(ctx, recs); err != nil {
		t.Fatal(err)
	}
	s.Exec(t, "ANALYZE decision_log")
	plan, err := s.Store.ExplainSearch(ctx, decisionlog.LogQuery{OutcomeField: "grade", OutcomeValue: "A", Limit: 50,
		Within: []string{"230000", "230100"}, Decisions: []string{"credit_grade"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plan:\n%s", plan)
	if !strings.Contains(plan, "Bitmap Index Scan on decision_log_") || !strings.Contains(plan, "result") ||
		strings.Contains(plan, "Seq Scan") {
		t.Errorf("the outcome search does not use the index on result:\n%s", plan)
	}
}

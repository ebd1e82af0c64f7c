package decision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/problem"
)

type records struct{ got []decisionlog.Record }

func (r *records) Record(_ context.Context, rec decisionlog.Record) error {
	r.got = append(r.got, rec)
	return nil
}

// A decision decodes, checks, hands the policy and logs only the facts it
// can read, with those that name the enterprise: the Heilongjiang grade
// reads the score, so a penalty it never looks at neither costs it nor
// stops it, while the publicity of penalties, which reads them, refuses it.
func TestADecisionTakesOnlyTheFactsItReads(t *testing.T) {
	svc, _ := shipped(t)
	rec := &records{}
	svc.Recorder = rec
	caller := auth.Principal{Name: "t", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}
	facts := json.RawMessage(`{"uscc":"91350505MA2YQ3BX1A","name":"某公司","jurisdiction":"350505","public_credit_score":812,
		"penalties":[{"decision_no":"","decided_on":"2025-02-30","kinds":[]}]}`)

	resp, err := svc.Decide(context.Background(), caller, decision.Request{Decision: "credit_grade", Jurisdiction: "230000", AsOf: "2026-11-21", Facts: facts})
	if err != nil {
		t.Fatalf("credit_grade: %v", err)
	}
	if resp.Result["grade"] == nil {
		t.Fatalf("credit_grade answered %v", resp.Result)
	}
	logged := rec.got[len(rec.got)-1].Input["enterprise"].(map[string]any)
	var keys []string
	for k := range logged {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"jurisdiction", "name", "public_credit_score", "uscc"}; !slices.Equal(keys, want) {
		t.Errorf("logged facts %v, want %v", keys, want)
	}

	_, err = svc.Decide(context.Background(), caller, decision.Request{Decision: "penalty_publicity", Jurisdiction: "350505", AsOf: "2026-11-21", Facts: facts})
	if pe, ok := problem.As(err); !ok || pe.Code != "invalid_facts" || !strings.Contains(fmt.Sprint(pe.Details), "facts.penalties") {
		t.Errorf("penalty_publicity with a broken penalty: %v, want invalid_facts on the penalty", err)
	}

	// Facts it does not read are still held to JSON's syntax.
	broken := json.RawMessage(`{"jurisdiction":"350505","public_credit_score":812,"penalties":[1,,2]}`)
	_, err = svc.Decide(context.Background(), caller, decision.Request{Decision: "credit_grade", Jurisdiction: "230000", AsOf: "2026-11-21", Facts: broken})
	if pe, ok := problem.As(err); !ok || pe.Code != "invalid_facts" {
		t.Errorf("credit_grade with malformed JSON among the penalties: %v, want invalid_facts", err)
	}
}

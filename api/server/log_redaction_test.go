package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// waitEntry waits until the store holds the logged decision id: an answer
// leaves once its entry is durable on disk, and reaches the store just after.
func waitEntry(t *testing.T, f *fixture, id string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := f.store.Store.DecisionRecord(context.Background(), id); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("decision %s never reached the store", id)
		}
	}
}

// Reading the decision log is no way around the facts scopes: a decision by
// id logs the stored facts, which only facts:read callers see; and inline
// facts cannot move a stored enterprise into another jurisdiction (the
// logged input must say where the enterprise is, for the log's own scope
// check).
func TestTheLogShowsStoredFactsOnlyToFactsReaders(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.storeShantou(t)
			byID := `{"enterprise_id":"` + shantouUSCC + `","context":{"application":{"kind":"change"}}}`

			status, body := f.do(t, "POST", "/v1/decisions/supervision", f.token,
				`{"enterprise_id":"`+shantouUSCC+`","facts":{"jurisdiction":"350505"}}`)
			if status != 422 || errorCode(body) != "jurisdiction_mismatch" {
				t.Errorf("inline facts moving a stored enterprise: %d %v, want 422 jurisdiction_mismatch", status, body)
			}

			decideOnly := mustToken(t, st, "changes", []string{"440500"}, []string{"registration_change"})
			reader := mustToken(t, st, "changes-facts", []string{"440500"}, []string{"registration_change", "facts:read"})
			status, body = f.do(t, "POST", "/v1/decisions/registration_change", decideOnly, byID)
			if status != 200 {
				t.Fatalf("decision by id: %d %v", status, body)
			}
			id := body["decision_id"].(string)
			waitEntry(t, f, id)

			enterprise := func(token string) map[string]any {
				status, body := f.do(t, "GET", "/v1/decision-log/"+id, token, "")
				if status != 200 {
					t.Fatalf("GET log entry: %d %v", status, body)
				}
				input, _ := body["input"].(map[string]any)
				e, _ := input["enterprise"].(map[string]any)
				return e
			}
			if e := enterprise(decideOnly); e["name"] != nil || e["listings"] != nil || e["uscc"] != shantouUSCC || e["facts_withheld"] == nil {
				t.Errorf("a token without facts:read reads the stored facts through the log: %v", e)
			}
			if e := enterprise(reader); e["name"] == nil || e["facts_withheld"] != nil {
				t.Errorf("a facts:read token does not see the logged facts: %v", e)
			}
			status, body = f.do(t, "GET", "/v1/decision-log?enterprise="+shantouUSCC, decideOnly, "")
			entries, _ := body["entries"].([]any)
			if status != 200 || len(entries) != 1 {
				t.Fatalf("search: %d %v", status, body)
			}
			if e := entries[0].(map[string]any)["input"].(map[string]any)["enterprise"].(map[string]any); e["name"] != nil {
				t.Errorf("a search shows a token without facts:read the stored facts: %v", e)
			}
		})
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// Every search parameter is checked against what the log can hold before a
// query runs: a NUL or invalid UTF-8 (which Postgres refuses outright), a
// malformed id, an unknown or repeated parameter are the caller's mistakes,
// 422 naming the parameter, never a store failure.
func TestDecisionLogParametersAreCheckedBeforeTheStore(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			_, body := f.do(t, "POST", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":800}}`)
			id := body["decision_id"].(string)
			f.waitLogged(t, 1)

			for _, tc := range []struct{ query, param string }{
				{"enterprise=%00", "enterprise"},
				{"enterprise=%FF%FE", "enterprise"},
				{"enterprise=91110000600037341", "enterprise"},
				{"enterprise=91110000600037341l", "enterprise"},
				{"decision=%00", "decision"},
				{"decision=Credit_Grade", "decision"},
				{"decision=" + strings.Repeat("a", 65), "decision"},
				{"jurisdiction=%00", "jurisdiction"},
				{"jurisdiction=23000", "jurisdiction"},
				{"caller=%00", "caller"},
				{"caller=a%0Ab", "caller"},
				{"caller=%FF", "caller"},
				{"caller=" + strings.Repeat("名", 101), "caller"},
				{"before=%00", "before"},
				{"before=not-a-uuid", "before"},
				{"outcome=grade:%00", "outcome"},
				{"outcome=grade:B&outcome=accept:false", "outcome"},
				{"limit=1&limit=2", "limit"},
				{"colour=red", "colour"},
				{"enterprise=%zz", "the query string"},
			} {
				status, body := f.do(t, "GET", "/v1/decision-log?"+tc.query, f.token, "")
				details, _ := body["error"].(map[string]any)["details"].([]any)
				if status != 422 || errorCode(body) != "invalid_query" || len(details) != 1 || !strings.HasPrefix(details[0].(string), tc.param) {
					t.Errorf("%.40s: %d %v", tc.query, status, body)
				}
			}
			status, body := f.do(t, "GET", "/v1/decision-log?colour=red&size=2", f.token, "")
			details, _ := body["error"].(map[string]any)["details"].([]any)
			if status != 422 || len(details) != 2 || !strings.HasPrefix(details[0].(string), "colour: unknown parameter (known: enterprise, decision,") ||
				!strings.HasPrefix(details[1].(string), "size: unknown parameter") {
				t.Errorf("two unknown parameters: %d %v", status, body)
			}

			// Values of the right shape search as before, whatever they find.
			for _, q := range []string{
				"enterprise=91110000600037341M", // a legacy code failing only its check character
				"decision=credit_grade&jurisdiction=230000&caller=all&outcome=grade:B",
				"before=" + strings.ToUpper(id), "enterprise=&caller=",
			} {
				if status, body := f.do(t, "GET", "/v1/decision-log?"+q, f.token, ""); status != 200 {
					t.Errorf("%s: %d %v", q, status, body)
				}
			}
			_, body = f.do(t, "GET", "/v1/decision-log?caller=all&decision=credit_grade", f.token, "")
			if n := len(body["entries"].([]any)); n != 1 {
				t.Errorf("caller and decision filters find %d entries, want 1", n)
			}

			// An id that is not a UUID is not logged: 404 as an unknown one.
			for _, p := range []string{"/v1/decision-log/%00", "/v1/decision-log/%FF", "/v1/decision-log/" + id + "x"} {
				if status, body := f.do(t, "GET", p, f.token, ""); status != 404 || errorCode(body) != "decision_not_logged" {
					t.Errorf("GET %s: %d %v", p, status, body)
				}
				if status, body := f.do(t, "POST", p+"/replay", f.token, ""); status != 404 || errorCode(body) != "decision_not_logged" {
					t.Errorf("replay %s: %d %v", p, status, body)
				}
			}
			if status, body := f.do(t, "GET", "/v1/decision-log/"+strings.ToUpper(id), f.token, ""); status != 200 || body["decision_id"] != id {
				t.Errorf("GET by the id in capitals: %d %v", status, body)
			}
		})
	}
}

// A malformed id is answered without asking the store: with the store gone
// (and the token still cached), it is 404 where a well-formed id is 503.
func TestAMalformedLogIDNeverReachesTheStore(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	if status, body := f.do(t, "GET", "/v1/decisions", f.token, ""); status != 200 { // the token is verified and cached
		t.Fatalf("%d %v", status, body)
	}
	st.Store.Close()
	if status, body := f.do(t, "GET", "/v1/decision-log/%00", f.token, ""); status != 404 || errorCode(body) != "decision_not_logged" {
		t.Errorf("a malformed id with the store gone: %d %v", status, body)
	}
	if status, body := f.do(t, "GET", "/v1/decision-log?enterprise=%00", f.token, ""); status != 422 {
		t.Errorf("a malformed filter with the store gone: %d %v", status, body)
	}
	if status, body := f.do(t, "GET", "/v1/decision-log/01a1ffae-0000-7000-8000-000000000000", f.token, ""); status != 503 {
		t.Errorf("a well-formed id with the store gone: %d %v (the store was not asked?)", status, body)
	}
}

package server_test

import (
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// Strings a store cannot hold (U+0000, invalid UTF-8), strings and lists over
// the documented lengths, and dates outside 1949-10-01..2199-12-31 are
// refused at the door with 422 and the field's path, on both stores: none
// reaches the store, the decision log or a policy's time built-ins.
func TestValuesAStoreOrPolicyCannotTakeAreRefusedAtTheDoor(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			const uscc = "91110000600037341L"
			firm := func(name string) string {
				return `{"name":"` + name + `","entity_type":"company","jurisdiction":"440500","status":"operating"}`
			}
			for _, tc := range []struct {
				name, method, path, body string
				code, field, want        string
			}{
				{"NUL in a stored name", "PUT", "/v1/enterprises/" + uscc, firm(`甲\u0000公司`),
					"invalid_facts", "name", "must not contain the NUL character (U+0000)"},
				{"name over 200 characters", "PUT", "/v1/enterprises/" + uscc, firm(strings.Repeat("企", 201)),
					"invalid_facts", "name", "must be at most 200 characters, got 201"},
				{"NUL in a listing's cause", "PUT", "/v1/enterprises/" + uscc, strings.TrimSuffix(firm("甲"), "}") +
					`,"listings":[{"list":"abnormal","cause":"x\u0000","listed_on":"2025-07-01"}]}`,
					"invalid_facts", "listings[0].cause", "must not contain the NUL character"},
				{"fact date before 1949-10-01", "PUT", "/v1/enterprises/" + uscc, strings.TrimSuffix(firm("甲"), "}") + `,"established_on":"0001-01-01"}`,
					"invalid_facts", "established_on", "from 1949-10-01 to 2199-12-31"},
				{"NUL in inline facts", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1,"name":"\u0000"}}`,
					"invalid_facts", "facts.name", "must not contain the NUL character"},
				{"NUL in a described context field", "POST", "/v1/decisions/penalty_discretion", `{"jurisdiction":"350505","context":{"violation":{"item":"a\u0000"}}}`,
					"invalid_context", "context.violation.item", "must not contain the NUL character"},
				{"NUL in the context of a decision without a schema", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"context":{"note":["\u0000"]}}`,
					"invalid_context", "context.note[0]", "must not contain the NUL character"},
				{"NUL in a context key", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"context":{"a\u0000":1}}`,
					"invalid_context", "context", `key "a\x00" must not contain the NUL character`},
				{"long context string", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"context":{"note":"` + strings.Repeat("x", 501) + `"}}`,
					"invalid_context", "context.note", "must be at most 500 characters, got 501"},
				{"long context array", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"context":{"note":[` + strings.Repeat("0,", 1000) + `0]}}`,
					"invalid_context", "context.note", "must hold at most 1000 items, got 1001"},
				{"NUL in jurisdiction", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"23000\u0000","facts":{"public_credit_score":1}}`,
					"invalid_jurisdiction", "jurisdiction", "six digits"},
				{"NUL in enterprise_id", "POST", "/v1/decisions/credit_grade", `{"enterprise_id":"91110000600037341\u0000"}`,
					"invalid_uscc", "enterprise_id", "position 18"},
				{"NUL in as_of", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"as_of":"2024-01-0\u0000"}`,
					"invalid_date", "as_of", "must be a date"},
				{"as_of beyond OPA's time range", "POST", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1},"as_of":"9999-12-31"}`,
					"invalid_date", "as_of", "from 1949-10-01 to 2199-12-31"},
				{"fact date before OPA's time range", "POST", "/v1/decisions/registration_change", `{"jurisdiction":"440500","as_of":"2026-11-21",
					"facts":{"listings":[{"list":"abnormal","cause":"annual_report_not_filed","listed_on":"0001-01-01"}]},"context":{"application":{"kind":"change"}}}`,
					"invalid_facts", "facts.listings[0].listed_on", "from 1949-10-01 to 2199-12-31"},
				{"context date beyond OPA's time range", "POST", "/v1/decisions/penalty_discretion", `{"jurisdiction":"350505","context":{"violation":{"ended_on":"9999-12-31"}}}`,
					"invalid_context", "context.violation.ended_on", "from 1949-10-01 to 2199-12-31"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := f.do(t, tc.method, tc.path, f.token, tc.body)
					if status != 422 || errorCode(body) != tc.code {
						t.Fatalf("status %d code %q, want 422 %q (body %v)", status, errorCode(body), tc.code, body)
					}
					if _, fields := errorParts(body); !strings.Contains(fields[tc.field], tc.want) {
						t.Errorf("details %v: %s lacks %q", fields, tc.field, tc.want)
					}
				})
			}
			if status, body := f.do(t, "GET", "/v1/enterprises/"+uscc, f.token, ""); status != 404 {
				t.Errorf("a refused record was stored: %d %v", status, body)
			}
			// Invalid UTF-8 never reaches a store: the body decoder replaces it.
			if status, body := f.do(t, "PUT", "/v1/enterprises/"+uscc, f.token, firm("甲\xff公司")); status != 200 {
				t.Fatalf("PUT: %d %v", status, body)
			}
			if _, body := f.do(t, "GET", "/v1/enterprises/"+uscc, f.token, ""); body["name"] != "甲\uFFFD公司" {
				t.Errorf("stored name %q", body["name"])
			}
		})
	}
}

// Free text up to 500 characters is stored and given back whole on both
// stores (Postgres columns once held only 100).
func TestTextAtTheLimitsIsStoredWhole(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			const uscc = "91110000600037341L"
			name, text := strings.Repeat("企", 200), strings.Repeat("文", 500)
			body := `{"name":"` + name + `","entity_type":"company","jurisdiction":"440500","status":"operating",
				"penalties":[{"decision_no":"` + text + `","decided_on":"2024-01-02","kinds":["fine"],"sector":"food","procedure":"ordinary"}],
				"listings":[{"list":"abnormal","cause":"` + text + `","listed_on":"2025-07-01"}],
				"licenses":[{"kind":"` + text + `","number":"` + text + `","expires_on":"2199-12-31"}],
				"inspections":[{"task":"` + text + `","inspected_on":"1949-10-01","result":"pass"}],
				"complaints":[{"received_on":"2024-05-01","kind":"` + text + `"}],
				"commitments":[{"item":"` + text + `","made_on":"2024-01-01","status":"kept"}]}`
			if status, got := f.do(t, "PUT", "/v1/enterprises/"+uscc, f.token, body); status != 200 {
				t.Fatalf("PUT: %d %v", status, got)
			}
			status, got := f.do(t, "GET", "/v1/enterprises/"+uscc, f.token, "")
			if status != 200 || got["name"] != name {
				t.Fatalf("GET: %d %.200v", status, got)
			}
			for list, field := range map[string]string{"penalties": "decision_no", "listings": "cause", "licenses": "number",
				"inspections": "task", "complaints": "kind", "commitments": "item"} {
				item := got[list].([]any)[0].(map[string]any)
				if item[field] != text {
					t.Errorf("%s[0].%s came back as %d characters", list, field, len([]rune(item[field].(string))))
				}
			}
		})
	}
}

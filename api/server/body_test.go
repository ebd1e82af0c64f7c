package server_test

import (
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// errorParts returns an error answer's message and its details as
// field → message.
func errorParts(body map[string]any) (string, map[string]string) {
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	fields := map[string]string{}
	details, _ := e["details"].([]any)
	for _, d := range details {
		d, _ := d.(map[string]any)
		f, _ := d["field"].(string)
		m, _ := d["message"].(string)
		fields[f] = m
	}
	return msg, fields
}

// A body that cannot be used is answered with what is wrong, where, what was
// expected and what was found, not with the decoder's own words.
func TestBodyErrorsNameTheFieldWhatWasExpectedAndWhatWasFound(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	truncated := `{"jurisdiction":"230000","facts":{"public` // 41 bytes
	for _, tc := range []struct {
		name, path, body string
		status           int
		code             string
		field            string // "" when the message alone is checked
		want             string // in the message, or in the field's detail
		not              string // must not be in the message
	}{
		{"truncated JSON", "/v1/decisions/credit_grade", truncated, 400, "malformed_body",
			"", "facts: unexpected end of the body at byte 41", `\u0000`},
		{"truncated after a key", "/v1/decisions/credit_grade", `{"jurisdiction":`, 400, "malformed_body",
			"", "jurisdiction: unexpected end of the body at byte 16", "invalid character"},
		{"empty body", "/v1/decisions/credit_grade", ``, 400, "malformed_body",
			"", "the body is empty", ""},
		{"misspelled top-level field", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{},"fact":{}}`, 400, "malformed_body",
			"", `unknown field "fact" (known: jurisdiction, enterprise_id, facts, context, as_of, revision)`, `unknown field "facts"`},
		{"score sent as a string", "/v1/decisions/credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":"800"}}`, 422, "invalid_facts",
			"facts.public_credit_score", `expected a number, found the string "800"`, ""},
		{"omitted enumeration", "/v1/decisions/registration_change", `{"jurisdiction":"440500","context":{"application":{}}}`, 422, "invalid_context",
			"context.application.kind", "is required (one of change, filing, deregistration)", ""},
		{"empty enumeration", "/v1/decisions/penalty_discretion", `{"jurisdiction":"350505","context":{"violation":{"harm":""}}}`, 422, "invalid_context",
			"context.violation.harm", "is required (one of none, slight, serious)", ""},
		{"omitted enumeration in facts", "/v1/decisions/penalty_publicity", `{"jurisdiction":"350505","facts":{"public_credit_score":1,
			"penalties":[{"decision_no":"a","decided_on":"2024-01-01","kinds":["fine"],"procedure":"ordinary"}]}}`, 422, "invalid_facts",
			"facts.penalties[0].sector", "is required (one of cosmetics, drug, food, general", `""`},
		{"string for a top-level number", "/v1/sampling-plans", `{"jurisdiction":"350505","year":"2023"}`, 400, "malformed_body",
			"year", `expected a whole number, found the string "2023"`, ""},
		{"unknown nested field", "/v1/sampling-plans", `{"inspectors":{"pool":[],"teamsize":2}}`, 400, "malformed_body",
			"inspectors.teamsize", `unknown field "teamsize" in inspectors (known: pool, team_size)`, ""},
		{"nested type", "/v1/sampling-plans", `{"inspectors":{"pool":["a",2]}}`, 400, "malformed_body",
			"inspectors.pool[1]", "expected a string, found the number 2", ""},
		{"syntax error", "/v1/decisions/credit_grade", `{"jurisdiction": 230000x}`, 400, "malformed_body",
			"", "invalid character 'x' after object key:value pair at byte 23", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(t, "POST", tc.path, f.token, tc.body)
			if status != tc.status || errorCode(body) != tc.code {
				t.Fatalf("status %d code %q, want %d %q (body %v)", status, errorCode(body), tc.status, tc.code, body)
			}
			msg, fields := errorParts(body)
			if tc.field == "" {
				if !strings.Contains(msg, tc.want) {
					t.Errorf("message %q lacks %q", msg, tc.want)
				}
			} else if !strings.Contains(fields[tc.field], tc.want) {
				t.Errorf("details %v: %s lacks %q (message %q)", fields, tc.field, tc.want, msg)
			}
			if tc.not != "" && strings.Contains(msg, tc.not) {
				t.Errorf("message %q still says %q", msg, tc.not)
			}
		})
	}
}

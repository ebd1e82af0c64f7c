package decision

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
)

// contextProblems checks a context given as JSON against the named
// decision's schema, as decodeContext does.
func contextProblems(t *testing.T, decision, doc string) enterprise.FieldErrors {
	t.Helper()
	def, ok := shippedCatalogue(t).Lookup(decision)
	if !ok {
		t.Fatalf("no decision %s", decision)
	}
	var ctx map[string]any
	if err := json.Unmarshal([]byte(doc), &ctx); err != nil {
		t.Fatal(err)
	}
	var errs enterprise.FieldErrors
	def.Context.Check("context", ctx, &errs)
	return errs
}

func TestContextIsHeldToWhatTheStoreCanKeep(t *testing.T) {
	long := strings.Repeat("文", 501)
	many := "[" + strings.Repeat("1,", 1000) + "1]"
	for _, tc := range []struct {
		name, decision, doc, field, msg string
	}{
		{"NUL in a described string", "penalty_discretion", `{"violation":{"item":"a\u0000b"}}`,
			"context.violation.item", "must not contain the NUL character (U+0000)"},
		{"NUL in an enumerated string", "penalty_discretion", `{"violation":{"harm":"none\u0000"}}`,
			"context.violation.harm", "must not contain the NUL character"},
		{"NUL in an undescribed field", "penalty_discretion", `{"violation":{"note":{"deep":["ok","x\u0000"]}}}`,
			"context.violation.note.deep[1]", "must not contain the NUL character"},
		{"NUL in a key", "penalty_discretion", `{"violation":{"a\u0000b":1}}`,
			"context.violation", `key "a\x00b" must not contain the NUL character`},
		{"NUL in the context of a decision without a schema", "credit_grade", `{"x":["\u0000"]}`,
			"context.x[0]", "must not contain the NUL character"},
		{"NUL in a key of a decision without a schema", "credit_grade", `{"\u0000":1}`,
			"context", "must not contain the NUL character"},
		{"long described string", "commitment_breach", `{"commitment":{"item":"` + long + `"}}`,
			"context.commitment.item", "must be at most 500 characters, got 501"},
		{"long undescribed string", "credit_grade", `{"note":"` + long + `"}`,
			"context.note", "must be at most 500 characters, got 501"},
		{"long key", "credit_grade", `{"` + long + `":1}`,
			"context", "must be at most 500 characters, got 501"},
		{"long described array", "abnormal_listing", `{"cause":"publicity_info_error","error_fields":` + strings.ReplaceAll(many, "1", `"phone"`) + `}`,
			"context.error_fields", "must hold at most 1000 items, got 1001"},
		{"long undescribed array", "supervision", `{"extra":` + many + `}`,
			"context.extra", "must hold at most 1000 items, got 1001"},
		{"date beyond OPA's range", "penalty_discretion", `{"violation":{"ended_on":"9999-12-31"}}`,
			"context.violation.ended_on", "must be a date YYYY-MM-DD from 1949-10-01 to 2199-12-31"},
		{"date before the range", "penalty_publicity", `{"penalty":{"decision_no":"a","decided_on":"0001-01-01","kinds":["fine"]}}`,
			"context.penalty.decided_on", "from 1949-10-01 to 2199-12-31"},
		{"omitted required enumeration", "registration_change", `{"application":{}}`,
			"context.application.kind", "is required (one of change, filing, deregistration)"},
		{"empty enumeration", "penalty_discretion", `{"violation":{"harm":""}}`,
			"context.violation.harm", "is required (one of none, slight, serious)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := contextProblems(t, tc.decision, tc.doc)
			if len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, tc.msg) {
				t.Errorf("got %v, want one problem on %s saying %q", errs, tc.field, tc.msg)
			}
		})
	}
}

func TestContextsWithinTheLimitsPass(t *testing.T) {
	ok := strings.Repeat("文", 500)
	for _, tc := range []struct{ decision, doc string }{
		{"penalty_discretion", `{"violation":{"item":"` + ok + `","harm":"slight","ended_on":"2199-12-31","discovered_on":"1949-10-01","note":{"` + ok + `":["` + ok + `"]}}}`},
		{"credit_grade", `{"anything":{"a":[1,2,{"b":"c"}]}}`},
		{"credit_grade", `{}`},
		{"supervision", `{"extra":[` + strings.Repeat("1,", 999) + `1]}`},
	} {
		if errs := contextProblems(t, tc.decision, tc.doc); len(errs) > 0 {
			t.Errorf("%s %.80s…: %v", tc.decision, tc.doc, errs)
		}
	}
}

package engine_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
)

// changedTree compiles the shipped tree with one file changed by change.
func changedTree(t *testing.T, path string, change func(string) string) *engine.PolicySet {
	t.Helper()
	old, err := fs.ReadFile(policies.FS, path)
	if err != nil {
		t.Fatal(err)
	}
	edited := change(string(old))
	if edited == string(old) {
		t.Fatalf("the change to %s changes nothing", path)
	}
	ps, err := engine.Compile(context.Background(), enginetest.Shipped(map[string]string{path: edited}), engine.Options{})
	if err != nil {
		t.Fatalf("compiling with %s changed: %v", path, err)
	}
	return ps
}

func replaceOnce(t *testing.T, old, new string) func(string) string {
	return func(s string) string {
		if strings.Count(s, old) != 1 {
			t.Fatalf("%q is not there exactly once", old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// The comparison of two trees says a decision cannot change on a chain only
// when nothing it can read differs there, and names what differs otherwise.
func TestComparisonFindsWhereADecisionMayChange(t *testing.T) {
	base := load(t)
	type pair struct {
		decision string
		chain    []string
	}
	for _, tc := range []struct {
		name      string
		head      *engine.PolicySet
		changed   []pair
		unchanged []pair
		why       string // part of the reason given for the first changed pair
	}{
		{
			name:      "the same tree",
			head:      load(t),
			unchanged: []pair{{"credit_grade", hlj}, {"supervision", quangang}, {"registration_change", shantou}, {"credit_grade", shantou}},
		},
		{
			name:      "a comment in a library",
			head:      changedTree(t, "lib/grade.rego", func(s string) string { return s + "\n# a note for readers\n" }),
			unchanged: []pair{{"credit_grade", hlj}, {"risk_class", hlj}},
		},
		{
			name:      "Quangang's parameters",
			head:      changedTree(t, "params/350505/data.json", replaceOnce(t, `"raise_levels": 1,`, `"raise_levels": 2,`)),
			changed:   []pair{{"supervision", quangang}, {"risk_alerts", quangang}, {"registration_change", quangang}},
			unchanged: []pair{{"supervision", hequ}, {"supervision", shantou}, {"credit_grade", hlj}, {"supervision", []string{"350500", "350000", "100000"}}},
			why:       "parameters of 350505",
		},
		{
			name:      "a library rule",
			head:      changedTree(t, "lib/grade.rego", replaceOnce(t, `"%v分及以上、不足%v分"`, `"%v分以上、不足%v分"`)),
			changed:   []pair{{"credit_grade", hlj}, {"supervision", shantou}},
			unchanged: []pair{{"credit_grade", shantou}}, // answered by no policy in either tree
			why:       "lib/grade.rego",
		},
		{
			name:      "the national supervision package, which the local ones import",
			head:      changedTree(t, "j100000/supervision.rego", func(s string) string { return s + "\nunused_by_anyone := true\n" }),
			changed:   []pair{{"supervision", quangang}, {"supervision", hlj}, {"supervision", guangdong}},
			unchanged: []pair{{"credit_grade", hlj}, {"registration_change", shantou}, {"risk_class", hlj}},
			why:       "j100000/supervision.rego",
		},
		{
			name:      "Heilongjiang's credit grade package",
			head:      changedTree(t, "j230000/credit_grade.rego", func(s string) string { return s + "\nunused_by_anyone := true\n" }),
			changed:   []pair{{"credit_grade", hlj}},
			unchanged: []pair{{"risk_class", hlj}, {"supervision", hlj}},
			why:       "j230000/credit_grade.rego",
		},
		{
			name:    "the catalogue",
			head:    changedTree(t, "catalogue.json", replaceOnce(t, `"title": "公共信用综合评价等级"`, `"title": "公共信用综合评价等级（新）"`)),
			changed: []pair{{"credit_grade", hlj}, {"registration_change", shantou}},
			why:     "catalogue.json",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := engine.Compare(base, tc.head)
			for i, p := range tc.changed {
				same, why := c.Unchanged(p.decision, p.chain)
				if same {
					t.Errorf("%s on %v: unchanged, want a difference", p.decision, p.chain)
				}
				if i == 0 && !strings.Contains(why, tc.why) {
					t.Errorf("%s on %v: %q, want it to name %q", p.decision, p.chain, why, tc.why)
				}
			}
			for _, p := range tc.unchanged {
				if same, why := c.Unchanged(p.decision, p.chain); !same {
					t.Errorf("%s on %v: %s, want unchanged", p.decision, p.chain, why)
				}
			}
		})
	}
}

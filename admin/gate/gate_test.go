package gate_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/gate"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

func shipped(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tree, err := admin.ReadFiles(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	tests, err := admin.ReadFiles(testpolicies.FS)
	if err != nil {
		t.Fatal(err)
	}
	for p, b := range tree {
		files[admin.PoliciesDir+p] = b
	}
	for p, b := range tests {
		files[admin.TestsDir+p] = b
	}
	return files
}

func check(t *testing.T, rep admin.GateReport, name string) admin.GateCheck {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("the gate ran no %s check: %+v", name, rep)
	return admin.GateCheck{}
}

// The shipped tree passes; a tree that compiles but holds a conflict only
// the corpus finds (two complete definitions of one decision that disagree
// on some input) fails on the corpus check, with the file and line; a test
// broken by a change fails the tests check with its values.
func TestGate(t *testing.T) {
	ctx := context.Background()
	files := shipped(t)
	rep := gate.Checker{}.Check(ctx, files)
	if !rep.Passed || rep.Revision == "" {
		t.Fatalf("the shipped tree fails the gate: %+v", rep)
	}

	conflicting := maps.Clone(files)
	conflicting["policies/j440500/registration_change.rego"] = []byte(`package j440500.registration_change

import data.j100000.registration_change as national

decision := national.decision

decision := {"accept": false, "blocking": [], "reasons": []} if {
	input.context.application.kind == "filing"
}
`)
	rep = gate.Checker{}.Check(ctx, conflicting)
	corpus := check(t, rep, "corpus")
	if rep.Passed || corpus.Passed || len(corpus.Problems) == 0 {
		t.Fatalf("a conflict passed the gate: %+v", rep)
	}
	if p := corpus.Problems[0]; p.File != "policies/j440500/registration_change.rego" || p.Line != 7 {
		t.Errorf("the conflict is reported at %s:%d, want policies/j440500/registration_change.rego:7", p.File, p.Line)
	}

	broken := maps.Clone(files)
	broken["policies/params/230000/data.json"] = []byte(strings.Replace(string(files["policies/params/230000/data.json"]), `"min": 790`, `"min": 800`, 1))
	rep = gate.Checker{}.Check(ctx, broken)
	tests := check(t, rep, "tests")
	if rep.Passed || tests.Passed || len(tests.Problems) == 0 || !strings.Contains(tests.Problems[0].Test, "credit_grade") {
		t.Fatalf("a band change that breaks its boundary test passed the tests check: %+v", tests)
	}

	unparsable := maps.Clone(files)
	unparsable["policies/j230000/credit_grade.rego"] = []byte("package j230000.credit_grade\n\ndecision := {\n")
	rep = gate.Checker{}.Check(ctx, unparsable)
	if c := check(t, rep, "compile"); c.Passed || len(c.Problems) == 0 || c.Problems[0].File != "policies/j230000/credit_grade.rego" {
		t.Fatalf("a parse error is not reported on its file: %+v", c)
	}
	if check(t, rep, "tests").Passed || check(t, rep, "corpus").Passed {
		t.Error("tests and corpus read as passed on a tree that does not compile")
	}

	// A regression test that does not parse is named as the draft names it.
	badTest := maps.Clone(files)
	badTest["testpolicies/j230000/credit_grade_test.rego"] = []byte("package j230000.credit_grade_test\n\nbroken := {\n")
	rep = gate.Checker{}.Check(ctx, badTest)
	if c := check(t, rep, "tests"); c.Passed || len(c.Problems) == 0 || c.Problems[0].File != "testpolicies/j230000/credit_grade_test.rego" {
		t.Errorf("a broken test file is reported as %+v, want testpolicies/j230000/credit_grade_test.rego", c.Problems)
	}
}

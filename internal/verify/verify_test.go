package verify_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/verify"
)

// The runner must report failures, not only successes.
func TestFailuresAreReported(t *testing.T) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "140000", Name: "山西省", Level: "province", Parent: "100000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	policies := enginetest.Tree(fstest.MapFS{"j100000/answer.rego": {Data: []byte("package j100000.answer\n\ndecision := {\"value\": 42}\n")}})
	tests := fstest.MapFS{
		"j100000/answer_test.rego": {Data: []byte(`package j100000.answer_test

import data.j100000.answer

test_right if answer.decision.value == 42

test_wrong if answer.decision.value == 41
`)},
		"cases/answer.yaml": {Data: []byte(`inherited right:
  decision: credit_grade
  jurisdiction: "140000"
  expect: {error: decision_not_found}
inherited wrong:
  decision: registration_change
  jurisdiction: "140000"
  context: {application: {kind: change}}
  expect: {result: {accept: true}}
`)},
	}
	rep, err := verify.Run(context.Background(), verify.Suite{Policies: policies, Tests: tests, Jurisdictions: reg}, verify.Options{Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range rep.Results {
		got[r.Name] = r.Passed
	}
	want := map[string]bool{"test_right": true, "test_wrong": false, "inherited right": false, "inherited wrong": false}
	for name, passed := range want {
		if got[name] != passed {
			t.Errorf("%s: passed = %v, want %v (results %+v)", name, got[name], passed, rep.Results)
		}
	}
	if rep.Failed() != 3 {
		t.Errorf("Failed() = %d, want 3", rep.Failed())
	}
}

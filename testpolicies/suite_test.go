package testpolicies_test

import (
	"context"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

// TestSuite runs every Rego test and every decision case against the shipped
// tree, each as a subtest.
func TestSuite(t *testing.T) {
	ctx := context.Background()
	reg, _, err := engine.ReadTreeData(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(ctx, verify.Suite{Policies: policies.FS, Tests: testpolicies.FS, Jurisdictions: reg}, verify.Options{Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) == 0 {
		t.Fatal("the suite ran no test")
	}
	for _, r := range rep.Results {
		t.Run(r.Package+"."+r.Name, func(t *testing.T) {
			if !r.Passed {
				t.Errorf("%s:%d: %s", r.File, r.Row, r.Error)
			}
		})
	}
	t.Logf("%d tests, policy coverage %.1f%%", len(rep.Results), rep.Coverage.Coverage)
}

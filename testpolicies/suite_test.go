package testpolicies_test

import (
	"context"
	"testing"

	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
	"github.com/credpol/credpol/verify"
)

// TestRegoSuite runs every Rego test against the shipped tree, each as a subtest.
func TestRegoSuite(t *testing.T) {
	rep, err := verify.Run(context.Background(), policies.FS, testpolicies.FS, verify.Options{Coverage: true})
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
	t.Logf("%d Rego tests, policy coverage %.1f%%", len(rep.Results), rep.Coverage.Coverage)
}

package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
)

var (
	hequ      = []string{"140930", "140900", "140000", "100000"}
	shantou   = []string{"440500", "440000", "100000"}
	guangdong = []string{"440000", "100000"}
	hlj       = []string{"230000", "100000"}
	quangang  = []string{"350505", "350500", "350000", "100000"}
)

func load(t *testing.T) *engine.PolicySet {
	t.Helper()
	var e engine.Engine
	ps, err := e.Load(context.Background(), policies.FS)
	if err != nil {
		t.Fatalf("shipped policies do not compile: %v", err)
	}
	return ps
}

func eval(t *testing.T, ps *engine.PolicySet, decision string, chain []string, doc map[string]any) *engine.Outcome {
	t.Helper()
	in := map[string]any{"as_of": "2026-11-21", "jurisdiction": map[string]any{"code": chain[0], "chain": anySlice(chain)}}
	for k, v := range doc {
		in[k] = v
	}
	out, err := ps.Evaluate(context.Background(), decision, chain, in)
	if err != nil {
		t.Fatalf("%s for %s: %v", decision, chain[0], err)
	}
	return out
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func TestResolutionPicksTheMostSpecificJurisdiction(t *testing.T) {
	ps := load(t)
	for _, tc := range []struct {
		chain []string
		want  string
	}{
		{shantou, "440500"},
		{guangdong, "100000"},
		{hequ, "100000"},
		{quangang, "100000"},
	} {
		if got, ok := ps.Provider(tc.chain, "registration_change"); !ok || got != tc.want {
			t.Errorf("registration_change for %s: provider %q, want %q", tc.chain[0], got, tc.want)
		}
	}
	if got, ok := ps.Provider(hlj, "credit_grade"); !ok || got != "230000" {
		t.Errorf("credit_grade for 230000: provider %q", got)
	}
	if _, ok := ps.Provider(quangang, "credit_grade"); ok {
		t.Error("credit_grade resolved outside Heilongjiang")
	}
}

func TestNotConfiguredIsAnError(t *testing.T) {
	ps := load(t)
	_, err := ps.Evaluate(context.Background(), "credit_grade", quangang, map[string]any{"as_of": "2026-11-21"})
	if !errors.Is(err, engine.ErrNotConfigured) {
		t.Fatalf("err = %v, want ErrNotConfigured", err)
	}
}

// A jurisdiction with no files answers exactly as its parent: Hequ as the
// national baseline for registration_change, Guangdong likewise.
func TestJurisdictionWithoutFilesInheritsItsParent(t *testing.T) {
	ps := load(t)
	listed := map[string]any{
		"enterprise": map[string]any{"listings": []any{map[string]any{"list": "abnormal", "cause": "x", "listed_on": "2025-01-01", "removed_on": nil}}},
		"context":    map[string]any{"application": map[string]any{"kind": "deregistration", "simplified": true}},
	}
	national := eval(t, ps, "registration_change", []string{"100000"}, listed)
	for _, chain := range [][]string{hequ, guangdong} {
		got := eval(t, ps, "registration_change", chain, listed)
		if got.Source != "100000" || got.Value["accept"] != national.Value["accept"] {
			t.Errorf("%s: source %s accept %v; national accept %v", chain[0], got.Source, got.Value["accept"], national.Value["accept"])
		}
	}
	if national.Value["accept"] != false {
		t.Error("simplified deregistration of a listed entity was accepted")
	}
}

func TestPolicyRefusalIsReturnedAsRefusal(t *testing.T) {
	ps := load(t)
	_, err := ps.Evaluate(context.Background(), "credit_grade", hlj, map[string]any{"as_of": "2026-11-21",
		"jurisdiction": map[string]any{"code": "230000", "chain": anySlice(hlj)}, "enterprise": map[string]any{}})
	var r *engine.Refusal
	if !errors.As(err, &r) || r.Code != "missing_fact" {
		t.Fatalf("err = %v, want a missing_fact refusal", err)
	}
}

func TestRestrictedBuiltinsAreRefusedWithFileAndLine(t *testing.T) {
	for _, tc := range []struct{ call, builtin string }{
		{`http.send({"method": "get", "url": "http://example.com"})`, "http.send"},
		{`time.now_ns()`, "time.now_ns"},
		{`rand.intn("x", 10)`, "rand.intn"},
		{`uuid.rfc4122("x")`, "uuid.rfc4122"},
		{`opa.runtime()`, "opa.runtime"},
		{`count([net.lookup_ip_addr("example.com")])`, "net.lookup_ip_addr"},
	} {
		t.Run(tc.builtin, func(t *testing.T) {
			fsys := enginetest.Tree(fstest.MapFS{"j100000/bad.rego": {Data: []byte("package j100000.bad\n\ndecision := x if {\n\tx := " + tc.call + "\n}\n")}})
			_, err := engine.Compile(context.Background(), fsys, engine.Options{})
			var errs engine.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("err = %v, want compile errors", err)
			}
			if errs[0].File != "j100000/bad.rego" || errs[0].Row != 4 {
				t.Errorf("location = %s:%d, want j100000/bad.rego:4", errs[0].File, errs[0].Row)
			}
			if !strings.Contains(errs[0].Message, tc.builtin+" is not allowed") {
				t.Errorf("message %q does not say %s is not allowed", errs[0].Message, tc.builtin)
			}
		})
	}
}

func TestFailedLoadKeepsServingThePreviousRevision(t *testing.T) {
	var e engine.Engine
	ctx := context.Background()
	good, err := e.Load(ctx, policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	broken := enginetest.Tree(fstest.MapFS{"j100000/x.rego": {Data: []byte("package j100000.x\n\ndecision := {\n")}})
	if _, err := e.Load(ctx, broken); err == nil {
		t.Fatal("a tree with a syntax error loaded")
	}
	if e.Current() != good {
		t.Fatal("a failed load replaced the serving revision")
	}
	changed := enginetest.Tree(fstest.MapFS{"j100000/x.rego": {Data: []byte("package j100000.x\n\ndecision := {\"ok\": true}\n")}})
	next, err := e.Load(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if e.Current() != next || next.Revision() == good.Revision() {
		t.Error("a good load did not swap in a new revision")
	}
}

func TestRevisionIsAContentHash(t *testing.T) {
	a := enginetest.Tree(fstest.MapFS{"j100000/x.rego": {Data: []byte("package j100000.x\n\ndecision := {\"ok\": true}\n")}})
	b := enginetest.Tree(fstest.MapFS{"j100000/x.rego": {Data: []byte("package j100000.x\n\ndecision := {\"ok\": false}\n")}})
	ctx := context.Background()
	pa1, _ := engine.Compile(ctx, a, engine.Options{})
	pa2, _ := engine.Compile(ctx, a, engine.Options{})
	pb, _ := engine.Compile(ctx, b, engine.Options{})
	if pa1.Revision() != pa2.Revision() || pa1.Revision() == pb.Revision() {
		t.Errorf("revisions %s %s %s: same content must hash equal, different content differently", pa1.Revision(), pa2.Revision(), pb.Revision())
	}
}

func TestEvaluationErrorNamesThePolicyFile(t *testing.T) {
	// Two values for one complete rule is a conflict only known at evaluation.
	fsys := enginetest.Tree(fstest.MapFS{"j100000/conflict.rego": {Data: []byte(`package j100000.conflict

decision := {"a": 1} if input.enterprise.new_format
decision := {"a": 2} if input.enterprise.reachable
`)}})
	ps, err := engine.Compile(context.Background(), fsys, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ps.Evaluate(context.Background(), "conflict", []string{"100000"}, map[string]any{"enterprise": map[string]any{"new_format": true, "reachable": true}})
	var ee *engine.EvalError
	if !errors.As(err, &ee) || ee.Err.File != "j100000/conflict.rego" || ee.Err.Row == 0 {
		t.Fatalf("err = %#v, want an EvalError located in j100000/conflict.rego", err)
	}
}

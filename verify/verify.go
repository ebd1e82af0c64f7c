// Package verify runs the Rego regression suite against a policy tree with
// credpol's restricted capabilities, for `go test`, `credpol test` and CI alike.
package verify

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/credpol/credpol/decision"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/enterprise"
	"github.com/credpol/credpol/jurisdiction"
)

// Options select and instrument a run.
type Options struct {
	Run      string // only tests whose package.name matches this regular expression
	Coverage bool   // measure which policy lines the tests evaluate
}

// Result is one Rego test.
type Result struct {
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	File     string        `json:"file"`
	Row      int           `json:"row"`
	Passed   bool          `json:"passed"`
	Skipped  bool          `json:"skipped,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is a whole run.
type Report struct {
	Results  []Result      `json:"results"`
	Coverage *cover.Report `json:"coverage,omitempty"`
}

// Failed counts failed tests.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Passed && !res.Skipped {
			n++
		}
	}
	return n
}

// IsTestFile reports whether name is a Rego test file.
func IsTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// Suite is what a run covers: a policy tree, its tests (Rego *_test.rego files
// and YAML decision cases under cases/), and the jurisdiction tree the cases
// resolve along.
type Suite struct {
	Policies      fs.FS
	Tests         fs.FS
	Jurisdictions *jurisdiction.Registry
}

// Run runs the Rego tests and the decision cases of s.
func Run(ctx context.Context, s Suite, opts Options) (*Report, error) {
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
		ctx = engine.WithTracer(ctx, cov)
	}
	rep, err := runRego(ctx, s.Policies, s.Tests, opts.Run, cov)
	if err != nil {
		return nil, err
	}
	ps, err := engine.Compile(ctx, s.Policies, engine.Options{})
	if err != nil {
		return nil, err
	}
	eng := &engine.Engine{}
	eng.Use(ps)
	svc := &decision.Service{Engine: eng, Jurisdictions: s.Jurisdictions,
		Validator: enterprise.Validator{KnownJurisdiction: s.Jurisdictions.Has}}
	cases, err := fs.Sub(s.Tests, "cases")
	if err != nil {
		return nil, err
	}
	results, err := RunCases(ctx, svc, cases, opts.Run)
	if err != nil {
		return nil, fmt.Errorf("decision cases: %w", err)
	}
	rep.Results = append(rep.Results, results...)
	if cov != nil {
		report := cov.Report(ps.Modules())
		rep.Coverage = &report
	}
	return rep, nil
}

// runRego compiles the policy tree with the tests and runs every Rego test,
// tracing coverage into cov when it is not nil. Policy files keep the names
// the engine gives them, so one coverage report spans tests and cases.
func runRego(ctx context.Context, policyFS fs.FS, testFS fs.FS, run string, cov *cover.Cover) (*Report, error) {
	policyMods, docs, err := engine.ReadModules(policyFS, engine.IsPolicyFile)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	testMods, testDocs, err := engine.ReadModules(testFS, func(name string) bool {
		return IsTestFile(name) || path.Ext(name) == ".json"
	})
	if err != nil {
		return nil, fmt.Errorf("tests: %w", err)
	}
	modules := prefixed("testpolicies/", testMods)
	maps.Copy(modules, policyMods)
	if errs := engine.RefusedCalls(modules); len(errs) > 0 {
		return nil, errs
	}
	maps.Copy(docs, testDocs)

	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(engine.Capabilities()).WithEnablePrintStatements(true)).
		SetStore(inmem.NewFromObject(docs)).
		SetModules(modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		Filter(run)
	if cov != nil {
		runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	for r := range ch {
		res := Result{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Passed: r.Pass(),
			Skipped: r.Skip, Duration: r.Duration}
		if r.Location != nil {
			res.File, res.Row = "testpolicies/"+r.Location.File, r.Location.Row
		}
		switch {
		case r.Error != nil:
			res.Error = r.Error.Error()
		case r.Fail && r.FailedAt != nil:
			res.Error = fmt.Sprintf("failed at %s: %s", r.FailedAt.Location, r.FailedAt)
		case r.Fail:
			res.Error = "the test's body was false"
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func prefixed(prefix string, mods map[string]*ast.Module) map[string]*ast.Module {
	out := make(map[string]*ast.Module, len(mods))
	for name, m := range mods {
		out[prefix+name] = m
	}
	return out
}

// Package verify runs the Rego regression suite against a policy tree with
// credpol's restricted capabilities, for `go test`, `credpol test` and CI alike,
// and writes what it found as the reports people and CI read.
package verify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// Options select and instrument a run.
type Options struct {
	// Run keeps only the tests whose name, exactly as reports show it
	// (Result.ID: j230000.credit_grade_test.test_…, cases.supervision.…),
	// matches this regular expression.
	Run string
	// Coverage measures which policy lines the tests and cases evaluate.
	Coverage bool
	// Threshold is the least policy line coverage, in percent, the run must
	// reach; above zero it implies Coverage.
	Threshold float64
	// Lang is the language of failure messages (English when empty).
	Lang engine.Lang
}

// Result is one Rego test or decision case.
type Result struct {
	// ID is the test's name as every report shows it and as Options.Run
	// matches it: Package + "." + Name.
	ID       string        `json:"id"`
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	File     string        `json:"file"`
	Row      int           `json:"row"`
	Passed   bool          `json:"passed"`
	Skipped  bool          `json:"skipped,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Failure is where a failed Rego test stopped and the values involved
	// (failure.go); Error tells it in words.
	Failure *Failure `json:"failure,omitempty"`
}

// Report is a whole run.
type Report struct {
	// Policies is where the policy tree is, as file names in the report
	// start; Revision is the tree's revision, the one a server loading the
	// same files reports.
	Policies string `json:"policies,omitempty"`
	Revision string `json:"revision,omitempty"`
	// Builtin says the tree is the one built into the binary, not files on disk.
	Builtin bool `json:"builtin,omitempty"`
	// Tests are the test directories that ran.
	Tests   []string `json:"tests,omitempty"`
	Results []Result `json:"results"`
	// Coverage counts the lines of policy files only (tests are not
	// policy); its file names are relative to Policies.
	Coverage  *cover.Report `json:"coverage,omitempty"`
	Threshold float64       `json:"threshold,omitempty"`
	// CoverageFailure says why coverage is under Threshold ("" when it is not).
	CoverageFailure string `json:"coverage_failure,omitempty"`
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

// Skipped counts skipped tests (Rego tests named todo_test_…).
func (r *Report) Skipped() int {
	n := 0
	for _, res := range r.Results {
		if res.Skipped {
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
	// PoliciesPath and TestsPath are where Policies and Tests are, so that
	// reports and errors name files as their authors find them ("policies"
	// and "testpolicies" when empty).
	PoliciesPath, TestsPath string
}

func (s Suite) policiesPath() string { return cmp.Or(s.PoliciesPath, "policies") }
func (s Suite) testsPath() string    { return cmp.Or(s.TestsPath, "testpolicies") }

// Run runs the Rego tests and the decision cases of s.
func Run(ctx context.Context, s Suite, opts Options) (*Report, error) {
	filter, err := compileRun(opts.Run)
	if err != nil {
		return nil, err
	}
	// The tree compiles first, as a server would load it, so a mistake in
	// it is reported by the same checks and in the same words as by
	// `credpol check`; and before coverage is traced, so the evaluations
	// compiling makes are not counted as tested lines.
	ps, err := engine.Compile(ctx, s.Policies, engine.Options{})
	if err != nil {
		return nil, LocateIn(s.policiesPath(), err)
	}
	var cov *cover.Cover
	if opts.Coverage || opts.Threshold > 0 {
		cov = cover.New()
		ctx = engine.WithTracer(ctx, cov)
	}
	rep, err := runRego(ctx, s, filter, cov)
	if err != nil {
		return nil, err
	}
	explainFailures(ctx, s, rep.Results, cmp.Or(opts.Lang, engine.English))
	eng := &engine.Engine{}
	eng.Use(ps)
	svc := &decision.Service{Engine: eng, Jurisdictions: s.Jurisdictions,
		Validator: enterprise.Validator{KnownJurisdiction: s.Jurisdictions.Has}}
	results, err := runCases(ctx, svc, s.Tests, s.testsPath(), filter)
	if err != nil {
		return nil, fmt.Errorf("decision cases: %w", err)
	}
	rep.Results = append(rep.Results, results...)
	rep.Policies, rep.Revision, rep.Tests = s.policiesPath(), ps.Revision(), []string{s.testsPath()}
	if cov != nil {
		report := cov.Report(ps.Modules())
		rep.Coverage = policyCoverage(report, ps.Modules())
	}
	rep.Threshold = opts.Threshold
	rep.finish()
	return rep, nil
}

// finish puts results in a stable order (by file, then name) and judges
// coverage against the threshold, after a run or a merge.
func (r *Report) finish() {
	for i := range r.Results {
		if r.Results[i].ID == "" {
			r.Results[i].ID = fullName(r.Results[i].Package, r.Results[i].Name)
		}
	}
	slices.SortStableFunc(r.Results, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Row, b.Row))
	})
	r.CoverageFailure = ""
	if r.Threshold > 0 && r.Coverage != nil && r.Coverage.Coverage < r.Threshold {
		r.CoverageFailure = fmt.Sprintf("policy coverage %.1f%% is under the threshold %.1f%%", r.Coverage.Coverage, r.Threshold)
	}
}

// Merge adds the results and coverage of another run over the same policy
// tree (another test directory) to r.
func (r *Report) Merge(other *Report) {
	r.Results = append(r.Results, other.Results...)
	r.Tests = append(r.Tests, other.Tests...)
	r.Policies, r.Revision = cmp.Or(r.Policies, other.Policies), cmp.Or(r.Revision, other.Revision)
	r.Builtin = r.Builtin || other.Builtin
	r.Threshold = max(r.Threshold, other.Threshold)
	r.Coverage = mergeCoverage(r.Coverage, other.Coverage)
	r.finish()
}

// runRego compiles the policy tree with the tests and runs the Rego tests
// filter selects, tracing coverage into cov when it is not nil. Policy files
// keep the names the engine gives them, so one coverage report spans tests
// and cases; test files are named by where they are, so a failure or an
// error in one points at the file to open.
func runRego(ctx context.Context, s Suite, filter filter, cov *cover.Cover) (*Report, error) {
	policyMods, docs, err := engine.ReadModules(s.Policies, engine.IsPolicyFile)
	if err != nil {
		return nil, fmt.Errorf("policies: %w", LocateIn(s.policiesPath(), err))
	}
	testMods, err := readTests(s.Tests, s.testsPath())
	if err != nil {
		return nil, err
	}
	_, testDocs, err := engine.ReadModules(s.Tests, func(name string) bool { return path.Ext(name) == ".json" })
	if err != nil {
		return nil, fmt.Errorf("tests: %w", LocateIn(s.testsPath(), err))
	}
	modules := maps.Clone(testMods)
	maps.Copy(modules, policyMods)
	if errs := engine.RefusedCalls(modules); len(errs) > 0 {
		return nil, LocateIn(s.policiesPath(), errs)
	}
	maps.Copy(docs, testDocs)

	runner := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(engine.Capabilities()).WithEnablePrintStatements(true)).
		SetStore(inmem.NewFromObject(docs)).
		SetModules(modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		Filter(filter.regoPattern(testMods))
	if cov != nil {
		runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.RunTests(ctx, nil)
	if err != nil {
		var astErrs ast.Errors
		if errors.As(err, &astErrs) {
			return nil, LocateIn(s.policiesPath(), fromAST(astErrs))
		}
		return nil, err
	}
	rep := &Report{}
	for r := range ch {
		res := Result{Package: strings.TrimPrefix(r.Package, "data."), Name: r.Name, Passed: r.Pass(),
			Skipped: r.Skip, Duration: r.Duration}
		res.ID = fullName(res.Package, res.Name)
		if r.Location != nil {
			res.File, res.Row = r.Location.File, r.Location.Row
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

// readTests parses the Rego tests of fsys under names that start with dir,
// the same names their locations, failures and errors carry.
func readTests(fsys fs.FS, dir string) (map[string]*ast.Module, error) {
	out := map[string]*ast.Module{}
	var errs engine.Errors
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsTestFile(p) {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := path.Join(dir, p)
		m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, Capabilities: engine.Capabilities()})
		var astErrs ast.Errors
		switch {
		case errors.As(err, &astErrs):
			errs = append(errs, engine.ParseErrors(src, err)...)
		case err != nil:
			errs = append(errs, engine.Error{File: name, Message: err.Error()})
		default:
			out[name] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tests: %w", err)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func fromAST(in ast.Errors) engine.Errors {
	out := make(engine.Errors, 0, len(in))
	for _, e := range in {
		x := engine.Error{Message: e.Message}
		if e.Location != nil {
			x.File, x.Row = e.Location.File, e.Location.Row
		}
		out = append(out, x)
	}
	slices.SortStableFunc(out, func(a, b engine.Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Row, b.Row))
	})
	return out
}

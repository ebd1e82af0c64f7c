// Package gate is the check every draft passes before it can be submitted,
// approved or published: the whole tree compiled in strict mode under the
// restricted capabilities (schemas included), the whole regression suite (Rego
// tests and decision cases, every jurisdiction), and the corpus check that a
// server runs before it serves a tree.
package gate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/verify"
)

// Checker runs the gate. Budget bounds each evaluation as serving does.
type Checker struct {
	Budget time.Duration
}

// Check runs every check on a draft's files (policies/…, testpolicies/…).
// Each check runs even when an earlier one failed, where it can, so an
// author sees everything at once.
func (c Checker) Check(ctx context.Context, files map[string][]byte) admin.GateReport {
	tree, tests := admin.Split(files)
	policies, suite := engine.FilesFS(tree), engine.FilesFS(tests)
	rep := admin.GateReport{}

	start := time.Now()
	ps, err := engine.Compile(ctx, policies, engine.Options{Strict: true, Budget: c.Budget})
	compile := admin.GateCheck{Name: "compile", Passed: err == nil, Problems: problemsOf(err), Elapsed: time.Since(start)}
	rep.Checks = append(rep.Checks, compile)
	if err != nil {
		// Tests and corpus need a compiled tree: they are failed, not skipped,
		// so the report never reads as if they passed.
		for _, name := range []string{"tests", "corpus"} {
			rep.Checks = append(rep.Checks, admin.GateCheck{Name: name, Problems: []admin.GateProblem{{Message: "not run: the tree does not compile"}}})
		}
		return rep
	}
	rep.Revision = ps.Revision()

	start = time.Now()
	tr, err := verify.Run(ctx, verify.Suite{Policies: policies, Tests: suite, Jurisdictions: ps.Jurisdictions(),
		PoliciesPath: "policies", TestsPath: "testpolicies"}, verify.Options{})
	tc := admin.GateCheck{Name: "tests", Elapsed: time.Since(start)}
	if err != nil {
		tc.Problems = problemsOf(err)
	} else {
		tc.Ran = len(tr.Results)
		for _, r := range tr.Results {
			if r.Passed || r.Skipped {
				continue
			}
			p := admin.GateProblem{File: r.File, Line: r.Row, Test: r.ID, Message: r.Error}
			if f := r.Failure; f != nil && f.Expected != "" {
				p.Message = fmt.Sprintf("%s: expected %s, got %s", f.Expr, f.Expected, f.Got)
			}
			tc.Problems = append(tc.Problems, p)
		}
		tc.Passed = len(tc.Problems) == 0 && tc.Ran > 0
		if tc.Ran == 0 {
			tc.Problems = append(tc.Problems, admin.GateProblem{Message: "the regression suite is empty"})
		}
	}
	rep.Checks = append(rep.Checks, tc)

	start = time.Now()
	var cases []fs.FS
	if sub, err := fs.Sub(suite, "cases"); err == nil {
		cases = append(cases, sub)
	}
	cr, err := verify.Corpus{Jurisdictions: ps.Jurisdictions(), Catalogue: ps.Catalogue(), Cases: cases}.Check(ctx, ps)
	cc := admin.GateCheck{Name: "corpus", Elapsed: time.Since(start)}
	if err != nil {
		cc.Problems = problemsOf(err)
	} else {
		cr.In("policies")
		cc.Ran = cr.Evaluations
		for _, p := range cr.Problems {
			cc.Problems = append(cc.Problems, admin.GateProblem{File: p.Err.File, Line: p.Err.Row,
				Message: fmt.Sprintf("%s in %s (policy of %s): %s; input: %s", p.Decision, p.Jurisdiction, p.Source, p.Err.Message, p.Input)})
		}
		cc.Passed = len(cc.Problems) == 0
	}
	rep.Checks = append(rep.Checks, cc)

	rep.Passed = true
	for _, c := range rep.Checks {
		rep.Passed = rep.Passed && c.Passed
	}
	return rep
}

// problemsOf lists an error's located problems, each with its file under
// policies/ as the draft names it.
func problemsOf(err error) []admin.GateProblem {
	if err == nil {
		return nil
	}
	var errs engine.Errors
	if errors.As(err, &errs) {
		out := make([]admin.GateProblem, len(errs))
		for i, e := range errs {
			out[i] = admin.GateProblem{File: located(e.File), Line: e.Row, Message: e.Message}
		}
		return out
	}
	var one engine.Error
	if errors.As(err, &one) {
		return []admin.GateProblem{{File: located(one.File), Line: one.Row, Message: one.Message}}
	}
	return []admin.GateProblem{{Message: err.Error()}}
}

func located(file string) string {
	if file == "" || strings.HasPrefix(file, admin.TestsDir) || strings.HasPrefix(file, admin.PoliciesDir) {
		return file // a file of the regression suite is named as the draft names it already
	}
	return admin.PoliciesDir + file
}

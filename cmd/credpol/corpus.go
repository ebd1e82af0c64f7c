package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/testpolicies"
)

// A tree is accepted only once every decision has answered the corpus in
// every jurisdiction that has it (verify.Corpus): check, test, serve's start
// and every reload refuse a tree with a conflict, a hole or a runtime error,
// as they refuse one that does not compile.

// checkCorpus runs the corpus over ps, the tree in the directory dir, with
// the decision cases in cases as part of it, and says on w what it did. The
// error lists every problem.
func checkCorpus(ctx context.Context, w io.Writer, ps *engine.PolicySet, dir string, cases []fs.FS) error {
	rep, err := verify.Corpus{Jurisdictions: ps.Jurisdictions(), Catalogue: ps.Catalogue(), Cases: cases}.Check(ctx, ps)
	if err != nil {
		return err
	}
	rep.In(dir)
	if err := rep.Err(); err != nil {
		return err
	}
	if w != nil {
		fmt.Fprintln(w, rep.Summary(langOf(ctx)))
	}
	return nil
}

// casesBeside are the decision cases of the suite beside a policy tree:
// ./testpolicies/cases for ./policies, the built-in suite's for the
// built-in tree or a tree without a suite.
func casesBeside(dir string) []fs.FS {
	if dir != "" {
		if sub, ok := casesIn(os.DirFS(filepath.Join(filepath.Dir(filepath.Clean(dir)), "testpolicies"))); ok {
			return []fs.FS{sub}
		}
	}
	sub, _ := casesIn(testpolicies.FS)
	return []fs.FS{sub}
}

func casesIn(fsys fs.FS) (fs.FS, bool) {
	if _, err := fs.Stat(fsys, "cases"); err != nil {
		return nil, false
	}
	sub, err := fs.Sub(fsys, "cases")
	return sub, err == nil
}

// checkServedCorpus is the corpus a server runs before it serves a tree,
// logging what it took.
func (o *serveOptions) checkServedCorpus(ctx context.Context, ps *engine.PolicySet, log *slog.Logger) error {
	rep, err := verify.Corpus{Jurisdictions: ps.Jurisdictions(), Catalogue: ps.Catalogue(),
		Cases: casesBeside(o.policyDir)}.Check(ctx, ps)
	if err != nil {
		return err
	}
	rep.In(filepath.ToSlash(o.policyDir))
	if err := rep.Err(); err != nil {
		return err
	}
	log.Info("corpus checked", "revision", ps.Revision(), "evaluations", rep.Evaluations,
		"elapsed_ms", rep.Elapsed.Milliseconds())
	return nil
}

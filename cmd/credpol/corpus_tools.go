package main

import (
	"context"
	"io"
	"io/fs"

	"github.com/credpol/credpol/engine"
)

// checkTreeCorpus compiles the tree a test run used and checks the corpus
// over it, with the cases of its test directories.
func checkTreeCorpus(ctx context.Context, w io.Writer, tree policyTree, tests []testTree) error {
	ps, err := engine.Compile(ctx, tree.fsys, engine.Options{})
	if err != nil {
		return err
	}
	var cases []fs.FS
	for _, t := range tests {
		if sub, ok := casesIn(t.fsys); ok {
			cases = append(cases, sub)
		}
	}
	return checkCorpus(ctx, w, ps, tree.path, cases)
}

package engine

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine/enginetest"
)

// The revision the tools print before compiling is the one the compiled set
// (and so a server serving the same files) reports.
func TestTreeRevisionIsTheCompiledRevision(t *testing.T) {
	tree := enginetest.Tree(fstest.MapFS{
		"j100000/answer.rego":      {Data: []byte("package j100000.answer\n\ndecision := {\"value\": 42}\n")},
		"params/100000/data.json":  {Data: []byte(`{"answer": {"source": "default"}}`)},
		"j100000/answer_test.rego": {Data: []byte("package j100000.answer_test\n")},
	})
	rev, err := TreeRevision(tree)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Compile(context.Background(), tree, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rev != ps.Revision() {
		t.Errorf("TreeRevision = %s, compiled revision %s", rev, ps.Revision())
	}
}

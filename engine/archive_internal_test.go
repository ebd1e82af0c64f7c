package engine

import (
	"context"
	"maps"
	"testing"

	"github.com/credpol/credpol/policies"
)

// A revision that served before the jurisdiction tree and the catalogue were
// files of the tree, or before a later authoring check existed, still
// compiles for replay, under its own revision.
func TestTheArchiveCompilesRevisionsOfEarlierVersions(t *testing.T) {
	ctx := context.Background()
	e := &Engine{}
	cur, err := e.Load(ctx, policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	old := maps.Clone(cur.Files())
	for _, name := range treeDataFiles {
		delete(old, name)
	}
	// a parameter block a later schema would refuse: unknown to it
	old["params/140930/data.json"] = []byte(`{"supervision": {"note_of_an_earlier_version": "kept"}}`)
	revision := revisionOf(old)
	a := NewArchive(e, func(context.Context, string) (map[string][]byte, error) { return old, nil })
	ps, err := a.Get(ctx, revision)
	if err != nil {
		t.Fatalf("an earlier version's revision does not compile for replay: %v", err)
	}
	if ps.Revision() != revision {
		t.Errorf("replayed under %s, want %s", ps.Revision(), revision)
	}
	in := map[string]any{"as_of": "2026-11-21", "decision": "credit_grade", "context": map[string]any{},
		"jurisdiction": map[string]any{"code": "230000", "chain": []any{"230000", "100000"}},
		"enterprise":   map[string]any{"public_credit_score": 800}}
	out, err := ps.Evaluate(ctx, "credit_grade", []string{"230000", "100000"}, in)
	if err != nil || out.Value["grade"] != "B" {
		t.Fatalf("credit_grade under the archived revision: %v %v", out, err)
	}
}

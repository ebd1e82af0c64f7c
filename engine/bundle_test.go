package engine_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
)

// The bundle of the shipped tree reads back with OPA's own reader: its
// revision, every module byte for byte, the parameters of every level, and
// roots covering every package and data document.
func TestBundleReadsBackWithOPA(t *testing.T) {
	ctx := context.Background()
	ps, err := engine.Compile(ctx, enginetest.Shipped(nil), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ps.WriteBundle(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.NewReader(&buf).Read()
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Revision != ps.Revision() {
		t.Errorf("manifest revision %q, want %q", b.Manifest.Revision, ps.Revision())
	}
	if len(b.Modules) != len(ps.Modules()) {
		t.Errorf("%d modules, want %d", len(b.Modules), len(ps.Modules()))
	}
	for _, m := range b.Modules {
		if want := ps.Files()[m.Path[1:]]; !bytes.Equal(m.Raw, want) {
			t.Errorf("module %s differs from the tree's file", m.Path)
		}
	}
	params, _ := b.Data["params"].(map[string]any)
	for _, code := range []string{"100000", "230000", "350505"} {
		if _, ok := params[code]; !ok {
			t.Errorf("data.params has no %s", code)
		}
	}
	roots := map[string]bool{}
	for _, r := range *b.Manifest.Roots {
		roots[r] = true
	}
	for _, r := range []string{"lib", "j100000", "j230000", "params", "jurisdictions", "decisions"} {
		if !roots[r] {
			t.Errorf("roots %v lack %s", *b.Manifest.Roots, r)
		}
	}
}

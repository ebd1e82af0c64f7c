package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// A bundle read back into a tree gives every module byte for byte and the
// same data; it compiles, and the schemas come from the base tree.
func TestFromBundleRebuildsTheTree(t *testing.T) {
	ctx := context.Background()
	ps, err := engine.Compile(ctx, enginetest.Shipped(nil), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ps.WriteBundle(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	files, err := engine.FromBundle(&buf, ps.Files())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range ps.Files() {
		got, ok := files[name]
		switch {
		case !ok:
			t.Errorf("%s is missing", name)
		case strings.HasSuffix(name, ".json"):
			var a, b any
			json.Unmarshal(want, &a)
			json.Unmarshal(got, &b)
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("%s differs (-tree +from bundle):\n%s", name, d)
			}
		case !bytes.Equal(got, want):
			t.Errorf("%s differs", name)
		}
	}
	if len(files) != len(ps.Files()) {
		t.Errorf("%d files from the bundle, %d in the tree", len(files), len(ps.Files()))
	}
	if _, err := engine.Compile(ctx, engine.FilesFS(files), engine.Options{Strict: true}); err != nil {
		t.Fatal(err)
	}
}

// A bundle reaching outside credpol's layout is refused, naming what.
func TestFromBundleRefusesWhatIsOutsideTheLayout(t *testing.T) {
	ps, err := engine.Compile(context.Background(), enginetest.Shipped(nil), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	roots := []string{"system"}
	for _, c := range []struct {
		b    bundle.Bundle
		want string
	}{
		{bundle.Bundle{Manifest: bundle.Manifest{Roots: &roots}, Data: map[string]any{}}, `root "system"`},
		{bundle.Bundle{Modules: []bundle.ModuleFile{{Path: "/authz.rego", URL: "/authz.rego",
			Raw: []byte("package authz\n\nallow := true\n")}}, Data: map[string]any{}}, `package authz`},
		{bundle.Bundle{Data: map[string]any{"users": map[string]any{}}}, `data document "users"`},
		{bundle.Bundle{Data: map[string]any{"params": map[string]any{"x1": map[string]any{}}}}, `data.params key "x1"`},
	} {
		var buf bytes.Buffer
		if err := bundle.NewWriter(&buf).Write(c.b); err != nil {
			t.Fatal(err)
		}
		if _, err := engine.FromBundle(&buf, ps.Files()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.want, err)
		}
	}
}

package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/storage"
)

// WriteBundle writes the tree as a standard OPA bundle (a gzipped tar):
// every module as written, one data.json holding the data documents the
// tree is evaluated with (parameters, jurisdictions, the catalogue), and a
// manifest naming the revision and the roots the bundle owns. Stock OPA
// serving it answers data.j<code>.<decision>.decision as credpol does for
// the same input: without input.params the policies merge the chain's
// parameters themselves (lib/credpol.rego).
func (ps *PolicySet) WriteBundle(ctx context.Context, w io.Writer) error {
	data, err := storage.ReadOne(ctx, ps.store, storage.Path{})
	if err != nil {
		return fmt.Errorf("reading the tree's data: %w", err)
	}
	if v, isAST := data.(ast.Value); isAST {
		if data, err = ast.JSON(v); err != nil {
			return fmt.Errorf("reading the tree's data: %w", err)
		}
	}
	doc, ok := data.(map[string]any)
	if !ok {
		return fmt.Errorf("the tree's data is a %T, not an object", data)
	}
	b := bundle.Bundle{Data: doc, Manifest: bundle.Manifest{Revision: ps.revision}}
	roots := map[string]bool{}
	for key := range doc {
		roots[key] = true
	}
	for path, m := range ps.modules {
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: "/" + path, Path: "/" + path, Raw: ps.files[path]})
		// The package's first segment after data (lib, j230000) is a root.
		if len(m.Package.Path) > 1 {
			roots[strings.Trim(m.Package.Path[1].Value.String(), `"`)] = true
		}
	}
	slices.SortFunc(b.Modules, func(x, y bundle.ModuleFile) int { return strings.Compare(x.Path, y.Path) })
	list := make([]string, 0, len(roots))
	for r := range roots {
		list = append(list, r)
	}
	slices.Sort(list)
	b.Manifest.Roots = &list
	version := 1 // Rego v1, whatever the reading OPA defaults to
	b.Manifest.RegoVersion = &version
	return bundle.NewWriter(w).DisableFormat(true).Write(b)
}

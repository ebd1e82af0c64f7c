package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
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
	// The schemas are for credpol's checks; no policy reads them.
	delete(doc, "schemas")
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

// codeRoot is a jurisdiction's package root: j and its six-digit code.
var codeRoot = regexp.MustCompile(`^j[0-9]{6}$`)

// FromBundle reads an OPA bundle into a policy tree's files: its modules
// (each under the directory of its package's root, lib/ or j<code>/), and
// its data as the tree's data files (params/<code>/data.json,
// jurisdictions.json, catalogue.json), over base's other files (the
// schemas, which a bundle does not carry). A bundle with a root, module
// or data document outside that layout is refused, naming it.
func FromBundle(r io.Reader, base map[string][]byte) (map[string][]byte, error) {
	b, err := bundle.NewReader(r).Read()
	if err != nil {
		return nil, fmt.Errorf("not an OPA bundle: %w", err)
	}
	outside := func(what, name string) error {
		return fmt.Errorf("%s %q is outside credpol's layout: a bundle may hold only the packages lib and j<code> (six digits) and the data documents params, jurisdictions and decisions", what, name)
	}
	known := func(root string) bool {
		return root == "lib" || codeRoot.MatchString(root) || root == "params" || root == "jurisdictions" || root == "decisions"
	}
	if b.Manifest.Roots != nil {
		for _, root := range *b.Manifest.Roots {
			// "" (everything, a manifest's default) leaves it to the modules and data below.
			if first, _, _ := strings.Cut(root, "/"); root != "" && !known(first) {
				return nil, outside("the root", root)
			}
		}
	}
	files := map[string][]byte{}
	for name, content := range base {
		if !strings.HasSuffix(name, ".rego") && !strings.HasPrefix(name, "params/") && name != JurisdictionsFile && name != CatalogueFile {
			files[name] = content
		}
	}
	for _, m := range b.Modules {
		if m.Parsed == nil || len(m.Parsed.Package.Path) < 2 {
			return nil, fmt.Errorf("module %s has no package", m.Path)
		}
		root := strings.Trim(m.Parsed.Package.Path[1].Value.String(), `"`)
		if root != "lib" && !codeRoot.MatchString(root) {
			return nil, outside("the package of "+m.Path, m.Parsed.Package.String())
		}
		name := root + "/" + path.Base(m.Path)
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("two modules of the bundle would both be %s", name)
		}
		files[name] = m.Raw
	}
	for key, v := range b.Data {
		switch key {
		case "params":
			levels, ok := v.(map[string]any)
			if !ok {
				return nil, errors.New("data.params must be an object of jurisdiction codes")
			}
			for code, p := range levels {
				if !codeRoot.MatchString("j" + code) {
					return nil, outside("data.params key", code)
				}
				if files["params/"+code+"/data.json"], err = jsonFile(p); err != nil {
					return nil, err
				}
			}
		case "jurisdictions":
			if files[JurisdictionsFile], err = jsonFile(map[string]any{key: v}); err != nil {
				return nil, err
			}
		case "decisions":
			if files[CatalogueFile], err = jsonFile(map[string]any{key: v}); err != nil {
				return nil, err
			}
		default:
			return nil, outside("the data document", key)
		}
	}
	return files, nil
}

// jsonFile is v as a data file is written: indented, with a final newline.
func jsonFile(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

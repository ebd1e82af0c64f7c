package engine

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/credpol/credpol/engine/paramschema"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// Parameter files are where policy staff change numbers without writing
// Rego, so they get the checks a compiler would give code: a misspelt key
// would otherwise be ignored, a number written as a string would surface as
// a type error in lib/dates.rego at the first request, and a value without a
// basis would have reasons cite the parent's document for a county's number.

// ParamSchemaDir holds one JSON Schema per decision's parameter block, at
// schemas/params/<decision>/schema.json. Each sits in its own directory
// because every .json file of a tree is a data document to OPA, placed at its
// directory's path: two schemas in one directory would collide as data.
const ParamSchemaDir = "schemas/params"

var (
	paramsFile = regexp.MustCompile(`^params/([0-9]{6})/data\.json$`)
	schemaFile = regexp.MustCompile(`^` + ParamSchemaDir + `/([a-z][a-z0-9_]*)/schema\.json$`)
)

// paramLabel reports keys that describe a value instead of setting one:
// where it comes from (source, *_source) and what reasons cite for it (basis).
func paramLabel(key string) bool {
	return key == "basis" || key == "source" || strings.HasSuffix(key, "_source")
}

// checkParams validates every params/<code>/data.json: each decision block
// against its schema, each value against having a basis, and every block
// merged along each chain against the schema's requirements.
func checkParams(t *Tree) Errors {
	var errs Errors
	add := func(ps []paramschema.Problem) {
		for _, p := range ps {
			errs = append(errs, paramError(p))
		}
	}
	schemas := map[string]*paramschema.Schema{}
	for _, name := range paramsSortedKeys(t.Files) {
		if !strings.HasPrefix(name, ParamSchemaDir+"/") || path.Ext(name) != ".json" {
			continue
		}
		m := schemaFile.FindStringSubmatch(name)
		if m == nil {
			errs = append(errs, Error{File: name, Message: "a parameter schema must be " + ParamSchemaDir + "/<decision>/schema.json"})
			continue
		}
		doc, ps := paramschema.Parse(name, t.Files[name])
		if doc == nil {
			add(ps)
			continue
		}
		s, cps := paramschema.Compile(doc)
		add(append(ps, cps...))
		schemas[m[1]] = s
	}
	td, _ := parseTreeData(t.Files) // its own check reports problems in the data files
	decisions := paramDecisionNames(t, td, schemas)

	blocks := map[string]*paramschema.Value{} // code → the file's top object
	for _, name := range paramsSortedKeys(t.Files) {
		if !strings.HasPrefix(name, "params/") {
			continue
		}
		m := paramsFile.FindStringSubmatch(name)
		if m == nil {
			errs = append(errs, Error{File: name, Message: "parameters must be in params/<code>/data.json, <code> a six-digit jurisdiction code; this file would not be read as anyone's parameters"})
			continue
		}
		code := m[1]
		if td != nil && td.codes != nil && !td.codes[code] {
			errs = append(errs, Error{File: name, Row: 1, Message: fmt.Sprintf("%s is not a jurisdiction of %s, so these parameters would never be used", code, JurisdictionsFile)})
		}
		doc, ps := paramschema.Parse(name, t.Files[name])
		add(ps)
		if doc == nil {
			continue
		}
		if doc.Kind != paramschema.Object {
			errs = append(errs, Error{File: name, Row: doc.Line(), Message: `the file must hold one object keyed by decision name: {"supervision": {...}, ...}`})
			continue
		}
		blocks[code] = doc
		for _, dec := range doc.Keys {
			block := doc.Members[dec]
			if !decisions[dec] {
				msg := "no decision of that name"
				if near := paramschema.Nearest(dec, paramsSortedKeys((decisions))); near != "" {
					msg += "; did you mean " + near + "?"
				} else {
					msg += fmt.Sprintf(" (decisions: %s)", strings.Join(paramsSortedKeys((decisions)), ", "))
				}
				errs = append(errs, Error{File: name, Row: block.Line(), Message: dec + ": " + msg})
				continue
			}
			s := schemas[dec]
			if s == nil {
				if len(schemas) > 0 {
					errs = append(errs, Error{File: name, Row: block.Line(), Message: fmt.Sprintf(
						"%s: its parameters have no schema; add %s/%s/schema.json so mistakes in them are caught", dec, ParamSchemaDir, dec)})
				}
				continue
			}
			add(s.Validate(block, []any{dec}, paramschema.EachFile))
			add(uncited(block, []any{dec}, false))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, checkMergedParams(td, blocks, schemas)...)
	}
	errs.sort()
	return errs
}

// checkMergedParams validates each decision's block as a policy sees it:
// merged along a chain, national first. Only a complete block can satisfy
// "required", and only the merge shows a county's minimum above its
// province's maximum. A problem is reported once, in the file that set the
// value, however many chains share it.
func checkMergedParams(td *treeData, blocks map[string]*paramschema.Value, schemas map[string]*paramschema.Schema) Errors {
	var errs Errors
	seen := map[string]bool{}
	for _, code := range paramsSortedKeys((blocks)) {
		chain := paramsChain(td, code, blocks)
		for _, dec := range paramsSortedKeys((schemas)) {
			var merged *paramschema.Value
			for i := len(chain) - 1; i >= 0; i-- {
				merged = paramschema.Merge(merged, blocks[chain[i]].Get(dec))
			}
			if merged == nil || blocks[code].Get(dec) == nil {
				continue
			}
			for _, p := range schemas[dec].Validate(merged, []any{dec}, paramschema.Merged) {
				if key := p.String(); !seen[key] {
					seen[key] = true
					p.Message += " (in " + dec + " as merged along " + strings.Join(chain, " → ") + ")"
					errs = append(errs, paramError(p))
				}
			}
		}
	}
	return errs
}

// paramsChain is code's chain as lib.params walks it. From the tree's
// jurisdictions when it lists code; otherwise by the shape of division codes
// (county 140902 → city 140900 → province 140000 → national), which gives the
// same merge as long as the levels without parameters are left out.
func paramsChain(td *treeData, code string, blocks map[string]*paramschema.Value) []string {
	if td != nil && td.jurisdictions != nil {
		if c, err := td.jurisdictions.Chain(code); err == nil {
			return c
		}
	}
	chain := []string{code}
	for _, up := range []string{code[:4] + "00", code[:2] + "0000", jurisdiction.National} {
		if up != chain[len(chain)-1] && blocks[up] != nil {
			chain = append(chain, up)
		}
	}
	return chain
}

// uncited reports the values of one file's block that no basis in the same
// file cites. The basis of a value is the nearest "basis" above it: a string
// cites everything beneath it, an object cites the key it names. This is the
// rule lib.cite follows to name the document of the level that set a value,
// so a value without one would have its reason cite nobody's document.
// Reported once per subtree that holds no basis at all.
func uncited(v *paramschema.Value, at []any, covered bool) []paramschema.Problem {
	if v.Kind != paramschema.Object {
		return nil
	}
	b := v.Get("basis")
	if b != nil && b.Kind == paramschema.String {
		covered = true
	}
	named := map[string]bool{}
	if b != nil && b.Kind == paramschema.Object {
		for _, k := range b.Keys {
			if b.Members[k].Kind == paramschema.String {
				named[k] = true
			}
		}
	}
	var out []paramschema.Problem
	for _, k := range v.Keys {
		if describesValue(k) {
			continue
		}
		m, p := v.Members[k], append(slices.Clip(at), k)
		c := covered || named[k]
		switch {
		case c:
			out = append(out, uncited(m, p, true)...)
		case m.Kind == paramschema.Object && holdsBasis(m):
			out = append(out, uncited(m, p, false)...)
		case m.Kind == paramschema.Array && len(m.Items) > 0 && everyItemHasBasis(m):
		case m.Kind == paramschema.Object && !holdsValue(m):
		default:
			out = append(out, paramschema.Problem{File: m.File(), Line: m.Line(), Path: paramschema.PathString(p),
				Message: `no basis cites this value, so a reason resting on it could not name your document: give the block (or this value's object) a "basis" with the rule ID and the document that set it, as the decision's schema describes`})
		}
	}
	return out
}

func holdsBasis(v *paramschema.Value) bool {
	if v.Get("basis") != nil {
		return true
	}
	for _, k := range v.Keys {
		if m := v.Members[k]; m.Kind == paramschema.Object && holdsBasis(m) {
			return true
		}
	}
	return false
}

// holdsValue reports an object that sets something beyond labels and wording.
func holdsValue(v *paramschema.Value) bool {
	for _, k := range v.Keys {
		m := v.Members[k]
		if !describesValue(k) && (m.Kind != paramschema.Object || holdsValue(m)) {
			return true
		}
	}
	return false
}

func everyItemHasBasis(v *paramschema.Value) bool {
	for _, it := range v.Items {
		if b := it.Get("basis"); b == nil || b.Kind != paramschema.String {
			return false
		}
	}
	return true
}

// paramDecisionNames are the decisions a parameter block may be named after: the
// catalogue's when the tree has a readable one, else those with a package or
// a schema.
func paramDecisionNames(t *Tree, td *treeData, schemas map[string]*paramschema.Schema) map[string]bool {
	if td != nil && td.decisions != nil {
		return td.decisions
	}
	names := map[string]bool{}
	for k := range decisionPackages(t.Modules) {
		names[k.decision] = true
	}
	for name := range schemas {
		names[name] = true
	}
	return names
}

func paramError(p paramschema.Problem) Error {
	msg := p.Message
	if p.Path != "" {
		msg = p.Path + ": " + msg
	}
	return Error{File: p.File, Row: p.Line, Col: p.Column, Message: msg}
}

func paramsSortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

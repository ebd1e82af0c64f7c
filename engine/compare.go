package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Comparison tells, for two compiled trees, where a decision cannot answer
// differently, so an impact analysis evaluates only where it can. A decision
// asked on a jurisdiction chain answers every input alike under both trees
// when
//
//   - the chain and the jurisdiction that decides on it are the same;
//   - every module that can take part is the same (comments and layout
//     aside): the deciding package, every jurisdiction package it refers to
//     or imports, directly or through another, and every module outside the
//     jurisdiction packages (lib and anything else shared);
//   - the parameter document of every jurisdiction on the chain is the same,
//     which fixes the merged parameters the engine passes as input.params
//     and also what a policy reading a level's own data.params[code] sees
//     (sampling_plan reads who set a ratio that way);
//   - every other data document (the jurisdiction tree, the catalogue with
//     its context defaults, schemas) is the same.
//
// The rule is deliberately coarse where precision would need to know what a
// policy reads: a national change that a province overrides still counts as
// a change in that province. It errs only towards evaluating.
type Comparison struct {
	base, head *PolicySet
	otherData  string // the first data document outside params that differs, "" when none
	baseRefs   map[string]moduleRefs
	headRefs   map[string]moduleRefs
}

// moduleRefs is what one module file may read of data.
type moduleRefs struct {
	pkg      string   // the module's package, data.j230000.credit_grade
	refs     []string // data paths it refers to or imports, as far as they are constant
	dynamic  bool     // a data reference with a variable part right after data: anything may be read
	paramsOf []string // jurisdiction codes whose data.params it names as constants
}

var jurisdictionPackage = regexp.MustCompile(`^data\.j[0-9]{6}(\.|$)`)

// Compare prepares the comparison of base with head.
func Compare(base, head *PolicySet) *Comparison {
	return &Comparison{base: base, head: head, otherData: otherDataDiffers(base, head),
		baseRefs: refsOf(base.modules), headRefs: refsOf(head.modules)}
}

// Unchanged reports whether decision asked on chain (most specific first)
// answers every input alike under both trees and, when it may not, names
// the first difference found, in words a policy author recognises.
func (c *Comparison) Unchanged(decision string, chain []string) (bool, string) {
	bs, bok := c.base.Provider(chain, decision)
	hs, hok := c.head.Provider(chain, decision)
	switch {
	case bok != hok || bs != hs:
		return false, fmt.Sprintf("decided by %s under the base tree and by %s under the head tree", orNone(bs), orNone(hs))
	case !bok:
		return true, "no policy on the chain defines it in either tree"
	case c.otherData != "":
		return false, c.otherData + " differs"
	}
	files := c.closure(c.base, c.baseRefs, bs, decision)
	for f := range c.closure(c.head, c.headRefs, hs, decision) {
		files[f] = true
	}
	for _, f := range slices.Sorted(maps.Keys(files)) {
		a, b := c.base.modules[f], c.head.modules[f]
		if a == nil || b == nil || !a.Equal(b) {
			return false, f + " differs"
		}
	}
	codes := slices.Clone(chain)
	for f := range files {
		codes = append(codes, c.baseRefs[f].paramsOf...)
		codes = append(codes, c.headRefs[f].paramsOf...)
	}
	slices.Sort(codes)
	for _, code := range slices.Compact(codes) {
		if !reflect.DeepEqual(c.base.params[code], c.head.params[code]) {
			return false, "the parameters of " + code + " differ"
		}
	}
	return true, ""
}

func orNone(code string) string {
	if code == "" {
		return "no jurisdiction"
	}
	return code
}

// closure lists the module files that can take part in decision decided by
// source in ps: the deciding package, every non-jurisdiction module, and
// every module either refers to, transitively.
func (c *Comparison) closure(ps *PolicySet, refs map[string]moduleRefs, source, decision string) map[string]bool {
	deciding := fmt.Sprintf("data.j%s.%s", source, decision)
	in := map[string]bool{}
	var todo []string
	add := func(f string) {
		if !in[f] {
			in[f] = true
			todo = append(todo, f)
		}
	}
	for f, r := range refs {
		if r.pkg == deciding || !jurisdictionPackage.MatchString(r.pkg) {
			add(f)
		}
	}
	for len(todo) > 0 {
		f := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		r := refs[f]
		for g, other := range refs {
			if r.dynamic || reaches(r.refs, other.pkg) {
				add(g)
			}
		}
	}
	return in
}

// reaches reports whether any of refs can read a rule of package pkg: a
// reference into the package, or to the package or one of its ancestors.
func reaches(refs []string, pkg string) bool {
	for _, r := range refs {
		if r == pkg || strings.HasPrefix(r, pkg+".") || strings.HasPrefix(pkg, r+".") {
			return true
		}
	}
	return false
}

func refsOf(modules map[string]*ast.Module) map[string]moduleRefs {
	out := make(map[string]moduleRefs, len(modules))
	for f, m := range modules {
		r := moduleRefs{pkg: m.Package.Path.String()}
		note := func(ref ast.Ref) {
			if len(ref) == 0 || !ref[0].Equal(ast.DefaultRootDocument) {
				return
			}
			n := 1
			for n < len(ref) {
				if _, ok := ref[n].Value.(ast.String); !ok {
					break
				}
				n++
			}
			if n == 1 {
				r.dynamic = true
				return
			}
			r.refs = append(r.refs, ref[:n].String())
			if n >= 3 && ref[1].Equal(ast.StringTerm("params")) {
				r.paramsOf = append(r.paramsOf, string(ref[2].Value.(ast.String)))
			}
		}
		for _, imp := range m.Imports {
			if ref, ok := imp.Path.Value.(ast.Ref); ok {
				note(ref)
			}
		}
		for _, rule := range m.Rules {
			ast.WalkRefs(rule, func(ref ast.Ref) bool {
				note(ref)
				return false
			})
		}
		out[f] = r
	}
	return out
}

// otherDataDiffers names the first data file outside params/ that differs
// between the trees, compared as parsed JSON so layout does not count.
func otherDataDiffers(base, head *PolicySet) string {
	names := map[string]bool{}
	for _, ps := range []*PolicySet{base, head} {
		for name := range ps.files {
			if path.Ext(name) != ".rego" && !strings.HasPrefix(name, "params/") {
				names[name] = true
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		a, aok := base.files[name]
		b, bok := head.files[name]
		if !aok || !bok || !sameData(name, a, b) {
			return name
		}
	}
	return ""
}

// sameData compares two versions of a data file; YAML is compared as written.
func sameData(name string, a, b []byte) bool {
	if path.Ext(name) != ".json" {
		return bytes.Equal(a, b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

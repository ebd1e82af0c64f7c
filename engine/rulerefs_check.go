package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// checkRuleRefs refuses a reference to a rule that a package of the tree
// does not have. OPA compiles `grade.bnad` or `lib.is_listd` without a word
// when data.lib.grade exists: the reference is merely undefined, so a
// condition on it never holds and a value built from it is missing — a
// misspelt helper turns into a wrong answer or a hole in production.
// References into data documents (parameters) and into packages the tree
// does not have are left to the input schema and the compiler.
func checkRuleRefs(t *Tree) Errors {
	rules := map[string]map[string]bool{} // package path (lib.grade) → its rules' first names
	for _, m := range t.Modules {
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if rules[pkg] == nil {
			rules[pkg] = map[string]bool{}
		}
		for _, r := range m.Rules {
			if head := r.Head.Ref(); len(head) > 0 {
				if v, ok := head[0].Value.(ast.Var); ok {
					rules[pkg][string(v)] = true
				}
			}
		}
	}
	var errs Errors
	for _, m := range t.Modules {
		aliases := importAliases(m)
		// A call of a function that does not exist is the compiler's to
		// report ("undefined function"), and it does.
		calls := map[*ast.Term]bool{}
		operator := func(op *ast.Term) {
			if ref, ok := op.Value.(ast.Ref); ok {
				calls[ref[0]] = true
			}
		}
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			if x.IsCall() {
				operator(x.OperatorTerm())
			}
			return false
		})
		ast.WalkTerms(m, func(t *ast.Term) bool {
			if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
				operator(call[0])
			}
			return false
		})
		ast.WalkRefs(m, func(ref ast.Ref) bool {
			path, at, written := dataPath(ref, aliases)
			if path == nil || calls[ref[0]] {
				return false
			}
			// A name missing from an import's own path is reported once, at the import.
			if e, ok := missingRule(path, at, written, rules, t.Docs); !ok && e.at != ref[0] || !ok && ref[0].Equal(ast.DefaultRootDocument) {
				errs = append(errs, e.Error)
			}
			return false
		})
	}
	errs.sort()
	return errs
}

// importAliases maps each name an import brings in to the data path it
// stands for (lib → [lib], national → [j100000 supervision]), less names
// the module also declares as variables, which then mean those.
func importAliases(m *ast.Module) map[ast.Var][]string {
	out := map[ast.Var][]string{}
	for _, imp := range m.Imports {
		ref, ok := imp.Path.Value.(ast.Ref)
		if !ok || len(ref) < 2 || !ref[0].Equal(ast.DefaultRootDocument) {
			continue
		}
		path := groundStrings(ref[1:])
		if len(path) != len(ref)-1 {
			continue
		}
		name := imp.Alias
		if name == "" {
			name = ast.Var(path[len(path)-1])
		}
		out[name] = path
	}
	declared := func(x any) {
		if t, ok := x.(*ast.Term); ok && t == nil {
			return
		}
		ast.WalkVars(x, func(v ast.Var) bool { delete(out, v); return false })
	}
	ast.WalkExprs(m, func(x *ast.Expr) bool {
		if (x.IsAssignment() || x.IsEquality()) && len(x.Operands()) == 2 {
			declared(x.Operand(0))
		}
		switch t := x.Terms.(type) {
		case *ast.SomeDecl:
			declared(t)
		case *ast.Every:
			declared(t.Key)
			declared(t.Value)
		}
		return false
	})
	for _, r := range m.Rules {
		for _, arg := range r.Head.Args {
			declared(arg)
		}
	}
	return out
}

// dataPath is the data path a reference names (its leading constant part,
// through an import or from data itself), the terms of that part, and the
// reference as written; nil for any other reference.
func dataPath(ref ast.Ref, aliases map[ast.Var][]string) ([]string, []*ast.Term, string) {
	head, ok := ref[0].Value.(ast.Var)
	if !ok {
		return nil, nil, ""
	}
	var base []string
	switch {
	case ref[0].Equal(ast.DefaultRootDocument):
	case aliases[head] != nil:
		base = aliases[head]
	default:
		return nil, nil, ""
	}
	rest := groundStrings(ref[1:])
	terms := make([]*ast.Term, 0, len(base)+len(rest))
	for range base {
		terms = append(terms, ref[0])
	}
	terms = append(terms, ref[1:1+len(rest)]...)
	written := strings.TrimPrefix(ref[:1+len(rest)].String(), "data.")
	return append(slices.Clone(base), rest...), terms, written
}

// groundStrings are the leading string parts of terms.
func groundStrings(terms []*ast.Term) []string {
	var out []string
	for _, t := range terms {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		out = append(out, string(s))
	}
	return out
}

// missingRule finds the deepest package path names and checks the name
// after it: a rule of that package, a deeper package, or a data document.
func missingRule(path []string, at []*ast.Term, written string, rules map[string]map[string]bool, docs map[string]any) (missing, bool) {
	for i := len(path) - 1; i >= 1; i-- {
		pkg := strings.Join(path[:i], ".")
		names, ok := rules[pkg]
		if !ok {
			continue
		}
		name := path[i]
		if names[name] || hasPackageUnder(rules, pkg+"."+name) || inDocs(docs, path[:i+1]) {
			return missing{}, true
		}
		known := make([]string, 0, len(names))
		for n := range names {
			known = append(known, n)
		}
		for sub := range rules { // lib.grade is a name under lib too
			if rest, ok := strings.CutPrefix(sub, pkg+"."); ok {
				known = append(known, strings.Split(rest, ".")[0])
			}
		}
		slices.Sort(known)
		msg := fmt.Sprintf("%s: package %s has no rule %s", written, pkg, name)
		if guess := likelyField(name, known); guess != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", guess)
		}
		e := Error{Message: msg, Code: "rego_compile_error"}
		if t := at[i]; t.Location != nil {
			e.File, e.Row, e.Col = t.Location.File, t.Location.Row, t.Location.Col
		}
		return missing{Error: e, at: at[i]}, false
	}
	return missing{}, true
}

// missing is a name a reference needs and its package lacks, with the term
// that names it (for a name brought in by an import, the import's alias).
type missing struct {
	Error
	at *ast.Term
}

func hasPackageUnder(rules map[string]map[string]bool, prefix string) bool {
	for pkg := range rules {
		if pkg == prefix || strings.HasPrefix(pkg, prefix+".") {
			return true
		}
	}
	return false
}

func inDocs(docs map[string]any, path []string) bool {
	var cur any = docs
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[p]; !ok {
			return false
		}
	}
	return true
}

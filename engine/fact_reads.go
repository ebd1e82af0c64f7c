package engine

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Which enterprise facts a decision can read, found in the policies before
// anything is evaluated. A decision then loads, decodes, checks and hands
// the policy only those facts, so history it never reads costs it nothing,
// and an impact run evaluates once per distinct combination of them: two
// enterprises that agree on every fact a decision can read get the same
// answer from it (a policy reads nothing but its input and its data, and the
// date comes from the input).
//
// The analysis errs only towards reading everything. It follows every rule
// the decision rule can reach (through any data reference, a variable part
// taking every rule below it), and records input.enterprise.<field> read
// directly, through a rule that is input.enterprise itself (lib.enterprise),
// or as object.get(<enterprise>, "<field>" or ["<field>", …], default). Any
// other use of the enterprise document, or of the whole input, or of a
// document holding such a rule (data.lib as a whole, data[x]), means every
// fact may be read.

// FactSet is what a decision may read of input.enterprise: some top-level
// fields, or everything. The zero FactSet reads nothing.
type FactSet struct {
	all    bool
	fields map[string]bool
}

// EveryFact is the set of a decision that may read anything.
var EveryFact = FactSet{all: true}

// All reports whether every fact may be read.
func (s FactSet) All() bool { return s.all }

// Has reports whether the field may be read.
func (s FactSet) Has(field string) bool { return s.all || s.fields[field] }

// Add adds what o reads to s.
func (s *FactSet) Add(o FactSet) {
	if o.all {
		s.all = true
	}
	if s.fields == nil {
		s.fields = map[string]bool{}
	}
	for f := range o.fields {
		s.fields[f] = true
	}
}

// Fields lists the fields, sorted; nil when everything may be read, empty
// when nothing.
func (s FactSet) Fields() []string {
	if s.all {
		return nil
	}
	return append([]string{}, slices.Sorted(maps.Keys(s.fields))...)
}

func (s FactSet) String() string {
	if s.all {
		return "every fact"
	}
	return fmt.Sprint(s.Fields())
}

// readers finds what decisions read under one compiled tree; it caches per
// deciding package.
type readers struct {
	c       *ast.Compiler
	err     error
	aliases []ast.Ref // rules whose value is the enterprise document itself

	mu     sync.Mutex
	byRule map[string]FactSet
}

var (
	inputRef      = ast.MustParseRef("input")
	enterpriseRef = ast.MustParseRef("input.enterprise")
)

// FactsRead is what decision may read of the enterprise on chain: what the
// package deciding there reads; nothing where none decides (the decision is
// refused before it reads).
func (ps *PolicySet) FactsRead(decision string, chain []string) FactSet {
	source, ok := ps.Provider(chain, decision)
	if !ok {
		return FactSet{}
	}
	return ps.readers().reads("data.j" + source + "." + decision)
}

// FactsReadAnywhere is what decision may read of the enterprise in any
// jurisdiction: for a request whose jurisdiction is known only once the
// facts are read.
func (ps *PolicySet) FactsReadAnywhere(decision string) FactSet {
	var out FactSet
	for _, s := range ps.FactsReadBy(decision) {
		out.Add(s)
	}
	return out
}

// FactsReadBy is what decision may read of the enterprise, by the
// jurisdiction whose package decides it: what an integrator must send.
func (ps *PolicySet) FactsReadBy(decision string) map[string]FactSet {
	out := map[string]FactSet{}
	for k := range ps.queries {
		if k.decision == decision {
			out[k.jurisdiction] = ps.readers().reads("data.j" + k.jurisdiction + "." + decision)
		}
	}
	return out
}

// readers analyses the set's compiled tree on first use: archived sets that
// are only listed or diffed never pay for it.
func (ps *PolicySet) readers() *readers {
	ps.readsOnce.Do(func() { ps.reads = readersOf(ps.compiler) })
	return ps.reads
}

// readersOf analyses a compiled tree; a tree that did not compile is read as
// reading everything.
func readersOf(c *ast.Compiler) *readers {
	r := &readers{c: c, byRule: map[string]FactSet{}}
	if c.Failed() {
		r.err = c.Errors
		return r
	}
	r.aliases = r.findAliases()
	return r
}

// findAliases lists the rules that are the enterprise document under
// another name (lib.enterprise := input.enterprise, with a constant
// default), to a fixed point, so an alias of an alias counts too.
func (r *readers) findAliases() []ast.Ref {
	byPath := map[string][]*ast.Rule{}
	for _, m := range r.c.Modules {
		for _, rule := range m.Rules {
			if p := rule.Ref(); p.IsGround() && rule.Head.RuleKind() == ast.SingleValue && len(rule.Head.Args) == 0 {
				byPath[p.String()] = append(byPath[p.String()], rule)
			}
		}
	}
	var aliases []ast.Ref
	for changed := true; changed; {
		changed = false
		for _, path := range slices.Sorted(maps.Keys(byPath)) {
			rules := byPath[path]
			if isAlias(aliases, rules[0].Ref()) {
				continue
			}
			alias, someRef := true, false
			for _, rule := range rules {
				for d := rule; d != nil; d = d.Else {
					switch {
					case d.Default && d.Head.Value != nil && d.Head.Value.IsGround():
					case r.isAliasDefinition(d, aliases):
						someRef = true
					default:
						alias = false
					}
				}
			}
			if alias && someRef {
				aliases = append(aliases, rules[0].Ref())
				changed = true
			}
		}
	}
	return aliases
}

// isAliasDefinition reports whether a definition's value is the enterprise
// document and its body does nothing but bind it: as compiled,
// enterprise := input.enterprise is __local1__ = input.enterprise with the
// value __local1__.
func (r *readers) isAliasDefinition(d *ast.Rule, aliases []ast.Ref) bool {
	ev := r.enterpriseVars(d, aliases)
	if v, ok := d.Head.Value.Value.(ast.Var); !ok || !ev[v] {
		return d.Body.Equal(ast.NewBody(ast.NewExpr(ast.BooleanTerm(true)))) && r.isEnterprise(d.Head.Value, aliases, nil)
	}
	for _, e := range d.Body {
		if !r.isBinding(e, aliases, ev) {
			return false
		}
	}
	return true
}

// enterpriseVars are the variables of a definition bound to the enterprise
// document (__local5__ = data.lib.enterprise), to a fixed point.
func (r *readers) enterpriseVars(d *ast.Rule, aliases []ast.Ref) map[ast.Var]bool {
	ev := map[ast.Var]bool{}
	for changed := true; changed; {
		changed = false
		ast.WalkExprs(d.Body, func(e *ast.Expr) bool {
			if !e.IsEquality() && !e.IsAssignment() {
				return false
			}
			a, b := e.Operand(0), e.Operand(1)
			for _, pair := range [][2]*ast.Term{{a, b}, {b, a}} {
				if v, ok := pair[0].Value.(ast.Var); ok && !ev[v] && r.isEnterprise(pair[1], aliases, ev) {
					ev[v], changed = true, true
				}
			}
			return false
		})
	}
	return ev
}

// isBinding reports whether e only binds a variable to the enterprise document.
func (r *readers) isBinding(e *ast.Expr, aliases []ast.Ref, ev map[ast.Var]bool) bool {
	if (!e.IsEquality() && !e.IsAssignment()) || len(e.With) > 0 || e.Negated {
		return false
	}
	a, b := e.Operand(0), e.Operand(1)
	av, aVar := a.Value.(ast.Var)
	bv, bVar := b.Value.(ast.Var)
	return (aVar && ev[av] && r.isEnterprise(b, aliases, ev)) || (bVar && ev[bv] && r.isEnterprise(a, aliases, ev))
}

// rulePath is the full path of the document a rule defines: data.lib.enterprise.
func isAlias(aliases []ast.Ref, ref ast.Ref) bool {
	return slices.ContainsFunc(aliases, func(a ast.Ref) bool { return a.Equal(ref) })
}

// isEnterprise reports whether t is the enterprise document itself: the
// input's, a rule that is it, or a variable bound to it.
func (r *readers) isEnterprise(t *ast.Term, aliases []ast.Ref, ev map[ast.Var]bool) bool {
	if t == nil {
		return false
	}
	switch x := t.Value.(type) {
	case ast.Var:
		return ev[x]
	case ast.Ref:
		return x.Equal(enterpriseRef) || isAlias(aliases, x)
	}
	return false
}

// reads is what the decision rule of package pkg (data.j230000.credit_grade)
// may read of the enterprise.
func (r *readers) reads(pkg string) FactSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.byRule[pkg]; ok {
		return s
	}
	s := r.walk(pkg)
	r.byRule[pkg] = s
	return s
}

func (r *readers) walk(pkg string) FactSet {
	all := EveryFact
	if r.err != nil {
		return all
	}
	root, err := ast.ParseRef(pkg + ".decision")
	if err != nil {
		return all
	}
	seen := map[*ast.Rule]bool{}
	queue := r.c.GetRules(root)
	if len(queue) == 0 {
		return all
	}
	out := FactSet{fields: map[string]bool{}}
	for len(queue) > 0 {
		rule := queue[0]
		queue = queue[1:]
		if seen[rule] {
			continue
		}
		seen[rule] = true
		for d := rule; d != nil; d = d.Else {
			v := &visit{r: r, out: &out, ev: r.enterpriseVars(d, r.aliases)}
			if isAlias(r.aliases, rule.Ref()) && (d.Default || r.isAliasDefinition(d, r.aliases)) {
				continue // the alias itself: its uses are what counts
			}
			v.term(d.Head.Value)
			v.term(d.Head.Key)
			for _, a := range d.Head.Args {
				v.term(a)
			}
			for _, x := range d.Head.Reference[1:] {
				v.term(x)
			}
			for _, e := range d.Body {
				v.expr(e)
			}
			queue = append(queue, v.rules...)
		}
		if out.all {
			return all
		}
	}
	return out
}

// visit walks one rule: the enterprise facts it reads, and the rules it
// refers to.
type visit struct {
	r     *readers
	out   *FactSet
	ev    map[ast.Var]bool // variables bound to the enterprise document
	rules []*ast.Rule
}

func (v *visit) expr(e *ast.Expr) {
	if v.r.isBinding(e, v.r.aliases, v.ev) {
		return // __local5__ = data.lib.enterprise: its uses are what counts
	}
	for _, w := range e.With {
		v.term(w.Target)
		v.term(w.Value)
	}
	switch t := e.Terms.(type) {
	case *ast.Term:
		v.term(t)
	case []*ast.Term:
		v.call(t)
	case *ast.SomeDecl:
		for _, s := range t.Symbols {
			v.term(s)
		}
	case *ast.Every:
		v.term(t.Key)
		v.term(t.Value)
		v.term(t.Domain)
		for _, x := range t.Body {
			v.expr(x)
		}
	}
}

// call is an operator and its operands: object.get with the enterprise and
// a constant key reads that field alone.
func (v *visit) call(terms []*ast.Term) {
	if len(terms) == 0 {
		return
	}
	if op, ok := terms[0].Value.(ast.Ref); ok && op.Equal(objectGet) && len(terms) >= 3 && v.r.isEnterprise(terms[1], v.r.aliases, v.ev) {
		if f, ok := firstKey(terms[2]); ok {
			v.out.fields[f] = true
			for _, t := range terms[2:] {
				v.term(t)
			}
			return
		}
	}
	for _, t := range terms {
		v.term(t)
	}
}

// firstKey is the top-level field object.get's key names: a string, or
// the first string of a path.
func firstKey(t *ast.Term) (string, bool) {
	switch k := t.Value.(type) {
	case ast.String:
		return string(k), true
	case *ast.Array:
		if k.Len() > 0 {
			if s, ok := k.Elem(0).Value.(ast.String); ok {
				return string(s), true
			}
		}
	}
	return "", false
}

func (v *visit) term(t *ast.Term) {
	if t == nil {
		return
	}
	switch x := t.Value.(type) {
	case ast.Var:
		if v.ev[x] {
			v.out.all = true // the enterprise document, passed on whole
		}
	case ast.Ref:
		v.ref(x)
		for _, p := range x[1:] {
			if _, isString := p.Value.(ast.String); !isString {
				v.term(p)
			}
		}
		if _, isVar := x[0].Value.(ast.Var); !isVar {
			v.term(x[0]) // a ref on a call or a composite: f(x).y, [a][0]
		}
	case ast.Call:
		v.call(x)
	case *ast.Array:
		x.Foreach(v.term)
	case ast.Object:
		x.Foreach(func(k, val *ast.Term) {
			v.term(k)
			v.term(val)
		})
	case ast.Set:
		x.Foreach(v.term)
	case *ast.ArrayComprehension:
		v.term(x.Term)
		v.body(x.Body)
	case *ast.SetComprehension:
		v.term(x.Term)
		v.body(x.Body)
	case *ast.ObjectComprehension:
		v.term(x.Key)
		v.term(x.Value)
		v.body(x.Body)
	case *ast.TemplateString:
		for _, p := range x.Parts {
			if e, ok := p.(*ast.Expr); ok {
				v.expr(e)
			}
		}
	}
}

func (v *visit) body(b ast.Body) {
	for _, e := range b {
		v.expr(e)
	}
}

// ref notes what a reference reads: an enterprise field, every fact, or
// rules to follow.
func (v *visit) ref(ref ast.Ref) {
	if h, ok := ref[0].Value.(ast.Var); ok && v.ev[h] {
		v.field(ref, 1)
		return
	}
	switch {
	case ref.HasPrefix(inputRef):
		switch {
		case len(ref) == 1:
			v.out.all = true // the whole input
		case ref[1].Value.Compare(ast.String("enterprise")) == 0:
			v.field(ref, 2)
		default:
			if _, ok := ref[1].Value.(ast.String); !ok {
				v.out.all = true // input[x]
			}
		}
	case ref[0].Equal(ast.DefaultRootDocument):
		for _, a := range v.r.aliases {
			if ref.HasPrefix(a) {
				v.field(ref, len(a))
			} else if g := ref.GroundPrefix(); a.HasPrefix(g) {
				v.out.all = true // a document holding the enterprise: data.lib, data.lib[x]
			}
		}
		g := ref.GroundPrefix()
		if len(g) == 1 {
			v.out.all = true // data[x], data
			return
		}
		v.rules = append(v.rules, v.r.c.GetRules(g)...)
	}
}

// field notes the enterprise field ref names at position i, or every fact
// when it names none or a variable one.
func (v *visit) field(ref ast.Ref, i int) {
	if len(ref) <= i {
		v.out.all = true
		return
	}
	s, ok := ref[i].Value.(ast.String)
	if !ok {
		v.out.all = true
		return
	}
	v.out.fields[string(s)] = true
}

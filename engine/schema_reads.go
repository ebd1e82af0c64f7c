package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// checkFieldReads holds to the input schema two ways of reading a field that
// OPA's type checker lets through:
//
//   - object.get(x, "penalties", []) with a constant key: the built-in
//     returns "any", so neither the key nor anything read from the result
//     (the items of `some p in object.get(...)`) is checked;
//   - the body of `every p in xs { ... }`, where p is not given the type of
//     xs's items.
//
// It type-checks a copy of the tree in which each such object.get reads
// x.penalties directly and each every is a comprehension over the same
// domain, so those reads are checked like any other reference. The copy is
// only type-checked, never evaluated; only undefined references are taken
// from it, and problems of another kind are left to the real compilation.
func checkFieldReads(t *Tree) Errors {
	shadow := make(map[string]*ast.Module, len(t.Modules))
	rewrote := false
	for name, m := range t.Modules {
		cpy := m.Copy()
		var r readRewriter
		if _, err := ast.Transform(&r, cpy); err != nil {
			return nil
		}
		rewrote = rewrote || r.rewrote
		shadow[name] = cpy
	}
	if !rewrote {
		return nil
	}
	c := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithSchemas(inputSchemas(t.Files)).
		SetErrorLimit(0)
	c.Compile(shadow)
	var refs ast.Errors
	for _, e := range c.Errors {
		switch e.Details.(type) {
		case *ast.RefErrInvalidDetail, *ast.RefErrUnsupportedDetail:
			refs = append(refs, e)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return fromASTErrors(explainTypeErrors(refs))
}

// readRewriter turns object.get calls with constant keys into references and
// every into a comprehension, in a copy of a module kept for type checking.
type readRewriter struct{ rewrote bool }

var objectGet = ast.ObjectGet.Ref()

func (r *readRewriter) Transform(x any) (any, error) {
	switch x := x.(type) {
	case ast.Call:
		if ref := getAsRef(x); ref != nil {
			r.rewrote = true
			return ref, nil
		}
	case *ast.SomeDecl:
		// ast.Transform does not descend into `some x in xs` by itself.
		for _, sym := range x.Symbols {
			v, err := ast.Transform(r, sym)
			if err != nil {
				return nil, err
			}
			sym.Value = v.(ast.Value)
		}
	case *ast.Expr:
		if every, ok := x.Terms.(*ast.Every); ok {
			r.rewrote = true
			return everyAsComprehension(x, every), nil
		}
	}
	return x, nil
}

// getAsRef is object.get(x, key, default) as the reference x.key (x.k1.k2
// for a path key), when x is a name or a reference and key a constant.
func getAsRef(call ast.Call) ast.Value {
	if len(call) != 4 || !objectGet.Equal(call[0].Value) {
		return nil
	}
	var keys []*ast.Term
	switch k := call[2].Value.(type) {
	case ast.String:
		keys = []*ast.Term{call[2]}
	case *ast.Array:
		for i := range k.Len() {
			if _, ok := k.Elem(i).Value.(ast.String); !ok {
				return nil
			}
			keys = append(keys, k.Elem(i))
		}
		if len(keys) == 0 {
			return nil
		}
	default:
		return nil
	}
	var ref ast.Ref
	switch x := call[1].Value.(type) {
	case ast.Var:
		ref = ast.Ref{call[1]}
	case ast.Ref:
		ref = x.Copy()
	default:
		return nil
	}
	return append(ref, keys...)
}

// everyAsComprehension is `every k, v in xs { body }` as the expression
// `[1 | some k, v in xs; body]`: the same names, domain and body, where v
// takes the type of xs's items.
func everyAsComprehension(expr *ast.Expr, every *ast.Every) *ast.Expr {
	// Copies: the builtins' refs hold interned terms (see below).
	member := ast.CallTerm(ast.NewTerm(ast.Member.Ref().Copy()), every.Value, every.Domain)
	if every.Key != nil {
		member = ast.CallTerm(ast.NewTerm(ast.MemberWithKey.Ref().Copy()), every.Key, every.Value, every.Domain)
	}
	member.SetLocation(every.Domain.Location)
	some := &ast.Expr{Terms: &ast.SomeDecl{Symbols: []*ast.Term{member}, Location: expr.Location}, Location: expr.Location}
	body := append(ast.Body{some}, every.Body.Copy()...)
	for i, e := range body {
		e.Index = i
	}
	// A fresh term, not IntNumberTerm(1): OPA interns small numbers, shared by
	// every module of the process, and Transform writes back each term it visits.
	term := ast.ArrayComprehensionTerm(ast.NewTerm(ast.Number("1")), body).SetLocation(expr.Location)
	return &ast.Expr{Terms: term, Location: expr.Location, Index: expr.Index}
}

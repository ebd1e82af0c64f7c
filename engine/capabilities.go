package engine

import (
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/types"
)

// refusedPrefixes and refusedBuiltins name built-ins a credpol policy may not call.
// A decision must be reproducible from its input alone (administrative review
// replays it years later), so anything that reads the network, the clock, the
// runtime or a random source is refused when the policy is compiled.
var (
	refusedPrefixes = []string{"net.", "rand.", "http.", "providers.", "opa."}
	refusedBuiltins = map[string]string{
		"time.now_ns":          "policies read the decision date from input.as_of, never the clock",
		"uuid.rfc4122":         "it returns a random value",
		"io.jwt.decode_verify": "it reads the clock to check expiry",
		"crypto.x509.parse_and_verify_certificates":              "it reads the clock to check validity",
		"crypto.x509.parse_and_verify_certificates_with_options": "it reads the clock to check validity",
	}
)

// refusalReason says why name may not be called, or "" when it may.
func refusalReason(name string) string {
	if why, ok := refusedBuiltins[name]; ok {
		return why
	}
	for _, p := range refusedPrefixes {
		if strings.HasPrefix(name, p) {
			return "policies may not reach the network, the runtime or a random source"
		}
	}
	return ""
}

// Capabilities returns OPA's capabilities for this version less every refused
// built-in, with no network hosts allowed. The same value serves the server,
// `credpol check` and the Rego test runner, so a policy passes tests only if it
// can also be served.
//
// Each call returns built-ins of its own, type declarations included: OPA's
// type checker merges object types in place (ast.mergeTypes), so compilers
// sharing the package-level declarations race when two trees compile at
// once (the gate checking a draft while a publication loads).
func Capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := make([]*ast.Builtin, 0, len(caps.Builtins))
	for _, b := range caps.Builtins {
		if refusalReason(b.Name) != "" {
			continue
		}
		own := *b
		if b.Decl != nil {
			own.Decl, _ = copyType(b.Decl).(*types.Function)
		}
		kept = append(kept, &own)
	}
	caps.Builtins = kept
	caps.AllowNet = []string{}
	return caps
}

// copyType is a deep copy of a built-in's declaration, argument names kept.
func copyType(t types.Type) types.Type {
	switch t := t.(type) {
	case *types.NamedType:
		return &types.NamedType{Name: t.Name, Descr: t.Descr, Type: copyType(t.Type)}
	case *types.Array:
		static := make([]types.Type, t.Len())
		for i := range static {
			static[i] = copyType(t.Select(i))
		}
		return types.NewArray(static, copyType(t.Dynamic()))
	case *types.Set:
		return types.NewSet(copyType(t.Of()))
	case *types.Object:
		var static []*types.StaticProperty
		for _, p := range t.StaticProperties() {
			static = append(static, types.NewStaticProperty(p.Key, copyType(p.Value)))
		}
		var dynamic *types.DynamicProperty
		if d := t.DynamicProperties(); d != nil {
			dynamic = types.NewDynamicProperty(copyType(d.Key), copyType(d.Value))
		}
		return types.NewObject(static, dynamic)
	case types.Any:
		out := make(types.Any, len(t))
		for i, x := range t {
			out[i] = copyType(x)
		}
		return out
	case *types.Function:
		named := t.NamedFuncArgs()
		args := make([]types.Type, len(named.Args))
		for i, a := range named.Args {
			args[i] = copyType(a)
		}
		if named.Variadic != nil {
			return types.NewVariadicFunction(args, copyType(named.Variadic), nil)
		}
		return types.NewFunction(args, copyType(t.NamedResult()))
	}
	return t // scalars hold nothing to share; nil stays nil
}

// RefusedCalls finds calls to refused built-ins in the modules, so the author
// reads why the call is refused instead of OPA's bare "undefined function".
func RefusedCalls(modules map[string]*ast.Module) Errors {
	var errs Errors
	for _, m := range modules {
		ast.WalkExprs(m, func(x *ast.Expr) bool {
			for _, t := range callTerms(x) {
				name := t.Value.(ast.Ref).String()
				if why := refusalReason(name); why != "" {
					errs = append(errs, newError(t.Location, fmt.Sprintf(
						"built-in %s is not allowed in credpol policies: %s", name, why)))
				}
			}
			return false
		})
	}
	errs.sort()
	return errs
}

// callTerms returns the operator terms of every call in x, including calls
// nested in arguments such as f(time.now_ns()).
func callTerms(x *ast.Expr) []*ast.Term {
	var out []*ast.Term
	visit := func(op *ast.Term) {
		if ref, ok := op.Value.(ast.Ref); ok {
			loc := op.Location
			if loc == nil {
				loc = x.Location
			}
			out = append(out, &ast.Term{Value: ref, Location: loc})
		}
	}
	if x.IsCall() {
		visit(x.OperatorTerm())
	}
	ast.WalkTerms(x, func(t *ast.Term) bool {
		if call, ok := t.Value.(ast.Call); ok && len(call) > 0 {
			visit(call[0])
		}
		return false
	})
	return out
}

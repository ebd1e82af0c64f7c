package engine

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/credpol/credpol/policies"
)

// The engine's merged parameters must equal what lib.params computes in Rego
// when input.params is absent (stock OPA), for every shipped chain.
func TestMergedParamsEqualTheRegoFallback(t *testing.T) {
	ctx := context.Background()
	ps, err := Compile(ctx, policies.FS, Options{})
	if err != nil {
		t.Fatal(err)
	}
	chains := [][]string{{"100000"}, {"230000", "100000"}, {"140000", "100000"}, {"140900", "140000", "100000"},
		{"140930", "140900", "140000", "100000"}, {"350000", "100000"}, {"350500", "350000", "100000"},
		{"350505", "350500", "350000", "100000"}, {"440000", "100000"}, {"440500", "440000", "100000"}}
	names := map[string]bool{}
	for _, p := range ps.params {
		for name := range asMap(p) {
			names[name] = true
		}
	}
	for _, chain := range chains {
		merged := ps.paramsFor(chain).(ast.Object)
		for name := range names {
			want, err := ast.InterfaceToValue(evalFallback(t, ps, chain, name))
			if err != nil {
				t.Fatal(err)
			}
			got := merged.Get(ast.StringTerm(name))
			if got == nil {
				got = ast.ObjectTerm()
			}
			if got.Value.Compare(want) != 0 {
				t.Errorf("%v %s: engine %v, Rego %v", chain, name, got, want)
			}
		}
	}
}

func evalFallback(t *testing.T, ps *PolicySet, chain []string, name string) any {
	t.Helper()
	codes := make([]any, len(chain))
	for i, c := range chain {
		codes[i] = c
	}
	rs, err := rego.New(rego.Compiler(ps.compiler), rego.Store(ps.store),
		rego.Query("x := data.lib.params(\""+name+"\")"),
		rego.Input(map[string]any{"jurisdiction": map[string]any{"chain": codes}})).Eval(context.Background())
	if err != nil || len(rs) == 0 {
		t.Fatalf("lib.params(%q) on %v: %v", name, chain, err)
	}
	return rs[0].Bindings["x"]
}

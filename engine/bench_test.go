package engine_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
)

func BenchmarkEvaluateTrivial(b *testing.B) {
	fsys := enginetest.Tree(fstest.MapFS{"j100000/t.rego": {Data: []byte("package j100000.t\n\ndecision := {\"a\": 1}\n")}})
	ps, err := engine.Compile(context.Background(), fsys, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	doc := map[string]any{"as_of": "2026-11-21"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ps.Evaluate(context.Background(), "t", []string{"100000"}, doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluateShipped(b *testing.B) {
	var e engine.Engine
	ps, err := e.Load(context.Background(), policies.FS)
	if err != nil {
		b.Fatal(err)
	}
	doc := map[string]any{"as_of": "2026-11-21", "jurisdiction": map[string]any{"code": "230000", "chain": []any{"230000", "100000"}},
		"enterprise": map[string]any{"public_credit_score": 812.0}, "context": map[string]any{}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ps.Evaluate(context.Background(), "credit_grade", []string{"230000", "100000"}, doc); err != nil {
			b.Fatal(err)
		}
	}
}

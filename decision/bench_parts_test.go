package decision_test

import (
	"context"
	"testing"

	"github.com/credpol/credpol/enterprise"
)

func BenchmarkParts(b *testing.B) {
	facts := benchFacts()
	b.Run("decode", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			enterprise.Decode(facts, "facts")
		}
	})
	f, _ := enterprise.Decode(facts, "facts")
	v := enterprise.Validator{KnownJurisdiction: func(string) bool { return true }}
	b.Run("validate", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			v.Check(f, "facts")
		}
	})
	b.Run("document", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			enterprise.Document(f)
		}
	})
	_ = context.Background
}

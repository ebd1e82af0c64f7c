package storetest

import (
	"context"
	"testing"

	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
)

// SeedDemo stores n enterprises of the synthetic demo population (seed 16),
// the same on every store, in batches as an import stores them.
func (s Store) SeedDemo(t testing.TB, n int) {
	t.Helper()
	var recs []enterprise.Facts
	if err := demo.Generate(demo.Options{Seed: 16, Count: n}, func(f enterprise.Facts) error {
		recs = append(recs, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < len(recs); start += 1000 {
		if err := s.Store.PutEnterprises(context.Background(), recs[start:min(start+1000, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

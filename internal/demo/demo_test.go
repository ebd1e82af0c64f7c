package demo_test

import (
	"encoding/json"
	"testing"

	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
)

func population(t *testing.T, seed uint64, n int) []enterprise.Facts {
	t.Helper()
	var out []enterprise.Facts
	if err := demo.Generate(demo.Options{Seed: seed, Count: n}, func(f enterprise.Facts) error {
		out = append(out, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSameSeedSamePopulation(t *testing.T) {
	a, _ := json.Marshal(population(t, 42, 300))
	b, _ := json.Marshal(population(t, 42, 300))
	c, _ := json.Marshal(population(t, 43, 300))
	if string(a) != string(b) {
		t.Error("the same seed gave two populations")
	}
	if string(a) == string(c) {
		t.Error("different seeds gave the same population")
	}
}

func TestEveryRecordIsValidAndUnique(t *testing.T) {
	v := enterprise.Validator{}
	seen := map[string]bool{}
	counts := map[string]int{}
	for _, f := range population(t, 1, 5000) {
		if _, err := v.Record(f, ""); err != nil {
			t.Fatalf("%s: %v", *f.USCC, err)
		}
		if seen[*f.USCC] {
			t.Fatalf("USCC %s generated twice", *f.USCC)
		}
		seen[*f.USCC] = true
		if (*f.USCC)[2:8] != *f.Jurisdiction {
			t.Errorf("%s does not carry its jurisdiction %s", *f.USCC, *f.Jurisdiction)
		}
		counts[*f.EntityType]++
		if len(f.Penalties) > 0 {
			counts["penalised"]++
		}
		for _, l := range f.Listings {
			counts[l.List]++
		}
		if f.RiskClass != nil {
			counts["class "+*f.RiskClass]++
		}
	}
	// Plausible proportions, loosely: every kind of record appears.
	for _, k := range []string{"company", "individual_business", "farmer_cooperative", "penalised", "abnormal", "serious_dishonest", "class A", "class D"} {
		if counts[k] == 0 {
			t.Errorf("no %s in 5000 enterprises", k)
		}
	}
}

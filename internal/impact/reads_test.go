package impact

import (
	"context"
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/testpolicies"
)

// The facts the analysis says a decision reads are all it reads: over a
// demo population, every shipped decision, in every jurisdiction, with the
// contexts of the decision cases, answers the facts it reads exactly as it
// answers the whole record. Were a read missed, a run would load too little
// and share one answer between enterprises that differ.
func TestTheFactsADecisionReadsAreEnoughToAnswerIt(t *testing.T) {
	ctx := context.Background()
	ps, err := engine.Compile(ctx, enginetest.Shipped(nil), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var population []enterprise.Facts
	if err := demo.Generate(demo.Options{Seed: 23, Count: 250}, func(f enterprise.Facts) error {
		population = append(population, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	contexts := caseContexts(t)
	narrowed := 0
	for _, name := range ps.Catalogue().Names() {
		for _, c := range append([]string{"{}", specs[name].context}, contexts[name]...) {
			if c == "" {
				continue
			}
			stored, err := decision.PrepareStored(ps, name, json.RawMessage(c))
			if err != nil {
				continue
			}
			for _, f := range population {
				code := *f.Jurisdiction
				reads := readsOn([2]*engine.PolicySet{ps, ps}, name, code)
				if !reads.All() {
					narrowed++
				}
				full := enterprise.Document(f)
				a, aerr := stored.Decide(ctx, code, full, "2026-11-01")
				b, berr := stored.Decide(ctx, code, project(full, reads), "2026-11-01")
				if !reflect.DeepEqual(errorOf(aerr), errorOf(berr)) || !reflect.DeepEqual(a.Result, b.Result) || !reflect.DeepEqual(a.Reasons, b.Reasons) {
					t.Fatalf("%s with context %s for %s in %s, reading %s:\nwhole record %v %v %v\nfacts read %v %v %v",
						name, c, *f.USCC, code, reads, a.Result, a.Reasons, aerr, b.Result, b.Reasons, berr)
				}
			}
		}
	}
	if narrowed == 0 {
		t.Error("no decision reads less than every fact: the analysis finds nothing")
	}
}

func errorOf(err error) string {
	if err == nil {
		return ""
	}
	return errorAnswer(err).Error.Code + ": " + errorAnswer(err).Error.Message
}

// caseContexts are the distinct contexts of the decision cases, at most
// four per decision.
func caseContexts(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	files, err := fs.Glob(testpolicies.FS, "cases/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("decision cases: %v, %v", files, err)
	}
	for _, file := range files {
		b, err := fs.ReadFile(testpolicies.FS, file)
		if err != nil {
			t.Fatal(err)
		}
		var cases map[string]struct {
			Decision string         `yaml:"decision"`
			Context  map[string]any `yaml:"context"`
		}
		if err := yaml.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, c := range cases {
			if c.Context == nil || len(out[c.Decision]) >= 4 {
				continue
			}
			j, err := json.Marshal(c.Context)
			if err != nil {
				continue
			}
			if !slices.Contains(out[c.Decision], string(j)) {
				out[c.Decision] = append(out[c.Decision], string(j))
			}
		}
	}
	return out
}

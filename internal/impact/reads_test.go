package impact

import (
	"context"
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"

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
	rd := newReaders(ps)
	if rd.err != nil || len(rd.aliases) == 0 {
		t.Fatalf("analysing the shipped tree: %v, aliases %v", rd.err, rd.aliases)
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
				reads := readsOn([2]*readers{rd, rd}, [2]*engine.PolicySet{ps, ps}, name, code)
				if !reads.all {
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

// Where a policy uses the enterprise document other than by a field it
// names, the analysis says every fact may be read; where it names fields,
// directly, through an alias rule, a variable or object.get, those fields.
func TestTheAnalysisReadsEverythingWhereItCannotTell(t *testing.T) {
	for _, c := range []struct {
		name, body string
		want       []string // nil: every fact
	}{
		{"a field", `decision := {"x": input.enterprise.risk_class}`, []string{"risk_class"}},
		{"through the alias and object.get", `decision := {"x": object.get(lib.enterprise, "penalties", []), "y": lib.enterprise.name}`, []string{"name", "penalties"}},
		{"a path in object.get", `decision := {"x": object.get(lib.enterprise, ["penalties", 0], [])}`, []string{"penalties"}},
		{"a variable bound to it", "decision := {\"x\": e.status} if {\n\te := lib.enterprise\n}", []string{"status"}},
		{"a helper rule", "decision := {\"x\": n}\n\nn := count(lib.enterprise.listings)", []string{"listings"}},
		{"the whole input", `decision := {"x": input}`, nil},
		{"input by a variable key", "decision := {\"x\": v} if {\n\tsome k\n\tv := input[k]\n}", nil},
		{"a field by a variable key", "decision := {\"x\": v} if {\n\tsome k\n\tv := input.enterprise[k]\n}", nil},
		{"the enterprise passed whole", `decision := {"x": count(lib.enterprise)}`, nil},
		{"a variable passed whole", "decision := {\"x\": f(e)} if {\n\te := lib.enterprise\n}\n\nf(x) := x.name", nil},
		{"object.get with a variable key", "decision := {\"x\": object.get(input.enterprise, k, 0)} if {\n\tsome k in [\"a\"]\n}", nil},
		{"the library document whole", `decision := {"x": data.lib}`, nil},
		{"every document", "decision := {\"x\": v} if {\n\tsome k\n\tv := data[k]\n}", nil},
		{"walk", "decision := {\"x\": [p | walk(input, [p, _])]}", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := enginetest.Shipped(nil)
			files["j350505/zz_probe.rego"] = &fstest.MapFile{Data: []byte("package j350505.zz_probe\n\nimport data.lib\n\n" + c.body + "\n")}
			ps, err := engine.Compile(context.Background(), files, engine.Options{})
			var r *readers
			if err == nil {
				r = newReaders(ps)
			} else {
				// The serving compile refuses what credpol policies may not
				// do (walk is not among their built-ins); the analysis must
				// still hold on its own.
				modules, _, err := engine.ReadModules(files, engine.IsPolicyFile)
				if err != nil {
					t.Fatal(err)
				}
				r = readersOf(modules)
			}
			got := r.reads("data.j350505.zz_probe")
			if c.want == nil {
				if !got.all {
					t.Errorf("reads %s, want every fact", got)
				}
				return
			}
			if got.all || !slices.Equal(got.names(), c.want) {
				t.Errorf("reads %s, want %v", got, c.want)
			}
		})
	}
}

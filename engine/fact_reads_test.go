package engine_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
)

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
			var got engine.FactSet
			if err == nil {
				got = ps.FactsRead("zz_probe", []string{"350505", "350500", "350000", "100000"})
			} else {
				// The serving compile refuses what credpol policies may not
				// do (walk is not among their built-ins); the analysis must
				// still hold on its own.
				modules, _, err := engine.ReadModules(files, engine.IsPolicyFile)
				if err != nil {
					t.Fatal(err)
				}
				got = engine.FactsReadByPackage(modules, "data.j350505.zz_probe")
			}
			if c.want == nil {
				if !got.All() {
					t.Errorf("reads %s, want every fact", got)
				}
				return
			}
			if got.All() || !slices.Equal(got.Fields(), c.want) {
				t.Errorf("reads %s, want %v", got, c.want)
			}
		})
	}
}

package catalogue_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/enterprise"
)

func decode(t *testing.T, doc string) (*catalogue.Catalogue, catalogue.Problems) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return catalogue.Decode(v, catalogue.Options{KnownRulePrefix: func(p string) bool { return p == "CN" }})
}

func TestSchemaMistakesAreNamedByPath(t *testing.T) {
	for _, tc := range []struct{ name, context, path, msg string }{
		{"required with a default", `{"x": {"type": "boolean", "required": true, "default": false}}`,
			"/decisions/0/context/x/default", "a field with a default is never missing"},
		{"array without items", `{"x": {"type": "array"}}`, "/decisions/0/context/x", "needs \"items\""},
		{"enum on a number", `{"x": {"type": "number", "enum": ["1"]}}`, "/decisions/0/context/x/enum", "only a field of type string"},
		{"default under the minimum", `{"x": {"type": "integer", "minimum": 0, "default": -1}}`,
			"/decisions/0/context/x/default", "under the minimum"},
		{"properties on a string", `{"x": {"type": "string", "properties": {}}}`, "/decisions/0/context/x/properties", "only a field of type object"},
		{"field name", `{"Kind": {"type": "string"}}`, "/decisions/0/context/Kind", "lower-case"},
		{"nested", `{"a": {"type": "object", "properties": {"b": {"type": "date", "description": 1}}}}`,
			"/decisions/0/context/a/properties/b/description", "decision d: context.a.b: \"description\" must be a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := decode(t, `{"decisions": [{"name": "d", "title": "D", "rules": ["CN-1"], "context": `+tc.context+`}]}`)
			for _, p := range ps {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("no problem at %s saying %q; got %v", tc.path, tc.msg, ps)
		})
	}
}

// A decoded schema validates a context as the Go-defined one did: defaults
// filled, required fields and enumerations reported by path.
func TestADecodedSchemaChecksAContext(t *testing.T) {
	cat, ps := decode(t, `{"decisions": [{"name": "d", "title": "D", "context": {
  "trigger": {"type": "string", "enum": ["routine", "complaint"], "default": "routine"},
  "application": {"type": "object", "required": true, "properties": {
    "kind": {"type": "string", "required": true, "enum": ["change", "filing"]},
    "count": {"type": "integer", "minimum": 0}}}}}]}`)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	def, ok := cat.Lookup("d")
	if !ok {
		t.Fatal("no decision d")
	}
	ctx := map[string]any{"application": map[string]any{"count": -1.5}}
	var errs enterprise.FieldErrors
	def.Context.Check("context", ctx, &errs)
	got := errs.Error()
	for _, want := range []string{"context.application.kind: is required (one of change, filing)", "context.application.count: must be a whole number", "must be at least 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q do not say %q", got, want)
		}
	}
	if ctx["trigger"] != "routine" {
		t.Errorf("the default was not filled in: %v", ctx)
	}
	var out bytes.Buffer
	if err := json.NewEncoder(&out).Encode(def.Context); err != nil || !strings.Contains(out.String(), `"required":["application"]`) {
		t.Errorf("JSON Schema = %s, %v", out.String(), err)
	}
}

package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
)

// Every shipped decision declares the shape of its result, and a result off
// it is told field by field.
func TestEveryShippedDecisionDeclaresItsResult(t *testing.T) {
	ps, err := engine.Compile(context.Background(), enginetest.Shipped(nil), engine.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, def := range ps.Catalogue().All() {
		if ps.ResultSchema(def.Name) == nil {
			t.Errorf("%s has no result schema", def.Name)
		}
	}
	for _, c := range []struct {
		result map[string]any
		want   string
	}{
		{map[string]any{"grade": "B", "score": 800, "max_score": 1000}, ""},
		{map[string]any{"grade": "B", "score": "800", "max_score": 1000}, "score"},
		{map[string]any{"grade": "B", "max_score": 1000}, "score"},
		{map[string]any{"grade": "B", "score": 800, "max_score": 1000, "band_min": 790}, "band_min"},
	} {
		got := strings.Join(ps.ResultProblems("credit_grade", c.result), "; ")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%v: problems %q, want one naming %q", c.result, got, c.want)
		}
	}
}

// The result schemas are held to their place, their language and the
// catalogue: once a tree has any, every decision needs one.
func TestResultSchemasAreChecked(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(fsys map[string]string)
		drop  string
		wants []string
	}{
		{name: "a decision without one", drop: "schemas/results/credit_grade/schema.json",
			wants: []string{"catalogue.json", "credit_grade has no result schema"}},
		{name: "an unsupported keyword", edit: func(f map[string]string) {
			f["schemas/results/credit_grade/schema.json"] = "{\n  \"type\": \"object\",\n  \"oneOf\": []\n}\n"
		}, wants: []string{"schemas/results/credit_grade/schema.json:3", "oneOf"}},
		{name: "a schema of no decision", edit: func(f map[string]string) {
			f["schemas/results/credit_grades/schema.json"] = `{"type": "object"}`
		}, wants: []string{"credit_grades is not a decision"}},
		{name: "a misplaced schema", edit: func(f map[string]string) {
			f["schemas/results/credit_grade.json"] = `{"type": "object"}`
		}, wants: []string{"must be schemas/results/<decision>/schema.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			if c.edit != nil {
				c.edit(files)
			}
			fsys := enginetest.Shipped(files)
			delete(fsys, c.drop)
			_, err := engine.Compile(context.Background(), fsys, engine.Options{})
			for _, want := range c.wants {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want one saying %q", err, want)
				}
			}
		})
	}
}

package jsonerr_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/jsonerr"
)

// deep is a small document that nests n arrays inside "context".
func deep(n int) []byte {
	return []byte(`{"jurisdiction":"440500","context":{"deep":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`)
}

func TestTooDeepNamesTheLimitAndWhereItWasPassed(t *testing.T) {
	doc := deep(60000)
	p, bad := jsonerr.TooDeep(doc, "the body")
	// The limit is passed by the 65th opening bracket: the object, context's
	// object, then 63 arrays open within it; the 63rd array opens at byte 43+62.
	want := fmt.Sprintf("objects and arrays in the body nest deeper than the limit of %d levels (at byte %d)", jsonerr.MaxDepth, 43+jsonerr.MaxDepth-2)
	if !bad || p.Message != want || p.Path != "" {
		t.Fatalf("TooDeep = %q %v, want %q", p, bad, want)
	}
	// Refusing costs the same whatever the depth (the race detector adds an
	// allocation or two of its own, not always the same number, so compare
	// with a document just too deep, with that much room).
	shallow := deep(jsonerr.MaxDepth)
	base := testing.AllocsPerRun(10, func() { jsonerr.TooDeep(shallow, "the body") })
	if n := testing.AllocsPerRun(10, func() { jsonerr.TooDeep(doc, "the body") }); n > 3 && n > base+2 {
		t.Errorf("refusing a 60,000-deep document allocates %v times, one just too deep %v", n, base)
	}
	for _, ok := range [][]byte{
		deep(jsonerr.MaxDepth - 2),                                     // the object and context's object make 64 levels
		[]byte(`{"s":"` + strings.Repeat("[{", 1000) + `"}`),           // brackets in strings are text
		[]byte(`{"s":"\"` + strings.Repeat("[", 1000) + `\\","t":[]}`), // escaped quotes do not end the string
	} {
		if p, bad := jsonerr.TooDeep(ok, "the body"); bad {
			t.Errorf("TooDeep(%.60s…) = %v", ok, p)
		}
	}
	if _, bad := jsonerr.TooDeep(deep(jsonerr.MaxDepth-1), "the body"); !bad {
		t.Errorf("65 levels passed")
	}
	if _, bad := jsonerr.TooDeep([]byte(`{"s":"\\"`+strings.Repeat("[", 100)), "the body"); !bad {
		t.Errorf("brackets after a string ending in an escaped backslash were taken as text")
	}
}

// Explain is safe on any document: a deep one is refused before it is
// walked, where the walk would build a path per level.
func TestExplainRefusesADeepDocumentWithoutWalkingIt(t *testing.T) {
	type body struct {
		Jurisdiction string `json:"jurisdiction"`
		Context      any    `json:"context"`
	}
	doc := deep(5000)
	doc = doc[:len(doc)-1] // cut off: the walk would look for where
	var p jsonerr.Problem
	allocs := testing.AllocsPerRun(1, func() { p, _ = jsonerr.Explain(doc, reflect.TypeFor[body](), "the body") })
	if !strings.Contains(p.Message, "deeper than the limit of 64 levels") {
		t.Errorf("Explain = %v", p)
	}
	if allocs > 10 {
		t.Errorf("explaining a deep document allocated %v times", allocs)
	}
	if p, bad := jsonerr.Syntax(doc, "the body"); !bad || p.Message != "objects and arrays in the body nest deeper than the limit of 64 levels (at byte 105)" {
		t.Errorf("Syntax = %v %v", p, bad)
	}
}

// Within the limit, a problem deep down is still named by its path.
func TestExplainNamesAPathAtTheLimit(t *testing.T) {
	doc := `{"context":{"a":` + strings.Repeat("[", 61) + "1," + strings.Repeat("]", 61) + "}}"
	p, bad := jsonerr.Explain([]byte(doc), reflect.TypeFor[request](), "the body")
	want := "context.a" + strings.Repeat("[0]", 60) + "[1]"
	if !bad || p.Path != want || !strings.HasPrefix(p.Message, "invalid character ']'") {
		t.Errorf("got %q: %q, want the path %q", p.Path, p.Message, want)
	}
}

func TestSyntaxTakesAnyWellFormedShape(t *testing.T) {
	for _, doc := range []string{`[1]`, `{"unknown":true}`, `"x"`} {
		if p, bad := jsonerr.Syntax([]byte(doc), "the body"); bad {
			t.Errorf("Syntax(%s) = %v", doc, p)
		}
	}
	for doc, want := range map[string]string{
		`{"a":[1,}`:  "a[1]: invalid character '}' looking for beginning of value at byte 8",
		``:           "the body is empty; expected a JSON value",
		`{"a":1} {}`: "expected the body to end after one JSON value, found more at byte 8",
	} {
		if p, bad := jsonerr.Syntax([]byte(doc), "the body"); !bad || p.String() != want {
			t.Errorf("Syntax(%s) = %q, want %q", doc, p, want)
		}
	}
}

func TestClosestOffersANearName(t *testing.T) {
	names := []string{"uscc", "name", "entity_type", "public_credit_score", "facts", "as_of"}
	for key, want := range map[string]string{
		"Public_Credit_Score":      "public_credit_score",
		"public_credit_scor":       "public_credit_score",
		"pubilc_credit_score":      "public_credit_score",
		"fact":                     "facts",
		"NAME":                     "name",
		"entitytype":               "entity_type",
		"nam":                      "name",
		"nm":                       "",
		"colour":                   "",
		"usc":                      "uscc",
		"as":                       "",
		strings.Repeat("x", 1<<20): "",
	} {
		got, ok := jsonerr.Closest(key, names)
		if got != want || ok != (want != "") {
			t.Errorf("Closest(%.20s) = %q %v, want %q", key, got, ok, want)
		}
	}
}

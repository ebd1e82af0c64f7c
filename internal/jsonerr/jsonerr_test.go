package jsonerr_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/jsonerr"
)

type penalty struct {
	DecisionNo string   `json:"decision_no"`
	FineAmount float64  `json:"fine_amount"`
	Kinds      []string `json:"kinds"`
}

type embedded struct {
	Note string `json:"note"`
}

type request struct {
	Jurisdiction string            `json:"jurisdiction"`
	Score        *float64          `json:"public_credit_score,omitempty"`
	Year         int               `json:"year"`
	Penalties    []penalty         `json:"penalties"`
	Labels       map[string]string `json:"labels"`
	Context      json.RawMessage   `json:"context"`
	Any          any               `json:"any"`
	Flag         *bool             `json:"flag"`
	embedded
}

func TestExplainNamesTheFieldWhatWasExpectedAndWhatWasFound(t *testing.T) {
	for _, tc := range []struct {
		name, doc, path, msg string
	}{
		{"truncated", `{"jurisdiction":"230000","penalties":[{"decision_no":"罚`, "penalties[0].decision_no", "unexpected end of the body at byte 57"},
		{"truncated after a colon", `{"jurisdiction":`, "jurisdiction", "unexpected end of the body at byte 16"},
		{"empty", ``, "", "the body is empty; expected a JSON value"},
		{"bad character", `{"jurisdiction": x}`, "jurisdiction", "invalid character 'x' looking for beginning of value at byte 17"},
		{"unknown top-level field", `{"jurisdictoin":"1"}`, "jurisdictoin", `unknown field "jurisdictoin" (known: jurisdiction, public_credit_score, year, penalties, labels, context, any, flag, note); did you mean jurisdiction?`},
		{"unknown nested field", `{"penalties":[{"decision_no":"a"},{"fine":1}]}`, "penalties[1].fine", `unknown field "fine" in penalties[1] (known: decision_no, fine_amount, kinds)`},
		{"string for a number", `{"public_credit_score":"800"}`, "public_credit_score", `expected a number, found the string "800"`},
		{"string for a nested number", `{"penalties":[{"fine_amount":"x"}]}`, "penalties[0].fine_amount", `expected a number, found the string "x"`},
		{"fraction for an integer", `{"year":2023.5}`, "year", "expected a whole number that fits 64 bits, found 2023.5"},
		{"object for an array", `{"penalties":{}}`, "penalties", "expected an array, found an object"},
		{"number for a string in a list", `{"penalties":[{"kinds":["fine",3]}]}`, "penalties[0].kinds[1]", "expected a string, found the number 3"},
		{"map value", `{"labels":{"a":true}}`, "labels.a", "expected a string, found true"},
		{"bool", `{"flag":"yes"}`, "flag", `expected true or false, found the string "yes"`},
		{"array for the document", `[1]`, "", "expected an object, found an array"},
		{"trailing data", `{} {}`, "", "expected the body to end after one JSON value, found more at byte 3"},
		{"long string is cut", `{"year":"` + strings.Repeat("x", 1000) + `"}`, "year", `expected a whole number, found the string "` + strings.Repeat("x", 40) + `"…`},
		{"bad syntax inside raw JSON", `{"context":{"a":[1,}}`, "context.a[1]", "invalid character '}' looking for beginning of value at byte 19"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := jsonerr.Explain([]byte(tc.doc), reflect.TypeFor[request](), "the body")
			if !ok {
				t.Fatalf("no problem found in %s", tc.doc)
			}
			if p.Path != tc.path || p.Message != tc.msg {
				t.Errorf("got %q: %q\nwant %q: %q", p.Path, p.Message, tc.path, tc.msg)
			}
		})
	}
}

func TestExplainFindsNothingInAGoodDocument(t *testing.T) {
	doc := `{"jurisdiction":"230000","public_credit_score":800,"year":2023,"penalties":[{"decision_no":"a","kinds":["fine"]}],
		"labels":{"x":"y"},"context":{"any":[1,{"b":null}]},"any":[{}],"flag":null,"note":"n","Year":1}`
	if p, ok := jsonerr.Explain([]byte(doc), reflect.TypeFor[request](), "the body"); ok {
		t.Fatalf("problem in a good document: %v", p)
	}
}

func TestStringNamesThePath(t *testing.T) {
	p, _ := jsonerr.Explain([]byte(`{"public_credit_score":"high"}`), reflect.TypeFor[request](), "the body")
	if got := p.String(); got != `public_credit_score: expected a number, found the string "high"` {
		t.Errorf("String() = %s", got)
	}
	p, _ = jsonerr.Explain([]byte(`{"fact":{}}`), reflect.TypeFor[request](), "the body")
	if got := p.String(); !strings.HasPrefix(got, `unknown field "fact" (known: `) {
		t.Errorf("String() = %s", got)
	}
}

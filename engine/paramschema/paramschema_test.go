package paramschema_test

import (
	"strings"
	"testing"

	"github.com/credpol/credpol/engine/paramschema"
)

// Broken JSON is reported at the line and column where it broke, in words
// that say what to do.
func TestParseReportsWhereJSONBreaks(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{\n  \"a\": 1,\n  \"b\": 2,\n}\n", "f.json:4:1: a comma before }"},
		{"{\n  \"a\": 1\n  \"b\": 2\n}\n", "f.json:3:3: expected , or } after the value, found '\"' (is a comma missing at the end of the previous line?)"},
		{"{\n  \"a\": [1, 2,]\n}\n", "f.json:2:14: a comma before ]"},
		{"{\n  \"a\": \"x\ny\"\n}\n", "f.json:2:10: a string contains a line break"},
		{"{\n  \"a\": 1,\n  \"b\": {\"c\": 2\n", "f.json:3:15: the file ends before the JSON is complete"},
		{"{\n  \"中文\": 'x'\n}", "f.json:2:9: expected a value"},
		{"{\n  \"a\": 1\n} x", "f.json:3:3: unexpected text after the end of the JSON document"},
		{"\xef\xbb\xbf{}", "f.json:1:1: the file starts with a byte-order mark"},
	}
	for _, c := range cases {
		v, ps := paramschema.Parse("f.json", []byte(c.src))
		if v != nil || len(ps) != 1 || !strings.HasPrefix(ps[0].String(), c.want) {
			t.Errorf("%q: got %v, want %q", c.src, ps, c.want)
		}
	}
}

func TestParseReportsAKeyGivenTwice(t *testing.T) {
	v, ps := paramschema.Parse("f.json", []byte("{\n  \"months\": 3,\n  \"months\": 6\n}"))
	if v == nil || len(ps) != 1 || ps[0].String() != `f.json:3:3: the key "months" appears twice in this object (first on line 2); JSON keeps only the last, so remove one` {
		t.Fatalf("got %v", ps)
	}
	if got := v.Get("months").Num; got != "6" {
		t.Errorf("months = %s, want the last value as JSON keeps it", got)
	}
}

func mustParse(t *testing.T, name, src string) *paramschema.Value {
	t.Helper()
	v, ps := paramschema.Parse(name, []byte(src))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return v
}

func mustCompile(t *testing.T, src string) *paramschema.Schema {
	t.Helper()
	s, ps := paramschema.Compile(mustParse(t, "schema.json", src))
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return s
}

const periodSchema = `{
  "type": "object", "additionalProperties": false,
  "x-required-in-each-file": ["source"],
  "required": ["from", "period"],
  "properties": {
    "source": {"type": "string", "minLength": 1},
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "period": {"$ref": "#/$defs/period"},
    "kind": {"enum": ["minor", "serious"]},
    "ratio": {"type": "object", "x-ordered": ["min", "max"], "properties": {"min": {"type": "number", "minimum": 0, "maximum": 1}, "max": {"type": "number", "minimum": 0, "maximum": 1}}},
    "bands": {"type": "array", "x-descending-by": "min", "x-last-item": {"properties": {"min": {"const": 0, "x-message": "the lowest band starts at 0"}}},
              "items": {"type": "object", "properties": {"min": {"type": "number"}}}},
    "tags": {"type": "array", "uniqueItems": true, "items": {"type": "string"}},
    "text": {"type": "string", "x-template": true},
    "code": {"type": "string", "pattern": "^[a-z]+$", "x-message": "must be lower-case letters"},
    "flag": false
  },
  "x-ordered": ["from", "to"],
  "$defs": {"period": {"type": "object", "additionalProperties": false, "properties": {"months": {"type": "integer", "minimum": 0}, "years": {"type": "integer"}}}}
}`

func TestValidateSaysWhatIsWrongAndWhere(t *testing.T) {
	s := mustCompile(t, periodSchema)
	doc := mustParse(t, "data.json", `{
  "source": "x",
  "from": "2024-02-30",
  "period": {"monhts": 6, "years": "1"},
  "kind": "light",
  "ratio": {"min": 0.5, "max": 0.2},
  "bands": [{"min": 800}, {"min": 900}, {"min": 10}],
  "tags": ["a", "b", "a"],
  "code": "AB",
  "flag": 1,
  "extra": true
}`)
	want := []string{
		`data.json:3: x.from: must be a date written YYYY-MM-DD; found "2024-02-30"`,
		`data.json:4: x.period.monhts: unknown field (known: months, years); did you mean months?`,
		`data.json:4: x.period.years: expected a whole number, found the string "1"`,
		`data.json:5: x.kind: must be one of "minor", "serious"; found "light"`,
		`data.json:6: x.ratio.max: max (0.2) must not be below min (0.5)`,
		`data.json:7: x.bands[2].min: the lowest band starts at 0; found 10`,
		`data.json:7: x.bands[1].min: items must be ordered by min, highest first: 900 is not below 800 of the item before`,
		`data.json:8: x.tags[2]: "a" is listed twice (also at [0])`,
		`data.json:9: x.code: must be lower-case letters; found "AB"`,
		`data.json:10: x.flag: is not allowed here`,
		`data.json:11: x.extra: unknown field (known: source, from, to, period, kind, ratio, bands, tags, text, code, flag)`,
	}
	got := s.Validate(doc, []any{"x"}, paramschema.EachFile)
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i].String(), want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// A county's file sets only what it changes: "required" holds only for the
// block merged along a chain, "x-required-in-each-file" for every file.
func TestRequiredAppliesToTheMergedBlock(t *testing.T) {
	s := mustCompile(t, periodSchema)
	county := mustParse(t, "county.json", `{"period": {"months": 3}}`)
	if ps := s.Validate(county, nil, paramschema.EachFile); len(ps) != 1 || !strings.Contains(ps[0].String(), `"source" is missing: this file must set it`) {
		t.Errorf("each file: %v", ps)
	}
	nation := mustParse(t, "nation.json", `{"source": "x", "period": {"months": 6}}`)
	merged := paramschema.Merge(nation, county)
	ps := s.Validate(merged, nil, paramschema.Merged)
	if len(ps) != 1 || ps[0].String() != `county.json:1: "from" is missing: no jurisdiction on the chain sets it` {
		t.Errorf("merged: %v", ps)
	}
	if got := merged.Get("period", "months"); got.Num != "3" || got.File() != "county.json" {
		t.Errorf("merged months = %s from %s, want the county's 3", got.Num, got.File())
	}
}

// Templates name values as {dotted.path}; in a merged block each must name a
// value of the item or the block.
func TestTemplatePlaceholdersMustNameAValue(t *testing.T) {
	s := mustCompile(t, periodSchema)
	ok := mustParse(t, "a.json", `{"source": "x", "from": "2024-01-01", "period": {"months": 6}, "text": "满{period}后"}`)
	if ps := s.Validate(ok, nil, paramschema.Merged); len(ps) != 0 {
		t.Errorf("valid template: %v", ps)
	}
	bad := mustParse(t, "a.json", "{\"source\": \"x\", \"from\": \"2024-01-01\", \"period\": {\"months\": 6},\n \"text\": \"满{period.days}后\"}")
	if ps := s.Validate(bad, nil, paramschema.Merged); len(ps) != 1 || !strings.HasPrefix(ps[0].String(), "a.json:2: text: {period.days} names no value here") {
		t.Errorf("bad template: %v", ps)
	}
}

// A schema may use only what the check implements, so none looks stricter
// than it is.
func TestCompileRefusesUnsupportedKeywords(t *testing.T) {
	doc := mustParse(t, "s.json", "{\n  \"type\": \"object\",\n  \"oneOf\": [],\n  \"properties\": {\"a\": {\"$ref\": \"#/$defs/missing\"}}\n}")
	_, ps := paramschema.Compile(doc)
	if len(ps) != 2 || !strings.HasPrefix(ps[0].String(), `s.json:3: schema keyword "oneOf" is not supported`) ||
		!strings.HasPrefix(ps[1].String(), `s.json:4: $ref "#/$defs/missing"`) {
		t.Errorf("got %v", ps)
	}
}

func TestNearestSuggestsOnlyCloseNames(t *testing.T) {
	names := []string{"penalty_publicity", "penalty_discretion", "supervision"}
	for in, want := range map[string]string{"penalty_publicty": "penalty_publicity", "supervison": "supervision", "penalty_publicity_extra": "", "credit": ""} {
		if got := paramschema.Nearest(in, names); got != want {
			t.Errorf("Nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

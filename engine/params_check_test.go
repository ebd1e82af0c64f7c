package engine

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/credpol/credpol/policies"
)

// shippedTree is the shipped policy tree as files, for tests to change.
func shippedTree(t *testing.T) fstest.MapFS {
	t.Helper()
	tree := fstest.MapFS{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		tree[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// edit replaces the first occurrence of old in file, failing when it is not there.
func edit(t *testing.T, tree fstest.MapFS, file, old, new string) {
	t.Helper()
	f := tree[file]
	if f == nil || !strings.Contains(string(f.Data), old) {
		t.Fatalf("%s has no %q", file, old)
	}
	tree[file] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), old, new, 1))}
}

// lineOf is the line of the first occurrence of marker in file; "a … b" is
// the first b after the first a.
func lineOf(t *testing.T, tree fstest.MapFS, file, marker string) int {
	t.Helper()
	s, at := string(tree[file].Data), 0
	for _, part := range strings.Split(marker, " … ") {
		i := strings.Index(s[at:], part)
		if i < 0 {
			t.Fatalf("%s has no %q", file, marker)
		}
		at += i
	}
	return strings.Count(s[:at], "\n") + 1
}

func paramProblems(tree fstest.MapFS) Errors {
	files := map[string][]byte{}
	for name, f := range tree {
		files[name] = f.Data
	}
	return checkParams(&Tree{Files: files})
}

func TestShippedParamsPassTheCheck(t *testing.T) {
	if errs := paramProblems(shippedTree(t)); len(errs) > 0 {
		t.Fatalf("shipped parameters:\n%v", errs)
	}
}

const xinfu = "params/140902/data.json"

// Each mistake policy staff make in a parameter file is reported in plain
// words with its file, its line and the JSON path of the value.
func TestParamMistakesAreReportedWithFileLineAndPath(t *testing.T) {
	national, xinzhou := "params/100000/data.json", "params/140900/data.json"
	cases := []struct {
		name   string
		change func(fstest.MapFS)
		file   string
		marker string // the text on the line the problem must be reported on
		want   string
	}{
		{"a misspelt decision name", func(tr fstest.MapFS) {
			edit(t, tr, xinzhou, `"penalty_publicity": {`, `"penalty_publicty": {`)
		}, xinzhou, `"penalty_publicty"`, "penalty_publicty: no decision of that name; did you mean penalty_publicity?"},
		{"a number written as a string", func(tr fstest.MapFS) {
			edit(t, tr, national, `"months": 6`, `"months": "6"`)
		}, national, `"months": "6"`, `penalty_publicity.regimes.CN-6.repair_after.months: expected a whole number, found the string "6"`},
		{"a misspelt field", func(tr fstest.MapFS) {
			edit(t, tr, national, `"repair_after_key_sector": {`, `"repair_after_key_sectr": {`)
		}, national, `"repair_after_key_sectr"`, "penalty_publicity.regimes.CN-6.repair_after_key_sectr: unknown field (known: from, to, basis, source, light_publicity, publicity, repair_after, repair_after_key_sector); did you mean repair_after_key_sector?"},
		{"a ratio above 1", func(tr fstest.MapFS) {
			edit(t, tr, national, `"max": 0.6`, `"max": 60`)
		}, national, `"max": 60`, "supervision.ratios.C.max: must be at most 1; found 60"},
		{"an unknown sampling level", func(tr fstest.MapFS) {
			edit(t, tr, national, `"B": "regular"`, `"B": "normal"`)
		}, national, `"B": "normal"`, `supervision.levels.B: must be one of "reduced", "regular", "increased", "much_increased", "unlimited"; found "normal"`},
		{"a date not written YYYY-MM-DD", func(tr fstest.MapFS) {
			edit(t, tr, xinzhou, `"from": "2023-03-01"`, `"from": "2023-3-1"`)
		}, xinzhou, `"from": "2023-3-1"`, `penalty_publicity.local_rules[0].from: must be a date written YYYY-MM-DD; found "2023-3-1"`},
		{"a key given twice", func(tr fstest.MapFS) {
			edit(t, tr, national, `"serious_after_years": 3,`, `"serious_after_years": 3, "serious_after_years": 2,`)
		}, national, `"serious_after_years": 3,`, `the key "serious_after_years" appears twice`},
		{"bands out of order", func(tr fstest.MapFS) {
			edit(t, tr, "params/230000/data.json", `"min": 730`, `"min": 795`)
		}, "params/230000/data.json", `"min": 795`, "credit_grade.bands[2].min: items must be ordered by min, highest first: 795 is not below 790"},
		{"a lowest band above 0", func(tr fstest.MapFS) {
			edit(t, tr, "params/230000/data.json", `"min": 0`, `"min": 100`)
		}, "params/230000/data.json", `"min": 100`, "credit_grade.bands[4].min: the lowest band must start at 0"},
		{"a band that still states its range", func(tr fstest.MapFS) {
			edit(t, tr, "params/230000/data.json", `"min": 850`, `"min": 850, "range": "850分及以上"`)
		}, "params/230000/data.json", `"range"`, "credit_grade.bands[0].range: unknown field (known: grade, min)"},
		{"a letter with a placeholder too few", func(tr fstest.MapFS) {
			edit(t, tr, "params/350505/data.json", `依法不予公示`, `%s依法不予公示`)
		}, "params/350505/data.json", `依法不予公示`, "repair_notice.letter.unpublished: must contain %s exactly 1 time(s)"},
		{"a lower fine that claims not to count its own amount", func(tr fstest.MapFS) {
			edit(t, tr, national, `"inclusive": true`, `"inclusive": false`)
		}, national, `"inclusive": false`, "penalty_publicity.lower_fine.inclusive: a fine equal to the lower-fine amount always counts as a lower fine"},
		{"a trigger missing its threshold", func(tr fstest.MapFS) {
			edit(t, tr, "params/350505/data.json", `"at_least": 3,`, ``)
		}, "params/350505/data.json", "\"trigger\": {\n          \"kind\": \"complaints_recent\"", `risk_alerts.items[2].trigger: "at_least" is missing: this file must set it`},
		{"a block without its source", func(tr fstest.MapFS) {
			edit(t, tr, "params/140000/data.json", `"source": "山西省 lower-fine threshold",`, ``)
		}, "params/140000/data.json", `"penalty_publicity"`, `penalty_publicity: "source" is missing: this file must set it`},
		{"a county value without a basis", func(tr fstest.MapFS) {
			addXinfu(tr, `{"penalty_publicity": {"source": "忻府市监〔2025〕3号", "regimes": {"CN-6": {"repair_after": {"months": 3}}}}}`)
		}, xinfu, `"regimes"`, "penalty_publicity.regimes: no basis cites this value"},
		{"a county minimum above the nation's maximum", func(tr fstest.MapFS) {
			addXinfu(tr, "{\"supervision\": {\"source\": \"x\", \"basis\": {\"ratios\": \"XF-1 x\"},\n \"ratios\": {\"B\": {\"min\": 0.3}}}}")
		}, xinfu, `"min": 0.3`, "supervision.ratios.B.min: min (0.3) must not be above max (0.2, set in params/100000/data.json:"},
		{"a placeholder naming no value", func(tr fstest.MapFS) {
			edit(t, tr, xinzhou, `{regimes.CN-6.repair_after}`, `{regimes.CN-6.repair_afterr}`)
		}, xinzhou, `{regimes.CN-6.repair_afterr}`, "penalty_publicity.local_rules[0].text: {regimes.CN-6.repair_afterr} names no value here"},
		{"a merged block missing what the policy reads", func(tr fstest.MapFS) {
			edit(t, tr, national, `"working_days": 7,`, ``)
		}, national, `"repair_application" … "CN-7": {`, `repair_application.regimes.CN-7: "working_days" is missing: no jurisdiction on the chain sets it (in repair_application as merged along 100000)`},
		{"parameters outside params/<code>/data.json", func(tr fstest.MapFS) {
			tr["params/140900/extra.json"] = &fstest.MapFile{Data: []byte(`{}`)}
		}, "params/140900/extra.json", "", "parameters must be in params/<code>/data.json"},
		{"parameters of a jurisdiction the tree does not have", func(tr fstest.MapFS) {
			tr["params/140999/data.json"] = &fstest.MapFile{Data: []byte("{\n}\n")}
		}, "params/140999/data.json", "{", "140999 is not a jurisdiction of jurisdictions.json"},
		{"a schema keyword the check does not implement", func(tr fstest.MapFS) {
			edit(t, tr, "schemas/params/credit_grade/schema.json", `"exclusiveMinimum": 0`, `"exclusiveMinimum": 0, "multipleOf": 10`)
		}, "schemas/params/credit_grade/schema.json", `"multipleOf"`, `schema keyword "multipleOf" is not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tree := shippedTree(t)
			c.change(tree)
			errs := paramProblems(tree)
			want := c.file
			if c.marker != "" {
				want += ":" + strconv.Itoa(lineOf(t, tree, c.file, c.marker))
			}
			want += ": "
			for _, e := range errs {
				if s := e.Error(); strings.HasPrefix(s, want) && strings.Contains(s, c.want) {
					return
				}
			}
			t.Errorf("want a problem starting %q containing %q; got:\n%v", want, c.want, errs)
		})
	}
}

// addXinfu adds the county 140902 to the tree with the parameters given.
func addXinfu(tr fstest.MapFS, params string) {
	j := string(tr["jurisdictions.json"].Data)
	j = strings.Replace(j, `{"code": "140930"`, `{"code": "140902", "name": "忻府区", "level": "county", "parent": "140900", "rule_prefix": "XF"},
    {"code": "140930"`, 1)
	tr["jurisdictions.json"] = &fstest.MapFile{Data: []byte(j)}
	tr[xinfu] = &fstest.MapFile{Data: []byte(params)}
}

// A tree whose parameter file is not JSON is refused with the place it broke.
func TestBrokenParamsJSONIsRefusedWithItsLine(t *testing.T) {
	tree := shippedTree(t)
	addXinfu(tree, "{\n  \"penalty_publicity\": {\n    \"source\": \"x\"\n")
	_, err := Compile(context.Background(), tree, Options{})
	if err == nil || !strings.Contains(err.Error(), xinfu+":3") {
		t.Fatalf("err = %v, want it to name %s:3", err, xinfu)
	}
}

// A number as a string is refused before the tree serves, not answered with a
// type error in lib/dates.rego at the first request.
func TestCompileRefusesParamsOfTheWrongType(t *testing.T) {
	tree := shippedTree(t)
	line := lineOf(t, tree, "params/100000/data.json", `"months": 6`)
	edit(t, tree, "params/100000/data.json", `"months": 6`, `"months": "6"`)
	_, err := Compile(context.Background(), tree, Options{})
	want := fmt.Sprintf(`params/100000/data.json:%d: penalty_publicity.regimes.CN-6.repair_after.months: expected a whole number, found the string "6"`, line)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v", err)
	}
}

// The engine's record of who set each value (input.params._set_by) must be
// what lib.set_by computes from data.params when the engine does not pass it
// (stock opa test), for every shipped chain and decision.
func TestSetByEqualsTheRegoFallback(t *testing.T) {
	ctx := context.Background()
	ps, err := Compile(ctx, policies.FS, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range ps.Jurisdictions().All() {
		chain, err := ps.Jurisdictions().Chain(j.Code)
		if err != nil {
			t.Fatal(err)
		}
		engineSetBy := ps.paramsFor(chain).(ast.Object).Get(ast.StringTerm(SetByKey)).Value.(ast.Object)
		names := map[string]bool{}
		for _, code := range chain {
			for name := range asMap(ps.params[code]) {
				names[name] = true
			}
		}
		if len(names) != engineSetBy.Len() {
			t.Errorf("%v: engine records %d decisions, the chain has parameters for %d", chain, engineSetBy.Len(), len(names))
		}
		codes := make([]any, len(chain))
		for i, c := range chain {
			codes[i] = c
		}
		for name := range names {
			rs, err := rego.New(rego.Compiler(ps.compiler), rego.Store(ps.store),
				rego.Query(`x := data.lib.set_by("`+name+`")`),
				rego.Input(map[string]any{"jurisdiction": map[string]any{"chain": codes}})).Eval(ctx)
			if err != nil || len(rs) == 0 {
				t.Fatalf("lib.set_by(%q) on %v: %v", name, chain, err)
			}
			want, err := ast.InterfaceToValue(rs[0].Bindings["x"])
			if err != nil {
				t.Fatal(err)
			}
			got := engineSetBy.Get(ast.StringTerm(name))
			if got == nil || got.Value.Compare(want) != 0 {
				t.Errorf("%v %s:\nengine %v\nRego   %v", chain, name, got, want)
			}
		}
	}
}

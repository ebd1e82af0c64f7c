package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
)

// shippedCopy is the shipped tree as files a test may change.
func shippedCopy(*testing.T) fstest.MapFS { return enginetest.Shipped(nil) }

// addXinfu adds 忻府区 (140902) under Xinzhou as a bureau would: an entry in
// jurisdictions.json, a package of its own and a parameter it changes.
func addXinfu(t *testing.T, tree fstest.MapFS) {
	t.Helper()
	entry := `{"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"},`
	j := tree["jurisdictions.json"].Data
	if !bytes.Contains(j, []byte(entry)) {
		t.Fatalf("jurisdictions.json no longer lists Hequ as %s", entry)
	}
	tree["jurisdictions.json"] = &fstest.MapFile{Data: bytes.Replace(j, []byte(entry), []byte(entry+
		"\n    {\"code\": \"140902\", \"name\": \"忻府区\", \"level\": \"district\", \"parent\": \"140900\", \"rule_prefix\": \"XF\"},"), 1)}
	tree["j140902/supervision.rego"] = &fstest.MapFile{Data: []byte(`# 忻府 supervision: Xinzhou's, with its own ratios (XF-1).
package j140902.supervision

import data.j140900.supervision as city

decision := city.decision
`)}
	tree["params/140902/data.json"] = &fstest.MapFile{Data: []byte(`{"supervision": {"source": "忻府市监〔2026〕1号", "basis": {"ratios": "XF-1 忻府市监〔2026〕1号"}, "ratios": {"source": "XF-1 忻府市监〔2026〕1号", "B": {"min": 0.07, "max": 0.09}}}}`)}
}

func TestACountyIsAddedWithFilesOnly(t *testing.T) {
	tree := shippedCopy(t)
	addXinfu(t, tree)
	ps, err := engine.Compile(context.Background(), tree, engine.Options{Strict: true})
	if err != nil {
		t.Fatalf("the tree with 忻府区 does not compile:\n%v", err)
	}
	reg := ps.Jurisdictions()
	chain, err := reg.Chain("140902")
	if err != nil || strings.Join(chain, ",") != "140902,140900,140000,100000" {
		t.Fatalf("chain of 140902 = %v, %v", chain, err)
	}
	if src, ok := ps.Provider(chain, "supervision"); !ok || src != "140902" {
		t.Errorf("supervision in 140902 is provided by %q, want 140902", src)
	}
	if src, _ := ps.Provider(chain, "penalty_discretion"); src != "140900" {
		t.Errorf("penalty_discretion in 140902 is provided by %q, want 140900 (inherited)", src)
	}
	out := eval(t, ps, "supervision", chain, map[string]any{"context": map[string]any{}, "enterprise": map[string]any{"risk_class": "B"}})
	ratio, _ := out.Value["ratio"].(map[string]any)
	if out.Source != "140902" || fmt.Sprint(ratio["min"]) != "0.07" || fmt.Sprint(ratio["max"]) != "0.09" {
		t.Errorf("supervision for class B in 140902 = %v from %s, want the county's ratio 0.07–0.09", out.Value["ratio"], out.Source)
	}
	if got := reg.RuleIDs("XF-1 忻府市监〔2026〕1号, and XZ-3"); strings.Join(got, ",") != "XF-1,XZ-3" {
		t.Errorf("the county's rule prefix is not recognised: %v", got)
	}
	if _, ok := ps.Catalogue().Lookup("supervision"); !ok {
		t.Error("the catalogue has no supervision")
	}
}

// A reload that adds a county makes it known to every holder of the
// engine's registry, without handing them a new one.
func TestTheEnginesRegistryFollowsTheServingRevision(t *testing.T) {
	var e engine.Engine
	reg := e.Jurisdictions()
	if reg.Has("100000") {
		t.Error("a registry answers before any tree is loaded")
	}
	ctx := context.Background()
	if _, err := e.Load(ctx, policies.FS); err != nil {
		t.Fatal(err)
	}
	if !reg.Has("140930") || reg.Has("140902") {
		t.Fatal("the registry does not follow the shipped tree")
	}
	tree := shippedCopy(t)
	addXinfu(t, tree)
	if _, err := e.Load(ctx, tree); err != nil {
		t.Fatal(err)
	}
	if !reg.Has("140902") || !reg.Within("140902", "140000") {
		t.Error("a reload that added 140902 is not seen by the registry")
	}
}

// compileErrors compiles tree and returns its errors, failing the test if
// it compiled.
func compileErrors(t *testing.T, tree fs.FS) engine.Errors {
	t.Helper()
	_, err := engine.Compile(context.Background(), tree, engine.Options{})
	var errs engine.Errors
	if !errors.As(err, &errs) || len(errs) == 0 {
		t.Fatalf("compiled, or failed without located errors: %v", err)
	}
	return errs
}

// wantError fails unless errs holds one error at file:row whose message
// says every one of parts.
func wantError(t *testing.T, errs engine.Errors, file string, row int, parts ...string) {
	t.Helper()
	for _, e := range errs {
		if e.File != file || e.Row != row {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(e.Message, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no error at %s:%d saying %q; got:\n%v", file, row, parts, errs)
}

func withJurisdictions(t *testing.T, body string) fstest.MapFS {
	tree := shippedCopy(t)
	tree["jurisdictions.json"] = &fstest.MapFile{Data: []byte(body)}
	return tree
}

func TestJurisdictionTreeMistakesAreLocated(t *testing.T) {
	const head = `{
  "jurisdictions": [
    {"code": "100000", "name": "全国", "level": "national", "rule_prefix": "CN"},
    {"code": "230000", "name": "黑龙江省", "level": "province", "parent": "100000", "rule_prefix": "HLJ"},
    {"code": "140000", "name": "山西省", "level": "province", "parent": "100000"},
    {"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"},
    {"code": "350000", "name": "福建省", "level": "province", "parent": "100000"},
    {"code": "350500", "name": "泉州市", "level": "city", "parent": "350000"},
    {"code": "350505", "name": "泉港区", "level": "district", "parent": "350500", "rule_prefix": "QG"},
    {"code": "440000", "name": "广东省", "level": "province", "parent": "100000"},
    {"code": "440500", "name": "汕头市", "level": "city", "parent": "440000", "rule_prefix": "ST"},
`
	for _, tc := range []struct {
		name, tail string
		row        int
		parts      []string
	}{
		{"parent not in the tree", `    {"code": "140900", "name": "忻州市", "level": "city",
     "parent": "140001", "rule_prefix": "XZ"}
  ]
}`, 13, []string{"140900 (忻州市)", `parent "140001" is not in the tree`}},
		{"parent from another branch", `    {"code": "140900", "name": "忻州市", "level": "city", "parent": "350000", "rule_prefix": "XZ"}
  ]
}`, 12, []string{"its parent must be 140000", "not 350000 (福建省)"}},
		{"level that does not fit the code", `    {"code": "140900", "name": "忻州市", "level": "county", "parent": "140000", "rule_prefix": "XZ"}
  ]
}`, 12, []string{"ends in 00, so it is a city", "not county"}},
		{"code in a province that does not exist", `    {"code": "140900", "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "XZ"},
    {"code": "190100", "name": "某市", "level": "city", "parent": "190000"}
  ]
}`, 13, []string{"no province of GB/T 2260 has codes starting 19"}},
		{"code without quotes", `    {"code": 140900, "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "XZ"}
  ]
}`, 12, []string{`code must be written in quotes: "140900"`}},
		{"misspelt key", `    {"code": "140900", "name": "忻州市", "level": "city", "parnet": "140000", "rule_prefix": "XZ"}
  ]
}`, 12, []string{`unknown key "parnet"`}},
		{"rule prefix taken", `    {"code": "140900", "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "QG"}
  ]
}`, 12, []string{"rule prefix QG is already 350505's"}},
		{"dates in the wrong order", `    {"code": "140900", "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "XZ",
     "valid_from": "2024-01-01",
     "valid_to": "2023-12-31"}
  ]
}`, 14, []string{"valid_to 2023-12-31 is before valid_from 2024-01-01"}},
		{"listed twice", `    {"code": "140900", "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "XZ"},
    {"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"}
  ]
}`, 13, []string{"140930 (河曲县) is listed twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := compileErrors(t, withJurisdictions(t, head+tc.tail))
			wantError(t, errs, "jurisdictions.json", tc.row, tc.parts...)
		})
	}
}

func TestACycleInTheJurisdictionTreeIsLocated(t *testing.T) {
	errs := compileErrors(t, withJurisdictions(t, `{
  "jurisdictions": [
    {"code": "100000", "name": "全国", "level": "national", "rule_prefix": "CN"},
    {"code": "230000", "name": "黑龙江省", "level": "province", "parent": "100000", "rule_prefix": "HLJ"},
    {"code": "140000", "name": "山西省", "level": "province",
     "parent": "140930"},
    {"code": "140900", "name": "忻州市", "level": "city", "parent": "140000", "rule_prefix": "XZ"},
    {"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"},
    {"code": "350000", "name": "福建省", "level": "province", "parent": "100000"},
    {"code": "350500", "name": "泉州市", "level": "city", "parent": "350000"},
    {"code": "350505", "name": "泉港区", "level": "district", "parent": "350500", "rule_prefix": "QG"},
    {"code": "440000", "name": "广东省", "level": "province", "parent": "100000"},
    {"code": "440500", "name": "汕头市", "level": "city", "parent": "440000", "rule_prefix": "ST"}
  ]
}`))
	wantError(t, errs, "jurisdictions.json", 6, "parents go round in a circle (140000 → 140930 → 140900 → 140000)")
}

func TestTheTreeNeedsExactlyOneNationalRoot(t *testing.T) {
	errs := compileErrors(t, withJurisdictions(t, `{
  "jurisdictions": [
    {"code": "230000", "name": "黑龙江省", "level": "province", "parent": "100000", "rule_prefix": "HLJ"}
  ]
}`))
	wantError(t, errs, "jurisdictions.json", 2, "no national root")

	errs = compileErrors(t, withJurisdictions(t, `{"jurisdictions": [
  {"code": "100000", "name": "全国", "level": "national", "rule_prefix": "CN"},
  {"code": "110000", "name": "北京市", "level": "national"}
]}`))
	wantError(t, errs, "jurisdictions.json", 3, "110000 (北京市)", "its level must be province, not national")
}

func TestMissingDataFilesAreReported(t *testing.T) {
	for _, file := range []string{"jurisdictions.json", "catalogue.json"} {
		tree := shippedCopy(t)
		delete(tree, file)
		errs := compileErrors(t, tree)
		if !strings.Contains(errs.Error(), "the policy tree has no "+file) {
			t.Errorf("without %s: %v", file, errs)
		}
	}
}

func TestInvalidJSONInADataFileIsLocated(t *testing.T) {
	tree := shippedCopy(t)
	tree["catalogue.json"] = &fstest.MapFile{Data: []byte("{\n  \"decisions\": [\n    {\"name\": \"supervision\",}\n  ]\n}\n")}
	_, _, err := engine.ReadTreeData(tree)
	var errs engine.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	wantError(t, errs, "catalogue.json", 3, "not valid JSON")
}

func withCatalogue(t *testing.T, edit func(string) string) fstest.MapFS {
	t.Helper()
	tree := shippedCopy(t)
	before := string(tree["catalogue.json"].Data)
	after := edit(before)
	if after == before {
		t.Fatal("the edit changed nothing: the shipped catalogue.json changed shape")
	}
	tree["catalogue.json"] = &fstest.MapFile{Data: []byte(after)}
	return tree
}

// lineOf is the line of the first occurrence of s in the shipped catalogue.
func lineOf(t *testing.T, s string) int {
	t.Helper()
	b, _ := fs.ReadFile(policies.FS, "catalogue.json")
	i := strings.Index(string(b), s)
	if i < 0 {
		t.Fatalf("catalogue.json has no %q", s)
	}
	return strings.Count(string(b[:i]), "\n") + 1
}

func TestCatalogueMistakesAreLocated(t *testing.T) {
	trigger := `"trigger": {"type": "string", "description": "检查触发方式", "enum": ["routine", "complaint", "big_data", "referral", "legal_requirement"], "default": "routine"}`
	for _, tc := range []struct {
		name, old, new string
		parts          []string
	}{
		{"default outside the enum", trigger, strings.Replace(trigger, `"default": "routine"`, `"default": "rutine"`, 1),
			[]string{"decision supervision: context.trigger", `the default "rutine" is not one of the allowed values`}},
		{"misspelt key", trigger, strings.Replace(trigger, `"enum"`, `"enmu"`, 1),
			[]string{`unknown key "enmu"`}},
		{"unknown type", trigger, strings.Replace(trigger, `"type": "string"`, `"type": "text"`, 1),
			[]string{`"type" must be one of object, array, string, date, number, integer, boolean, got "text"`}},
		{"rule of no jurisdiction", `"rules": ["HLJ-1", "HLJ-2"]`, `"rules": ["HLJ-1", "HJL-2"]`,
			[]string{"decision credit_grade: rule HJL-2: no jurisdiction of the tree has the rule prefix HJL"}},
		{"not a rule ID", `"rules": ["HLJ-1", "HLJ-2"]`, `"rules": ["HLJ-1", "HLJ 2"]`,
			[]string{`"HLJ 2" is not a rule ID`}},
		{"decision listed twice", `"name": "risk_class"`, `"name": "credit_grade"`,
			[]string{"decision credit_grade is listed twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := compileErrors(t, withCatalogue(t, func(s string) string { return strings.Replace(s, tc.old, tc.new, 1) }))
			wantError(t, errs, "catalogue.json", lineOf(t, tc.old), tc.parts...)
		})
	}
}

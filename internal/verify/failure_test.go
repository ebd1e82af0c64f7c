package verify_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/policies"
)

const failingTests = `package j230000.credit_grade_test

import data.j230000.credit_grade

hlj(score) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"enterprise": {"public_credit_score": score},
}

grade_of(score) := grade if {
	grade := credit_grade.decision.grade with input as hlj(score)
}

test_hlj2_band_boundaries if {
	every score, want in {850: "A", 760: "B"} {
		grade_of(score) == want
	}
}

test_grade_of_800 if {
	d := credit_grade.decision with input as hlj(800)
	d.grade == "A"
}

test_a_field_that_is_not_there if {
	d := credit_grade.decision with input as hlj(-5)
	d.grade == "E"
}

test_count_of_reasons if {
	d := credit_grade.decision with input as hlj(800)
	count(d.reasons) > 5
}

test_an_error if {
	to_number("eight hundred") == 800
}
`

// A failed Rego test says which expression failed and the values in it, as
// `opa test --var-values` does, in the language asked for.
func TestFailedTestsShowTheirValues(t *testing.T) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "230000", Name: "黑龙江省", Level: "province", Parent: "100000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	const file = "testpolicies/j230000/credit_grade_test.rego"
	tests := fstest.MapFS{"j230000/credit_grade_test.rego": {Data: []byte(failingTests)}}
	want := map[string]map[engine.Lang]string{
		"test_hlj2_band_boundaries": {
			engine.Chinese: "测试 test_hlj2_band_boundaries 失败（" + file + ":17）：grade_of(score) == want 不成立，期望 \"B\" 实得 \"C\"（score = 760）",
			engine.English: "test test_hlj2_band_boundaries failed at " + file + ":17: grade_of(score) == want is false: expected \"B\", got \"C\" (where score = 760)",
		},
		"test_grade_of_800": {
			engine.Chinese: "测试 test_grade_of_800 失败（" + file + ":23）：d.grade == \"A\" 不成立，期望 \"A\" 实得 \"B\"",
			engine.English: "test test_grade_of_800 failed at " + file + ":23: d.grade == \"A\" is false: expected \"A\", got \"B\"",
		},
		"test_a_field_that_is_not_there": {
			engine.Chinese: "d.grade == \"E\" 不成立，期望 \"E\" 实得 无值（undefined）（d = {\"error\": ",
			engine.English: "d.grade == \"E\" is false: expected \"E\", got undefined (where d = {\"error\": ",
		},
		"test_count_of_reasons": {
			engine.Chinese: "count(d.reasons) > 5 不成立（count(d.reasons) = 2，",
			engine.English: "count(d.reasons) > 5 is false (where count(d.reasons) = 2, ",
		},
		"test_an_error": {
			engine.Chinese: "测试 test_an_error 出错：" + file + ":37: 函数 to_number 无法把 \"eight hundred\" 转换为数字",
			engine.English: "test test_an_error stopped on an error: " + file + ":37: to_number cannot turn \"eight hundred\" into a number",
		},
	}
	for _, lang := range []engine.Lang{engine.Chinese, engine.English} {
		rep, err := verify.Run(context.Background(), verify.Suite{Policies: policies.FS, Tests: tests, Jurisdictions: reg},
			verify.Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, r := range rep.Results {
			w, ok := want[r.Name]
			if !ok {
				continue
			}
			seen++
			if r.Passed {
				t.Errorf("%s passed", r.Name)
				continue
			}
			if !strings.Contains(r.Error, w[lang]) {
				t.Errorf("%s (%s):\n got %s\nwant %s", r.Name, lang, r.Error, w[lang])
			}
		}
		if seen != len(want) {
			t.Errorf("%d of the %d tests reported: %+v", seen, len(want), rep.Results)
		}
	}
}

// The values are in the report's failure, for JSON readers.
func TestFailureCarriesTheValues(t *testing.T) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "230000", Name: "黑龙江省", Level: "province", Parent: "100000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := fstest.MapFS{"j230000/credit_grade_test.rego": {Data: []byte(failingTests)}}
	rep, err := verify.Run(context.Background(), verify.Suite{Policies: policies.FS, Tests: tests, Jurisdictions: reg},
		verify.Options{Run: "band_boundaries"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Name != "test_hlj2_band_boundaries" {
			continue
		}
		f := r.Failure
		if f == nil {
			t.Fatalf("no failure recorded: %+v", r)
		}
		if f.Expr != "grade_of(score) == want" || f.Expected != `"B"` || f.Got != `"C"` || f.Row != 17 {
			t.Errorf("failure = %+v", f)
		}
		values := map[string]string{}
		for _, v := range f.Values {
			values[v.Name] = v.Value
		}
		if values["score"] != "760" || values["want"] != `"B"` || values["grade_of(score)"] != `"C"` {
			t.Errorf("values = %+v", f.Values)
		}
		return
	}
	t.Fatalf("the test did not run: %+v", rep.Results)
}

// A test file that does not parse is reported at the line to change, as a
// policy file is.
func TestBrokenTestFileIsPlaced(t *testing.T) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{{Code: "100000", Name: "全国", Level: "national"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := fstest.MapFS{"j230000/credit_grade_test.rego": {Data: []byte("package j230000.credit_grade_test\n\ntest_a if {\n\t1 == 1\n\ntest_b if {\n\t2 == 2\n}\n")}}
	_, err = verify.Run(context.Background(), verify.Suite{Policies: policies.FS, Tests: tests, Jurisdictions: reg}, verify.Options{})
	want := "testpolicies/j230000/credit_grade_test.rego:4: 第4行附近缺少右花括号 }：第3行的 { 没有闭合"
	if got := engine.Explain(err, engine.Chinese); !strings.Contains(got, want) {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

package verify_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/verify"
)

// A small tree: one decision, one rule only some tests reach.
var answerPolicies = enginetest.Tree(fstest.MapFS{"j100000/answer.rego": {Data: []byte(`package j100000.answer

decision := {"value": 42}

special if {
	input.as_of == "2026-01-01"
}
`)}})

func answerTests(tests string) fstest.MapFS {
	return fstest.MapFS{
		"j100000/answer_test.rego": {Data: []byte(tests)},
		"cases/answer.yaml": {Data: []byte(`national has no credit grade:
  decision: credit_grade
  jurisdiction: "100000"
  expect: {error: decision_not_configured}
`)},
	}
}

const decisionTests = `package j100000.answer_test

import data.j100000.answer

test_b_value if answer.decision.value == 42

todo_test_c_later if false

test_a_value if answer.decision.value != 41
`

func registry(t *testing.T) *jurisdiction.Registry {
	t.Helper()
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{{Code: "100000", Name: "全国", Level: "national"}})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func run(t *testing.T, s verify.Suite, opts verify.Options) *verify.Report {
	t.Helper()
	if s.Policies == nil {
		s.Policies = answerPolicies
	}
	if s.Tests == nil {
		s.Tests = answerTests(decisionTests)
	}
	s.Jurisdictions = registry(t)
	rep, err := verify.Run(context.Background(), s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func ids(rep *verify.Report) []string {
	var out []string
	for _, r := range rep.Results {
		out = append(out, r.ID)
	}
	return out
}

// Results come sorted by file, then name, each under one name that is also
// what Options.Run matches, for Rego tests and cases alike.
func TestNamesAreWhatRunMatches(t *testing.T) {
	all := run(t, verify.Suite{}, verify.Options{})
	want := []string{"cases.answer.national has no credit grade", "j100000.answer_test.test_a_value",
		"j100000.answer_test.test_b_value", "j100000.answer_test.todo_test_c_later"}
	if got := ids(all); !slices.Equal(got, want) {
		t.Errorf("results %q, want %q", got, want)
	}
	if all.Failed() != 0 || all.Skipped() != 1 {
		t.Errorf("failed %d, skipped %d: %+v", all.Failed(), all.Skipped(), all.Results)
	}
	if all.Results[1].File != "testpolicies/j100000/answer_test.rego" || all.Results[0].File != "testpolicies/cases/answer.yaml" {
		t.Errorf("files %q, %q", all.Results[0].File, all.Results[1].File)
	}
	for _, id := range want {
		got := ids(run(t, verify.Suite{}, verify.Options{Run: "^" + regexp.QuoteMeta(id) + "$"}))
		if !slices.Equal(got, []string{id}) {
			t.Errorf("--run for %q ran %q", id, got)
		}
	}
	if got := ids(run(t, verify.Suite{}, verify.Options{Run: "value$"})); len(got) != 2 {
		t.Errorf("--run value$ ran %q", got)
	}
}

// Coverage counts the policy files, not the tests; the pretty output gives
// each file's percentage and the lines no test reached, and a missed
// threshold is a FAIL line there and a failed case "coverage" in JUnit.
func TestCoverageInTheReports(t *testing.T) {
	rep := run(t, verify.Suite{PoliciesPath: "tree"}, verify.Options{Threshold: 99})
	if len(rep.Coverage.Files) != 1 || rep.Coverage.Files["j100000/answer.rego"] == nil {
		t.Fatalf("coverage files: %v", rep.Coverage.Files)
	}
	if !strings.Contains(rep.CoverageFailure, "under the threshold 99.0%") {
		t.Errorf("coverage failure: %q", rep.CoverageFailure)
	}
	var pretty bytes.Buffer
	verify.WritePretty(&pretty, rep, false)
	for _, want := range []string{
		"policy coverage: ",
		"%  tree/j100000/answer.rego (",
		"; not covered: 5-6)",
		"FAIL coverage\n     policy coverage",
		"3 passed, 0 failed, 1 skipped, coverage under the threshold",
	} {
		if !strings.Contains(pretty.String(), want) {
			t.Errorf("pretty output lacks %q:\n%s", want, pretty.String())
		}
	}

	var junit bytes.Buffer
	if err := verify.WriteJUnit(&junit, rep); err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Class   string    `xml:"classname,attr"`
			Name    string    `xml:"name,attr"`
			File    string    `xml:"file,attr"`
			Line    int       `xml:"line,attr"`
			Failure *struct{} `xml:"failure"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &suite); err != nil {
		t.Fatal(err)
	}
	if suite.Tests != 5 || suite.Failures != 1 || suite.Skipped != 1 {
		t.Errorf("suite counts: tests %d, failures %d, skipped %d", suite.Tests, suite.Failures, suite.Skipped)
	}
	last := suite.Cases[len(suite.Cases)-1]
	if last.Name != "coverage" || last.Failure == nil {
		t.Errorf("the last case is %+v, want a failed coverage case", last)
	}
	first := suite.Cases[1]
	if first.Class+"."+first.Name != rep.Results[1].ID || first.File != rep.Results[1].File || first.Line != rep.Results[1].Row {
		t.Errorf("JUnit case %+v does not carry the result's ID, file and line %+v", first, rep.Results[1])
	}
	props := map[string]string{}
	for _, p := range suite.Props {
		props[p.Name] = p.Value
	}
	if props["coverage.threshold"] != "99.0" || props["coverage tree/j100000/answer.rego"] == "" || props["revision"] != rep.Revision || props["policies"] != "tree" {
		t.Errorf("JUnit properties %v", props)
	}

	met := run(t, verify.Suite{}, verify.Options{Threshold: 10})
	junit.Reset()
	verify.WriteJUnit(&junit, met)
	if met.CoverageFailure != "" || !strings.Contains(junit.String(), `<testcase classname="credpol" name="coverage"`) || strings.Contains(junit.String(), "<failure") {
		t.Errorf("a met threshold:\n%s", junit.String())
	}
}

// Cobertura XML lists each policy file's lines with their hits.
func TestCobertura(t *testing.T) {
	rep := run(t, verify.Suite{}, verify.Options{Coverage: true})
	var buf bytes.Buffer
	if err := verify.WriteCobertura(&buf, rep, "/src/policies", time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		LineRate float64  `xml:"line-rate,attr"`
		Sources  []string `xml:"sources>source"`
		Packages []struct {
			Name    string `xml:"name,attr"`
			Classes []struct {
				Filename string `xml:"filename,attr"`
				Lines    []struct {
					Number int `xml:"number,attr"`
					Hits   int `xml:"hits,attr"`
				} `xml:"lines>line"`
			} `xml:"classes>class"`
		} `xml:"packages>package"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(doc.Packages) != 1 || doc.Packages[0].Name != "j100000" || doc.Packages[0].Classes[0].Filename != "j100000/answer.rego" ||
		!slices.Equal(doc.Sources, []string{"/src/policies"}) {
		t.Fatalf("Cobertura:\n%s", buf.String())
	}
	hits := map[int]int{}
	for _, l := range doc.Packages[0].Classes[0].Lines {
		hits[l.Number] = l.Hits
	}
	if hits[3] != 1 || hits[6] != 0 || doc.LineRate <= 0 || doc.LineRate >= 1 {
		t.Errorf("line hits %v, line rate %v", hits, doc.LineRate)
	}
}

// Two test directories over one tree: a line either covers counts as covered.
func TestMergedCoverage(t *testing.T) {
	first := run(t, verify.Suite{}, verify.Options{Coverage: true})
	second := run(t, verify.Suite{TestsPath: "more", Tests: fstest.MapFS{"special_test.rego": {Data: []byte(`package special_test

import data.j100000.answer

test_special if answer.special with input as {"as_of": "2026-01-01"}
`)}}}, verify.Options{Coverage: true})
	if second.Results[0].ID != "special_test.test_special" || second.Results[0].File != "more/special_test.rego" {
		t.Errorf("second run: %+v", second.Results)
	}
	first.Merge(second)
	if first.Coverage.Coverage != 100 || len(first.Results) != 5 || !slices.Equal(first.Tests, []string{"testpolicies", "more"}) {
		t.Errorf("merged: coverage %v, %d results, tests %v", first.Coverage.Coverage, len(first.Results), first.Tests)
	}
	if first.Results[0].File != "more/special_test.rego" {
		t.Errorf("merged results are not sorted by file: %q", ids(first))
	}
}

// Problems name files where their authors find them: the policy directory
// and the test directory as given.
func TestProblemsNameTheirFiles(t *testing.T) {
	ctx, reg := context.Background(), registry(t)
	refused := enginetest.Tree(fstest.MapFS{"j100000/answer.rego": {Data: []byte("package j100000.answer\n\ndecision := {\"at\": time.now_ns()}\n")}})
	_, err := verify.Run(ctx, verify.Suite{Policies: refused, Tests: answerTests(decisionTests), Jurisdictions: reg, PoliciesPath: "mytree"}, verify.Options{})
	if err == nil || !strings.Contains(err.Error(), "mytree/j100000/answer.rego:3") {
		t.Errorf("a refused built-in: %v", err)
	}
	broken := answerTests("package j100000.answer_test\n\ntest_x if {\n\tinput.x ==\n}\n")
	_, err = verify.Run(ctx, verify.Suite{Policies: answerPolicies, Tests: broken, Jurisdictions: reg, TestsPath: "mytests"}, verify.Options{})
	if err == nil || !regexp.MustCompile(`mytests/j100000/answer_test\.rego:[0-9]+: `).MatchString(err.Error()) {
		t.Errorf("a test that does not parse: %v", err)
	}
	dup := answerTests(decisionTests)
	dup["cases/again.yaml"] = &fstest.MapFile{Data: []byte("\n\nnational has no credit grade:\n  decision: credit_grade\n")}
	_, err = verify.Run(ctx, verify.Suite{Policies: answerPolicies, Tests: dup, Jurisdictions: reg}, verify.Options{})
	if err == nil || !strings.Contains(err.Error(), "testpolicies/cases/answer.yaml:1: case \"national has no credit grade\" is also at testpolicies/cases/again.yaml:3") {
		t.Errorf("a case name given twice: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

// The policy tools are run here as policy staff run them: in a checkout of
// the tree (a copy of the source tree, made the working directory), without
// flags, after editing files.

// sourceRoot is the repository the test file is in.
func sourceRoot(t *testing.T) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..")
}

// workOnCopy copies policies/ and testpolicies/ into a new directory, makes
// it the working directory and returns it.
func workOnCopy(t *testing.T) string {
	t.Helper()
	root, dst := sourceRoot(t), t.TempDir()
	for _, dir := range []string{"policies", "testpolicies"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) == ".go" {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dst)
	return dst
}

type run struct {
	stdout, stderr string
	err            error
}

// tool runs one command as the CLI would, with stdin.
func tool(t *testing.T, cmd *cobra.Command, stdin string, args ...string) run {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetContext(context.Background())
	err := cmd.Execute()
	return run{out.String(), errb.String(), err}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func revisionOf(t *testing.T, fsys fs.FS) string {
	t.Helper()
	rev, err := engine.TreeRevision(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// raiseBandB makes Heilongjiang's grade B start at 800 points instead of
// 790 in the tree in dir, the change policy staff make in the lifecycle demo.
func raiseBandB(t *testing.T, dir string) {
	t.Helper()
	params := filepath.Join(dir, "params", "230000", "data.json")
	b, err := os.ReadFile(params)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	raised := false
	cg, _ := doc["credit_grade"].(map[string]any)
	bands, _ := cg["bands"].([]any)
	for _, band := range bands {
		if band, _ := band.(map[string]any); band["grade"] == "B" && band["min"] == 790.0 {
			band["min"], raised = 800, true
		}
	}
	if !raised {
		t.Fatalf("%s no longer starts grade B at 790 points", params)
	}
	b, _ = json.MarshalIndent(doc, "", "  ")
	writeFile(t, params, string(b))
}

// Heilongjiang raises grade B's minimum from 790 to 800 points. Its own
// suite pins the boundary at 790, so `credpol test` run where the edit was
// made must fail; check, test and eval all name the edited tree and its
// revision, and eval answers from it. --builtin still uses the shipped tree.
func TestToolsUseTheTreeOnDisk(t *testing.T) {
	workOnCopy(t)
	raiseBandB(t, "policies")
	edited, shipped := revisionOf(t, os.DirFS("policies")), revisionOf(t, policies.FS)
	if edited == shipped {
		t.Fatal("the edit did not change the revision")
	}

	r := tool(t, testCmd(), "")
	if r.err == nil {
		t.Fatalf("credpol test passed on a tree whose B band no longer starts at 790:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "FAIL j230000.") && !strings.Contains(r.stdout, "FAIL cases.credit_grade.") {
		t.Errorf("no Heilongjiang test failed:\n%s", r.stdout)
	}
	if want := "policy tree: policies, revision " + edited; !strings.Contains(r.stderr, want) {
		t.Errorf("test did not name the tree it ran on (%q):\n%s", want, r.stderr)
	}
	if !strings.Contains(r.stderr, "tests: testpolicies") {
		t.Errorf("test did not name the test directory:\n%s", r.stderr)
	}

	r = tool(t, checkCmd(), "")
	if r.err != nil || !strings.Contains(r.stdout, "revision "+edited) || !strings.Contains(r.stderr, "policy tree: policies, revision "+edited) {
		t.Errorf("check did not check the edited tree: %v\n%s%s", r.err, r.stderr, r.stdout)
	}

	grade := func(args ...string) (string, string) {
		t.Helper()
		r := tool(t, evalCmd(), `{"public_credit_score": 795}`, append([]string{"credit_grade", "--jurisdiction", "230000",
			"--facts", "-", "--as-of", "2026-11-21"}, args...)...)
		if r.err != nil {
			t.Fatalf("eval: %v\n%s%s", r.err, r.stderr, r.stdout)
		}
		var resp struct {
			Result map[string]any `json:"result"`
			Policy struct{ Revision, Source string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &resp); err != nil {
			t.Fatalf("eval printed no decision: %v\n%s", err, r.stdout)
		}
		g, _ := resp.Result["grade"].(string)
		return g, resp.Policy.Revision
	}
	if g, rev := grade(); g != "C" || rev != edited {
		t.Errorf("eval on the edited tree: grade %s under revision %s, want C under %s", g, rev, edited)
	}
	if g, rev := grade("--builtin"); g != "B" || rev != shipped {
		t.Errorf("eval --builtin: grade %s under revision %s, want B under %s", g, rev, shipped)
	}

	r = tool(t, testCmd(), "", "--builtin")
	if r.err != nil {
		t.Errorf("the built-in suite failed on the built-in tree: %v\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stderr, "built into the binary, revision "+shipped) {
		t.Errorf("test --builtin did not say it used the built-in tree:\n%s", r.stderr)
	}
}

// Quanzhou (350500) gets a directory of its own. check compiles it and names
// its file and line when it is wrong; test runs its Rego tests and cases.
func TestNewJurisdictionDirectoryIsChecked(t *testing.T) {
	workOnCopy(t)
	file := filepath.Join("policies", "j350500", "supervision.rego")
	writeFile(t, file, `package j350500.supervision

import data.j100000.supervision as national

decision := object.union(national.decision, {"checked_at": time.now_ns()})
`)
	r := tool(t, checkCmd(), "")
	if r.err == nil {
		t.Fatal("check accepted a policy in a new directory that reads the clock")
	}
	if want := "policies/j350500/supervision.rego:5"; !strings.Contains(r.err.Error(), want) {
		t.Errorf("check did not name %s:\n%v", want, r.err)
	}

	writeFile(t, file, `package j350500.supervision

import data.j100000.supervision as national

decision := national.decision
`)
	writeFile(t, filepath.Join("testpolicies", "j350500", "supervision_test.rego"), `package j350500.supervision_test

import data.j350500.supervision

test_quanzhou_supervises_class_b_regularly if {
	d := supervision.decision with input as {
		"as_of": "2026-11-21",
		"jurisdiction": {"code": "350500", "chain": ["350500", "350000", "100000"]},
		"enterprise": {"risk_class": "B"},
		"context": {"trigger": "routine"},
	}
	d.sampling == "regular"
}
`)
	writeFile(t, filepath.Join("testpolicies", "cases", "quanzhou.yaml"), `Quanzhou decides supervision itself:
  decision: supervision
  jurisdiction: "350500"
  as_of: "2026-11-21"
  facts: {risk_class: B}
  expect: {source: "350500"}
`)
	if r := tool(t, checkCmd(), ""); r.err != nil {
		t.Fatalf("check: %v", r.err)
	}
	r = tool(t, testCmd(), "", "-v", "--run", `j350500\.|cases\.quanzhou\.`)
	if r.err != nil {
		t.Fatalf("test: %v\n%s", r.err, r.stdout)
	}
	for _, want := range []string{
		"ok   j350500.supervision_test.test_quanzhou_supervises_class_b_regularly (testpolicies/j350500/supervision_test.rego:5)",
		"ok   cases.quanzhou.Quanzhou decides supervision itself (testpolicies/cases/quanzhou.yaml:1)",
		"2 passed, 0 failed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("test output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Without ./policies the tools fall back to the built-in tree and say so;
// --policy-dir names another tree, whose tests are the testpolicies beside it.
func TestTreeChoice(t *testing.T) {
	tree := workOnCopy(t)
	t.Chdir(t.TempDir())
	r := tool(t, checkCmd(), "")
	if r.err != nil || !strings.Contains(r.stderr, "no ./policies directory here") || !strings.Contains(r.stderr, "built into the binary") {
		t.Errorf("check without ./policies: %v\n%s", r.err, r.stderr)
	}
	if r := tool(t, checkCmd(), "", "--builtin", "--policy-dir", "x"); r.err == nil {
		t.Error("--builtin with --policy-dir was accepted")
	}
	if r := tool(t, checkCmd(), "", "--policy-dir", "nowhere"); r.err == nil || !strings.Contains(r.err.Error(), "nowhere: does not exist") {
		t.Errorf("a missing --policy-dir: %v", r.err)
	}

	dir := filepath.Join(tree, "policies")
	r = tool(t, testCmd(), "", "--policy-dir", dir, "--run", `^cases\.credit_grade\.`)
	if r.err != nil {
		t.Fatalf("test --policy-dir: %v\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stderr, "policy tree: "+dir) || !strings.Contains(r.stderr, "tests: "+filepath.Join(tree, "testpolicies")) {
		t.Errorf("test --policy-dir did not use the tree and the suite beside it:\n%s", r.stderr)
	}
	if r := tool(t, testCmd(), "", "--policy-dir", dir, "elsewhere"); r.err == nil || !strings.Contains(r.err.Error(), "elsewhere: does not exist") {
		t.Errorf("a missing test directory: %v", r.err)
	}
}

// What --run matches is exactly the name the output shows, and the output
// is in a stable order: by file, then name.
func TestRunMatchesTheNamesShown(t *testing.T) {
	t.Chdir(t.TempDir())
	// The names the built-in suite has, listed without the tool.
	all, err := verify.Run(context.Background(), verify.Suite{Policies: policies.FS, Tests: testpolicies.FS,
		Jurisdictions: builtinJurisdictions(t)}, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var rego, yamlCase string
	for _, r := range all.Results {
		if strings.HasPrefix(r.ID, "cases.") {
			yamlCase = r.ID
		} else if rego == "" {
			rego = r.ID
		}
	}
	got := report(t, "--builtin", "--format", "json", "--run", "^("+regexp.QuoteMeta(rego)+"|"+regexp.QuoteMeta(yamlCase)+")$")
	var ran []string
	for _, r := range got.Results {
		ran = append(ran, r.ID)
		if r.ID != r.Package+"."+r.Name {
			t.Errorf("ID %q is not package.name", r.ID)
		}
	}
	// Cases sort before j… by file: testpolicies/cases/… < testpolicies/j….
	if !slices.Equal(ran, []string{yamlCase, rego}) {
		t.Errorf("--run for exactly %q and %q ran %q", rego, yamlCase, ran)
	}
	r := tool(t, testCmd(), "", "--builtin", "--run", "credit_grade/HLJ")
	if r.err == nil || !strings.Contains(r.err.Error(), "no test name matches") {
		t.Errorf("a --run in the old decision/name form: %v", r.err)
	}
}

func builtinJurisdictions(t *testing.T) *jurisdiction.Registry {
	t.Helper()
	reg, _, err := engine.ReadTreeData(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func report(t *testing.T, args ...string) verify.Report {
	t.Helper()
	r := tool(t, testCmd(), "", args...)
	if r.err != nil {
		t.Fatalf("test %v: %v\n%s", args, r.err, r.stdout)
	}
	var rep verify.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// A coverage threshold the tree misses fails the run and says so in every
// report CI reads: a failed case "coverage" in JUnit, a FAIL line in the
// pretty output; --coverage-report writes Cobertura.
func TestCoverageThresholdIsInTheReports(t *testing.T) {
	t.Chdir(t.TempDir())
	r := tool(t, testCmd(), "", "--builtin", "--threshold", "99.99", "--format", "junit", "--coverage-report", "coverage.xml")
	if r.err == nil || !strings.Contains(r.err.Error(), "under the threshold 100.0%") {
		t.Errorf("exit error: %v", r.err)
	}
	var suite struct {
		Failures   int `xml:"failures,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal([]byte(r.stdout), &suite); err != nil {
		t.Fatal(err)
	}
	last := suite.Cases[len(suite.Cases)-1]
	if last.Name != "coverage" || last.Failure == nil || !strings.Contains(last.Failure.Message, "under the threshold") || suite.Failures != 1 {
		t.Errorf("JUnit coverage case: %+v, failures %d", last, suite.Failures)
	}
	props := map[string]string{}
	for _, p := range suite.Properties {
		props[p.Name] = p.Value
	}
	if props["coverage"] == "" || props["coverage.threshold"] != "100.0" || props["coverage policies/j230000/credit_grade.rego"] == "" ||
		props["revision"] != revisionOf(t, policies.FS) {
		t.Errorf("JUnit properties: %v", props)
	}
	cob, err := os.ReadFile("coverage.xml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		LineRate float64 `xml:"line-rate,attr"`
		Classes  []struct {
			Filename string `xml:"filename,attr"`
		} `xml:"packages>package>classes>class"`
	}
	if err := xml.Unmarshal(cob, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.LineRate <= 0.5 || !slices.ContainsFunc(doc.Classes, func(c struct {
		Filename string `xml:"filename,attr"`
	}) bool {
		return c.Filename == "j230000/credit_grade.rego"
	}) {
		t.Errorf("Cobertura: line rate %v, classes %v", doc.LineRate, doc.Classes)
	}

	r = tool(t, testCmd(), "", "--builtin", "--threshold", "99.99")
	if r.err == nil || !strings.Contains(r.stdout, "FAIL coverage\n     policy coverage") ||
		!regexp.MustCompile(`(?m)^ +[0-9.]+%  policies/j230000/credit_grade\.rego \(`).MatchString(r.stdout) {
		t.Errorf("pretty output with a missed threshold:\n%s", r.stdout)
	}
}

// fmt works on the files on disk and names what it checked.
func TestFmtChecksTheTreeOnDisk(t *testing.T) {
	workOnCopy(t)
	file := filepath.Join("policies", "j350505", "supervision.rego")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, strings.Replace(string(b), "decision := national.decision", "decision:=national.decision", 1))
	r := tool(t, fmtCmd(), "", "--check")
	if r.err == nil || strings.TrimSpace(r.stdout) != filepath.ToSlash(file) {
		t.Errorf("fmt --check: %v\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stderr, "checked: policies, revision "+revisionOf(t, os.DirFS("policies"))) || !strings.Contains(r.stderr, "checked: testpolicies\n") {
		t.Errorf("fmt did not name what it checked:\n%s", r.stderr)
	}
}

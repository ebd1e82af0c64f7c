package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/problem"
)

// A Case is one end-to-end decision: facts and context in, expected fields
// out, taken through the same validation and jurisdiction resolution as the
// API. Policy staff write them in YAML files under testpolicies/cases/, each
// file a mapping from case name to case. Names are unique across files, which
// also lets stock `opa test` load the files as plain data without conflicts.
type Case struct {
	Name         string         `yaml:"-"`
	Decision     string         `yaml:"decision"`
	Jurisdiction string         `yaml:"jurisdiction"`
	AsOf         string         `yaml:"as_of"`
	Facts        map[string]any `yaml:"facts"`
	Context      map[string]any `yaml:"context"`
	Expect       Expectation    `yaml:"expect"`
	line         int
}

// readCases reads one file's cases in file order, refusing unknown fields.
func readCases(fsys fs.FS, file string) ([]Case, error) { return readCasesAs(fsys, file, file) }

// readCasesAs is readCases naming the file as shown in its problems.
func readCasesAs(fsys fs.FS, file, shown string) ([]Case, error) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a cases file maps case names to cases", shown, m.Line)
	}
	var out []Case
	for i := 0; i+1 < len(m.Content); i += 2 {
		name, body := m.Content[i], m.Content[i+1]
		var c Case
		b, _ := yaml.Marshal(body)
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: case %q: %w", shown, name.Line, name.Value, err)
		}
		c.Name, c.line = name.Value, name.Line
		out = append(out, c)
	}
	return out, nil
}

// Expectation is what a case checks; every field given must hold.
type Expectation struct {
	// Result fields that must equal the given values; nested objects match
	// by subset, lists and scalars exactly.
	Result map[string]any `yaml:"result"`
	// Source is the jurisdiction whose policy must decide.
	Source string `yaml:"source"`
	// Rules are rule IDs (HLJ-2, CN-8, …) some reason's basis must cite.
	Rules []string `yaml:"rules"`
	// Error is the error code the decision must fail with instead.
	Error string `yaml:"error"`
}

// fullScope lets cases ask for anything: scoping is tested elsewhere.
var fullScope = auth.Principal{Name: "credpol test", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}

// RunCases runs every case in the *.yaml files of fsys (a cases directory)
// whose ID (cases.<file>.<name>) matches run (all when empty).
func RunCases(ctx context.Context, svc *decision.Service, fsys fs.FS, run string) ([]Result, error) {
	f, err := compileRun(run)
	if err != nil {
		return nil, err
	}
	return runFiles(ctx, svc, fsys, "testpolicies/cases", f)
}

// runCases runs the cases under cases/ in a test directory shown as dir.
func runCases(ctx context.Context, svc *decision.Service, tests fs.FS, dir string, f filter) ([]Result, error) {
	cases, err := fs.Sub(tests, "cases")
	if err != nil {
		return nil, err
	}
	return runFiles(ctx, svc, cases, path.Join(dir, "cases"), f)
}

// runFiles runs the cases of fsys, a cases directory shown as dir. A case's
// package is "cases." and its file's path without the extension, dots for
// slashes (cases.supervision, cases.j350505.alerts).
func runFiles(ctx context.Context, svc *decision.Service, fsys fs.FS, dir string, f filter) ([]Result, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == "." {
			return fs.SkipAll // a test directory without cases
		}
		if err == nil && !d.IsDir() && (path.Ext(p) == ".yaml" || path.Ext(p) == ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Result
	type place struct {
		file string
		line int
	}
	seen := map[string]place{}
	for _, file := range files {
		shown := path.Join(dir, file)
		cases, err := readCasesAs(fsys, file, shown)
		if err != nil {
			return nil, err
		}
		pkg := "cases." + strings.ReplaceAll(strings.TrimSuffix(file, path.Ext(file)), "/", ".")
		for _, c := range cases {
			if other, dup := seen[c.Name]; dup {
				return nil, fmt.Errorf("%s:%d: case %q is also at %s:%d; case names are unique across all files", shown, c.line, c.Name, other.file, other.line)
			}
			seen[c.Name] = place{shown, c.line}
			res := Result{ID: fullName(pkg, c.Name), Package: pkg, Name: c.Name, File: shown, Row: c.line}
			if !f.keeps(res.ID) {
				continue
			}
			start := time.Now()
			res.Error = runCase(ctx, svc, c)
			res.Passed = res.Error == ""
			res.Duration = time.Since(start)
			out = append(out, res)
		}
	}
	return out, nil
}

func runCase(ctx context.Context, svc *decision.Service, c Case) string {
	facts, _ := json.Marshal(decision.JSONValue(c.Facts))
	reqContext, _ := json.Marshal(decision.JSONValue(c.Context))
	resp, err := svc.Decide(ctx, fullScope, decision.Request{Decision: c.Decision, Jurisdiction: c.Jurisdiction,
		AsOf: c.AsOf, Facts: facts, Context: reqContext})
	if c.Expect.Error != "" {
		p, ok := problem.As(err)
		if !ok || p.Code != c.Expect.Error {
			return fmt.Sprintf("want error %s, got %v", c.Expect.Error, err)
		}
		return ""
	}
	if err != nil {
		if p, ok := problem.As(err); ok && p.Details != nil {
			return fmt.Sprintf("decision failed: %s: %s %v", p.Code, p.Message, p.Details)
		} else if ok {
			return fmt.Sprintf("decision failed: %s: %s", p.Code, p.Message)
		}
		return "decision failed: " + err.Error()
	}
	var problems []string
	if c.Expect.Source != "" && resp.Policy.Source != c.Expect.Source {
		problems = append(problems, fmt.Sprintf("decided by %s, want %s", resp.Policy.Source, c.Expect.Source))
	}
	if ps := svc.Engine.Current(); ps != nil {
		for _, p := range ps.ResultProblems(c.Decision, resp.Result) {
			problems = append(problems, fmt.Sprintf("the result departs from %s/%s/schema.json: %s", engine.ResultSchemaDir, c.Decision, p))
		}
	}
	got := roundTrip(resp.Result)
	for _, k := range slices.Sorted(maps.Keys(c.Expect.Result)) {
		want := decision.JSONValue(c.Expect.Result[k])
		if !subset(want, got[k]) {
			problems = append(problems, fmt.Sprintf("result.%s = %s, want %s", k, show(got[k]), show(want)))
		}
	}
	for _, rule := range c.Expect.Rules {
		if !citesRule(svc, resp.Reasons, rule) {
			problems = append(problems, "no reason cites "+rule)
		}
	}
	return strings.Join(problems, "; ")
}

// citesRule reports whether some reason's basis cites rule, reading the basis
// as explanations do.
func citesRule(svc *decision.Service, reasons []any, rule string) bool {
	for _, r := range reasons {
		m, _ := r.(map[string]any)
		basis, _ := m["basis"].(string)
		if slices.Contains(svc.RuleIDs(basis), rule) {
			return true
		}
	}
	return false
}

// subset holds when every key of a want object is in got with a matching
// value; other values must be equal.
func subset(want, got any) bool {
	w, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, got)
	}
	g, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range w {
		if !subset(v, g[k]) {
			return false
		}
	}
	return true
}

func roundTrip(m map[string]any) map[string]any {
	out, _ := decision.JSONValue(m).(map[string]any)
	return out
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

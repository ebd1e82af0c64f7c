package verify

import (
	"context"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/credpol/credpol/engine"
)

// "The test's body was false" does not say which value was wrong. Like
// `opa test --var-values`, a failed test is run again with tracing on, and
// the report names the expression that failed and the values in it:
// `grade_of(score) == want` is false, expected "B", got "C", where score = 800.
// Only failed tests are traced again, so a passing suite pays nothing.

// Failure is where a failed Rego test stopped, and the values involved.
type Failure struct {
	File string `json:"file"`
	Row  int    `json:"row"`
	// Expr is the expression that was false or undefined, as written.
	Expr string `json:"expr"`
	// Values are the values of the terms in Expr, then those of the test's
	// other variables, as Rego text.
	Values []Value `json:"values,omitempty"`
	// Expected and Got are the two sides of a failed equality, when one of
	// them is a constant or a variable named want or expected.
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	// the two sides as written, told once as expected and got
	expectedTerm, gotTerm string
}

// Value is one term's value when the test failed ("" Value: undefined).
type Value struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// maxValue bounds a value in a message: a whole decision object says less
// than the field that differs.
const maxValue = 120

// explainFailures runs the tests of results that failed (or failed with an
// error) again with tracing, and rewrites their Error in lang, with the
// failed expression and its values.
func explainFailures(ctx context.Context, s Suite, results []Result, lang engine.Lang) {
	var names []string
	for _, r := range results {
		if !r.Passed && !r.Skipped && !strings.HasPrefix(r.Package, "cases.") {
			names = append(names, regexp.QuoteMeta("data."+r.Package+"."+r.Name))
		}
	}
	if len(names) == 0 {
		return
	}
	policyMods, docs, err := engine.ReadModules(s.Policies, engine.IsPolicyFile)
	if err != nil {
		return
	}
	testMods, err := readTests(s.Tests, s.testsPath())
	if err != nil {
		return
	}
	_, testDocs, err := engine.ReadModules(s.Tests, func(name string) bool { return path.Ext(name) == ".json" })
	if err != nil {
		return
	}
	modules := maps.Clone(testMods)
	maps.Copy(modules, policyMods)
	maps.Copy(docs, testDocs)
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithCapabilities(engine.Capabilities()).WithEnablePrintStatements(true)).
		SetStore(inmem.NewFromObject(docs)).
		SetModules(modules).
		RaiseBuiltinErrors(true).
		EnableTracing(true).
		Filter("^("+strings.Join(names, "|")+")$").
		RunTests(ctx, nil)
	if err != nil {
		return
	}
	traced := map[string]*tester.Result{}
	for r := range ch {
		traced[strings.TrimPrefix(r.Package, "data.")+"."+r.Name] = r
	}
	for i := range results {
		r := &results[i]
		t, ok := traced[r.Package+"."+r.Name]
		if !ok || r.Passed {
			continue
		}
		switch {
		case t.Error != nil:
			r.Error = testErrorText(r.Name, t.Error, lang)
		case t.Fail:
			f := failureOf(t, modules)
			if f == nil {
				continue
			}
			r.Failure = f
			r.Error = f.Text(r.Name, lang)
		}
	}
}

// testErrorText says which test stopped on an error, and the error in lang.
func testErrorText(name string, err error, lang engine.Lang) string {
	if lang == engine.Chinese {
		return fmt.Sprintf("测试 %s 出错：%s", name, engine.Explain(err, lang))
	}
	return fmt.Sprintf("test %s stopped on an error: %s", name, engine.Explain(err, lang))
}

// failureOf finds, in a failed test's trace, the last expression of the
// test's own rule that failed (the one inside an every, not the every), and
// the values around it.
func failureOf(r *tester.Result, modules map[string]*ast.Module) *Failure {
	if r.Location == nil {
		return nil
	}
	first, last := ruleRows(modules[r.Location.File], r.Location.Row)
	var at, anywhere *topdown.Event
	for _, e := range slices.Backward(r.Trace) {
		if e.Op != topdown.FailOp || e.Location == nil || e.QueryID == 0 {
			continue
		}
		expr, ok := e.Node.(*ast.Expr)
		if !ok {
			continue
		}
		if _, isEvery := expr.Terms.(*ast.Every); isEvery {
			continue
		}
		if anywhere == nil {
			anywhere = e
		}
		if e.Location.File == r.Location.File && e.Location.Row >= first && e.Location.Row <= last {
			at = e
			break
		}
	}
	if at == nil {
		at = anywhere
	}
	if at == nil {
		return nil
	}
	return describe(at)
}

// ruleRows is the first and last line of the rule that starts on row.
func ruleRows(m *ast.Module, row int) (int, int) {
	if m != nil {
		for _, rule := range m.Rules {
			if loc := rule.Location; loc != nil && loc.Row == row {
				return row, row + strings.Count(string(loc.Text), "\n")
			}
		}
	}
	return row, row
}

// describe reads the failed expression of e and the values bound when it
// failed: those of the terms it contains (a call's result, a field of a
// local object), then the test's other named variables.
func describe(e *topdown.Event) *Failure {
	expr := e.Node.(*ast.Expr)
	base := expr.BaseCogeneratedExpr()
	f := &Failure{File: e.Location.File, Row: e.Location.Row, Expr: strings.TrimSpace(string(base.Location.Text))}
	if f.Expr == "" {
		f.Expr = base.String()
	}
	seen := map[string]bool{}
	add := func(name string, v ast.Value) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		val := ""
		if v != nil {
			val = shorten(v.String(), maxValue)
		}
		f.Values = append(f.Values, Value{Name: name, Value: val})
	}
	var termsIn []*ast.Term
	for _, x := range append([]*ast.Expr{expr}, expr.CogeneratedExprs()...) {
		termsIn = append(termsIn, exprTerms(x)...)
	}
	slices.SortStableFunc(termsIn, func(a, b *ast.Term) int { return a.Location.Col - b.Location.Col })
	for _, t := range termsIn {
		switch v := t.Value.(type) {
		case ast.Var:
			if meta, ok := e.LocalMetadata[v]; ok {
				add(titleOf(t, string(meta.Name)), e.Locals.Get(v))
			}
		case ast.Ref:
			if head, ok := v[0].Value.(ast.Var); ok && e.Locals != nil && e.Locals.Get(head) != nil {
				add(titleOf(t, v.String()), resolve(v, e.Locals))
			}
		}
	}
	// The test's own variables (the score of an every, a decision's input)
	// say which case failed.
	for _, v := range slices.SortedFunc(maps.Keys(e.LocalMetadata), func(a, b ast.Var) int {
		return strings.Compare(string(e.LocalMetadata[a].Name), string(e.LocalMetadata[b].Name))
	}) {
		name := string(e.LocalMetadata[v].Name)
		if !strings.HasPrefix(name, "__") && e.Locals.Get(v) != nil {
			add(name, e.Locals.Get(v))
		}
	}
	f.Expected, f.Got, f.expectedTerm, f.gotTerm = sides(base, f.Values)
	return f
}

// exprTerms are the terms of x worth showing: the operands of calls and
// comparisons and the values of with, not the operator itself.
func exprTerms(x *ast.Expr) []*ast.Term {
	var out []*ast.Term
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(n any) bool {
		switch n := n.(type) {
		case ast.Call:
			for _, t := range n[1:] {
				vis.Walk(t)
			}
			return true
		case *ast.Expr:
			if n.IsCall() {
				for _, o := range n.Operands() {
					vis.Walk(o)
				}
				for _, w := range n.With {
					vis.Walk(w.Value)
				}
				return true
			}
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension:
			return true
		case *ast.Term:
			if n.Location != nil {
				out = append(out, n)
			}
		}
		return false
	})
	vis.Walk(x)
	return out
}

// titleOf names a term as its author wrote it: a compiler temporary that
// holds `grade_of(score)` is shown as that call.
func titleOf(t *ast.Term, fallback string) string {
	if t.Location != nil && len(t.Location.Text) > 0 {
		return string(t.Location.Text)
	}
	return fallback
}

// resolve follows a ref into a local variable's value; nil when a step is
// missing (undefined).
func resolve(ref ast.Ref, locals *ast.ValueMap) ast.Value {
	v := locals.Get(ref[0].Value.(ast.Var))
	for _, t := range ref[1:] {
		key := t.Value
		if k, ok := key.(ast.Var); ok {
			if key = locals.Get(k); key == nil {
				return nil
			}
		}
		next, err := v.Find(ast.Ref{ast.NewTerm(key)})
		if err != nil {
			return nil
		}
		v = next
	}
	return v
}

// expectedNames are variable names that, on one side of an equality, hold
// what the test expects.
var expectedNames = map[string]bool{"want": true, "wanted": true, "expected": true, "expect": true, "exp": true}

// sides splits a failed equality into what the test expected and what it
// got: a constant or a want/expected variable on one side is the expectation.
func sides(base *ast.Expr, values []Value) (expected, got, expectedTerm, gotTerm string) {
	if !base.IsEquality() && !(base.IsCall() && base.Operator().String() == "equal") {
		return "", "", "", ""
	}
	ops := base.Operands()
	if len(ops) != 2 {
		return "", "", "", ""
	}
	valueOf := func(t *ast.Term) (string, bool) {
		if ast.IsConstant(t.Value) {
			return t.Value.String(), true
		}
		name := titleOf(t, t.String())
		for _, v := range values {
			if v.Name == name {
				return v.Value, true
			}
		}
		return "", false
	}
	isExpectation := func(t *ast.Term) bool {
		if ast.IsConstant(t.Value) {
			return true
		}
		_, isVar := t.Value.(ast.Var)
		return isVar && expectedNames[titleOf(t, "")]
	}
	left, right := ops[0], ops[1]
	if isExpectation(left) && !isExpectation(right) {
		left, right = right, left
	}
	if !isExpectation(right) {
		return "", "", "", ""
	}
	w, ok1 := valueOf(right)
	g, ok2 := valueOf(left)
	if !ok1 || !ok2 {
		return "", "", "", ""
	}
	return w, cmpOr(g, undefinedText), titleOf(right, right.String()), titleOf(left, left.String())
}

const undefinedText = "undefined"

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// Text tells the failure of test in lang.
func (f *Failure) Text(test string, lang engine.Lang) string {
	var b strings.Builder
	where := fmt.Sprintf("%s:%d", f.File, f.Row)
	var others []string
	for _, v := range f.Values {
		if f.Expected != "" && (v.Name == f.expectedTerm || v.Name == f.gotTerm) {
			continue
		}
		val := v.Value
		if val == "" {
			val = undefinedText
			if lang == engine.Chinese {
				val = "无值（undefined）"
			}
		}
		others = append(others, v.Name+" = "+val)
	}
	if lang == engine.Chinese {
		fmt.Fprintf(&b, "测试 %s 失败（%s）：%s 不成立", test, where, f.Expr)
		if f.Expected != "" {
			got := f.Got
			if got == undefinedText {
				got = "无值（undefined）"
			}
			fmt.Fprintf(&b, "，期望 %s 实得 %s", f.Expected, got)
		}
		if len(others) > 0 {
			fmt.Fprintf(&b, "（%s）", strings.Join(others, "，"))
		}
		return b.String()
	}
	fmt.Fprintf(&b, "test %s failed at %s: %s is false", test, where, f.Expr)
	if f.Expected != "" {
		fmt.Fprintf(&b, ": expected %s, got %s", f.Expected, f.Got)
	}
	if len(others) > 0 {
		fmt.Fprintf(&b, " (where %s)", strings.Join(others, ", "))
	}
	return b.String()
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

package verify

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

// shippedWith is the shipped tree with files replaced, so only they can be wrong.
func shippedWith(_ *testing.T, files map[string]string) fstest.MapFS {
	return enginetest.Shipped(files)
}

// checkCorpus checks the corpus over the tree in fsys, for the decisions
// named (all when none are). The race detector slows evaluation tenfold:
// the limit leaves room for it.
func checkCorpus(t *testing.T, fsys fs.FS, cases []fs.FS, opts engine.Options, decisions ...string) *CorpusReport {
	t.Helper()
	ps, err := engine.Compile(context.Background(), fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Corpus{Jurisdictions: shippedJurisdictions(t), Catalogue: shippedCatalogue(t), Cases: cases,
		AsOf: "2026-11-21", Decisions: decisions, Limit: 10 * time.Minute}.Check(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func problemOf(rep *CorpusReport, decision, jurisdiction string) (CorpusProblem, bool) {
	for _, p := range rep.Problems {
		if p.Decision == decision && (p.Jurisdiction == jurisdiction || slices.Contains(p.Also, jurisdiction)) {
			return p, true
		}
	}
	return CorpusProblem{}, false
}

// The tree as shipped answers every input of the corpus.
func TestShippedTreePassesTheCorpus(t *testing.T) {
	cases, err := fs.Sub(testpolicies.FS, "cases")
	if err != nil {
		t.Fatal(err)
	}
	// Under the race detector the whole corpus takes minutes; a few
	// decisions exercise the same code, and `credpol test` in make test
	// checks every decision without it.
	var only []string
	if raceEnabled {
		only = []string{"credit_grade", "registration_change", "commitment_breach"}
	}
	rep := checkCorpus(t, policies.FS, []fs.FS{cases}, engine.Options{}, only...)
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if rep.Evaluations < 1000 || !raceEnabled && rep.Evaluations < 10000 {
		t.Errorf("only %d evaluations", rep.Evaluations)
	}
	t.Log(rep.Summary(engine.English))
}

// A conflict, a hole, a runtime error and a hole only a decision case
// reaches are each refused, naming the decision, the jurisdiction, the
// input and the policy line; a policy's own refusal is an answer.
func TestCorpusFindsWhatProductionWouldAnswer500(t *testing.T) {
	fsys := shippedWith(t, map[string]string{
		// Two rules hold for a filing.
		"j440500/registration_change.rego": `package j440500.registration_change

import data.j100000.registration_change as national

decision := national.decision

decision := {"accept": false, "blocking": [], "reasons": []} if {
	input.context.application.kind == "filing"
}
`,
		// No rule holds for a class A enterprise.
		"j440500/commitment_breach.rego": `package j440500.commitment_breach

import data.lib.commitment

decision := commitment.decision if {
	not input.enterprise.risk_class == "A"
}
`,
		// An enterprise without penalties divides by zero.
		"j440500/risk_alerts.rego": `package j440500.risk_alerts

import data.lib.alerts

decision := object.union(alerts.decision, {"per_penalty": 1 / count(object.get(input.enterprise, "penalties", []))})
`,
		// A listing cause only a decision case has.
		"j440500/supervision.rego": `package j440500.supervision

import data.j100000.supervision as national

decision := national.decision if {
	every l in object.get(input.enterprise, "listings", []) {
		l.cause != "虚假承诺"
	}
}
`,
		// A refusal is an answer.
		"j440500/repair_application.rego": `package j440500.repair_application

import data.lib

decision := lib.refusal("not_here", "汕头市不受理", {})
`,
	})
	cases := fstest.MapFS{"holes.yaml": {Data: []byte(`a listing for a cause no generator knows:
  decision: supervision
  jurisdiction: "440500"
  facts: {risk_class: B, listings: [{list: abnormal, cause: 虚假承诺, listed_on: "2026-01-01"}]}
  expect: {result: {sampling: regular}}
`)}}
	rep := checkCorpus(t, fsys, []fs.FS{cases}, engine.Options{},
		"registration_change", "commitment_breach", "risk_alerts", "supervision", "repair_application")
	err := rep.Err()
	if err == nil {
		t.Fatal("the corpus found nothing")
	}
	for _, c := range []struct {
		decision, kind, input, file string
		row                         int
		zh, en                      []string
	}{
		{"registration_change", KindConflict, "application.kind=filing", "j440500/registration_change.rego", 7,
			[]string{"j440500/registration_change.rego:7: registration_change（440500 的策略，在 440500 求值）：输入 facts ",
				"第5行得出", "第7行得出", "请给这些规则加上互斥的条件"},
			[]string{"j440500/registration_change.rego:7: registration_change (policy of 440500, asked in 440500) on input facts ",
				"gave different values for the same input"}},
		{"commitment_breach", KindUndefined, "facts risk_class=A", "j440500/commitment_breach.rego", 5,
			[]string{"j440500/commitment_breach.rego:5: commitment_breach（440500 的策略，在 440500 求值）：输入 facts risk_class=A",
				"decision 没有得出任何结果"},
			[]string{"decision gave no answer for this input"}},
		{"risk_alerts", KindError, "facts ", "j440500/risk_alerts.rego", 5,
			[]string{"j440500/risk_alerts.rego:5: risk_alerts（440500 的策略，在 440500 求值）", "除数为零"},
			[]string{"division by zero"}},
		{"supervision", KindUndefined, `case "a listing for a cause no generator knows" (holes.yaml:1)`, "j440500/supervision.rego", 5,
			[]string{`输入 case "a listing for a cause no generator knows" (holes.yaml:1)`},
			[]string{`on input case "a listing for a cause no generator knows" (holes.yaml:1)`}},
	} {
		p, ok := problemOf(rep, c.decision, "440500")
		if !ok {
			t.Errorf("%s: not found in\n%v", c.decision, err)
			continue
		}
		if p.Kind != c.kind || !strings.Contains(p.Input, c.input) || p.Err.File != c.file || p.Err.Row != c.row || p.Source != "440500" {
			t.Errorf("%s: %+v", c.decision, p)
		}
		for lang, want := range map[engine.Lang][]string{engine.Chinese: c.zh, engine.English: c.en} {
			text := p.Text(lang)
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("%s (%s): %q not in\n%s", c.decision, lang, w, text)
				}
			}
		}
	}
	if p, ok := problemOf(rep, "repair_application", "440500"); ok {
		t.Errorf("a refusal was taken for a failure: %+v", p)
	}
	// The whole refusal reads as one message, problem by problem.
	zh := engine.Explain(err, engine.Chinese)
	if !strings.HasPrefix(zh, "策略树未通过语料检查") || strings.Count(zh, "\n") != len(rep.Problems) {
		t.Errorf("refusal:\n%s", zh)
	}
}

// A policy that runs away on one input is stopped at the budget and named,
// and the check goes on without waiting for it again.
func TestCorpusStopsARunawayPolicy(t *testing.T) {
	fsys := shippedWith(t, map[string]string{"j440500/registration_change.rego": `package j440500.registration_change

import data.j100000.registration_change as national

decision := national.decision if {
	input.enterprise.status == "revoked"
	count([x | some x in numbers.range(1, 4000); some y in numbers.range(1, 4000)]) > 0
} else := national.decision
`})
	start := time.Now()
	rep := checkCorpus(t, fsys, nil, engine.Options{Budget: 200 * time.Millisecond}, "registration_change")
	p, ok := problemOf(rep, "registration_change", "440500")
	if !ok || p.Kind != KindTimeout || !strings.Contains(p.Input, "status=revoked") {
		t.Fatalf("problems: %+v", rep.Problems)
	}
	if !strings.Contains(p.Text(engine.Chinese), "内没有得出结果") {
		t.Errorf("text: %s", p.Text(engine.Chinese))
	}
	if took := time.Since(start); took > time.Minute {
		t.Errorf("the check took %s", took)
	}
}

// A tree too slow to be checked within the limit is refused as too slow to serve.
func TestCorpusHasALimit(t *testing.T) {
	ps, err := engine.Compile(context.Background(), policies.FS, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Corpus{Jurisdictions: shippedJurisdictions(t), Catalogue: shippedCatalogue(t), Limit: time.Millisecond}.Check(context.Background(), ps)
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Problems[len(rep.Problems)-1]
	if last.Kind != KindTooSlow || !strings.HasPrefix(last.Text(engine.Chinese), "语料检查没有在 1ms 内完成") {
		t.Errorf("problems: %+v", rep.Problems)
	}
}

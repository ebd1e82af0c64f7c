package verify

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// A tree can compile, pass its tests and still fail in production: a second
// `decision` rule that holds together with the first for some enterprise
// (a conflict, answered 500), or no rule holding at all for another (a hole:
// "decision is undefined"). Tests find what their authors thought of. The
// corpus check evaluates every decision in every jurisdiction that has it
// over a broad set of inputs — the decision cases, and enterprises and
// contexts generated to cover every enumerated value, score boundary and
// list length — and refuses the tree on the first conflict, hole or runtime
// error, naming the decision, the jurisdiction, the input and the policy line.

// Corpus is what the check evaluates over.
type Corpus struct {
	// Jurisdictions is the tree whose chains decisions are resolved along.
	Jurisdictions *jurisdiction.Registry
	// Catalogue gives each decision's context schema; a decision it does
	// not describe is asked with an empty context.
	Catalogue *catalogue.Catalogue
	// Cases are directories of YAML decision cases (testpolicies/cases);
	// their inputs join the corpus, their expectations are the suite's
	// business.
	Cases []fs.FS
	// AsOf is the decision date of generated inputs (default: today in
	// Asia/Shanghai, the date production decides on).
	AsOf string
	// Decisions restricts the check to these decisions (all when empty).
	Decisions []string
	// Limit bounds the whole check (DefaultCorpusLimit when zero): a tree
	// too slow to be checked in it is too slow to serve.
	Limit time.Duration
}

// DefaultCorpusLimit is far above what the shipped tree needs (about a
// second) and far below anything an operator would wait for at a reload.
const DefaultCorpusLimit = time.Minute

// Problem kinds, from the worst for a caller.
const (
	KindConflict  = "conflict"  // two rules gave different values: answered 500
	KindUndefined = "undefined" // no rule gave a value: answered 500
	KindError     = "error"     // the policy failed while evaluating: answered 500
	KindTimeout   = "timeout"   // the evaluation ran past its budget
	KindTooSlow   = "too_slow"  // the corpus did not finish within its limit
	KindResult    = "result"    // the answer departs from the decision's result schema
)

// CorpusProblem is one way a decision failed, with the first input that
// showed it and how many inputs did.
type CorpusProblem struct {
	Decision     string `json:"decision"`
	Jurisdiction string `json:"jurisdiction"` // the jurisdiction asked about
	Source       string `json:"source"`       // the jurisdiction whose package decided
	Kind         string `json:"kind"`
	// Input describes the first input that failed: a case's name, or the
	// facts, context and date that set a generated input apart.
	Input string `json:"input"`
	// Inputs counts the inputs that failed the same way in this jurisdiction.
	Inputs int `json:"inputs"`
	// Also lists other jurisdictions where the same policy failed the same way.
	Also []string     `json:"also,omitempty"`
	Err  engine.Error `json:"error"`
}

// CorpusReport is what one check did and found.
type CorpusReport struct {
	// Pairs counts the decisions asked, each in each jurisdiction.
	Pairs       int             `json:"pairs"`
	Evaluations int             `json:"evaluations"`
	Elapsed     time.Duration   `json:"elapsed_ns"`
	Problems    []CorpusProblem `json:"problems,omitempty"`
}

// Err is nil when the corpus found nothing, else a *CorpusError.
func (r *CorpusReport) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return &CorpusError{Report: r}
}

// In names the files of the problems as found under dir (the policy
// directory), as the tools name every other problem.
func (r *CorpusReport) In(dir string) {
	if dir == "" || dir == "." {
		return
	}
	for i := range r.Problems {
		if f := r.Problems[i].Err.File; f != "" {
			r.Problems[i].Err.File = path.Join(dir, f)
		}
	}
}

// Summary is the one-line account of a clean check, e.g. for `credpol check`.
func (r *CorpusReport) Summary(lang engine.Lang) string {
	ms := r.Elapsed.Milliseconds()
	if lang == engine.Chinese {
		return fmt.Sprintf("语料检查：%d 个决定与辖区组合共 %d 次求值，用时 %d 毫秒，没有冲突、空缺或运行错误", r.Pairs, r.Evaluations, ms)
	}
	return fmt.Sprintf("corpus: %d evaluations of %d decision and jurisdiction pairs in %d ms, no conflicts, holes or runtime errors", r.Evaluations, r.Pairs, ms)
}

// CorpusError refuses a tree for what the corpus found.
type CorpusError struct{ Report *CorpusReport }

func (e *CorpusError) Error() string { return e.Text(engine.English) }

// Text lists every problem, one per line, in lang.
func (e *CorpusError) Text(lang engine.Lang) string {
	lines := make([]string, 0, len(e.Report.Problems)+1)
	n := len(e.Report.Problems)
	contract := true // every problem is a result off its schema, which production still answers
	for _, p := range e.Report.Problems {
		contract = contract && p.Kind == KindResult
	}
	switch {
	case lang == engine.Chinese && contract:
		lines = append(lines, fmt.Sprintf("策略树未通过语料检查（%d 次求值）：发现 %d 个问题，决定结果与其结果模式（调用方所依据的约定）不符：", e.Report.Evaluations, n))
	case lang == engine.Chinese:
		lines = append(lines, fmt.Sprintf("策略树未通过语料检查（%d 次求值）：发现 %d 个问题，上线后这些输入会得到 500 错误或不符合结果模式的答复：", e.Report.Evaluations, n))
	default:
		what := fmt.Sprintf("%d problems", n)
		if n == 1 {
			what = "1 problem"
		}
		effect := "that production would answer with a 500 or with a result off its schema"
		if contract {
			effect = "where a result departs from its decision's result schema, the contract callers code against"
		}
		lines = append(lines, fmt.Sprintf("the policy tree fails the corpus check (%d evaluations): %s %s:", e.Report.Evaluations, what, effect))
	}
	for _, p := range e.Report.Problems {
		lines = append(lines, p.Text(lang))
	}
	return strings.Join(lines, "\n")
}

// Text says where, for which decision, jurisdiction and input, and what is wrong.
func (p CorpusProblem) Text(lang engine.Lang) string {
	if p.Decision == "" { // the check as a whole, not one decision
		return p.Err.Text(lang)
	}
	var b strings.Builder
	if at := p.Err.File; at != "" {
		if p.Err.Row > 0 {
			at = fmt.Sprintf("%s:%d", at, p.Err.Row)
		}
		b.WriteString(at + ": ")
	}
	what := p.Err
	what.File = "" // said in front
	if lang == engine.Chinese {
		fmt.Fprintf(&b, "%s（%s 的策略，在 %s 求值）", p.Decision, p.Source, p.Jurisdiction)
		if len(p.Also) > 0 {
			fmt.Fprintf(&b, "，在 %s 也一样", strings.Join(p.Also, "、"))
		}
		fmt.Fprintf(&b, "：输入 %s", p.Input)
		if p.Inputs > 1 {
			fmt.Fprintf(&b, "（及另外 %d 个输入）", p.Inputs-1)
		}
		b.WriteString("：" + what.Text(lang))
		return b.String()
	}
	fmt.Fprintf(&b, "%s (policy of %s, asked in %s", p.Decision, p.Source, p.Jurisdiction)
	if len(p.Also) > 0 {
		fmt.Fprintf(&b, "; also in %s", strings.Join(p.Also, ", "))
	}
	fmt.Fprintf(&b, ") on input %s", p.Input)
	switch {
	case p.Inputs == 2:
		b.WriteString(" (and 1 more input)")
	case p.Inputs > 2:
		fmt.Fprintf(&b, " (and %d more inputs)", p.Inputs-1)
	}
	b.WriteString(": " + what.Text(lang))
	return b.String()
}

// corpusInput is one input: what the policy sees, and how to name it to a person.
type corpusInput struct {
	label      string
	asOf       string
	enterprise map[string]any // as enterprise.Document gives it
	facts      *enterprise.Facts
	context    map[string]any
	// A decision case is asked only for its own decision and jurisdiction.
	decision, jurisdiction string
}

// corpusJob is one decision asked in one jurisdiction.
type corpusJob struct {
	decision, code, source string
	chain                  []string
}

// Check evaluates every decision ps defines, in every jurisdiction where it
// resolves, over the corpus. The error is for a corpus that cannot be read
// (a malformed cases file); what the policies do wrong is in the report.
func (c Corpus) Check(ctx context.Context, ps *engine.PolicySet) (*CorpusReport, error) {
	start := time.Now()
	if c.Jurisdictions == nil {
		return nil, errors.New("corpus: no jurisdiction tree to resolve decisions along")
	}
	asOf := c.AsOf
	if asOf == "" {
		asOf = time.Now().In(time.FixedZone("Asia/Shanghai", 8*3600)).Format(enterprise.DateLayout)
	}
	today, err := time.Parse(enterprise.DateLayout, asOf)
	if err != nil {
		return nil, fmt.Errorf("corpus: as_of %q: %w", asOf, err)
	}
	var cases []corpusInput
	for _, dir := range c.Cases {
		more, err := caseSamples(dir, asOf)
		if err != nil {
			return nil, err
		}
		cases = append(cases, more...)
	}
	params := readParams(ctx, ps)
	gen := corpusGen{today: today, asOf: asOf}
	enterprises := gen.enterprises(scoreBoundaries(params))
	bases := gen.bases()
	decisions := decisionNames(ps)
	if len(c.Decisions) > 0 {
		decisions = slices.DeleteFunc(decisions, func(d string) bool { return !slices.Contains(c.Decisions, d) })
	}
	rules := decisionRows(ps)

	var jobs []corpusJob
	for _, name := range decisions {
		for _, code := range c.distinctJurisdictions(ps, name, params) {
			chain, _ := c.Jurisdictions.Chain(code)
			source, _ := ps.Provider(chain, name)
			jobs = append(jobs, corpusJob{decision: name, code: code, source: source, chain: chain})
		}
	}
	contexts := map[string][]contextVariant{}
	for _, name := range decisions {
		var schema *catalogue.Field
		if c.Catalogue != nil {
			if def, ok := c.Catalogue.Lookup(name); ok {
				schema = def.Context
			}
		}
		contexts[name] = contextVariants(schema, gen)
	}

	limit := cmp.Or(c.Limit, DefaultCorpusLimit*raceSlowdown)
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var (
		mu       sync.Mutex
		found    = map[problemKey]*CorpusProblem{}
		order    []problemKey
		evals    int
		jobsLeft = make(chan corpusJob)
		wg       sync.WaitGroup
	)
	run := func(j corpusJob) {
		n, probs := c.runJob(ctx, ps, j, samplesFor(j, enterprises, bases, contexts[j.decision], cases,
			gen.dateSamples(datesOf(params, j.chain, j.decision), bases)), rules)
		mu.Lock()
		defer mu.Unlock()
		evals += n
		for _, p := range probs {
			k := problemKey{p.Decision, p.Source, p.Kind, p.Err.File, p.Err.Row, p.Err.Message}
			if prev, ok := found[k]; ok {
				if prev.Jurisdiction != p.Jurisdiction && !slices.Contains(prev.Also, p.Jurisdiction) {
					prev.Also = append(prev.Also, p.Jurisdiction)
				}
				continue
			}
			found[k] = &p
			order = append(order, k)
		}
	}
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobsLeft {
				run(j)
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case jobsLeft <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobsLeft)
	wg.Wait()

	rep := &CorpusReport{Pairs: len(jobs), Evaluations: evals, Elapsed: time.Since(start)}
	for _, k := range order {
		p := found[k]
		slices.Sort(p.Also)
		rep.Problems = append(rep.Problems, *p)
	}
	slices.SortStableFunc(rep.Problems, func(a, b CorpusProblem) int {
		return cmp.Or(cmp.Compare(a.Err.File, b.Err.File), cmp.Compare(a.Err.Row, b.Err.Row),
			cmp.Compare(a.Decision, b.Decision), cmp.Compare(a.Jurisdiction, b.Jurisdiction))
	})
	if err := parent.Err(); err != nil {
		return nil, err // the caller gave up (a server shutting down)
	}
	if ctx.Err() != nil {
		rep.Problems = append(rep.Problems, CorpusProblem{Kind: KindTooSlow, Input: "-", Err: engine.Error{
			Message: fmt.Sprintf("the corpus check did not finish within %s (%d evaluations done): a tree this slow cannot serve", limit, evals)}})
	}
	return rep, nil
}

type problemKey struct {
	decision, source, kind, file string
	row                          int
	message                      string
}

// distinctJurisdictions are the jurisdictions where name resolves, less
// those that answer exactly as their parent: no package and no parameters
// of their own (Hequ answers as Xinzhou).
func (c Corpus) distinctJurisdictions(ps *engine.PolicySet, name string, params map[string]any) []string {
	var out []string
	for _, j := range c.Jurisdictions.All() {
		chain, err := c.Jurisdictions.Chain(j.Code)
		if err != nil {
			continue
		}
		source, ok := ps.Provider(chain, name)
		if !ok {
			continue
		}
		_, ownParams := params[j.Code]
		if source != j.Code && !ownParams && len(chain) > 1 {
			if _, parentOK := ps.Provider(chain[1:], name); parentOK {
				continue
			}
		}
		out = append(out, j.Code)
	}
	return out
}

// runJob evaluates one decision in one jurisdiction over its samples. It
// stops at the first timeout: every further one would cost the whole budget.
func (c Corpus) runJob(ctx context.Context, ps *engine.PolicySet, j corpusJob, samples []corpusInput, rows map[string]int) (int, []CorpusProblem) {
	codes := make([]any, len(j.chain))
	for i, code := range j.chain {
		codes[i] = code
	}
	place := map[string]any{"code": j.code, "chain": codes}
	found := map[problemKey]*CorpusProblem{}
	var order []problemKey
	n := 0
	for _, s := range samples {
		if ctx.Err() != nil {
			break
		}
		ent := s.enterprise
		if _, ok := ent["jurisdiction"]; !ok && len(ent) > 0 {
			ent = maps.Clone(ent)
			ent["jurisdiction"] = j.code
		}
		doc := map[string]any{"decision": j.decision, "as_of": s.asOf, "jurisdiction": place,
			"enterprise": ent, "context": s.context}
		out, err := ps.Evaluate(ctx, j.decision, j.chain, doc)
		n++
		p, ok := classifyFailure(err)
		if !ok && err == nil {
			p, ok = resultProblem(ps, j.decision, out.Value)
		}
		if !ok {
			continue
		}
		if ctx.Err() != nil && p.Kind == KindTimeout {
			break // the corpus limit, not this policy, stopped it
		}
		p.Decision, p.Jurisdiction, p.Source, p.Input, p.Inputs = j.decision, j.code, j.source, s.label, 1
		if p.Err.File == "" || p.Err.Row == 0 {
			file, row := decisionFile(ps, j.source, j.decision, rows)
			p.Err.File, p.Err.Row = cmp.Or(p.Err.File, file), cmp.Or(p.Err.Row, row)
		}
		k := problemKey{p.Decision, p.Source, p.Kind, p.Err.File, p.Err.Row, p.Err.Message}
		if prev, ok := found[k]; ok {
			prev.Inputs++
			continue
		}
		found[k], order = &p, append(order, k)
		if p.Kind == KindTimeout {
			break
		}
	}
	out := make([]CorpusProblem, 0, len(order))
	for _, k := range order {
		out = append(out, *found[k])
	}
	return n, out
}

// classify tells a failure from an answer. A policy's own refusal
// ({"error": …}) is an answer: the caller gets a 422 that says what to fix.
func classifyFailure(err error) (CorpusProblem, bool) {
	var refusal *engine.Refusal
	var timeout *engine.TimeoutError
	var evalErr *engine.EvalError
	switch {
	case err == nil, errors.As(err, &refusal), errors.Is(err, engine.ErrNotConfigured):
		return CorpusProblem{}, false
	case errors.As(err, &timeout):
		return CorpusProblem{Kind: KindTimeout, Err: engine.Error{Message: timeout.Error()}}, true
	case errors.As(err, &evalErr):
		kind := KindError
		msg := evalErr.Err.Message
		switch {
		case strings.HasPrefix(msg, "decision is undefined"):
			kind = KindUndefined
		case strings.Contains(msg, "conflicting values"), strings.Contains(msg, "must not produce multiple outputs"),
			strings.Contains(msg, "object keys must be unique"):
			kind = KindConflict
		}
		return CorpusProblem{Kind: kind, Err: evalErr.Err}, true
	}
	return CorpusProblem{Kind: KindError, Err: engine.Error{Message: err.Error()}}, true
}

// resultProblem holds an answer to its decision's result schema: the
// contract callers code against, which a policy edit must not move alone.
func resultProblem(ps *engine.PolicySet, decision string, value map[string]any) (CorpusProblem, bool) {
	result := make(map[string]any, len(value))
	for k, v := range value {
		if k != "reasons" {
			result[k] = v
		}
	}
	problems := ps.ResultProblems(decision, result)
	if len(problems) == 0 {
		return CorpusProblem{}, false
	}
	return CorpusProblem{Kind: KindResult, Err: engine.Error{File: engine.ResultSchemaDir + "/" + decision + "/schema.json", Row: 1,
		Message: "the result departs from the decision's result schema (change the schema with the policy, or the policy): " +
			strings.Join(problems, "; ")}}, true
}

var decisionPackage = regexp.MustCompile(`^data\.j([0-9]{6})\.([a-z][a-z0-9_]*)$`)

// decisionNames are the decisions some package of ps defines, sorted.
func decisionNames(ps *engine.PolicySet) []string {
	set := map[string]bool{}
	for _, m := range ps.Modules() {
		if parts := decisionPackage.FindStringSubmatch(m.Package.Path.String()); parts != nil && definesDecision(m) {
			set[parts[2]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func definesDecision(m *ast.Module) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == engine.DecisionRule {
			return true
		}
	}
	return false
}

// decisionRows gives, by package path, the file and line of the first
// decision rule, so a hole (which OPA cannot place) points at the rule.
func decisionRows(ps *engine.PolicySet) map[string]int {
	out := map[string]int{}
	for _, m := range ps.Modules() {
		for _, r := range m.Rules {
			if r.Head.Name.String() == engine.DecisionRule && r.Location != nil {
				k := m.Package.Path.String()
				if _, ok := out[k]; !ok {
					out[k] = r.Location.Row
				}
				break
			}
		}
	}
	return out
}

func decisionFile(ps *engine.PolicySet, code, decision string, rows map[string]int) (string, int) {
	pkg := "data.j" + code + "." + decision
	for name, m := range ps.Modules() {
		if m.Package.Path.String() == pkg && definesDecision(m) {
			return name, rows[pkg]
		}
	}
	return "", 0
}

// samplesFor is every input one job evaluates: each generated enterprise
// with the decision's fullest context; each context variant with a few base
// enterprises; each date its parameters name; and the cases written for it.
func samplesFor(j corpusJob, enterprises, bases []corpusInput, contexts []contextVariant, cases, dates []corpusInput) []corpusInput {
	full := contexts[0]
	out := make([]corpusInput, 0, len(enterprises)+len(bases)*len(contexts)+len(dates)+len(cases))
	for _, e := range enterprises {
		e.context = full.doc
		out = append(out, e)
	}
	for _, cv := range contexts[1:] {
		for _, b := range bases {
			b.context = cv.doc
			b.label = b.label + "; context " + cv.label
			out = append(out, b)
		}
	}
	for _, d := range dates {
		d.context = full.doc
		out = append(out, d)
	}
	for _, c := range cases {
		if c.decision == j.decision && c.jurisdiction == j.code {
			out = append(out, c)
		}
	}
	return out
}

// caseSamples reads the inputs of every decision case under fsys.
func caseSamples(fsys fs.FS, asOf string) ([]corpusInput, error) {
	if fsys == nil {
		return nil, nil
	}
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (path.Ext(p) == ".yaml" || path.Ext(p) == ".yml") {
			files = append(files, p)
		}
		return err
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []corpusInput
	for _, file := range files {
		cases, err := readCases(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		for _, c := range cases {
			raw, _ := json.Marshal(decision.JSONValue(c.Facts))
			facts, err := enterprise.Decode(raw, "facts")
			if err != nil {
				continue // the suite reports a case with invalid facts
			}
			code := c.Jurisdiction
			if code == "" && facts.Jurisdiction != nil {
				code = *facts.Jurisdiction
			}
			ctxDoc, _ := decision.JSONValue(c.Context).(map[string]any)
			if ctxDoc == nil {
				ctxDoc = map[string]any{}
			}
			out = append(out, corpusInput{label: fmt.Sprintf("case %q (%s:%d)", c.Name, file, c.line), asOf: cmp.Or(c.AsOf, asOf),
				enterprise: enterprise.Document(facts), context: ctxDoc, decision: c.Decision, jurisdiction: code})
		}
	}
	return out, nil
}

// readParams returns data.params: each jurisdiction's parameters by decision.
func readParams(ctx context.Context, ps *engine.PolicySet) map[string]any {
	v, err := storage.ReadOne(ctx, ps.Store(), storage.MustParsePath("/params"))
	if err != nil {
		return nil
	}
	if av, ok := v.(ast.Value); ok {
		if v, err = ast.JSON(av); err != nil {
			return nil
		}
	}
	m, _ := v.(map[string]any)
	return m
}

var isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// datesOf are the dates the decision's parameters name along chain (when a
// regime or a local rule starts or ends): a policy is most likely to have
// a hole on the day one rule hands over to another.
func datesOf(params map[string]any, chain []string, decision string) []string {
	set := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if isoDate.MatchString(v) {
				if _, err := enterprise.ParseDate(v); err == nil {
					set[v] = true
				}
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, code := range chain {
		if p, ok := params[code].(map[string]any); ok {
			walk(p[decision])
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// scoreBoundaries are the score thresholds any parameters set (a band's
// min or max, a key naming a score), within 0–1000.
func scoreBoundaries(params map[string]any) []float64 {
	set := map[float64]bool{}
	var walk func(key string, v any, inBands bool)
	walk = func(key string, v any, inBands bool) {
		switch v := v.(type) {
		case float64:
			if (inBands && (key == "min" || key == "max")) || strings.Contains(key, "score") {
				if v >= 0 && v <= enterprise.MaxScore {
					set[v] = true
				}
			}
		case json.Number:
			if f, err := v.Float64(); err == nil {
				walk(key, f, inBands)
			}
		case map[string]any:
			for k, x := range v {
				walk(k, x, inBands)
			}
		case []any:
			for _, x := range v {
				walk(key, x, inBands || key == "bands")
			}
		}
	}
	walk("", params, false)
	return slices.Sorted(maps.Keys(set))
}

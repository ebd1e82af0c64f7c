// Package engine compiles credpol's Rego policy tree under restricted
// capabilities, resolves each decision along a jurisdiction chain and evaluates
// prepared queries. It knows Rego and jurisdiction chains, nothing of HTTP or storage.
//
// A policy package is named j<code>.<decision> (j230000.credit_grade) and
// defines a rule `decision`. Parameters live in data files beside it.
package engine

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/credpol/credpol/internal/jurisdiction"
)

// DecisionRule is the rule every decision package defines.
const DecisionRule = "decision"

var decisionPackage = regexp.MustCompile(`^data\.j([0-9]{6})\.([a-z][a-z0-9_]*)$`)

// Options tune compilation.
type Options struct {
	// Strict enables OPA's strict mode (unused imports, shadowed vars, ...), as
	// `credpol check` and `opa check --strict` do.
	Strict bool
	// Budget bounds each evaluation (DefaultBudget when zero). Compile
	// refuses a tree with a decision that cannot answer an empty enterprise
	// within it.
	Budget time.Duration
	// Archived compiles a revision that already served, to replay its
	// decisions: the authoring checks of later versions are not applied to
	// it, nor the budget probe; it must only compile as it did then.
	Archived bool
}

// DefaultBudget is the longest one evaluation may run unless configured: far
// above any shipped decision (the slowest, penalty_publicity over 1,000
// penalties, takes about 0.2 s) and far below the HTTP write timeout.
const DefaultBudget = 2 * time.Second

// Engine serves the current PolicySet and swaps in new ones atomically.
type Engine struct {
	// Budget bounds each evaluation of the sets Load compiles (DefaultBudget when zero).
	Budget  time.Duration
	current atomic.Pointer[PolicySet]
}

// Load compiles the tree in fsys and, only if that succeeds, makes it current.
// On failure the previous set keeps serving and the error says why.
func (e *Engine) Load(ctx context.Context, fsys fs.FS) (*PolicySet, error) {
	ps, err := Compile(ctx, fsys, Options{Budget: e.Budget})
	if err != nil {
		return nil, err
	}
	e.Use(ps)
	return ps, nil
}

// Use makes an already compiled set current.
func (e *Engine) Use(ps *PolicySet) { e.current.Store(ps) }

// UseRevision makes ps current as the numbered revision n of the lifecycle.
// ps must not be serving yet: the number is set before it is shared.
func (e *Engine) UseRevision(ps *PolicySet, n int64) {
	ps.number = n
	e.current.Store(ps)
}

// Current returns the serving set, or nil before the first successful Load.
func (e *Engine) Current() *PolicySet { return e.current.Load() }

type key struct{ jurisdiction, decision string }

// PolicySet is one compiled, immutable policy tree with its prepared queries.
type PolicySet struct {
	revision string
	number   int64 // the lifecycle's revision number, once serving as one
	files    map[string][]byte
	modules  map[string]*ast.Module
	compiler *ast.Compiler
	store    storage.Store
	queries  map[key]rego.PreparedEvalQuery
	params   map[string]any // data.params: each jurisdiction's parameters by decision
	budget   time.Duration
	merged   sync.Map  // chain key → merged parameters (ast.Value)
	data     *treeData // the jurisdiction tree and decision catalogue (tree_data.go)
	results  resultSchemas

	readsOnce sync.Once
	reads     *readers // what each decision reads of the enterprise (fact_reads.go)
}

// Revision is the content hash of the tree's policy and data files.
func (ps *PolicySet) Revision() string { return ps.revision }

// Number is the numbered revision the set serves as (0 outside the lifecycle).
func (ps *PolicySet) Number() int64 { return ps.number }

// Files returns the tree's policy and data files by path (shared; do not modify).
func (ps *PolicySet) Files() map[string][]byte { return ps.files }

// Modules returns the parsed Rego modules by file path (shared; do not modify).
func (ps *PolicySet) Modules() map[string]*ast.Module { return ps.modules }

// Store returns the data documents of the tree.
func (ps *PolicySet) Store() storage.Store { return ps.store }

// IsPolicyFile reports whether name belongs to a policy tree: Rego modules and
// JSON/YAML data, excluding Rego tests, which live in the regression suite.
func IsPolicyFile(name string) bool {
	switch path.Ext(name) {
	case ".rego":
		return !strings.HasSuffix(name, "_test.rego")
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// Compile loads and compiles the policy tree in fsys with credpol's restricted
// capabilities and prepares a query for every decision package.
func Compile(ctx context.Context, fsys fs.FS, opts Options) (*PolicySet, error) {
	files, err := readTree(fsys)
	if err != nil {
		return nil, err
	}
	modules, docs, err := ReadModules(fsys, IsPolicyFile)
	if err != nil {
		return nil, err
	}
	if !opts.Archived {
		if err := checkTree(&Tree{Files: files, Modules: modules, Docs: docs}); err != nil {
			return nil, err
		}
	}
	data, err := readTreeData(files)
	if err != nil {
		return nil, err
	}
	if errs := RefusedCalls(modules); len(errs) > 0 {
		return nil, errs
	}
	compiler := ast.NewCompiler().
		WithCapabilities(Capabilities()).
		WithSchemas(compileSchemas(files, opts)).
		WithStrict(opts.Strict)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fromASTErrors(explainTypeErrors(compiler.Errors))
	}
	// Data is kept as AST values so evaluations read parameters without
	// converting them from Go maps on every decision.
	ps := &PolicySet{
		revision: revisionOf(files),
		files:    files,
		modules:  modules,
		compiler: compiler,
		store:    inmem.NewFromObjectWithOpts(docs, inmem.OptReturnASTValuesOnRead(true)),
		params:   asMap(docs["params"]),
		queries:  map[key]rego.PreparedEvalQuery{},
		budget:   cmp.Or(opts.Budget, DefaultBudget),
		data:     data,
	}
	for k, pkg := range decisionPackages(modules) {
		q, err := rego.New(
			rego.Compiler(compiler),
			rego.Store(ps.store),
			rego.Query(pkg+"."+DecisionRule),
			rego.StrictBuiltinErrors(true),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, fmt.Errorf("preparing %s: %w", pkg, err)
		}
		ps.queries[k] = q
	}
	if !opts.Archived {
		if err := ps.probe(ctx); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

// probe evaluates every decision once on an empty enterprise, so a policy
// that cannot answer within the budget (a runaway loop) is refused before it
// serves. Other errors are the policies' own answers to an empty input.
func (ps *PolicySet) probe(ctx context.Context) error {
	var errs Errors
	for k := range ps.queries {
		chain := []string{k.jurisdiction}
		if k.jurisdiction != jurisdiction.National {
			chain = append(chain, jurisdiction.National)
		}
		doc := map[string]any{"decision": k.decision, "as_of": "2026-01-01", "enterprise": map[string]any{},
			"context": map[string]any{}, "jurisdiction": map[string]any{"code": k.jurisdiction, "chain": []any{}}}
		_, err := ps.Evaluate(ctx, k.decision, chain, doc)
		var timeout *TimeoutError
		if errors.As(err, &timeout) {
			errs = append(errs, Error{File: ps.fileOf(k.jurisdiction, k.decision),
				Message: fmt.Sprintf("%s did not answer an empty enterprise within the evaluation budget of %s", k.decision, ps.budget)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// decisionPackages maps (jurisdiction, decision) to the package path of every
// module that defines the decision rule.
func decisionPackages(modules map[string]*ast.Module) map[key]string {
	out := map[key]string{}
	for _, m := range modules {
		pkg := m.Package.Path.String()
		parts := decisionPackage.FindStringSubmatch(pkg)
		if parts == nil {
			continue
		}
		for _, r := range m.Rules {
			if r.Head.Name.String() == DecisionRule {
				out[key{parts[1], parts[2]}] = pkg
				break
			}
		}
	}
	return out
}

// ReadModules parses the Rego modules and data documents of the files in fsys
// that include accepts, with OPA's own loader: data files are placed at their
// directory's path, exactly as `opa test` and `opa eval -d` place them.
func ReadModules(fsys fs.FS, include func(name string) bool) (map[string]*ast.Module, map[string]any, error) {
	res, err := loader.NewFileLoader().
		WithFS(fsys).
		WithCapabilities(Capabilities()).
		Filtered([]string{"."}, func(_ string, info fs.FileInfo, _ int) bool {
			return !info.IsDir() && !include(info.Name())
		})
	if err != nil {
		var astErrs ast.Errors
		if errors.As(err, &astErrs) {
			return nil, nil, fromASTErrors(astErrs)
		}
		return nil, nil, loadErrors(fsys, err)
	}
	modules := make(map[string]*ast.Module, len(res.Modules))
	for name, f := range res.Modules {
		modules[name] = f.Parsed
	}
	return modules, res.Documents, nil
}

func readTree(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !IsPolicyFile(p) {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		files[p] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading policy tree: %w", err)
	}
	return files, nil
}

// revisionOf hashes every file's path and content in path order, so the same
// tree always has the same revision wherever it is loaded from.
func revisionOf(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Provider returns the jurisdiction on chain whose package defines decision:
// the first, that is the most specific.
func (ps *PolicySet) Provider(chain []string, decision string) (string, bool) {
	for _, code := range chain {
		if _, ok := ps.queries[key{code, decision}]; ok {
			return code, true
		}
	}
	return "", false
}

// Outcome is the answer of one evaluated decision.
type Outcome struct {
	Source   string         // jurisdiction whose package decided
	Revision string         // policy revision that decided
	Value    map[string]any // the decision object as the policy returned it
}

// Evaluate resolves decision along chain and evaluates it on the input
// document doc. The engine adds input.params, the parameters merged along the
// chain (computed once per chain and revision), and hands OPA a lazy object
// so only the parts of doc a policy reads are converted to AST.
func (ps *PolicySet) Evaluate(ctx context.Context, decision string, chain []string, doc map[string]any) (*Outcome, error) {
	source, ok := ps.Provider(chain, decision)
	if !ok {
		return nil, ErrNotConfigured
	}
	q := ps.queries[key{source, decision}]
	in := make(map[string]any, len(doc)+1)
	for k, v := range doc {
		in[k] = v
	}
	in["params"] = ps.paramsFor(chain)
	// OPA's own timers are not read: without NoOp each evaluation would make
	// and fill a fresh set.
	opts := []rego.EvalOption{rego.EvalParsedInput(ast.LazyObject(in)), rego.EvalMetrics(metrics.NoOp())}
	if t, ok := ctx.Value(tracerKey{}).(topdown.QueryTracer); ok {
		opts = append(opts, rego.EvalQueryTracer(t))
	}
	ctx, cancel := context.WithTimeout(ctx, ps.budget)
	defer cancel()
	rs, err := q.Eval(ctx, opts...)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &TimeoutError{Decision: decision, Source: source, Budget: ps.budget}
		}
		return nil, &EvalError{Decision: decision, Source: source, Err: evalError(err)}
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, &EvalError{Decision: decision, Source: source, Err: Error{
			File: ps.fileOf(source, decision), Message: "decision is undefined for this input: a policy must answer or return an error object"}}
	}
	obj, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return nil, &EvalError{Decision: decision, Source: source, Err: Error{
			File: ps.fileOf(source, decision), Message: "decision must be an object"}}
	}
	if refusal, ok := obj["error"].(map[string]any); ok {
		return nil, refusalFrom(refusal)
	}
	return &Outcome{Source: source, Revision: ps.revision, Value: obj}, nil
}

type tracerKey struct{}

// WithTracer returns a context under which evaluations report to t, as the
// test runner does to measure which policy lines decision cases reach.
func WithTracer(ctx context.Context, t topdown.QueryTracer) context.Context {
	return context.WithValue(ctx, tracerKey{}, t)
}

// paramsFor merges the parameters of every jurisdiction on chain, national
// first and the most specific last, key by key as lib.params does in Rego
// (object.union_n): the policies use input.params when it is there and merge
// themselves when it is not (opa test, opa eval).
func (ps *PolicySet) paramsFor(chain []string) ast.Value {
	k := strings.Join(chain, "/")
	if v, ok := ps.merged.Load(k); ok {
		return v.(ast.Value)
	}
	merged := ast.NewObject()
	for i := len(chain) - 1; i >= 0; i-- {
		if p, ok := ps.params[chain[i]]; ok {
			v, err := ast.InterfaceToValue(p)
			if obj, isObj := v.(ast.Object); err == nil && isObj {
				merged = union(merged, obj)
			}
		}
	}
	merged.Insert(ast.StringTerm(SetByKey), ast.NewTerm(setBy(chain, ps.params))) // who set each value (params_cite.go)
	ps.merged.Store(k, merged)
	return merged
}

// union is object.union: b's values win, objects present in both are merged.
func union(a, b ast.Object) ast.Object {
	out := a.Copy()
	b.Foreach(func(k, v *ast.Term) {
		if av := out.Get(k); av != nil {
			ao, aok := av.Value.(ast.Object)
			bo, bok := v.Value.(ast.Object)
			if aok && bok {
				out.Insert(k, ast.NewTerm(union(ao, bo)))
				return
			}
		}
		out.Insert(k, v)
	})
	return out
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func (ps *PolicySet) fileOf(code, decision string) string {
	want := fmt.Sprintf("data.j%s.%s", code, decision)
	for name, m := range ps.modules {
		if m.Package.Path.String() == want {
			return name
		}
	}
	return ""
}

func evalError(err error) Error {
	var te *topdown.Error
	if errors.As(err, &te) {
		return newError(te.Location, te.Message)
	}
	return Error{Message: err.Error()}
}

func refusalFrom(obj map[string]any) *Refusal {
	r := &Refusal{Code: "invalid_input", Details: obj["details"]}
	if c, ok := obj["code"].(string); ok && c != "" {
		r.Code = c
	}
	r.Message, _ = obj["message"].(string)
	return r
}

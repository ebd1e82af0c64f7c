package impact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const asOf = "2026-11-01"

// edit changes one file of the built-in tree.
type edit struct {
	path string
	fn   func(t *testing.T, old []byte) []byte
}

// tree compiles the built-in tree with edits applied.
func tree(t *testing.T, edits ...edit) *engine.PolicySet {
	t.Helper()
	files := enginetest.Shipped(nil)
	for _, e := range edits {
		f, ok := files[e.path]
		if !ok {
			t.Fatalf("no %s in the built-in tree", e.path)
		}
		f.Data = e.fn(t, f.Data)
	}
	ps, err := engine.Compile(context.Background(), files, engine.Options{})
	if err != nil {
		t.Fatalf("compiling the edited tree: %v", err)
	}
	return ps
}

// setParam sets the value at path in a parameter file, keeping the rest as
// it is, whatever else the file holds.
func setParam(path string, value any, keys ...any) edit {
	return edit{path: path, fn: func(t *testing.T, old []byte) []byte {
		t.Helper()
		dec := json.NewDecoder(bytes.NewReader(old))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		node := doc
		for i, k := range keys {
			last := i == len(keys)-1
			switch k := k.(type) {
			case string:
				m := node.(map[string]any)
				if _, ok := m[k]; !ok {
					t.Fatalf("%s has no %v", path, keys[:i+1])
				}
				if last {
					m[k] = value
				}
				node = m[k]
			case int:
				a := node.([]any)
				if last {
					a[k] = value
				}
				node = a[k]
			}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}}
}

// replace swaps one piece of a policy file, which must be there once.
func replace(path, old, new string) edit {
	return edit{path: path, fn: func(t *testing.T, b []byte) []byte {
		t.Helper()
		if strings.Count(string(b), old) != 1 {
			t.Fatalf("%s does not hold %q exactly once", path, old)
		}
		return []byte(strings.Replace(string(b), old, new, 1))
	}}
}

// Heilongjiang raises grade B's minimum from 790 to 800 points (bands[1] is B).
func hljBandChange(t *testing.T) *engine.PolicySet {
	t.Helper()
	base := tree(t)
	var params struct {
		CreditGrade struct {
			Bands []struct{ Grade string } `json:"bands"`
		} `json:"credit_grade"`
	}
	if err := json.Unmarshal(base.Files()["params/230000/data.json"], &params); err != nil {
		t.Fatal(err)
	}
	if bands := params.CreditGrade.Bands; len(bands) < 2 || bands[1].Grade != "B" {
		t.Fatalf("params/230000 credit_grade bands: %v, want B second", bands)
	}
	return tree(t, setParam("params/230000/data.json", json.Number("800"), "credit_grade", "bands", 1, "min"))
}

// seeded returns a SQLite and a Postgres store holding the same demo population.
func seeded(t *testing.T, n int) []storetest.Store {
	t.Helper()
	stores := storetest.Stores(t)
	for _, s := range stores {
		s.SeedDemo(t, n)
	}
	return stores
}

// mergedBackward runs the plan's chunks one by one, as separate workers
// would, and merges them into its first report last chunk first.
func mergedBackward(t *testing.T, st impact.Store, base, head *engine.PolicySet, opts impact.Options) *impact.Report {
	t.Helper()
	ctx := context.Background()
	plan, err := impact.NewPlan(base, head, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := plan.NewReport(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := plan.Chunks(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range slices.Backward(chunks) {
		part, _, err := plan.RunChunk(ctx, st, c)
		if err != nil {
			t.Fatal(err)
		}
		rep.Merge(part)
	}
	return rep
}

func run(t *testing.T, st impact.Store, base, head *engine.PolicySet, opts impact.Options) (*impact.Report, []impact.Change) {
	t.Helper()
	opts.AsOf = asOf
	var changes []impact.Change
	rep, err := impact.Local{Store: st, OnChange: func(c impact.Change) error {
		changes = append(changes, c)
		return nil
	}}.Run(context.Background(), base, head, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep, changes
}

// expected is what evaluating every enterprise through the decision service,
// under each tree, gives for one decision in one jurisdiction.
type expected struct {
	impact.Counts
	transitions map[[2]string]int64 // of grade, for credit_grade
	reasons     map[string][2]int64 // appeared, disappeared
}

// bruteForce takes every decision of the report for every stored enterprise
// of the subtree through decision.Service, as POST /v1/decisions/{name} with
// enterprise_id does, once per tree, and compares the answers independently
// of the impact package.
func bruteForce(t *testing.T, st *storage.Store, base, head *engine.PolicySet, rep *impact.Report) map[[2]string]*expected {
	t.Helper()
	ctx := context.Background()
	caller := auth.Principal{Name: "test", Jurisdictions: []string{jurisdiction.National}, Decisions: []string{auth.All}}
	all, err := st.SampleEnterprises(ctx, "", 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := st.FactsMany(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	service := func(ps *engine.PolicySet) *decision.Service {
		eng := &engine.Engine{}
		eng.Use(ps)
		// The stored facts, loaded once: a decision by enterprise_id reads
		// them as it would from the store, without nine queries a call.
		return &decision.Service{Engine: eng, Jurisdictions: ps.Jurisdictions(), Facts: stored(facts)}
	}
	before, after := service(base), service(head)
	out := map[[2]string]*expected{}
	for _, uscc := range all {
		code := *facts[uscc].Jurisdiction
		if !head.Jurisdictions().Within(code, rep.Params.Jurisdiction) {
			continue
		}
		for _, name := range rep.Params.Decisions {
			req := decision.Request{Decision: name, EnterpriseID: uscc, AsOf: asOf, Context: rep.Params.Contexts[name]}
			b, berr := before.Decide(ctx, caller, req)
			a, aerr := after.Decide(ctx, caller, req)
			e := out[[2]string{name, code}]
			if e == nil {
				e = &expected{transitions: map[[2]string]int64{}, reasons: map[string][2]int64{}}
				out[[2]string{name, code}] = e
			}
			e.Evaluated++
			changed, reworded := false, false
			switch {
			case berr != nil && aerr != nil:
				bp, _ := problem.As(berr)
				ap, _ := problem.As(aerr)
				changed, reworded = bp.Code != ap.Code, bp.Message != ap.Message
			case berr != nil || aerr != nil:
				changed = true
				if aerr != nil {
					e.NewlyErroring++
				}
			default:
				bc, ac := codes(b.Reasons), codes(a.Reasons)
				for c := range ac {
					if !bc[c] {
						r := e.reasons[c]
						r[0]++
						e.reasons[c] = r
					}
				}
				for c := range bc {
					if !ac[c] {
						r := e.reasons[c]
						r[1]++
						e.reasons[c] = r
					}
				}
				changed = jsonOf(t, b.Result) != jsonOf(t, a.Result) || !reflect.DeepEqual(bc, ac)
				reworded = !changed && jsonOf(t, b.Reasons) != jsonOf(t, a.Reasons)
			}
			switch {
			case changed:
				e.Changed++
				if name == "credit_grade" {
					e.transitions[[2]string{grade(b, berr), grade(a, aerr)}]++
				}
			case reworded:
				e.Unchanged++
				e.Reworded++
			default:
				e.Unchanged++
			}
		}
	}
	return out
}

type stored map[string]enterprise.Facts

func (s stored) Facts(_ context.Context, uscc string) (enterprise.Facts, error) {
	f, ok := s[uscc]
	if !ok {
		return f, enterprise.ErrNotFound
	}
	return f, nil
}

func codes(reasons []any) map[string]bool {
	out := map[string]bool{}
	for _, r := range reasons {
		out[r.(map[string]any)["code"].(string)] = true
	}
	return out
}

func grade(r *decision.Response, err error) string {
	if err != nil {
		p, _ := problem.As(err)
		return "error: " + p.Code
	}
	return r.Result["grade"].(string)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkAgainst compares every count of the report with the brute force:
// evaluated jurisdictions exactly, and those unchanged by construction must
// hold no change at all.
func checkAgainst(t *testing.T, rep *impact.Report, want map[[2]string]*expected) {
	t.Helper()
	seen := map[[2]string]bool{}
	for _, d := range rep.Decisions {
		var transitions = map[[2]string]int64{}
		reasons := map[string][2]int64{}
		for _, tl := range d.Jurisdictions {
			k := [2]string{d.Decision, tl.Jurisdiction}
			seen[k] = true
			w := want[k]
			if w == nil {
				w = &expected{}
			}
			if tl.ByConstruction {
				if tl.Evaluated != 0 || tl.Enterprises != w.Evaluated || w.Changed != 0 || w.Reworded != 0 {
					t.Errorf("%s in %s, unchanged by construction: report %+v over %d enterprises; brute force %+v",
						d.Decision, tl.Jurisdiction, tl.Counts, tl.Enterprises, w.Counts)
				}
				continue
			}
			if tl.Counts != w.Counts {
				t.Errorf("%s in %s: report %+v, brute force %+v", d.Decision, tl.Jurisdiction, tl.Counts, w.Counts)
			}
			for k, n := range w.transitions {
				transitions[k] += n
			}
			for c, r := range w.reasons {
				sum := reasons[c]
				sum[0], sum[1] = sum[0]+r[0], sum[1]+r[1]
				reasons[c] = sum
			}
		}
		if d.Decision == "credit_grade" {
			got := map[[2]string]int64{}
			for _, tr := range d.Transitions {
				got[[2]string{tr.From, tr.To}] = tr.Count
			}
			if diff := cmp.Diff(transitions, got); diff != "" {
				t.Errorf("credit_grade transitions (-brute force +report):\n%s", diff)
			}
		}
		got := map[string][2]int64{}
		for _, rc := range d.Reasons {
			got[rc.Code] = [2]int64{rc.Appeared, rc.Disappeared}
		}
		for c, r := range reasons {
			if r == [2]int64{} {
				delete(reasons, c)
			}
		}
		if diff := cmp.Diff(reasons, got); diff != "" {
			t.Errorf("%s reason codes appearing, disappearing (-brute force +report):\n%s", d.Decision, diff)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("the report has no row for %s in %s", k[0], k[1])
		}
	}
}

// A one-point band change in Heilongjiang, over a few thousand demo
// enterprises: every count of the report is what taking each enterprise
// through the decision service under both trees gives.
func TestReportCountsEqualABruteForceComparison(t *testing.T) {
	base, head := tree(t), hljBandChange(t)
	// The grade, the class derived from it, and a decision taken with its
	// default context; every decision would cost the race detector minutes
	// for nothing more.
	decisions := []string{"credit_grade", "registration_change", "risk_class"}
	for _, s := range seeded(t, 2000) {
		t.Run(s.Name, func(t *testing.T) {
			rep, changes := run(t, s.Store, base, head, impact.Options{Decisions: decisions})
			checkAgainst(t, rep, bruteForce(t, s.Store, base, head, rep))
			if !slices.Equal(rep.Params.Decisions, decisions) || string(rep.Params.Contexts["registration_change"]) != `{"application":{"kind":"change"}}` {
				t.Errorf("decisions compared: %v with contexts %s", rep.Params.Decisions, rep.Params.Contexts)
			}
			var changed int64
			for _, d := range rep.Decisions {
				changed += d.Changed
			}
			if int64(len(changes)) != changed || changed == 0 {
				t.Errorf("%d changes listed for the CSV, %d counted", len(changes), changed)
			}
			grades := rep.Decisions[slices.IndexFunc(rep.Decisions, func(d impact.DecisionReport) bool { return d.Decision == "credit_grade" })]
			if tr := grades.Transitions[0]; tr.From != "B" || tr.To != "C" || len(tr.Examples) != impact.DefaultExamples {
				t.Errorf("first credit_grade transition %s → %s with %d examples, want B → C with %d", tr.From, tr.To, len(tr.Examples), impact.DefaultExamples)
			}
			if rep.Base.Revision != base.Revision() || rep.Head.Revision != head.Revision() || rep.Params.AsOf != asOf {
				t.Errorf("run named %+v, %+v, %+v", rep.Base, rep.Head, rep.Params)
			}
		})
	}
}

// recording remembers what a run asks the store for.
type recording struct {
	impact.Store
	mu            sync.Mutex
	jurisdictions map[string]bool
	loaded        []string
}

func (r *recording) EnterpriseKeys(ctx context.Context, jurisdictions []string, after, through string, limit int) ([]string, error) {
	r.mu.Lock()
	for _, j := range jurisdictions {
		r.jurisdictions[j] = true
	}
	r.mu.Unlock()
	return r.Store.EnterpriseKeys(ctx, jurisdictions, after, through, limit)
}

func (r *recording) FactsMany(ctx context.Context, usccs []string) (map[string]enterprise.Facts, error) {
	r.mu.Lock()
	r.loaded = append(r.loaded, usccs...)
	r.mu.Unlock()
	return r.Store.FactsMany(ctx, usccs)
}

// A change to Quangang's parameters can change answers only in Quangang:
// only its enterprises are read and evaluated, and every other jurisdiction
// is reported unchanged by construction with its enterprises counted.
func TestAQuangangChangeEvaluatesOnlyQuangang(t *testing.T) {
	base := tree(t)
	head := tree(t, setParam("params/350505/data.json", json.Number("2"), "supervision", "lean", "raise_levels"))
	for _, s := range seeded(t, 1500) {
		t.Run(s.Name, func(t *testing.T) {
			st := &recording{Store: s.Store, jurisdictions: map[string]bool{}}
			rep, _ := run(t, st, base, head, impact.Options{})
			counts, err := s.Store.EnterpriseCounts(context.Background(), base.Jurisdictions().Subtree(jurisdiction.National))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Decisions) == 0 {
				t.Fatal("no decision compared")
			}
			for _, d := range rep.Decisions {
				if d.Evaluated != counts["350505"] || d.UnchangedByConstruction != sum(counts)-counts["350505"] {
					t.Errorf("%s: %d evaluated, %d unchanged by construction; want %d and %d",
						d.Decision, d.Evaluated, d.UnchangedByConstruction, counts["350505"], sum(counts)-counts["350505"])
				}
				for _, tl := range d.Jurisdictions {
					if tl.ByConstruction != (tl.Jurisdiction != "350505") || (tl.ByConstruction && (tl.Evaluated != 0 || tl.Enterprises != counts[tl.Jurisdiction])) {
						t.Errorf("%s in %s: %+v", d.Decision, tl.Jurisdiction, tl)
					}
				}
				if d.Decision == "supervision" && d.Changed == 0 {
					t.Error("raising the lean by two levels changed no Quangang supervision")
				}
			}
			if !reflect.DeepEqual(st.jurisdictions, map[string]bool{"350505": true}) {
				t.Errorf("enterprises listed in %v, want only 350505", st.jurisdictions)
			}
			facts, err := s.Store.FactsMany(context.Background(), st.loaded)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range facts {
				if *f.Jurisdiction != "350505" {
					t.Fatalf("the facts of %s (%s) were loaded", *f.USCC, *f.Jurisdiction)
				}
			}
			if int64(len(st.loaded)) != counts["350505"] {
				t.Errorf("%d enterprises loaded, Quangang holds %d", len(st.loaded), counts["350505"])
			}
		})
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// A head tree under which credit_grade refuses low scores, while it also
// moves Heilongjiang's C to class D: the refusals are counted as newly
// erroring, exactly, and come first, before the decision that changed more.
func TestErrorsUnderTheHeadComeFirst(t *testing.T) {
	base := tree(t)
	head := tree(t,
		replace("j230000/credit_grade.rego", "\tnot grade.has_score\n} else := lib.refusal(",
			"\tnot grade.has_score\n} else := lib.refusal(\"score_below_floor\", \"低于700分不予评定\", {}) if {\n\tgrade.score < 700\n} else := lib.refusal("),
		setParam("params/230000/data.json", "D", "risk_class", "derivation", "by_grade", "C"))
	for _, s := range seeded(t, 1500) {
		t.Run(s.Name, func(t *testing.T) {
			rep, _ := run(t, s.Store, base, head, impact.Options{Decisions: []string{"risk_class", "credit_grade"}})
			checkAgainst(t, rep, bruteForce(t, s.Store, base, head, rep))
			grades, classes := rep.Decisions[0], rep.Decisions[1]
			if grades.Decision != "credit_grade" || grades.NewlyErroring == 0 || grades.NewlyErroring != grades.Changed {
				t.Fatalf("first decision %s with %d newly erroring of %d changed, want credit_grade's refusals", grades.Decision, grades.NewlyErroring, grades.Changed)
			}
			if classes.Changed <= grades.Changed {
				t.Errorf("risk_class changed %d, credit_grade %d: the order says nothing", classes.Changed, grades.Changed)
			}
			for _, tr := range grades.Transitions {
				ex := tr.Examples[0]
				if !tr.NewlyErroring || tr.To != "error: score_below_floor" || ex.After.Error == nil || ex.Before.Result["grade"] != tr.From {
					t.Errorf("credit_grade transition %+v", tr)
				}
			}
		})
	}
}

// One chunk or many, merged as they come or in any order: one report. A
// sample is the same for a seed whatever the chunks, and has its size.
func TestChunksMergeIntoTheSameReport(t *testing.T) {
	base, head := tree(t), hljBandChange(t)
	decisions := []string{"credit_grade", "risk_class", "supervision"}
	for _, s := range seeded(t, 1500) {
		t.Run(s.Name, func(t *testing.T) {
			whole, wholeChanges := run(t, s.Store, base, head, impact.Options{Decisions: decisions, ChunkSize: 100000})
			cut, cutChanges := run(t, s.Store, base, head, impact.Options{Decisions: decisions, ChunkSize: 37})
			if whole.Total != 1 || cut.Total < 5 || cut.Chunks != cut.Total {
				t.Fatalf("%d and %d chunks (%d merged)", whole.Total, cut.Total, cut.Chunks)
			}
			same(t, "37 enterprises a chunk", whole, cut)
			if diff := cmp.Diff(wholeChanges, cutChanges); diff != "" {
				t.Errorf("changes for the CSV (-one chunk +37 a chunk):\n%s", diff)
			}

			// Chunks run on their own and merged last first, as workers would.
			rep := mergedBackward(t, s.Store, base, head, impact.Options{Decisions: decisions, ChunkSize: 50, AsOf: asOf})
			same(t, "chunks merged last first", whole, rep)

			a, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Sample: 100, Seed: "北", ChunkSize: 7})
			b, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Sample: 100, Seed: "北", ChunkSize: 1000})
			c, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Sample: 100, Seed: "南", ChunkSize: 1000})
			same(t, "a sample in chunks of 7", b, a)
			for _, r := range []*impact.Report{a, c} {
				for _, d := range r.Decisions {
					if d.Evaluated != 100 {
						t.Errorf("sample of 100 (seed %s): %s evaluated %d", r.Params.Seed, d.Decision, d.Evaluated)
					}
				}
			}
			if reflect.DeepEqual(a.Decisions, c.Decisions) {
				t.Error("two seeds drew the same sample")
			}
		})
	}
}

// same compares two reports of one run but for how it was cut and timed.
func same(t *testing.T, what string, want, got *impact.Report) {
	t.Helper()
	norm := func(r *impact.Report) impact.Report {
		c := *r
		c.Chunks, c.Total, c.ElapsedMS, c.Params.ChunkSize = 0, 0, 0, 0
		return c
	}
	if diff := cmp.Diff(norm(want), norm(got)); diff != "" {
		t.Errorf("%s gives another report (-one chunk +%s):\n%s", what, what, diff)
	}
}

package impact_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/storage"
)

var _ impact.LogStore = (*storage.Store)(nil)

// The decision-log window of these tests: the first half of November 2026.
var (
	windowFrom = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	windowTo   = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)
)

// collect keeps the log records of the decisions a service takes.
type collect struct{ recs []decisionlog.Record }

func (c *collect) Record(_ context.Context, r decisionlog.Record) error {
	c.recs = append(c.recs, r)
	return nil
}

// logged is one decision taken through the service and logged: the
// request, to take it again for the brute force, and its log entry.
type logged struct {
	req decision.Request
	rec decisionlog.Record
}

// logBook takes decisions through decision.Service, as the API does, under
// a tree, and logs them at a given time.
type logBook struct {
	t       *testing.T
	st      *storage.Store
	entries []logged
}

func (b *logBook) take(ps *engine.PolicySet, at time.Time, reqs ...decision.Request) {
	b.t.Helper()
	ctx := context.Background()
	eng := &engine.Engine{}
	eng.Use(ps)
	rec := &collect{}
	svc := &decision.Service{Engine: eng, Jurisdictions: ps.Jurisdictions(), Facts: b.st, Recorder: rec}
	caller := auth.Principal{Name: "test", Jurisdictions: []string{jurisdiction.National}, Decisions: []string{auth.All}}
	var answered []decision.Request
	for _, req := range reqs {
		_, err := svc.Decide(ctx, caller, req)
		if _, refused := problem.As(err); err != nil && !refused {
			b.t.Fatalf("%s for %s: %v", req.Decision, req.EnterpriseID, err)
		}
		if err == nil { // a refusal is answered as an error, and not logged
			answered = append(answered, req)
		}
	}
	for i := range rec.recs {
		rec.recs[i].Time = at.Add(time.Duration(i) * time.Second)
		b.entries = append(b.entries, logged{req: answered[i], rec: rec.recs[i]})
	}
	if err := b.st.InsertDecisions(ctx, rec.recs); err != nil {
		b.t.Fatal(err)
	}
}

func byID(decisionName string, usccs []string, ctxJSON string) []decision.Request {
	var out []decision.Request
	for _, u := range usccs {
		out = append(out, decision.Request{Decision: decisionName, EnterpriseID: u, AsOf: asOf, Context: json.RawMessage(ctxJSON)})
	}
	return out
}

// seedLog logs, over a seeded population: credit_grade and
// registration_change for every Heilongjiang enterprise and
// registration_change and supervision for every Quangang one under the
// base tree inside the window; credit_grade
// for forty Heilongjiang enterprises under an older tree (B from 780 points),
// which the base tree does not always reproduce; grades on inline facts
// without a USCC; and entries just before the window and at its end, which
// no run of the window counts.
func seedLog(t *testing.T, st *storage.Store, base *engine.PolicySet) *logBook {
	t.Helper()
	ctx := context.Background()
	hlj, err := st.SampleEnterprises(ctx, "230000", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	qg, err := st.SampleEnterprises(ctx, "350505", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(hlj)
	if len(hlj) < 100 || len(qg) == 0 {
		t.Fatalf("%d Heilongjiang and %d Quangang enterprises: too few to test with", len(hlj), len(qg))
	}
	older := tree(t, setParam("params/230000/data.json", json.Number("780"), "credit_grade", "bands", 1, "min"))
	b := &logBook{t: t, st: st}
	in := windowFrom.Add(48 * time.Hour)
	b.take(base, in, byID("credit_grade", hlj, "")...)
	b.take(base, in.Add(time.Hour), byID("registration_change", hlj, `{"application":{"kind":"change"}}`)...)
	b.take(base, in.Add(2*time.Hour), byID("registration_change", qg, `{"application":{"kind":"change"}}`)...)
	b.take(base, in.Add(2*time.Hour), byID("supervision", qg, "")...)
	b.take(older, in.Add(3*time.Hour), byID("credit_grade", hlj[:40], "")...)
	var inline []decision.Request
	for score := 660; score <= 820; score += 8 {
		inline = append(inline, decision.Request{Decision: "credit_grade", Jurisdiction: "230000", AsOf: asOf,
			Facts: json.RawMessage(fmt.Sprintf(`{"public_credit_score": %d}`, score))})
	}
	b.take(base, in.Add(4*time.Hour), inline...)
	b.take(base, windowFrom.Add(-time.Minute), byID("credit_grade", hlj[:30], "")...)
	b.take(base, windowTo, byID("credit_grade", hlj[30:60], "")...)
	return b
}

// logExpected is what the brute force finds for one decision in one
// jurisdiction of the log.
type logExpected struct {
	impact.Counts
	entries     int64               // in the window, whatever the trees
	transitions map[[2]string]int64 // of the main field, as logged → head
	drift       map[[2]string]int64 // as logged → base, where they differ
}

// logBruteForce takes each logged request again through decision.Service
// under each tree (the facts have not changed since) and compares the
// answers with what was logged, independently of the impact package: every
// entry logged in the window, in the subtree, of a decision compared.
func logBruteForce(t *testing.T, st *storage.Store, b *logBook, base, head *engine.PolicySet, subtree string, decisions []string) map[[2]string]*logExpected {
	t.Helper()
	ctx := context.Background()
	caller := auth.Principal{Name: "test", Jurisdictions: []string{jurisdiction.National}, Decisions: []string{auth.All}}
	service := func(ps *engine.PolicySet) *decision.Service {
		eng := &engine.Engine{}
		eng.Use(ps)
		return &decision.Service{Engine: eng, Jurisdictions: ps.Jurisdictions(), Facts: st}
	}
	before, after := service(base), service(head)
	main := map[string]string{"credit_grade": "grade", "registration_change": "accept"}
	outcome := func(name string, result map[string]any, err error) string {
		if err != nil {
			p, _ := problem.As(err)
			return "error: " + p.Code
		}
		v := result[main[name]]
		if s, ok := v.(string); ok {
			return s
		}
		return jsonOf(t, v)
	}
	out := map[[2]string]*logExpected{}
	for _, e := range b.entries {
		rec := e.rec
		if rec.Time.Before(windowFrom) || !rec.Time.Before(windowTo) || !slices.Contains(decisions, rec.Decision) ||
			!head.Jurisdictions().Within(rec.Jurisdiction, subtree) {
			continue
		}
		k := [2]string{rec.Decision, rec.Jurisdiction}
		x := out[k]
		if x == nil {
			x = &logExpected{transitions: map[[2]string]int64{}, drift: map[[2]string]int64{}}
			out[k] = x
		}
		x.entries++
		a, aerr := after.Decide(ctx, caller, e.req)
		bb, berr := before.Decide(ctx, caller, e.req)
		differs := func(r *decision.Response, err error) (changed, reworded bool) {
			if err != nil {
				return true, false
			}
			changed = jsonOf(t, rec.Result) != jsonOf(t, r.Result) || !cmp.Equal(codes(rec.Reasons), codes(r.Reasons))
			return changed, !changed && jsonOf(t, rec.Reasons) != jsonOf(t, r.Reasons)
		}
		x.Evaluated++
		logged := outcome(rec.Decision, rec.Result, nil)
		switch changed, reworded := differs(a, aerr); {
		case changed:
			x.Changed++
			if aerr != nil {
				x.NewlyErroring++
			}
			var result map[string]any
			if aerr == nil {
				result = a.Result
			}
			x.transitions[[2]string{logged, outcome(rec.Decision, result, aerr)}]++
		default:
			x.Unchanged++
			if reworded {
				x.Reworded++
			}
		}
		if changed, _ := differs(bb, berr); changed {
			x.NotReproduced++
			var result map[string]any
			if berr == nil {
				result = bb.Result
			}
			x.drift[[2]string{logged, outcome(rec.Decision, result, berr)}]++
		}
	}
	return out
}

// checkLog compares the log part of a report with the brute force:
// jurisdictions evaluated exactly, those unchanged by construction by their
// entries, and nothing outside.
func checkLog(t *testing.T, rep *impact.Report, want map[[2]string]*logExpected) {
	t.Helper()
	seen := map[[2]string]bool{}
	for _, d := range rep.Logged {
		transitions, drift := map[[2]string]int64{}, map[[2]string]int64{}
		for _, tl := range d.Jurisdictions {
			k := [2]string{d.Decision, tl.Jurisdiction}
			w := want[k]
			if w == nil {
				w = &logExpected{}
			} else {
				seen[k] = true
			}
			if tl.ByConstruction {
				if tl.Evaluated != 0 || tl.Entries != w.entries || w.Changed != 0 || w.NotReproduced != 0 {
					t.Errorf("log: %s in %s, unchanged by construction: %+v over %d entries; brute force %+v over %d",
						d.Decision, tl.Jurisdiction, tl.Counts, tl.Entries, w.Counts, w.entries)
				}
				continue
			}
			if tl.Counts != w.Counts {
				t.Errorf("log: %s in %s: report %+v, brute force %+v", d.Decision, tl.Jurisdiction, tl.Counts, w.Counts)
			}
			for k, n := range w.transitions {
				transitions[k] += n
			}
			for k, n := range w.drift {
				drift[k] += n
			}
		}
		got, gotDrift := map[[2]string]int64{}, map[[2]string]int64{}
		for _, tr := range d.Transitions {
			got[[2]string{tr.From, tr.To}] = tr.Count
			for _, ex := range tr.Examples {
				if ex.DecisionID == "" {
					t.Errorf("log: %s %s → %s: an example without its entry id", d.Decision, tr.From, tr.To)
				}
			}
		}
		for _, tr := range d.NotReproducedTransitions {
			gotDrift[[2]string{tr.From, tr.To}] = tr.Count
		}
		if diff := cmp.Diff(transitions, got); diff != "" {
			t.Errorf("log: %s transitions (-brute force +report):\n%s", d.Decision, diff)
		}
		if diff := cmp.Diff(drift, gotDrift); diff != "" {
			t.Errorf("log: %s not reproduced by the base tree (-brute force +report):\n%s", d.Decision, diff)
		}
	}
	for k, w := range want {
		if !seen[k] && w.entries > 0 {
			t.Errorf("log: the report has no row for %s in %s (%d entries)", k[0], k[1], w.entries)
		}
	}
}

// A head tree that refuses Heilongjiang grades under 700 points and raises
// grade B from 790 to 800, compared over a decision log of real decisions:
// every count is what taking each logged request again gives, entries
// outside the window or the subtree are not counted, the refusals come
// first, and entries logged under an older tree are counted apart as not
// reproduced by the base tree.
func TestLoggedDecisionsEqualABruteForceComparison(t *testing.T) {
	base := tree(t)
	head := tree(t,
		replace("j230000/credit_grade.rego", "\tnot grade.has_score\n} else := lib.refusal(",
			"\tnot grade.has_score\n} else := lib.refusal(\"score_below_floor\", \"低于700分不予评定\", {}) if {\n\tgrade.score < 700\n} else := lib.refusal("),
		setParam("params/230000/data.json", json.Number("800"), "credit_grade", "bands", 1, "min"))
	decisions := []string{"credit_grade", "registration_change"}
	window := &impact.LogWindow{From: windowFrom, To: windowTo}
	for _, s := range seeded(t, 1500) {
		t.Run(s.Name, func(t *testing.T) {
			book := seedLog(t, s.Store, base)
			for _, subtree := range []string{jurisdiction.National, "230000"} {
				rep, changes := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Jurisdiction: subtree,
					Log: window, NoEnterprises: true, ChunkSize: 64})
				want := logBruteForce(t, s.Store, book, base, head, subtree, decisions)
				checkLog(t, rep, want)
				if len(rep.Decisions) != 0 || rep.Total < 5 {
					t.Errorf("under %s: %d decisions over enterprises, %d chunks", subtree, len(rep.Decisions), rep.Total)
				}
				grades := rep.Logged[0]
				if grades.Decision != "credit_grade" || grades.NewlyErroring == 0 || !grades.Transitions[0].NewlyErroring {
					t.Fatalf("under %s: first logged decision %s, %d newly erroring, first transition %+v; want credit_grade's refusals first",
						subtree, grades.Decision, grades.NewlyErroring, grades.Transitions[0])
				}
				if grades.NotReproduced == 0 {
					t.Errorf("under %s: no entry logged under the older tree is counted as not reproduced", subtree)
				}
				var changed int64
				for _, d := range rep.Logged {
					changed += d.Changed
				}
				if int64(len(changes)) != changed || changed == 0 {
					t.Errorf("under %s: %d changes for the CSV, %d counted", subtree, len(changes), changed)
				}
				inline := false
				for _, c := range changes {
					if c.DecisionID == "" || (c.USCC == "" && c.Jurisdiction != "230000") {
						t.Errorf("under %s: change %+v", subtree, c)
					}
					inline = inline || c.USCC == ""
				}
				if !inline {
					t.Errorf("under %s: no change found among the grades on inline facts", subtree)
				}
			}

			// One chunk, or chunks of 64 merged last first: one report.
			opts := impact.Options{Decisions: decisions, Log: window, NoEnterprises: true, AsOf: asOf}
			whole, _ := run(t, s.Store, base, head, withChunk(opts, 100000))
			rep := mergedBackward(t, s.Store, base, head, withChunk(opts, 64))
			same(t, "log chunks of 64 merged last first", whole, rep)
		})
	}
}

func withChunk(o impact.Options, n int) impact.Options {
	o.ChunkSize = n
	return o
}

// Stored enterprises and the log in one run: the enterprises' part is the
// report a run without the log gives, and the log's part the one a run of
// the log alone gives.
func TestEnterprisesAndLogInOneRun(t *testing.T) {
	base, head := tree(t), hljBandChange(t)
	decisions := []string{"credit_grade", "risk_class"}
	window := &impact.LogWindow{From: windowFrom, To: windowTo}
	for _, s := range seeded(t, 1000) {
		t.Run(s.Name, func(t *testing.T) {
			seedLog(t, s.Store, base)
			both, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Log: window})
			onlyEnterprises, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions})
			onlyLog, _ := run(t, s.Store, base, head, impact.Options{Decisions: decisions, Log: window, NoEnterprises: true})
			if diff := cmp.Diff(onlyEnterprises.Decisions, both.Decisions); diff != "" {
				t.Errorf("stored enterprises (-alone +with the log):\n%s", diff)
			}
			if diff := cmp.Diff(onlyLog.Logged, both.Logged); diff != "" {
				t.Errorf("decision log (-alone +with the enterprises):\n%s", diff)
			}
			if both.Total != onlyEnterprises.Total+onlyLog.Total {
				t.Errorf("%d chunks, %d + %d apart", both.Total, onlyEnterprises.Total, onlyLog.Total)
			}
			if both.Evaluations() != onlyEnterprises.Evaluations()+onlyLog.Evaluations() || onlyLog.Evaluations() == 0 {
				t.Errorf("%d evaluations, %d + %d apart", both.Evaluations(), onlyEnterprises.Evaluations(), onlyLog.Evaluations())
			}
		})
	}
}

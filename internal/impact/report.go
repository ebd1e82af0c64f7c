package impact

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// Report is what a run found, or part of it: chunks' reports merge into the
// run's (Merge), so a partial report reads like the final one.
type Report struct {
	Base   Tree   `json:"base"`
	Head   Tree   `json:"head"`
	Params Params `json:"run"`
	// Decisions holds one entry per decision compared over stored
	// enterprises, those with newly erroring enterprises first: a change
	// that makes decisions fail is the worst impact.
	Decisions []DecisionReport `json:"decisions"`
	// Logged is the same over the decision-log entries of the run's window,
	// each compared as the log answered it with the head tree's answer to
	// its logged input; absent when the run reads no log.
	Logged []DecisionReport `json:"logged,omitempty"`
	// Skipped lists decisions the run cannot take per enterprise, and why.
	Skipped []Skipped `json:"skipped"`
	// Unaffected lists the decisions that cannot change anywhere in the
	// subtree (when the run chose its decisions itself).
	Unaffected []string `json:"unaffected"`
	// Chunks counts the chunks merged in; Total is how many the run has.
	Chunks    int   `json:"chunks"`
	Total     int   `json:"total_chunks"`
	ElapsedMS int64 `json:"elapsed_ms"`
}

// Tree names one of the two trees compared.
type Tree struct {
	Name     string `json:"name,omitempty"` // where it comes from: a directory, a revision
	Revision string `json:"revision"`       // the content hash answers carry as policy.revision
	Number   int64  `json:"number,omitempty"`
}

// Params are the parameters of a run, as it resolved them.
type Params struct {
	Jurisdiction string                     `json:"jurisdiction"`
	Decisions    []string                   `json:"decisions"`
	Contexts     map[string]json.RawMessage `json:"contexts"`
	AsOf         string                     `json:"as_of"`
	Sample       int                        `json:"sample,omitempty"`
	Seed         string                     `json:"seed,omitempty"`
	ChunkSize    int                        `json:"chunk_size"`
	Examples     int                        `json:"examples"`
	// NoEnterprises: the run reads only the decision log.
	NoEnterprises bool `json:"no_enterprises,omitempty"`
	// Log is the decision-log window the run re-evaluates, with the
	// decisions it compares there.
	Log *LogParams `json:"log,omitempty"`
}

// LogParams are the decision-log part of a run.
type LogParams struct {
	LogWindow
	Decisions []string `json:"decisions"`
}

// Skipped is a decision a run does not evaluate.
type Skipped struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Counts are the outcomes of one decision over some enterprises. Changed
// counts a changed result field, a reason code that appears or disappears,
// or an error that starts, stops or changes code; NewlyErroring, part of
// Changed, counts answers that became errors. Reworded counts outcomes
// unchanged but for the wording or the citations of their reasons (or of
// their error).
//
// Over the decision log, the answer before is the one logged, and
// NotReproduced counts, apart, the entries whose answer under the base tree
// differs in outcome from the logged one (logged under an older revision,
// say): their change is not all the head tree's doing.
type Counts struct {
	Evaluated     int64 `json:"evaluated"`
	Unchanged     int64 `json:"unchanged"`
	Changed       int64 `json:"changed"`
	NewlyErroring int64 `json:"newly_erroring"`
	Reworded      int64 `json:"reworded"`
	NotReproduced int64 `json:"not_reproduced,omitempty"`
}

func (c *Counts) add(o Counts) {
	c.Evaluated += o.Evaluated
	c.Unchanged += o.Unchanged
	c.Changed += o.Changed
	c.NewlyErroring += o.NewlyErroring
	c.Reworded += o.Reworded
	c.NotReproduced += o.NotReproduced
}

// DecisionReport is one decision's impact.
type DecisionReport struct {
	Decision  string `json:"decision"`
	MainField string `json:"main_field,omitempty"`
	Counts
	// UnchangedByConstruction counts the stored enterprises (or log
	// entries) of the jurisdictions where the trees cannot answer
	// differently.
	UnchangedByConstruction int64          `json:"unchanged_by_construction"`
	Jurisdictions           []Tally        `json:"jurisdictions"`
	Transitions             []Transition   `json:"transitions"`
	Reasons                 []ReasonChange `json:"reasons"`
	// NotReproducedTransitions, over the decision log, counts the entries
	// the base tree answers otherwise than the log, by the main field as
	// logged and under the base tree.
	NotReproducedTransitions []Transition `json:"not_reproduced_transitions,omitempty"`
}

// Tally is one decision in one jurisdiction.
type Tally struct {
	Jurisdiction string `json:"jurisdiction"`
	// ByConstruction: the trees cannot answer differently here, so nothing
	// was evaluated; Enterprises counts the enterprises stored here, or
	// Entries the decision-log entries of the window.
	ByConstruction bool  `json:"unchanged_by_construction"`
	Enterprises    int64 `json:"enterprises,omitempty"`
	Entries        int64 `json:"entries,omitempty"`
	// MayChange says why the trees may answer differently here.
	MayChange string `json:"may_change,omitempty"`
	Counts
}

// Transition counts changed outcomes by the main field's value before and
// after, with the first examples by USCC.
type Transition struct {
	From          string           `json:"from"`
	To            string           `json:"to"`
	Count         int64            `json:"count"`
	NewlyErroring bool             `json:"newly_erroring,omitempty"`
	Jurisdictions map[string]int64 `json:"jurisdictions"`
	Examples      []Example        `json:"examples"`
}

// ReasonChange counts the outcomes in which a reason code appears or
// disappears between two answers.
type ReasonChange struct {
	Code        string `json:"code"`
	Appeared    int64  `json:"appeared"`
	Disappeared int64  `json:"disappeared"`
}

// Example is one enterprise of a transition, or one decision-log entry
// (DecisionID; its USCC is empty for a decision on inline facts that gave
// none).
type Example struct {
	DecisionID   string `json:"decision_id,omitempty"`
	USCC         string `json:"uscc"`
	Name         string `json:"name"`
	Jurisdiction string `json:"jurisdiction"`
	Before       Answer `json:"before"`
	After        Answer `json:"after"`
}

// Answer is one tree's answer: a result with its reasons, or an error.
type Answer struct {
	Result  map[string]any `json:"result,omitempty"`
	Reasons []any          `json:"reasons,omitempty"`
	Error   *AnswerError   `json:"error,omitempty"`
}

// AnswerError is an answer that is an error, as a server would send it.
type AnswerError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Merge adds other, the report of other chunks of the same run, to r.
// Counts add up and each transition keeps the examples with the smallest
// USCCs, so any cut into chunks, merged in any order, gives one report.
func (r *Report) Merge(other *Report) {
	r.Decisions = merged(r.Params.Examples, r.Decisions, other.Decisions)
	if r.Logged != nil || other.Logged != nil {
		r.Logged = merged(r.Params.Examples, r.Logged, other.Logged)
	}
	r.Chunks += other.Chunks
}

func merged(examples int, parts ...[]DecisionReport) []DecisionReport {
	b := newBuilder(examples)
	for _, p := range parts {
		b.add(p)
	}
	return b.decisions()
}

// ChangedShare is the largest share of evaluated outcomes that changed,
// over the decisions of both the stored enterprises and the decision log,
// and the decision it is found in ("" when nothing was evaluated; a
// decision of the log is named "… in the decision log").
func (r *Report) ChangedShare() (float64, string) {
	best, name := 0.0, ""
	for i, section := range [][]DecisionReport{r.Decisions, r.Logged} {
		for _, d := range section {
			if d.Evaluated == 0 {
				continue
			}
			if s := float64(d.Changed) / float64(d.Evaluated); name == "" || s > best {
				best, name = s, d.Decision
				if i == 1 {
					name += " in the decision log"
				}
			}
		}
	}
	return best, name
}

// builder accumulates reports with an index on every key, and gives back
// their sum in the report's order.
type builder struct {
	examples int
	byName   map[string]*decisionBuilder
}

type decisionBuilder struct {
	report      DecisionReport
	tallies     map[string]*Tally
	transitions map[[2]string]*Transition
	reasons     map[string]*ReasonChange
	drift       map[[2]string]*Transition // not reproduced by the base tree
}

func newBuilder(examples int) *builder {
	return &builder{examples: examples, byName: map[string]*decisionBuilder{}}
}

func (b *builder) decision(name, main string) *decisionBuilder {
	d := b.byName[name]
	if d == nil {
		d = &decisionBuilder{report: DecisionReport{Decision: name, MainField: main}, tallies: map[string]*Tally{},
			transitions: map[[2]string]*Transition{}, reasons: map[string]*ReasonChange{}, drift: map[[2]string]*Transition{}}
		b.byName[name] = d
	}
	return d
}

func (b *builder) add(reports []DecisionReport) {
	for _, dr := range reports {
		d := b.decision(dr.Decision, dr.MainField)
		for _, t := range dr.Jurisdictions {
			sum := d.tally(t.Jurisdiction, t.ByConstruction, t.MayChange)
			sum.Enterprises += t.Enterprises
			sum.Entries += t.Entries
			sum.Counts.add(t.Counts)
		}
		for _, t := range dr.Transitions {
			addTransition(d.transition(t.From, t.To, t.NewlyErroring), t)
		}
		for _, t := range dr.NotReproducedTransitions {
			addTransition(d.driftTransition(t.From, t.To), t)
		}
		for _, rc := range dr.Reasons {
			sum := d.reason(rc.Code)
			sum.Appeared += rc.Appeared
			sum.Disappeared += rc.Disappeared
		}
	}
}

func addTransition(sum *Transition, t Transition) {
	sum.Count += t.Count
	for code, n := range t.Jurisdictions {
		sum.Jurisdictions[code] += n
	}
	sum.Examples = append(sum.Examples, t.Examples...)
}

func (d *decisionBuilder) tally(code string, byConstruction bool, why string) *Tally {
	t := d.tallies[code]
	if t == nil {
		t = &Tally{Jurisdiction: code, ByConstruction: byConstruction, MayChange: why}
		d.tallies[code] = t
	}
	return t
}

func (d *decisionBuilder) transition(from, to string, newlyErroring bool) *Transition {
	k := [2]string{from, to}
	t := d.transitions[k]
	if t == nil {
		t = &Transition{From: from, To: to, NewlyErroring: newlyErroring, Jurisdictions: map[string]int64{}}
		d.transitions[k] = t
	}
	return t
}

// driftTransition is transition for the entries the base tree does not
// reproduce.
func (d *decisionBuilder) driftTransition(from, to string) *Transition {
	k := [2]string{from, to}
	t := d.drift[k]
	if t == nil {
		t = &Transition{From: from, To: to, Jurisdictions: map[string]int64{}}
		d.drift[k] = t
	}
	return t
}

func (d *decisionBuilder) reason(code string) *ReasonChange {
	rc := d.reasons[code]
	if rc == nil {
		rc = &ReasonChange{Code: code}
		d.reasons[code] = rc
	}
	return rc
}

// decisions returns the sums in report order: newly erroring first, then
// the most changed; within a decision the same for its jurisdictions (those
// unchanged by construction last) and its transitions.
func (b *builder) decisions() []DecisionReport {
	out := make([]DecisionReport, 0, len(b.byName))
	for _, d := range b.byName {
		r := d.report
		r.Counts, r.UnchangedByConstruction = Counts{}, 0
		r.Jurisdictions, r.Transitions, r.Reasons = []Tally{}, []Transition{}, []ReasonChange{}
		for _, t := range d.tallies {
			r.Counts.add(t.Counts)
			r.UnchangedByConstruction += t.Enterprises + t.Entries
			r.Jurisdictions = append(r.Jurisdictions, *t)
		}
		slices.SortFunc(r.Jurisdictions, func(a, b Tally) int {
			if a.ByConstruction != b.ByConstruction {
				return boolOrder(a.ByConstruction, b.ByConstruction)
			}
			return byImpact(a.Counts, b.Counts, a.Jurisdiction, b.Jurisdiction)
		})
		r.Transitions = b.sorted(d.transitions)
		if len(d.drift) > 0 {
			r.NotReproducedTransitions = b.sorted(d.drift)
		}
		for _, rc := range d.reasons {
			r.Reasons = append(r.Reasons, *rc)
		}
		slices.SortFunc(r.Reasons, func(a, b ReasonChange) int {
			return cmp.Or(cmp.Compare(b.Appeared+b.Disappeared, a.Appeared+a.Disappeared), strings.Compare(a.Code, b.Code))
		})
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b DecisionReport) int { return byImpact(a.Counts, b.Counts, a.Decision, b.Decision) })
	return out
}

// sorted lists transitions newly erroring first, then the most frequent,
// each with its first examples: the smallest USCCs, or over the decision
// log the first entries logged (UUIDv7 ids sort by time).
func (b *builder) sorted(m map[[2]string]*Transition) []Transition {
	out := make([]Transition, 0, len(m))
	for _, t := range m {
		slices.SortFunc(t.Examples, func(a, b Example) int {
			return cmp.Or(strings.Compare(a.DecisionID, b.DecisionID), strings.Compare(a.USCC, b.USCC))
		})
		t.Examples = t.Examples[:min(len(t.Examples), b.examples)]
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Transition) int {
		return cmp.Or(boolOrder(b.NewlyErroring, a.NewlyErroring), cmp.Compare(b.Count, a.Count),
			strings.Compare(a.From, b.From), strings.Compare(a.To, b.To))
	})
	return out
}

// byImpact orders the most newly erroring first, then the most changed.
func byImpact(a, b Counts, an, bn string) int {
	return cmp.Or(cmp.Compare(b.NewlyErroring, a.NewlyErroring), cmp.Compare(b.Changed, a.Changed), strings.Compare(an, bn))
}

// boolOrder puts false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

package decision

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sort"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/problem"
)

// LogStore reads the decision log.
type LogStore interface {
	DecisionRecord(ctx context.Context, id string) (decisionlog.Record, error)
}

// Replay is a logged decision evaluated again, under the revision it was made
// under and under the current one.
type Replay struct {
	DecisionID string      `json:"decision_id"`
	Logged     Evaluation  `json:"logged"`
	Original   Evaluation  `json:"original"`
	Current    Evaluation  `json:"current"`
	Reproduced bool        `json:"reproduced"` // the original revision gives the logged answer again
	Changed    bool        `json:"changed"`    // the current revision answers differently
	Diff       []FieldDiff `json:"diff"`
	// FactsNotLogged are the facts the current revision can read that the
	// original could not: a decision logs only what it read, so the current
	// revision answered without them ("*": it may read any fact).
	FactsNotLogged []string `json:"facts_not_logged,omitempty"`
}

// Evaluation is one answer: which revision and policy, the result, the reasons.
type Evaluation struct {
	Revision string         `json:"revision"`
	Source   string         `json:"source"`
	Result   map[string]any `json:"result"`
	Reasons  []any          `json:"reasons"`
}

// FieldDiff is one result field that differs between the original and current answers.
type FieldDiff struct {
	Path     string `json:"path"`
	Original any    `json:"original"`
	Current  any    `json:"current"`
}

// Record returns a logged decision the caller may see, without the
// enterprise facts of its input unless the caller may read facts there, and
// without their classification results unless the caller sees classification.
func (s *Service) Record(ctx context.Context, caller auth.Principal, id string) (decisionlog.Record, error) {
	rec, err := s.record(ctx, caller, id)
	if err != nil {
		return decisionlog.Record{}, err
	}
	return s.redact(caller, rec), nil
}

// record returns a logged decision the caller may see, whole.
func (s *Service) record(ctx context.Context, caller auth.Principal, id string) (decisionlog.Record, error) {
	if s.Log == nil {
		return decisionlog.Record{}, problem.New(problem.Unavailable, "decision_log_unavailable", "no decision log is configured")
	}
	rec, err := s.Log.DecisionRecord(ctx, id)
	switch {
	case errors.Is(err, decisionlog.ErrRecordNotFound):
		return decisionlog.Record{}, problem.New(problem.NotFound, "decision_not_logged", "no logged decision "+quote(id))
	case err != nil:
		return decisionlog.Record{}, problem.Wrap(problem.Unavailable, "store_unavailable", "the decision log is not answering", err)
	}
	if !s.mayRead(caller, rec) {
		return decisionlog.Record{}, problem.New(problem.NotFound, "decision_not_logged", "no logged decision "+quote(id))
	}
	return rec, nil
}

// VisibleRecords keeps the records of a log search the caller may see, with
// classification results hidden as Record hides them. The search itself
// filters on the logged jurisdiction; this also applies the enterprise's.
func (s *Service) VisibleRecords(caller auth.Principal, recs []decisionlog.Record) []decisionlog.Record {
	out := make([]decisionlog.Record, 0, len(recs))
	for _, rec := range recs {
		if s.mayRead(caller, rec) {
			out = append(out, s.redact(caller, rec))
		}
	}
	return out
}

// mayRead reports whether caller may see a logged decision. The log holds
// classification results and enterprise facts: only callers who may ask for
// the decision in its jurisdiction may read it (HLJ-9), and, where the input
// names the enterprise's jurisdiction, only if that one is theirs too, as
// the decision was taken about an enterprise of that jurisdiction.
func (s *Service) mayRead(caller auth.Principal, rec decisionlog.Record) bool {
	if !caller.MayDecide(s.Jurisdictions, rec.Jurisdiction, rec.Decision) {
		return false
	}
	if e, ok := rec.Input["enterprise"].(map[string]any); ok {
		if code, ok := e["jurisdiction"].(string); ok && !caller.MayRead(s.Jurisdictions, code) {
			return false
		}
	}
	return true
}

// redact returns rec as caller may see it; the logged record itself is not
// touched. The input's enterprise facts are stored facts a decision by id
// read: a caller without facts:read there sees only which enterprise it was
// (reading the log must not be a way around the facts scopes), and a caller
// who does not see classification sees the facts without its results.
func (s *Service) redact(caller auth.Principal, rec decisionlog.Record) decisionlog.Record {
	e, ok := rec.Input["enterprise"].(map[string]any)
	if !ok {
		return rec
	}
	code, _ := e["jurisdiction"].(string)
	if code == "" {
		code = rec.Jurisdiction
	}
	input := maps.Clone(rec.Input)
	switch {
	case !caller.MayReadFacts(s.Jurisdictions, code):
		kept := map[string]any{"facts_withheld": "this token has no facts:read scope for jurisdiction " + code}
		for _, k := range []string{"uscc", "jurisdiction"} {
			if v, ok := e[k]; ok {
				kept[k] = v
			}
		}
		input["enterprise"] = kept
	case !caller.SeesClassification():
		e = maps.Clone(e)
		caller.HideClassification(e)
		input["enterprise"] = e
	default:
		return rec
	}
	rec.Input = input
	return rec
}

// Replay evaluates a logged decision's input again under its own revision and
// the current one, and lists the result fields that changed.
func (s *Service) Replay(ctx context.Context, caller auth.Principal, id string) (*Replay, error) {
	// The whole input: the replay must evaluate what was evaluated, and
	// shows only results, which the caller may see.
	rec, err := s.record(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	original, err := s.Archive.Get(ctx, rec.Revision)
	if err != nil {
		return nil, problem.Wrap(problem.Internal, "revision_unavailable", "policy revision "+rec.Revision+" cannot be loaded", err)
	}
	current := s.Engine.Current()
	if current == nil {
		return nil, problem.New(problem.Unavailable, "policies_not_loaded", "no policy revision is loaded")
	}
	chain, err := s.Jurisdictions.Chain(rec.Jurisdiction)
	if err != nil {
		return nil, problem.Wrap(problem.Internal, "internal", "the logged jurisdiction is no longer in the tree", err)
	}
	o, err := reevaluate(ctx, original, rec, chain)
	if err != nil {
		return nil, err
	}
	c, err := reevaluate(ctx, current, rec, chain)
	if err != nil {
		return nil, err
	}
	logged := Evaluation{Revision: rec.Revision, Source: rec.Source, Result: rec.Result, Reasons: rec.Reasons}
	r := &Replay{DecisionID: rec.ID, Logged: logged, Original: o, Current: c, Diff: diff("", o.Result, c.Result)}
	r.Reproduced = reflect.DeepEqual(JSONValue(o.Result), JSONValue(rec.Result))
	r.Changed = len(r.Diff) > 0
	r.FactsNotLogged = factsNotLogged(original.FactsRead(rec.Decision, chain), current.FactsRead(rec.Decision, chain))
	return r, nil
}

// factsNotLogged lists what now reads beyond what then read.
func factsNotLogged(then, now engine.FactSet) []string {
	switch {
	case then.All():
		return nil
	case now.All():
		return []string{"*"}
	}
	var out []string
	for _, f := range now.Fields() {
		if !then.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

func reevaluate(ctx context.Context, ps *engine.PolicySet, rec decisionlog.Record, chain []string) (Evaluation, error) {
	return evaluation(ctx, ps, rec.Decision, chain, rec.Input)
}

// evaluation is one answer to input under ps, its reasons apart from its result.
func evaluation(ctx context.Context, ps *engine.PolicySet, name string, chain []string, input map[string]any) (Evaluation, error) {
	out, _, err := evaluateOn(ctx, ps, name, chain, input, false)
	if err != nil {
		return Evaluation{}, err
	}
	result := make(map[string]any, len(out.Value))
	for k, v := range out.Value {
		if k != "reasons" {
			result[k] = v
		}
	}
	reasons, _ := out.Value["reasons"].([]any)
	return Evaluation{Revision: out.Revision, Source: out.Source, Result: result, Reasons: reasons}, nil
}

// diff lists the paths where a and b differ; objects are compared key by key,
// anything else as a whole.
func diff(prefix string, a, b map[string]any) []FieldDiff {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	out := []FieldDiff{}
	for _, k := range names {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		av, bv := JSONValue(a[k]), JSONValue(b[k])
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		switch {
		case aok && bok:
			out = append(out, diff(path, am, bm)...)
		case !reflect.DeepEqual(av, bv):
			out = append(out, FieldDiff{Path: path, Original: a[k], Current: b[k]})
		}
	}
	return slices.Clip(out)
}

// JSONValue returns v with the types a JSON round trip gives it (float64
// numbers, map[string]any objects, []any lists), so values of different
// origins compare with reflect.DeepEqual: a logged result and a fresh one
// (whose numbers are json.Number), or a result and a YAML test case's
// expectation. A value JSON cannot hold comes back as it was.
func JSONValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

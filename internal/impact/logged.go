package impact

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
)

// LogStore is what a run that also re-evaluates the decision log reads: the
// entries of a window in key ranges of their ids, as Store gives the
// enterprises in key ranges of their USCCs. A scope maps each decision to
// the jurisdictions whose entries are wanted.
type LogStore interface {
	Store
	// DecisionKeys lists, in id order, the ids of the entries logged in
	// [from, to) in scope, after after, through through ("" for no bound),
	// at most limit (0 for all).
	DecisionKeys(ctx context.Context, from, to time.Time, scope map[string][]string, after, through string, limit int) ([]string, error)
	// DecisionRange loads the entries DecisionKeys would list from after
	// through through.
	DecisionRange(ctx context.Context, from, to time.Time, scope map[string][]string, after, through string) ([]decisionlog.Record, error)
	// DecisionCounts counts the entries logged in [from, to) per decision
	// and jurisdiction.
	DecisionCounts(ctx context.Context, from, to time.Time, decisions, jurisdictions []string) (map[string]map[string]int64, error)
}

func logStore(st Store) (LogStore, error) {
	ls, ok := st.(LogStore)
	if !ok {
		return nil, errors.New("this store keeps no decision log to re-evaluate")
	}
	return ls, nil
}

// logScope is where the log is read: for each decision compared over the
// log, the jurisdictions where the trees may answer differently. Entries
// elsewhere are counted as unchanged by construction and never loaded.
func (p *Plan) logScope() map[string][]string {
	scope := map[string][]string{}
	for _, d := range p.logged {
		for code := range d.mayChange {
			scope[d.name] = append(scope[d.name], code)
		}
		slices.Sort(scope[d.name])
	}
	return scope
}

// newLogReport is the decision-log part of the report before any chunk:
// each decision's jurisdictions, those unchanged by construction with
// their entries of the window counted.
func (p *Plan) newLogReport(ctx context.Context, st Store) ([]DecisionReport, error) {
	ls, err := logStore(st)
	if err != nil {
		return nil, err
	}
	w := p.params.Log
	counts, err := ls.DecisionCounts(ctx, w.From, w.To, w.Decisions, p.subtree)
	if err != nil {
		return nil, err
	}
	return p.firstTallies(p.logged, func(d *planned, code string, t *Tally) { t.Entries = counts[d.name][code] }), nil
}

// logChunks cuts the entries of the window that may change into chunks of
// the chunk size, reading only their ids, a page at a time.
func (p *Plan) logChunks(ctx context.Context, st Store) ([]Chunk, error) {
	ls, err := logStore(st)
	if err != nil {
		return nil, err
	}
	scope, w := p.logScope(), p.params.Log
	var chunks []Chunk
	for after := ""; len(scope) > 0; {
		keys, err := ls.DecisionKeys(ctx, w.From, w.To, scope, after, "", p.params.ChunkSize*keyPages)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			break
		}
		for start := 0; start < len(keys); start += p.params.ChunkSize {
			last := keys[min(start+p.params.ChunkSize, len(keys))-1]
			chunks = append(chunks, Chunk{Log: true, After: after, Through: last})
			after = last
		}
	}
	return chunks, nil
}

// logAnswers are one entry's answers: as logged, and its logged input
// under each tree.
type logAnswers struct {
	logged, base, head Answer
	ok                 bool
}

// runLogChunk re-evaluates every entry of a chunk of the decision log under
// both trees and compares: the logged answer with the head tree's (the
// report's counts and transitions), and the logged answer with the base
// tree's (apart, as not reproduced).
func (p *Plan) runLogChunk(ctx context.Context, st Store, c Chunk) (*Report, []Change, error) {
	ls, err := logStore(st)
	if err != nil {
		return nil, nil, err
	}
	w := p.params.Log
	if w == nil {
		return nil, nil, errors.New("a chunk of the decision log, in a run that reads no log")
	}
	recs, err := ls.DecisionRange(ctx, w.From, w.To, p.logScope(), c.After, c.Through)
	if err != nil {
		return nil, nil, err
	}
	// The store's collation need not be byte order; examples are the first ids in it.
	slices.SortFunc(recs, func(a, b decisionlog.Record) int { return strings.Compare(a.ID, b.ID) })
	answers := make([]logAnswers, len(recs))
	eachOf(ctx, len(recs), func(i int) {
		rec := recs[i]
		d := p.byName[rec.Decision]
		if d == nil {
			return
		}
		if _, ok := d.mayChange[rec.Jurisdiction]; !ok {
			return
		}
		answers[i] = logAnswers{logged: loggedAnswer(rec), base: logAnswer(ctx, p.baseSet, rec),
			head: logAnswer(ctx, p.headSet, rec), ok: true}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err // an evaluation cut short is no outcome
	}
	b := newBuilder(p.params.Examples)
	var changes []Change
	for i, rec := range recs {
		a := answers[i]
		if !a.ok {
			continue
		}
		d := p.byName[rec.Decision]
		who := subject{code: rec.Jurisdiction, uscc: loggedUSCC(rec), name: loggedName(rec), decisionID: rec.ID}
		if ch, changed := b.observe(d, who, pair{before: a.logged, after: a.head, v: judge(d.spec.main, a.logged, a.head)}); changed {
			changes = append(changes, ch)
		}
		b.reproduce(d, who, a.logged, a.base)
	}
	return &Report{Base: p.base, Head: p.head, Params: p.params, Decisions: []DecisionReport{}, Logged: b.decisions(), Chunks: 1},
		changes, nil
}

// reproduce counts an entry the base tree answers otherwise than the log
// did, by the main field as logged and under the base tree.
func (b *builder) reproduce(d *planned, who subject, logged, base Answer) {
	v := judge(d.spec.main, logged, base)
	if !v.changed {
		return
	}
	db := b.decision(d.name, d.spec.main)
	db.tally(who.code, false, d.mayChange[who.code]).NotReproduced++
	tr := db.driftTransition(v.from, v.to)
	tr.Count++
	tr.Jurisdictions[who.code]++
	if len(tr.Examples) < b.examples {
		tr.Examples = append(tr.Examples, Example{DecisionID: who.decisionID, USCC: who.uscc, Name: who.name,
			Jurisdiction: who.code, Before: logged, After: base})
	}
}

// loggedAnswer is the answer the log holds, as its JSON decodes.
func loggedAnswer(rec decisionlog.Record) Answer {
	a := Answer{Result: rec.Result, Reasons: rec.Reasons}
	if a.Result == nil {
		a.Result = map[string]any{}
	}
	if len(a.Reasons) == 0 {
		a.Reasons = nil
	}
	return a
}

// logAnswer is a logged input's answer under ps, its values as a logged
// answer's decode (float64 numbers, not OPA's json.Number), so the two
// compare field by field.
func logAnswer(ctx context.Context, ps *engine.PolicySet, rec decisionlog.Record) Answer {
	ev, err := decision.DecideLogged(ctx, ps, rec)
	if err != nil {
		return errorAnswer(err)
	}
	a := Answer{Result: plain(ev.Result).(map[string]any)}
	if len(ev.Reasons) > 0 {
		a.Reasons = plain(ev.Reasons).([]any)
	}
	return a
}

// plain returns v with every json.Number a float64, in new containers.
func plain(v any) any {
	switch v := v.(type) {
	case json.Number:
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = plain(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plain(x)
		}
		return out
	}
	return v
}

// loggedUSCC is the enterprise of an entry: the one asked for by id, else
// the USCC of its inline facts, if any.
func loggedUSCC(rec decisionlog.Record) string {
	if rec.EnterpriseID != "" {
		return rec.EnterpriseID
	}
	return loggedFact(rec, "uscc")
}

func loggedName(rec decisionlog.Record) string { return loggedFact(rec, "name") }

func loggedFact(rec decisionlog.Record, key string) string {
	e, _ := rec.Input["enterprise"].(map[string]any)
	s, _ := e[key].(string)
	return s
}

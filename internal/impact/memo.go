package impact

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/credpol/credpol/engine"
)

// memoBytes bounds what a decision's memo holds (keys and kept answers).
// The common combinations of facts come early and often; past the bound, a
// rare one is evaluated each time it comes rather than held for the rest of
// the run.
const memoBytes = 64 << 20

// memo holds one decision's verdicts by jurisdiction and the facts the
// decision reads there. A policy reads nothing but its input and its data,
// the date and the context are the run's, so the same facts in the same
// jurisdiction get the same answers under each tree. A verdict is kept
// without pointers into the answers: a changed outcome keeps its two
// answers as JSON, decoded again when an enterprise shares it, so a long run
// does not hold (and the collector scan) a million answers.
type memo struct {
	mu       sync.Mutex
	verdicts map[string]kept
	size     int
	full     atomic.Bool // past the bound: no answer is encoded to be kept
}

type kept struct {
	v             verdict
	before, after keptAnswer // for a changed outcome
}

// keptAnswer is an answer as JSON, and what JSON does not tell apart: an
// empty list of reasons from none.
type keptAnswer struct {
	json        []byte
	emptyResult bool
	noReasons   bool
}

func keep(a Answer) (keptAnswer, error) {
	b, err := json.Marshal(a)
	return keptAnswer{json: b, emptyResult: a.Result != nil && len(a.Result) == 0, noReasons: a.Reasons != nil && len(a.Reasons) == 0}, err
}

// answer reads the answer back with numbers as the policies give them
// (json.Number), so it is the answer that was kept.
func (k keptAnswer) answer() (Answer, error) {
	var a Answer
	dec := json.NewDecoder(bytes.NewReader(k.json))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		return a, err
	}
	if k.emptyResult {
		a.Result = map[string]any{}
	}
	if k.noReasons {
		a.Reasons = []any{}
	}
	return a, nil
}

func newMemo() *memo { return &memo{verdicts: map[string]kept{}} }

func (m *memo) get(key string) (pair, bool) {
	m.mu.Lock()
	k, ok := m.verdicts[key]
	m.mu.Unlock()
	if !ok {
		return pair{}, false
	}
	a := pair{v: k.v}
	if k.v.changed {
		var err1, err2 error
		a.before, err1 = k.before.answer()
		a.after, err2 = k.after.answer()
		if err1 != nil || err2 != nil {
			return pair{}, false
		}
	}
	return a, true
}

// put keeps a verdict, unless an answer may not come again for the same
// facts: an evaluation that ran out of time, or failed inside.
func (m *memo) put(key string, a pair) {
	for _, x := range []Answer{a.before, a.after} {
		if x.Error != nil && (x.Error.Code == "policy_timeout" || x.Error.Code == "internal") {
			return
		}
	}
	if m.full.Load() {
		return
	}
	k := kept{v: a.v}
	size := len(key) + 128
	if a.v.changed {
		var err1, err2 error
		k.before, err1 = keep(a.before)
		k.after, err2 = keep(a.after)
		if err1 != nil || err2 != nil {
			return
		}
		size += len(k.before.json) + len(k.after.json)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch _, ok := m.verdicts[key]; {
	case ok:
	case m.size+size > memoBytes:
		m.full.Store(true)
	default:
		m.verdicts[key] = k
		m.size += size
	}
}

// memoKey names a jurisdiction and the facts read there, in one string:
// JSON writes an object's keys in order, so equal facts give equal keys.
func memoKey(code string, doc map[string]any) (string, bool) {
	b, err := json.Marshal(doc)
	if err != nil {
		return "", false
	}
	return code + "\x00" + string(b), true
}

// project is the part of an enterprise document a decision can read.
func project(doc map[string]any, reads engine.FactSet) map[string]any {
	if reads.All() {
		return doc
	}
	out := make(map[string]any, len(doc))
	for f, v := range doc {
		if reads.Has(f) {
			out[f] = v
		}
	}
	return out
}

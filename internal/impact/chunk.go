package impact

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
)

// Chunk is the unit of work of a run: the enterprises of the evaluated
// jurisdictions whose USCC is after After and up to Through, or, in a
// sampled run, the sampled USCCs listed; or, when Log is set, the entries
// of the run's decision-log window whose id is after After and up to
// Through.
type Chunk struct {
	Log     bool     `json:"log,omitempty"`
	After   string   `json:"after,omitempty"`
	Through string   `json:"through"`
	USCCs   []string `json:"usccs,omitempty"`
}

// Change is one enterprise whose outcome of one decision changed, or one
// decision-log entry (DecisionID), as the CSV export lists it.
type Change struct {
	DecisionID    string
	Decision      string
	Jurisdiction  string
	USCC          string
	Name          string
	From, To      string // the main field's values
	NewlyErroring bool
	Appeared      []string // reason codes
	Disappeared   []string
	Before, After Answer
}

// NewReport is the report of a run before any chunk: every decision with
// its jurisdictions, those unchanged by construction counted from the store.
func (p *Plan) NewReport(ctx context.Context, st Store) (*Report, error) {
	counts, err := st.EnterpriseCounts(ctx, p.subtree)
	if err != nil {
		return nil, err
	}
	decisions := p.firstTallies(p.decisions, func(_ *planned, code string, t *Tally) { t.Enterprises = counts[code] })
	r := &Report{Base: p.base, Head: p.head, Params: p.params, Decisions: decisions,
		Skipped: nonNil(p.skipped), Unaffected: nonNil(p.unaffected)}
	if p.params.Log != nil {
		if r.Logged, err = p.newLogReport(ctx, st); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// firstTallies are the decisions' reports before any chunk: each
// jurisdiction where a decision may change says why; elsewhere it is
// unchanged by construction, and counted by count.
func (p *Plan) firstTallies(decisions []*planned, count func(d *planned, code string, t *Tally)) []DecisionReport {
	b := newBuilder(p.params.Examples)
	for _, d := range decisions {
		db := b.decision(d.name, d.spec.main)
		for _, code := range p.subtree {
			if why, ok := d.mayChange[code]; ok {
				db.tally(code, false, why)
			} else {
				count(d, code, db.tally(code, true, ""))
			}
		}
	}
	return b.decisions()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Chunks cuts the population the run evaluates into chunks of the chunk
// size, reading only USCCs, a page at a time. A sampled run first draws its
// sample: the USCCs with the smallest SHA-256(seed, NUL, USCC).
func (p *Plan) Chunks(ctx context.Context, st Store) ([]Chunk, error) {
	chunks, err := p.enterpriseChunks(ctx, st)
	if err != nil || p.params.Log == nil {
		return chunks, err
	}
	logChunks, err := p.logChunks(ctx, st)
	return append(chunks, logChunks...), err
}

// keyPages is how many chunks' keys one listing query reads: a million
// enterprises are cut in a hundred queries rather than a thousand.
const keyPages = 10

func (p *Plan) enterpriseChunks(ctx context.Context, st Store) ([]Chunk, error) {
	size := p.params.ChunkSize
	var chunks []Chunk
	var drawn sample
	after := ""
	for len(p.evaluated) > 0 {
		keys, err := st.EnterpriseKeys(ctx, p.evaluated, after, "", size*keyPages)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			break
		}
		if p.params.Sample > 0 {
			for _, k := range keys {
				drawn.offer(p.params.Seed, k, p.params.Sample)
			}
			after = keys[len(keys)-1]
			continue
		}
		for start := 0; start < len(keys); start += size {
			last := keys[min(start+size, len(keys))-1]
			chunks = append(chunks, Chunk{After: after, Through: last})
			after = last
		}
	}
	if p.params.Sample == 0 {
		return chunks, nil
	}
	members := drawn.usccs()
	for start := 0; start < len(members); start += size {
		part := members[start:min(start+size, len(members))]
		c := Chunk{Through: part[len(part)-1], USCCs: part}
		if start > 0 {
			c.After = members[start-1]
		}
		chunks = append(chunks, c)
	}
	return chunks, nil
}

// RunChunk evaluates every enterprise of c under both trees, over the
// available cores, and returns the chunk's report and its changes in USCC
// order; or, for a chunk of the decision log, every entry of c, with its
// changes in id order.
func (p *Plan) RunChunk(ctx context.Context, st Store, c Chunk) (*Report, []Change, error) {
	if c.Log {
		return p.runLogChunk(ctx, st, c)
	}
	facts, err := p.load(ctx, st, c)
	if err != nil {
		return nil, nil, err
	}
	answers := make([][]pair, len(facts))
	eachOf(ctx, len(facts), func(i int) { answers[i] = p.evaluate(ctx, facts[i]) })
	if err := ctx.Err(); err != nil {
		return nil, nil, err // an evaluation cut short is no outcome
	}
	b := newBuilder(p.params.Examples)
	var changes []Change
	for i, f := range facts {
		who := subject{code: enterprise.Value(f.Jurisdiction), uscc: enterprise.Value(f.USCC), name: enterprise.Value(f.Name)}
		for _, a := range answers[i] {
			d := p.decisions[a.decision]
			if ch, changed := b.observe(d, who, a); changed {
				changes = append(changes, ch)
			}
		}
	}
	return &Report{Base: p.base, Head: p.head, Params: p.params, Decisions: b.decisions(), Chunks: 1}, changes, nil
}

// rangeStore is a store that loads the facts of a key range at once, with
// only the lists asked for.
type rangeStore interface {
	FactsRange(ctx context.Context, jurisdictions []string, after, through string, fields []string) ([]enterprise.Facts, error)
}

// load reads the facts of a chunk's enterprises, in USCC order: a key range
// with only the facts the decisions can read, where the store can, else by
// listing the keys and loading them whole.
func (p *Plan) load(ctx context.Context, st Store, c Chunk) ([]enterprise.Facts, error) {
	var facts []enterprise.Facts
	if rs, ok := st.(rangeStore); ok && c.USCCs == nil {
		var err error
		if facts, err = rs.FactsRange(ctx, p.evaluated, c.After, c.Through, p.fields); err != nil {
			return nil, err
		}
	} else {
		usccs := c.USCCs
		if usccs == nil {
			var err error
			if usccs, err = st.EnterpriseKeys(ctx, p.evaluated, c.After, c.Through, 0); err != nil {
				return nil, err
			}
		}
		byKey, err := st.FactsMany(ctx, usccs)
		if err != nil {
			return nil, err
		}
		for _, u := range usccs {
			if f, ok := byKey[u]; ok {
				facts = append(facts, f)
			}
		}
	}
	// The store's collation need not be byte order; examples are the smallest USCCs in it.
	slices.SortFunc(facts, func(a, b enterprise.Facts) int {
		return strings.Compare(enterprise.Value(a.USCC), enterprise.Value(b.USCC))
	})
	return facts, nil
}

// eachOf calls fn for 0 … n-1 over every core, until ctx ends.
func eachOf(ctx context.Context, n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() == nil {
					fn(i)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// pair is one decision's answers for one enterprise under both trees, and
// their comparison. Answers taken from the memo are there only when the
// outcome changed: nothing else needs them.
type pair struct {
	decision      int // index into Plan.decisions
	before, after Answer
	v             verdict
}

// verdict is what a report counts of a pair of answers.
type verdict struct {
	changed, reworded, newlyErroring bool
	from, to                         string   // the main field's values
	appeared, disappeared            []string // reason codes
}

// judge compares two answers of a decision whose main field is main.
func judge(main string, before, after Answer) verdict {
	var v verdict
	v.appeared, v.disappeared = reasonDiff(before, after)
	v.changed, v.reworded = compare(before, after, len(v.appeared)+len(v.disappeared) > 0)
	if v.changed {
		v.from, v.to = outcomeOf(main, before), outcomeOf(main, after)
		v.newlyErroring = before.Error == nil && after.Error != nil
	}
	return v
}

// evaluate answers every decision that may change in the enterprise's
// jurisdiction, under both trees, from one input document: the facts the
// decision can read there. Each combination of those facts is evaluated
// and compared once; an enterprise that agrees with an earlier one on all
// of them gets its verdict.
func (p *Plan) evaluate(ctx context.Context, f enterprise.Facts) []pair {
	code := enterprise.Value(f.Jurisdiction)
	var full map[string]any
	var out []pair
	for i, d := range p.decisions {
		reads, ok := d.reads[code]
		if !ok {
			continue
		}
		if full == nil {
			full = enterprise.Document(f)
		}
		doc := project(full, reads)
		key, memoised := "", false
		if !reads.All() {
			key, memoised = memoKey(code, doc)
		}
		if memoised {
			if a, ok := d.memo.get(key); ok {
				a.decision = i
				out = append(out, a)
				continue
			}
		}
		a := pair{decision: i, before: d.base.answer(ctx, code, doc, p.params.AsOf), after: d.head.answer(ctx, code, doc, p.params.AsOf)}
		a.v = judge(d.spec.main, a.before, a.after)
		if memoised && ctx.Err() == nil {
			d.memo.put(key, a)
		}
		out = append(out, a)
	}
	return out
}

func (s side) answer(ctx context.Context, code string, doc map[string]any, asOf string) Answer {
	if s.err != nil {
		return errorAnswer(s.err)
	}
	ev, err := s.stored.Decide(ctx, code, doc, asOf)
	if err != nil {
		return errorAnswer(err)
	}
	return Answer{Result: ev.Result, Reasons: ev.Reasons}
}

func errorAnswer(err error) Answer {
	if p, ok := problem.As(err); ok {
		return Answer{Error: &AnswerError{Code: p.Code, Message: p.Message}}
	}
	return Answer{Error: &AnswerError{Code: "internal", Message: err.Error()}}
}

// subject is what a pair of answers is about: an enterprise, or a
// decision-log entry (decisionID), in the jurisdiction code.
type subject struct {
	code, uscc, name, decisionID string
}

// observe counts one pair of answers and, when the outcome changed, returns
// it as a change.
func (b *builder) observe(d *planned, who subject, a pair) (Change, bool) {
	code := who.code
	db := b.decision(d.name, d.spec.main)
	t := db.tally(code, false, d.mayChange[code])
	t.Evaluated++
	if !a.v.changed {
		t.Unchanged++
		if a.v.reworded {
			t.Reworded++
		}
		return Change{}, false
	}
	t.Changed++
	ch := Change{DecisionID: who.decisionID, Decision: d.name, Jurisdiction: code, USCC: who.uscc, Name: who.name,
		From: a.v.from, To: a.v.to, NewlyErroring: a.v.newlyErroring,
		Appeared: a.v.appeared, Disappeared: a.v.disappeared, Before: a.before, After: a.after}
	if ch.NewlyErroring {
		t.NewlyErroring++
	}
	tr := db.transition(ch.From, ch.To, ch.NewlyErroring)
	tr.Count++
	tr.Jurisdictions[code]++
	if len(tr.Examples) < b.examples {
		// RunChunk observes enterprises in USCC order, log entries in id
		// order: the first are the smallest.
		tr.Examples = append(tr.Examples, Example{DecisionID: who.decisionID, USCC: ch.USCC, Name: ch.Name, Jurisdiction: code,
			Before: a.before, After: a.after})
	}
	for _, c := range a.v.appeared {
		db.reason(c).Appeared++
	}
	for _, c := range a.v.disappeared {
		db.reason(c).Disappeared++
	}
	return ch, true
}

// compare says whether two answers differ in outcome (a result field, a
// reason code, an error code, answering at all) or only in wording.
func compare(before, after Answer, codesDiffer bool) (changed, reworded bool) {
	switch {
	case before.Error != nil && after.Error != nil:
		return before.Error.Code != after.Error.Code, before.Error.Message != after.Error.Message
	case before.Error != nil || after.Error != nil:
		return true, false
	case codesDiffer || !reflect.DeepEqual(before.Result, after.Result):
		return true, false
	}
	return false, !reflect.DeepEqual(before.Reasons, after.Reasons)
}

// outcomeOf is the main field's value in an answer, or its error code.
func outcomeOf(main string, a Answer) string {
	if a.Error != nil {
		return errorTag + a.Error.Code
	}
	return mainValue(main, a.Result)
}

// reasonDiff lists the reason codes only one of two answers gives, sorted;
// an error gives none, and is compared by its code instead.
func reasonDiff(before, after Answer) (appeared, disappeared []string) {
	if before.Error != nil || after.Error != nil {
		return nil, nil
	}
	b, a := reasonCodes(before.Reasons), reasonCodes(after.Reasons)
	for c := range a {
		if !b[c] {
			appeared = append(appeared, c)
		}
	}
	for c := range b {
		if !a[c] {
			disappeared = append(disappeared, c)
		}
	}
	slices.Sort(appeared)
	slices.Sort(disappeared)
	return appeared, disappeared
}

func reasonCodes(reasons []any) map[string]bool {
	out := make(map[string]bool, len(reasons))
	for _, r := range reasons {
		if m, ok := r.(map[string]any); ok {
			if c, ok := m["code"].(string); ok {
				out[c] = true
			}
		}
	}
	return out
}

// sample keeps the n USCCs with the smallest seeded hash: the same seed
// over the same population draws the same sample, whatever the order the
// USCCs come in.
type sample []drawnKey

type drawnKey struct {
	hash [sha256.Size]byte
	uscc string
}

func (s sample) Len() int           { return len(s) }
func (s sample) Less(i, j int) bool { return string(s[i].hash[:]) > string(s[j].hash[:]) } // the largest on top
func (s sample) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *sample) Push(x any)        { *s = append(*s, x.(drawnKey)) }
func (s *sample) Pop() any {
	old := *s
	x := old[len(old)-1]
	*s = old[:len(old)-1]
	return x
}

func (s *sample) offer(seed, uscc string, n int) {
	k := drawnKey{hash: sha256.Sum256([]byte(seed + "\x00" + uscc)), uscc: uscc}
	switch {
	case s.Len() < n:
		heap.Push(s, k)
	case string(k.hash[:]) < string((*s)[0].hash[:]):
		(*s)[0] = k
		heap.Fix(s, 0)
	}
}

// usccs returns the sample in USCC order.
func (s sample) usccs() []string {
	out := make([]string, len(s))
	for i, k := range s {
		out[i] = k.uscc
	}
	slices.Sort(out)
	return out
}

// String names a chunk in messages.
func (c Chunk) String() string {
	if c.Log {
		return fmt.Sprintf("decision-log entries after %q through %s", c.After, c.Through)
	}
	if c.USCCs != nil {
		return fmt.Sprintf("%d sampled enterprises %s…%s", len(c.USCCs), c.USCCs[0], c.Through)
	}
	return fmt.Sprintf("enterprises after %q through %s", c.After, c.Through)
}

// Package impact compares two policy trees over stored enterprises before a
// change goes live: for each decision and jurisdiction, how many outcomes
// change, from what to what, and for whom. It first compares the trees
// themselves, so a decision that cannot answer differently on a jurisdiction
// chain is reported unchanged by construction without evaluating anything.
//
// A run is cut into chunks, key ranges of the population: Plan.Chunks lists
// them, Plan.RunChunk evaluates one and returns a partial report, and
// Report.Merge adds partial reports up in any order and grouping to the same
// report. Run does all three in one process. The package knows nothing of
// HTTP; the CLI and, later, jobs call it.
package impact

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// Store is what a run reads of the enterprise store. A run that also
// re-evaluates the decision log needs a LogStore.
type Store interface {
	// EnterpriseKeys lists USCCs of jurisdictions in order, after after,
	// through through ("" for no bound), at most limit (0 for all).
	EnterpriseKeys(ctx context.Context, jurisdictions []string, after, through string, limit int) ([]string, error)
	// EnterpriseCounts counts the enterprises of each jurisdiction.
	EnterpriseCounts(ctx context.Context, jurisdictions []string) (map[string]int64, error)
	// FactsMany loads the stored facts of usccs.
	FactsMany(ctx context.Context, usccs []string) (map[string]enterprise.Facts, error)
}

// Defaults of Options.
const (
	DefaultChunkSize = 1000
	DefaultExamples  = 5
)

// Options say what a run compares.
type Options struct {
	// BaseName and HeadName say where each tree comes from (a directory, a
	// revision), for the report.
	BaseName, HeadName string
	// Jurisdiction is the root of the subtree whose enterprises are
	// evaluated; "" is the whole tree.
	Jurisdiction string
	// Decisions to compare; none means every decision the change can
	// affect in the subtree.
	Decisions []string
	// AsOf is the decision date, YYYY-MM-DD; "" is today in Asia/Shanghai,
	// as a server answers a request without one.
	AsOf string
	// Sample, when above zero, evaluates that many enterprises drawn by Seed
	// from those the change can affect, instead of all of them.
	Sample int
	Seed   string
	// Contexts gives a decision's context, over the defaults.
	Contexts map[string]json.RawMessage
	// ChunkSize is the number of enterprises per chunk (DefaultChunkSize).
	ChunkSize int
	// Examples is the number of enterprises shown per transition (DefaultExamples).
	Examples int
	// Now is the clock for the default as_of (time.Now).
	Now func() time.Time
	// Log, when set, also re-evaluates every decision-log entry logged in
	// the window, in the subtree, of a decision the change can affect.
	Log *LogWindow
	// NoEnterprises leaves the stored enterprises out: only the log is read.
	NoEnterprises bool
}

// LogWindow is a span of the decision log: entries logged from From
// (inclusive) to To (exclusive).
type LogWindow struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Plan is a run made ready from the two trees alone: which decisions are
// compared with which context, and where each may change.
type Plan struct {
	params    Params
	base      Tree
	head      Tree
	baseSet   *engine.PolicySet
	headSet   *engine.PolicySet
	decisions []*planned
	// logged are the decisions compared over the decision log: those the
	// change can affect, whatever context they need, since each entry
	// carries its own; byName indexes them.
	logged  []*planned
	byName  map[string]*planned
	skipped []Skipped
	// unaffected lists the decisions of the default set that cannot change
	// anywhere in the subtree.
	unaffected []string
	// evaluated lists the jurisdictions whose enterprises some decision is
	// evaluated for; unchanged the by-construction rows' jurisdictions.
	evaluated []string
	subtree   []string
	// fields are the enterprise facts some decision can read where it is
	// evaluated; nil for every fact.
	fields []string
}

// planned is one decision of a run.
type planned struct {
	name    string
	spec    spec
	context json.RawMessage
	base    side
	head    side
	// mayChange holds the jurisdictions where the trees may answer
	// differently, with the first difference found there.
	mayChange map[string]string
	// reads holds, for each of those jurisdictions, the enterprise facts
	// the decision can read there under either tree.
	reads map[string]engine.FactSet
	// memo holds the verdicts of the combinations of facts met so far.
	memo *memo
}

// side is a decision under one tree: ready, or refused for every enterprise.
type side struct {
	stored *decision.Stored
	err    error
}

// NewPlan compares the trees and chooses the decisions of the run.
func NewPlan(base, head *engine.PolicySet, opts Options) (*Plan, error) {
	p := &Plan{
		base:    Tree{Name: opts.BaseName, Revision: base.Revision(), Number: base.Number()},
		head:    Tree{Name: opts.HeadName, Revision: head.Revision(), Number: head.Number()},
		baseSet: base, headSet: head, byName: map[string]*planned{},
	}
	p.params = Params{
		Jurisdiction:  cmp.Or(opts.Jurisdiction, jurisdiction.National),
		AsOf:          opts.AsOf,
		Sample:        opts.Sample,
		Seed:          opts.Seed,
		ChunkSize:     cmp.Or(opts.ChunkSize, DefaultChunkSize),
		Examples:      cmp.Or(opts.Examples, DefaultExamples),
		Contexts:      map[string]json.RawMessage{},
		NoEnterprises: opts.NoEnterprises,
	}
	if opts.Log != nil {
		w := LogWindow{From: opts.Log.From.UTC(), To: opts.Log.To.UTC()}
		if w.From.IsZero() || w.To.IsZero() || !w.From.Before(w.To) {
			return nil, fmt.Errorf("the decision-log window must end after it starts (from %s to %s)",
				w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
		}
		p.params.Log = &LogParams{LogWindow: w, Decisions: []string{}}
	} else if opts.NoEnterprises {
		return nil, errors.New("a run without the stored enterprises needs a decision-log window")
	}
	if p.params.AsOf == "" {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		p.params.AsOf = decision.Today(now())
	} else if _, err := enterprise.ParseDate(p.params.AsOf); err != nil {
		return nil, fmt.Errorf("as_of %w", err)
	}
	if opts.Sample < 0 || opts.ChunkSize < 0 || opts.Examples < 0 {
		return nil, errors.New("the sample, the chunk size and the number of examples cannot be negative")
	}
	var err error
	if p.subtree, err = subtree(base, head, p.params.Jurisdiction); err != nil {
		return nil, err
	}
	names, named := opts.Decisions, len(opts.Decisions) > 0
	if !named {
		names = catalogueNames(base, head)
	}
	for name := range opts.Contexts {
		if !slices.Contains(names, name) {
			return nil, fmt.Errorf("a context is given for %s, which the run does not compare", name)
		}
	}
	cmpTrees := engine.Compare(base, head)
	evaluated := map[string]bool{}
	var fields engine.FactSet
	for _, name := range names {
		d, err := p.plan(cmpTrees, base, head, name, opts.Contexts[name])
		if err != nil {
			return nil, err
		}
		if len(d.mayChange) == 0 && !named {
			p.unaffected = append(p.unaffected, name) // nothing in the subtree can change
			continue
		}
		if p.params.Log != nil {
			p.logged = append(p.logged, d)
			p.byName[name] = d
			p.params.Log.Decisions = append(p.params.Log.Decisions, name)
		}
		if opts.NoEnterprises {
			continue
		}
		if d.spec.perJurisdiction || (d.base.err != nil && d.head.err != nil) {
			p.skipped = append(p.skipped, Skipped{Decision: name, Reason: skipReason(d)})
			continue
		}
		p.decisions = append(p.decisions, d)
		p.params.Decisions = append(p.params.Decisions, name)
		p.params.Contexts[name] = d.context
		for code := range d.mayChange {
			evaluated[code] = true
			fields.Add(d.reads[code])
		}
	}
	p.evaluated = slices.Sorted(maps.Keys(evaluated))
	p.fields = fields.Fields()
	return p, nil
}

// plan prepares one decision under both trees and finds where it may change.
func (p *Plan) plan(c *engine.Comparison, base, head *engine.PolicySet, name string, given json.RawMessage) (*planned, error) {
	_, inBase := base.Catalogue().Lookup(name)
	_, inHead := head.Catalogue().Lookup(name)
	if !inBase && !inHead {
		return nil, fmt.Errorf("unknown decision %q: neither tree's catalogue defines it", name)
	}
	d := &planned{name: name, spec: specs[name], mayChange: map[string]string{}, reads: map[string]engine.FactSet{}}
	d.context = given
	if len(d.context) == 0 {
		d.context = json.RawMessage(cmp.Or(d.spec.context, "{}"))
	}
	d.base.stored, d.base.err = decision.PrepareStored(base, name, d.context)
	d.head.stored, d.head.err = decision.PrepareStored(head, name, d.context)
	d.memo = newMemo()
	for _, code := range p.subtree {
		bc, berr := base.Jurisdictions().Chain(code)
		hc, herr := head.Jurisdictions().Chain(code)
		switch {
		case berr != nil || herr != nil || !slices.Equal(bc, hc):
			d.mayChange[code] = "the jurisdiction's chain differs between the trees"
		default:
			if same, why := c.Unchanged(name, bc); !same {
				d.mayChange[code] = why
			}
		}
		if _, ok := d.mayChange[code]; ok {
			d.reads[code] = readsOn([2]*engine.PolicySet{base, head}, name, code)
		}
	}
	return d, nil
}

// readsOn is what the decision can read of an enterprise of jurisdiction
// code under either tree: what the package deciding there reads.
func readsOn(trees [2]*engine.PolicySet, name, code string) engine.FactSet {
	var out engine.FactSet
	for _, ps := range trees {
		chain, err := ps.Jurisdictions().Chain(code)
		if err != nil {
			continue // the decision is refused there, reading nothing
		}
		out.Add(ps.FactsRead(name, chain))
	}
	return out
}

func skipReason(d *planned) string {
	if d.spec.perJurisdiction {
		return "it decides for a jurisdiction, not an enterprise"
	}
	msg := d.head.err.Error()
	if pe, ok := problem.As(d.head.err); ok {
		msg = pe.Message
		if fe, ok := pe.Details.(enterprise.FieldErrors); ok && len(fe) > 0 {
			parts := make([]string, len(fe))
			for i, e := range fe {
				parts[i] = e.Field + " " + e.Message
			}
			msg = strings.Join(parts, "; ")
		}
	}
	return "no context to take it with (" + msg + "); give one for it"
}

// subtree lists the jurisdictions under root in either tree, sorted.
func subtree(base, head *engine.PolicySet, root string) ([]string, error) {
	b, h := base.Jurisdictions(), head.Jurisdictions()
	if !b.Has(root) && !h.Has(root) {
		return nil, fmt.Errorf("unknown jurisdiction %q: neither tree has it", root)
	}
	var codes []string
	if b.Has(root) {
		codes = append(codes, b.Subtree(root)...)
	}
	if h.Has(root) {
		codes = append(codes, h.Subtree(root)...)
	}
	slices.Sort(codes)
	return slices.Compact(codes), nil
}

// catalogueNames lists every decision of either catalogue, sorted.
func catalogueNames(base, head *engine.PolicySet) []string {
	names := append(base.Catalogue().Names(), head.Catalogue().Names()...)
	slices.Sort(names)
	return slices.Compact(names)
}

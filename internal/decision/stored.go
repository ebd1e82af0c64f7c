package decision

import (
	"context"
	"encoding/json"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/problem"
)

// Stored is one decision made ready to take on stored enterprises under one
// policy set, as a request by enterprise_id with the same context is taken
// while that set serves: the set's own catalogue, context defaults and
// jurisdiction tree, the same input document and the same error answers,
// but no caller, scope check or log entry. The impact analysis takes every
// stored enterprise through two policy sets this way.
type Stored struct {
	ps      *engine.PolicySet
	def     *Definition
	context map[string]any // checked once, defaults filled; shared read-only by every evaluation
}

// PrepareStored checks the context against the decision's definition in
// ps's catalogue: an unknown decision is decision_not_found, a context the
// decision refuses is invalid_context, as a request would be answered.
func PrepareStored(ps *engine.PolicySet, name string, reqContext json.RawMessage) (*Stored, error) {
	def, ok := ps.Catalogue().Lookup(name)
	if !ok {
		return nil, problem.New(problem.NotFound, "decision_not_found", "unknown decision "+quote(name))
	}
	c, err := decodeContext(def, reqContext)
	if err != nil {
		return nil, err
	}
	return &Stored{ps: ps, def: def, context: c}, nil
}

// Decide takes the decision for an enterprise stored in jurisdiction, whose
// facts are doc (enterprise.Document of the stored facts, which the caller
// builds once and may share between policy sets and decisions).
func (s *Stored) Decide(ctx context.Context, jurisdiction string, doc map[string]any, asOf string) (Evaluation, error) {
	place, err := placeIn(s.ps.Jurisdictions(), jurisdiction)
	if err != nil {
		return Evaluation{}, err
	}
	chain := place.codes()
	return evaluation(ctx, s.ps, s.def.Name, chain, inputOf(s.def.Name, asOf, chain, doc, s.context))
}

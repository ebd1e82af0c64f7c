package decision

import (
	"context"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/problem"
)

// DecideLogged takes a logged decision again under ps, as a replay does: the
// logged input as it was (facts, context, as_of), on the chain of the
// logged jurisdiction in ps's own tree. A set whose catalogue lacks the
// decision answers decision_not_found, one whose tree lacks the
// jurisdiction jurisdiction_not_found, and a policy's refusal or failure
// the error a request would get. The impact analysis compares what the log
// answered with what two trees answer now.
func DecideLogged(ctx context.Context, ps *engine.PolicySet, rec decisionlog.Record) (Evaluation, error) {
	if _, ok := ps.Catalogue().Lookup(rec.Decision); !ok {
		return Evaluation{}, problem.New(problem.NotFound, "decision_not_found", "unknown decision "+quote(rec.Decision))
	}
	place, err := placeIn(ps.Jurisdictions(), rec.Jurisdiction)
	if err != nil {
		return Evaluation{}, err
	}
	return evaluation(ctx, ps, rec.Decision, place.codes(), rec.Input)
}

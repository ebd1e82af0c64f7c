package decision

import (
	"context"
	"errors"

	"github.com/credpol/credpol/auth"
	"github.com/credpol/credpol/enterprise"
	"github.com/credpol/credpol/problem"
)

// Enterprise returns the stored facts of uscc as caller may see them: only
// with the facts:read scope, only inside the caller's jurisdictions (outside
// them the enterprise is not found, the same answer as for an unknown USCC),
// and without classification results unless the caller sees classification.
func (s *Service) Enterprise(ctx context.Context, caller auth.Principal, uscc string) (enterprise.Facts, error) {
	if !caller.May(auth.FactsRead) {
		return enterprise.Facts{}, problem.New(problem.Forbidden, "forbidden", "this token may not read enterprise facts (scope "+auth.FactsRead+")")
	}
	if s.Facts == nil {
		return enterprise.Facts{}, problem.New(problem.Unavailable, "store_unavailable", "no enterprise store is configured")
	}
	f, err := s.Facts.Facts(ctx, uscc)
	switch {
	case errors.Is(err, ErrEnterpriseNotFound):
		return enterprise.Facts{}, enterpriseNotFound(uscc)
	case err != nil:
		return enterprise.Facts{}, problem.Wrap(problem.Unavailable, "store_unavailable", "the enterprise store is not answering", err)
	}
	if f.Jurisdiction == nil || !caller.MayReadFacts(s.Jurisdictions, *f.Jurisdiction) {
		return enterprise.Facts{}, enterpriseNotFound(uscc)
	}
	if !caller.SeesClassification() {
		hideClassificationFacts(&f)
	}
	return f, nil
}

// hideClassificationFacts clears the facts auth.ClassificationFields names
// (a test keeps the two in step).
func hideClassificationFacts(f *enterprise.Facts) {
	f.RiskClass = nil
	f.PublicCreditScore = nil
}

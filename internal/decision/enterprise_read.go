package decision

import (
	"context"
	"errors"
	"maps"
	"strings"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
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
	case errors.Is(err, enterprise.ErrNotFound):
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

// hideExplainedClassification removes classification results from the facts
// an explanation shows, unless caller sees classification: the policy may
// have read the class to decide something else, and the explanation would
// otherwise show it to a token that may not ask for it.
func hideExplainedClassification(caller auth.Principal, e *Explanation) {
	if e == nil || caller.SeesClassification() {
		return
	}
	kept := e.FactsRead[:0]
	for _, r := range e.FactsRead {
		switch {
		case r.Path == "input":
			if in, ok := r.Value.(map[string]any); ok {
				if ent, ok := in["enterprise"].(map[string]any); ok {
					in = maps.Clone(in)
					ent = maps.Clone(ent)
					caller.HideClassification(ent)
					in["enterprise"] = ent
					r.Value = in
				}
			}
		case r.Path == "input.enterprise":
			if ent, ok := r.Value.(map[string]any); ok {
				ent = maps.Clone(ent)
				caller.HideClassification(ent)
				r.Value = ent
			}
		case classificationPath(r.Path):
			continue
		}
		kept = append(kept, r)
	}
	e.FactsRead = kept
}

func classificationPath(path string) bool {
	for _, f := range auth.ClassificationFields {
		p := "input.enterprise." + f
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

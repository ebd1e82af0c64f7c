package sampling

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
)

// ItemUpdate records what became of one inspection; nil fields stay as they are.
type ItemUpdate struct {
	InspectedOn  *string `json:"inspected_on"`
	Result       *string `json:"result"`
	Published    *bool   `json:"published"`
	FollowUpDone *bool   `json:"follow_up_done"`
}

// Counts are a jurisdiction's plans of one year, counted by the store.
type Counts struct {
	Enterprises    int `json:"enterprises"`    // in the jurisdiction's subtree, not revoked or deregistered
	Items          int `json:"items"`          // inspection targets over all plans of the year
	Differentiated int `json:"differentiated"` // targets drawn by differentiated (class-based) plans
	Sampled        int `json:"sampled"`        // distinct enterprises sampled
	Inspected      int `json:"inspected"`
	Published      int `json:"published"`
	Problems       int `json:"problems"`    // inspections that found a problem
	FollowedUp     int `json:"followed_up"` // of those, with follow-up disposal done
}

// Measure is one compliance figure against its target.
type Measure struct {
	Value  float64  `json:"value"`
	Target *float64 `json:"target"`
	Met    *bool    `json:"met"` // null when no document sets a target for the year
}

// Compliance is a year's report (QG-2, QG-3).
type Compliance struct {
	Jurisdiction        string  `json:"jurisdiction"`
	Year                int     `json:"year"`
	Counts              Counts  `json:"counts"`
	SampledShare        Measure `json:"sampled_share"`
	DifferentiatedShare Measure `json:"differentiated_share"`
	Completion          Measure `json:"completion"`
	Publicity           Measure `json:"publicity"`
	FollowUp            Measure `json:"follow_up"`
	TargetsBasis        string  `json:"targets_source,omitempty"`
	// Warnings name each of the year's tasks outside the professional fields
	// drawn without the classification where a document requires every such
	// task to use it (QG-2: 除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果).
	Warnings []Warning `json:"warnings"`
}

// Get returns a plan and a page of its items, if the caller may see plans of its jurisdiction.
func (s *Service) Get(ctx context.Context, caller auth.Principal, id string, offset, limit int) (*Plan, []Item, error) {
	if err := planID(id); err != nil {
		return nil, nil, err
	}
	p, err := s.Store.Plan(ctx, id)
	if err := notFound(err, "no sampling plan "+id); err != nil {
		return nil, nil, err
	}
	if !caller.MayDecide(s.Jurisdictions, p.Jurisdiction, "sampling_plan") {
		return nil, nil, problem.New(problem.NotFound, "plan_not_found", "no sampling plan "+id)
	}
	items, err := s.Store.PlanItems(ctx, id, offset, limit)
	if err != nil {
		return nil, nil, problem.Wrap(problem.Unavailable, "store_unavailable", "the plan items could not be read", err)
	}
	for i := range items {
		if !caller.SeesClassification() {
			// An item's group is the enterprise's risk class (HLJ-9: never
			// shown outside classification work).
			items[i].Group = ""
		}
		if p.KeySupervision != nil {
			for _, sector := range items[i].Sectors {
				if slices.Contains(p.KeySupervision.Sectors, sector) {
					items[i].KeySupervision = append(items[i].KeySupervision, sector)
				}
			}
		}
		items[i].Sectors = nil
	}
	return &p, items, nil
}

// Update records an inspection's outcome on a plan item; an inspection date
// and result also enter the enterprise's facts as an inspection.
func (s *Service) Update(ctx context.Context, caller auth.Principal, id, uscc string, u ItemUpdate) error {
	if err := planID(id); err != nil {
		return err
	}
	var ue *enterprise.USCCError
	if err := enterprise.ValidateUSCC(uscc); err != nil && !(errors.As(err, &ue) && ue.ChecksumOnly()) {
		// Codes failing only the check character may have been stored as legacy codes.
		return problem.New(problem.Invalid, "invalid_uscc", "not a valid unified social credit code").
			WithDetails(enterprise.FieldErrors{{Field: "uscc", Message: err.Error()}})
	}
	var errs enterprise.FieldErrors
	if u.InspectedOn != nil {
		if _, err := enterprise.ParseDate(*u.InspectedOn); err != nil {
			errs = append(errs, enterprise.FieldError{Field: "inspected_on", Message: err.Error()})
		}
	}
	if u.Result != nil && !enterprise.InspectionResult[*u.Result] {
		errs = append(errs, enterprise.FieldError{Field: "result", Message: enterprise.OneOf(*u.Result, []string{"pass", "problem"})})
	}
	if (u.Result == nil) != (u.InspectedOn == nil) {
		errs = append(errs, enterprise.FieldError{Field: "result", Message: "inspected_on and result go together"})
	}
	if len(errs) > 0 {
		return problem.New(problem.Invalid, "invalid_item_update", "the update is invalid").WithDetails(errs)
	}
	p, err := s.Store.Plan(ctx, id)
	if err := notFound(err, "no sampling plan "+id); err != nil {
		return err
	}
	if !caller.MayDecide(s.Jurisdictions, p.Jurisdiction, "sampling_plan") {
		return problem.New(problem.NotFound, "plan_not_found", "no sampling plan "+id)
	}
	if u.InspectedOn != nil {
		// The inspection enters the enterprise's stored facts: that is a
		// write of facts, scoped to where the enterprise is now, which may
		// no longer be the plan's jurisdiction.
		stored, err := s.Store.EnterpriseJurisdictions(ctx, []string{uscc})
		if err != nil {
			return problem.Wrap(problem.Unavailable, "store_unavailable", "the enterprise store is not answering", err)
		}
		if code, ok := stored[uscc]; ok && !caller.MayWriteFacts(s.Jurisdictions, code) {
			return problem.New(problem.Forbidden, "forbidden",
				"recording an inspection writes the enterprise's facts: this token needs facts:write over the enterprise's jurisdiction")
		}
	}
	err = s.Store.UpdateItem(ctx, id, uscc, u, p.Name)
	if errors.Is(err, ErrItemNotFound) {
		return problem.New(problem.NotFound, "item_not_found", uscc+" is not in plan "+id)
	}
	if err != nil {
		return problem.Wrap(problem.Unavailable, "store_unavailable", "the update could not be stored", err)
	}
	return nil
}

// Compliance reports a jurisdiction's plans of a year against its targets.
// The policy is asked about a non-differentiated task outside the
// professional fields: its targets are the year's, and its warnings say
// whether, and on what basis, such a task breaks the year's rules (QG-2).
func (s *Service) Compliance(ctx context.Context, caller auth.Principal, code string, year int) (*Compliance, error) {
	params, _, err := s.params(ctx, caller, code, task(Request{Year: year}, false))
	if err != nil {
		return nil, err
	}
	c, err := s.Store.ComplianceCounts(ctx, code, s.Jurisdictions.Subtree(code), year)
	if err != nil {
		return nil, problem.Wrap(problem.Unavailable, "store_unavailable", "the plans could not be counted", err)
	}
	t := params.Targets
	pick := func(f func(*Targets) float64) *float64 {
		if t == nil {
			return nil
		}
		v := f(t)
		return &v
	}
	r := &Compliance{Jurisdiction: code, Year: year, Counts: c,
		SampledShare:        measure(share(c.Sampled, c.Enterprises), pick(func(t *Targets) float64 { return t.SampledShareMin })),
		DifferentiatedShare: measure(share(c.Differentiated, c.Items), pick(func(t *Targets) float64 { return t.DifferentiatedShareMin })),
		Completion:          measure(share(c.Inspected, c.Items), pick(func(t *Targets) float64 { return t.CompletionMin })),
		Publicity:           measure(share(c.Published, c.Inspected), pick(func(t *Targets) float64 { return t.PublicityMin })),
		FollowUp:            measure(share(c.FollowedUp, c.Problems), pick(func(t *Targets) float64 { return t.FollowUpMin })),
	}
	if t != nil {
		r.TargetsBasis = fmt.Sprintf("targets for %d from the jurisdiction's sampling_plan policy", t.Year)
	}
	r.Warnings = []Warning{}
	if !params.DifferentiationRequired {
		return r, nil
	}
	plans, err := s.Store.UndifferentiatedPlans(ctx, code, year)
	if err != nil {
		return nil, problem.Wrap(problem.Unavailable, "store_unavailable", "the plans could not be read", err)
	}
	for _, p := range plans {
		if p.ProfessionalField {
			continue
		}
		for _, w := range params.Warnings {
			r.Warnings = append(r.Warnings, Warning{Code: w.Code, Basis: w.Basis, PlanID: p.ID,
				Message: fmt.Sprintf("抽查任务“%s”：%s", p.Name, w.Message)})
		}
	}
	return r, nil
}

// share is n/of; with nothing to measure (of == 0) the rate is 1, since no
// task, publication or follow-up is outstanding.
func share(n, of int) float64 {
	if of == 0 {
		return 1
	}
	return float64(n) / float64(of)
}

func measure(v float64, target *float64) Measure {
	m := Measure{Value: v, Target: target}
	if target != nil {
		met := v >= *target
		m.Met = &met
	}
	return m
}

// planID refuses what cannot be a plan's id (a UUID) before it reaches the
// store, which may not even be able to compare it (a NUL, say).
func planID(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return problem.New(problem.NotFound, "plan_not_found", "no sampling plan "+enterprise.Quote(id))
	}
	return nil
}

func notFound(err error, msg string) error {
	switch {
	case errors.Is(err, ErrPlanNotFound):
		return problem.New(problem.NotFound, "plan_not_found", msg)
	case err != nil:
		return problem.Wrap(problem.Unavailable, "store_unavailable", "the plan could not be read", err)
	}
	return nil
}

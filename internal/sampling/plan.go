package sampling

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// Request asks for a plan.
type Request struct {
	Jurisdiction   string `json:"jurisdiction"`
	Name           string `json:"name"`
	Year           int    `json:"year"`
	Scope          Scope  `json:"scope"`
	Differentiated *bool  `json:"differentiated"`
	// ProfessionalField marks a task of a professional field (专业领域), which
	// QG-2 leaves out of "every task uses the classification".
	ProfessionalField bool `json:"professional_field"`
	// Industry is the task's industry (行业领域), looked up in the
	// jurisdiction's list of industries that call for joint inspection
	// (XZ-4); MultiFieldIndustry, when given, says so directly instead.
	Industry           string     `json:"industry"`
	MultiFieldIndustry *bool      `json:"multi_field_industry"`
	Seed               string     `json:"seed"`
	Inspectors         Inspectors `json:"inspectors"`
}

// Scope narrows the population; empty lists do not filter.
type Scope struct {
	EntityTypes []string `json:"entity_types"`
	Sectors     []string `json:"sectors"`
	Statuses    []string `json:"statuses"`
}

// Inspectors is the pool teams are drawn from.
type Inspectors struct {
	Pool     []string `json:"pool"`
	TeamSize int      `json:"team_size"`
}

// Params are what the jurisdiction's sampling_plan policy decided for the task.
type Params struct {
	Differentiated          bool                   `json:"differentiated"`
	DifferentiationRequired bool                   `json:"differentiation_required"`
	Classes                 map[string]ClassParams `json:"classes"`
	UniformRatio            float64                `json:"uniform_ratio"`
	UnclassifiedAs          string                 `json:"unclassified_as"`
	Excluded                []Exclusion            `json:"excluded"`
	KeySupervision          *KeySupervision        `json:"key_supervision"`
	Lean                    *Lean                  `json:"lean"`
	JointInspection         bool                   `json:"joint_inspection"`
	Targets                 *Targets               `json:"targets"`
	Warnings                []Warning              `json:"warnings"`
}

// ClassParams is one class's draw ratio.
type ClassParams struct {
	Ratio float64 `json:"ratio"`
}

// Exclusion removes enterprises from the draw by status. Nothing removes them
// by sector: key supervision is added on top of the draw and never takes an
// enterprise out of the pool (HLJ-5 二(五)–(六), ST-3 三(二)9).
type Exclusion struct {
	Code     string   `json:"code"`
	Statuses []string `json:"statuses"`
}

// KeySupervision names the sectors whose enterprises are under key
// supervision in addition to the draw.
type KeySupervision struct {
	Sectors []string `json:"sectors"`
}

// KeySupervisionSummary is how many of a plan's drawn enterprises are, when
// drawn, also under key supervision, and in which sectors.
type KeySupervisionSummary struct {
	Sectors []string `json:"sectors"`
	Drawn   int      `json:"drawn"`
}

// Warning is something the policy or the report flags about a task, with the
// rule it rests on; PlanID names the task in a report.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Basis   string `json:"basis"`
	PlanID  string `json:"plan_id,omitempty"`
}

// Lean weights enterprises with any of the factors in the draw (QG-1).
type Lean struct {
	Factors []string `json:"factors"`
	Weight  float64  `json:"weight"`
}

// Targets are a year's compliance targets (QG-2, QG-3).
type Targets struct {
	Year                   int     `json:"year"`
	SampledShareMin        float64 `json:"sampled_share_min"`
	DifferentiatedShareMin float64 `json:"differentiated_share_min"`
	// EveryTaskDifferentiated: every task outside the professional fields
	// uses the classification (QG-2).
	EveryTaskDifferentiated bool    `json:"every_task_differentiated"`
	CompletionMin           float64 `json:"completion_min"`
	PublicityMin            float64 `json:"publicity_min"`
	FollowUpMin             float64 `json:"follow_up_min"`
}

// Plan is a stored draw.
type Plan struct {
	ID             string `json:"id"`
	Jurisdiction   string `json:"jurisdiction"`
	Name           string `json:"name"`
	Year           int    `json:"year"`
	Seed           string `json:"seed"`
	Differentiated bool   `json:"differentiated"`
	// ProfessionalField, Industry and MultiFieldIndustry are the request's.
	ProfessionalField  bool   `json:"professional_field"`
	Industry           string `json:"industry,omitempty"`
	MultiFieldIndustry *bool  `json:"multi_field_industry,omitempty"`
	// JointInspection: the task is to be carried out as a cross-department
	// joint inspection (XZ-4).
	JointInspection bool           `json:"joint_inspection"`
	Scope           Scope          `json:"scope"`
	Revision        string         `json:"revision"`
	DecisionID      string         `json:"decision_id"` // the logged sampling_plan decision that set the ratios
	Population      int            `json:"population"`
	Excluded        map[string]int `json:"excluded"`
	// KeySupervision counts the drawn enterprises that are also under key
	// supervision; null where the jurisdiction has no key sectors.
	KeySupervision *KeySupervisionSummary  `json:"key_supervision"`
	Drawn          int                     `json:"drawn"`
	Groups         map[string]GroupSummary `json:"groups"`
	Inspectors     Inspectors              `json:"inspectors"`
	ShortTeams     int                     `json:"short_teams"` // drawn enterprises whose team could not avoid every previous inspector
	// Warnings are what the policy flagged about the task, such as a task
	// outside the professional fields drawn without the classification (QG-2).
	Warnings  []Warning `json:"warnings,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// GroupSummary is one class (or "all" for a non-differentiated task).
type GroupSummary struct {
	Population int     `json:"population"`
	Ratio      float64 `json:"ratio"`
	Drawn      int     `json:"drawn"`
}

// Item is one drawn enterprise and what became of its inspection.
type Item struct {
	PlanID string `json:"plan_id"`
	USCC   string `json:"uscc"`
	Name   string `json:"name,omitempty"`
	Group  string `json:"group,omitempty"` // the risk class drawn from; only for classification scopes
	Lean   bool   `json:"lean"`
	// KeySupervision are the enterprise's sectors under key supervision in the
	// plan's jurisdiction, as its stored facts now say: drawn like any other
	// enterprise, it is also supervised as a key target (HLJ-5, ST-3).
	KeySupervision []string `json:"key_supervision,omitempty"`
	Inspectors     []string `json:"inspectors"`
	InspectedOn    *string  `json:"inspected_on"`
	Result         *string  `json:"result"`
	Published      bool     `json:"published"`
	FollowUpDone   bool     `json:"follow_up_done"`
	// Sectors are the enterprise's key sectors as the store now holds them;
	// Get keeps those under the plan's key supervision in KeySupervision.
	Sectors []string `json:"-"`
}

// PopulationQuery selects the enterprises a plan draws from.
type PopulationQuery struct {
	Jurisdictions []string // the plan's jurisdiction and every descendant
	AsOf          string   // licences expired before this day count as expired
}

// Store keeps plans and streams populations. StreamPopulation runs the same
// query passes times over one consistent snapshot, calling fn per member.
type Store interface {
	StreamPopulation(ctx context.Context, q PopulationQuery, passes int, fn func(pass int, m Member) error) error
	PreviousInspectors(ctx context.Context, jurisdiction string) (map[string][]string, error)
	SavePlan(ctx context.Context, p Plan, items []Item) error
	Plan(ctx context.Context, id string) (Plan, error)
	PlanItems(ctx context.Context, id string, offset, limit int) ([]Item, error)
	UpdateItem(ctx context.Context, id, uscc string, u ItemUpdate, task string) error
	EnterpriseJurisdictions(ctx context.Context, usccs []string) (map[string]string, error)
	ComplianceCounts(ctx context.Context, jurisdiction string, codes []string, year int) (Counts, error)
	// UndifferentiatedPlans are the jurisdiction's plans of the year drawn
	// without the classification, oldest first.
	UndifferentiatedPlans(ctx context.Context, jurisdiction string, year int) ([]Plan, error)
}

// ErrPlanNotFound and ErrItemNotFound are the store's not-found sentinels.
var (
	ErrPlanNotFound = errors.New("sampling plan not found")
	ErrItemNotFound = errors.New("plan item not found")
)

// Decider takes a decision that reads no enterprise: the jurisdiction's
// sampling_plan policy. decision.Service is one.
type Decider interface {
	DecideJurisdiction(ctx context.Context, caller auth.Principal, name, jurisdiction, asOf string, context json.RawMessage) (result map[string]any, revision, decisionID string, err error)
}

// Service draws and reports plans.
type Service struct {
	Decisions     Decider
	Store         Store
	Jurisdictions *jurisdiction.Registry
	Now           func() time.Time
}

// Draw evaluates the jurisdiction's sampling_plan policy for the task, draws
// the targets per class in two passes over one snapshot of the population
// (count, then keep the top keys: memory grows with the draw, not the
// population), assigns inspector teams and stores the plan.
func (s *Service) Draw(ctx context.Context, caller auth.Principal, req Request) (*Plan, error) {
	if err := validate(req); err != nil {
		return nil, err
	}
	differentiated := req.Differentiated == nil || *req.Differentiated
	params, resp, err := s.params(ctx, caller, req.Jurisdiction, task(req, differentiated))
	if err != nil && ctx.Err() != nil {
		return nil, failed(ctx, "", err)
	}
	if err != nil {
		return nil, err
	}
	seed := req.Seed
	if seed == "" {
		b := make([]byte, 16)
		rand.Read(b)
		seed = hex.EncodeToString(b)
	}
	now := s.now()
	plan := Plan{ID: uuid.Must(uuid.NewV7()).String(), Jurisdiction: req.Jurisdiction, Name: req.Name, Year: req.Year,
		Seed: seed, Differentiated: differentiated, ProfessionalField: req.ProfessionalField, Industry: req.Industry,
		MultiFieldIndustry: req.MultiFieldIndustry, JointInspection: params.JointInspection, Scope: req.Scope,
		Revision: resp.revision, DecisionID: resp.id, Excluded: map[string]int{}, Groups: map[string]GroupSummary{},
		Inspectors: req.Inspectors, Warnings: params.Warnings, CreatedAt: now.UTC(), CreatedBy: caller.Name}
	if params.KeySupervision != nil {
		plan.KeySupervision = &KeySupervisionSummary{Sectors: params.KeySupervision.Sectors}
	}

	heaps := map[string]*topK{}
	err = s.Store.StreamPopulation(ctx, PopulationQuery{Jurisdictions: s.Jurisdictions.Subtree(req.Jurisdiction), AsOf: now.Format(enterprise.DateLayout)}, 2,
		func(pass int, m Member) error {
			if !inScope(req.Scope, m) {
				return nil
			}
			group, excluded := params.group(m)
			if pass == 0 {
				if excluded != "" {
					plan.Excluded[excluded]++
					return nil
				}
				g := plan.Groups[group]
				g.Population++
				plan.Groups[group] = g
				plan.Population++
				return nil
			}
			if excluded != "" {
				return nil
			}
			h := heaps[group]
			if h == nil {
				g := plan.Groups[group]
				g.Ratio = params.ratio(group)
				plan.Groups[group] = g
				h = &topK{k: quota(g.Ratio, g.Population)}
				heaps[group] = h
			}
			lean := params.leans(m)
			weight := 1.0
			if lean {
				weight = params.Lean.Weight
			}
			h.offer(picked{USCC: m.USCC, Group: group, Lean: lean, KeySupervised: params.keySupervised(m), key: priority(seed, m.USCC, weight)})
			return nil
		})
	if err != nil {
		return nil, failed(ctx, "the population could not be read", err)
	}
	var drawn []picked
	for group, h := range heaps {
		g := plan.Groups[group]
		g.Drawn = len(h.items)
		plan.Groups[group] = g
		drawn = append(drawn, h.items...)
	}
	sort.Slice(drawn, func(i, j int) bool { return drawn[i].USCC < drawn[j].USCC })
	plan.Drawn = len(drawn)
	for _, p := range drawn {
		if p.KeySupervised && plan.KeySupervision != nil {
			plan.KeySupervision.Drawn++
		}
	}

	usccs := make([]string, len(drawn))
	for i, p := range drawn {
		usccs[i] = p.USCC
	}
	avoid, err := s.Store.PreviousInspectors(ctx, req.Jurisdiction)
	if err != nil {
		return nil, failed(ctx, "the previous plan could not be read", err)
	}
	rnd := func(key string) float64 { return uniform(seed, key) }
	teams, short, err := assignTeams(ctx, rnd, usccs, req.Inspectors.Pool, req.Inspectors.TeamSize, avoid)
	if err != nil {
		return nil, failed(ctx, "the inspector teams could not be drawn", err)
	}
	plan.ShortTeams = len(short)
	items := make([]Item, len(drawn))
	for i, p := range drawn {
		items[i] = Item{PlanID: plan.ID, USCC: p.USCC, Group: p.Group, Lean: p.Lean, Inspectors: teams[p.USCC]}
	}
	// The plan and its items are stored in one transaction under ctx: a
	// request that has ended (the caller gone, its deadline passed) stores
	// nothing, and neither does one that fails while storing.
	if err := ctx.Err(); err != nil {
		return nil, failed(ctx, "the request ended before the plan was stored", err)
	}
	if err := s.Store.SavePlan(ctx, plan, items); err != nil {
		return nil, failed(ctx, "the plan could not be stored", err)
	}
	return &plan, nil
}

// failed reports a draw that stopped: abandoned when its request ended first,
// otherwise a store failure. Either way nothing of the plan was stored.
func failed(ctx context.Context, msg string, err error) error {
	if ctx.Err() != nil {
		return problem.Wrap(problem.Unavailable, "plan_abandoned",
			"the request ended before the plan was drawn and stored; nothing was stored", err)
	}
	return problem.Wrap(problem.Unavailable, "store_unavailable", msg+"; nothing was stored", err)
}

// task is the sampling_plan context of a request: what the policy needs to
// know of the task.
func task(req Request, differentiated bool) map[string]any {
	t := map[string]any{"year": req.Year, "differentiated": differentiated, "scope": req.Scope,
		"professional_field": req.ProfessionalField}
	if req.Industry != "" {
		t["industry"] = req.Industry
	}
	if req.MultiFieldIndustry != nil {
		t["multi_field_industry"] = *req.MultiFieldIndustry
	}
	return t
}

// params takes the sampling_plan decision for the task.
func (s *Service) params(ctx context.Context, caller auth.Principal, code string, t map[string]any) (*Params, decided, error) {
	task, _ := json.Marshal(map[string]any{"task": t})
	result, revision, id, err := s.Decisions.DecideJurisdiction(ctx, caller, "sampling_plan", code, fmt.Sprintf("%04d-12-31", t["year"]), task)
	if err != nil {
		return nil, decided{}, err
	}
	b, _ := json.Marshal(result)
	var p Params
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, decided{}, problem.Wrap(problem.Internal, "policy_error", "the sampling_plan decision has an unexpected shape", err)
	}
	return &p, decided{revision: revision, id: id}, nil
}

// decided names the sampling_plan decision a plan was drawn under.
type decided struct{ revision, id string }

func (p *Params) group(m Member) (group, excluded string) {
	for _, x := range p.Excluded {
		if slices.Contains(x.Statuses, m.Status) {
			return "", "status_" + m.Status
		}
	}
	if !p.Differentiated {
		return "all", ""
	}
	if _, ok := p.Classes[m.Class]; ok {
		return m.Class, ""
	}
	return p.UnclassifiedAs, ""
}

func (p *Params) ratio(group string) float64 {
	if group == "all" {
		return p.UniformRatio
	}
	return p.Classes[group].Ratio
}

// keySupervised reports whether the member is in a sector under key
// supervision: it stays in the draw, and the plan counts it.
func (p *Params) keySupervised(m Member) bool {
	return p.KeySupervision != nil && slices.ContainsFunc(m.Sectors, func(s string) bool {
		return slices.Contains(p.KeySupervision.Sectors, s)
	})
}

func (p *Params) leans(m Member) bool {
	if p.Lean == nil {
		return false
	}
	for _, f := range p.Lean.Factors {
		if (f == "premises_abnormal" && m.PremisesAbnormal) || (f == "previously_penalised" && m.Penalised) ||
			(f == "license_expired" && m.LicenseExpired) {
			return true
		}
	}
	return false
}

func inScope(s Scope, m Member) bool {
	if len(s.EntityTypes) > 0 && !slices.Contains(s.EntityTypes, m.EntityType) {
		return false
	}
	if len(s.Statuses) > 0 && !slices.Contains(s.Statuses, m.Status) {
		return false
	}
	if len(s.Sectors) > 0 && !slices.ContainsFunc(m.Sectors, func(x string) bool { return slices.Contains(s.Sectors, x) }) {
		return false
	}
	return true
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Limits of a plan request (README): a team is drawn per enterprise, so the
// pool and the team bound the work and the size of every stored item.
const (
	MaxPool               = 10000
	MaxTeamSize           = 50
	MaxInspectorNameChars = 100
	MaxIndustryChars      = 100
	MaxSeedChars          = enterprise.MaxTextChars
	firstYear, lastYear   = 2000, 2199 // a plan's as_of is the year's last day, inside enterprise.DateRange
)

func validate(req Request) error {
	var errs enterprise.FieldErrors
	add := func(f, m string) { errs = append(errs, enterprise.FieldError{Field: f, Message: m}) }
	if !jurisdiction.ValidCode(req.Jurisdiction) {
		add("jurisdiction", "must be a six-digit GB/T 2260 code, got "+enterprise.Quote(req.Jurisdiction))
	}
	if msg := enterprise.TextProblem(req.Name, enterprise.MaxNameChars); msg != "" {
		add("name", msg)
	} else if strings.TrimSpace(req.Name) == "" {
		add("name", "is required")
	}
	if msg := enterprise.TextProblem(req.Seed, MaxSeedChars); msg != "" {
		add("seed", msg)
	}
	if msg := enterprise.TextProblem(req.Industry, MaxIndustryChars); msg != "" {
		add("industry", msg)
	} else if req.Industry != "" && strings.TrimSpace(req.Industry) != req.Industry {
		add("industry", "must not start or end with spaces (it is matched against the jurisdiction's list of industries)")
	}
	if req.Year < firstYear || req.Year > lastYear {
		add("year", fmt.Sprintf("must be a year from %d to %d, got %d", firstYear, lastYear, req.Year))
	}
	enums := func(field string, values []string, allowed map[string]bool) {
		if msg := enterprise.ListProblem(len(values)); msg != "" {
			add(field, msg)
			return
		}
		for i, v := range values {
			if !allowed[v] {
				add(fmt.Sprintf("%s[%d]", field, i), enterprise.OneOf(v, slices.Sorted(maps.Keys(allowed))))
			}
		}
	}
	enums("scope.entity_types", req.Scope.EntityTypes, enterprise.EntityTypes)
	enums("scope.statuses", req.Scope.Statuses, enterprise.Statuses)
	enums("scope.sectors", req.Scope.Sectors, enterprise.KeySectors)
	pool, size := req.Inspectors.Pool, req.Inspectors.TeamSize
	if size < 1 || size > MaxTeamSize {
		add("inspectors.team_size", fmt.Sprintf("must be from 1 to %d, got %d", MaxTeamSize, size))
	}
	switch {
	case len(pool) > MaxPool:
		add("inspectors.pool", fmt.Sprintf("must hold at most %d inspectors, got %d", MaxPool, len(pool)))
	case len(pool) < size:
		add("inspectors.pool", fmt.Sprintf("must hold at least team_size (%d) inspectors, got %d", size, len(pool)))
	}
	if len(pool) <= MaxPool {
		seen := make(map[string]int, len(pool))
		for i, id := range pool {
			at := fmt.Sprintf("inspectors.pool[%d]", i)
			if msg := enterprise.TextProblem(id, MaxInspectorNameChars); msg != "" {
				add(at, msg)
				continue
			}
			switch first, dup := seen[id]; {
			case strings.TrimSpace(id) == "":
				add(at, "must not be empty")
			case strings.Contains(id, ","):
				add(at, "must not contain a comma (a team is stored as a comma-separated list)")
			case dup:
				add(at, fmt.Sprintf("%s is already inspectors.pool[%d]", enterprise.Quote(id), first))
			default:
				seen[id] = i
			}
		}
	}
	if len(errs) > 0 {
		return problem.New(problem.Invalid, "invalid_plan", "the plan request is invalid").WithDetails(errs)
	}
	return nil
}

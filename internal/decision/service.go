// Package decision takes one decision from request to answer: validate, load
// facts, resolve the jurisdiction, evaluate the prepared policy, respond.
// It knows the business rules of a request, nothing of HTTP or SQL.
package decision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// China has kept one offset without daylight saving since 1991, so a fixed
// zone gives Asia/Shanghai's date without depending on tzdata.
var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// FactStore loads the stored facts of one enterprise.
type FactStore interface {
	Facts(ctx context.Context, uscc string) (enterprise.Facts, error)
}

// ReadingFactStore loads only the lists among fields (their keys in the
// input document; nil for all): a store that offers it spares a decision
// the history it cannot read.
type ReadingFactStore interface {
	FactsReading(ctx context.Context, uscc string, fields []string) (enterprise.Facts, error)
}

// Request asks for one decision. Facts and Context are raw JSON as received.
type Request struct {
	Decision     string
	Jurisdiction string
	EnterpriseID string
	Facts        json.RawMessage
	Context      json.RawMessage
	AsOf         string
	Explain      bool
	RequestID    string // the HTTP request's id, kept in the log entry
	// Revision pins an earlier numbered revision, to reproduce a decision
	// (0: the live one).
	Revision int64
}

// Response is a decision as SPEC §6 returns it.
type Response struct {
	DecisionID   string         `json:"decision_id"`
	Decision     string         `json:"decision"`
	Jurisdiction Place          `json:"jurisdiction"`
	AsOf         string         `json:"as_of"`
	Policy       PolicyRef      `json:"policy"`
	Result       map[string]any `json:"result"`
	Reasons      []any          `json:"reasons"`
	Warnings     []Warning      `json:"warnings,omitempty"`
	Explanation  *Explanation   `json:"explanation,omitempty"`
}

// Warning is something about a decision the caller should know though it
// did not stop it, e.g. that it was taken in a jurisdiction other than the
// enterprise's own.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Place names the jurisdiction asked about and its chain to the national baseline.
type Place struct {
	Code  string                      `json:"code"`
	Name  string                      `json:"name"`
	Chain []jurisdiction.Jurisdiction `json:"chain"`
}

// PolicyRef says which revision decided and which jurisdiction's policy it was.
type PolicyRef struct {
	Revision string `json:"revision"`
	// Number is the numbered revision that decided (SPEC §7), when the
	// policies come from the lifecycle.
	Number int64  `json:"number,omitempty"`
	Source string `json:"source"`
}

// Service takes decisions. Facts may be nil when no store is configured.
type Service struct {
	Engine        *engine.Engine
	Jurisdictions *jurisdiction.Registry
	Facts         FactStore
	Validator     enterprise.Validator
	Recorder      Recorder
	Log           LogStore
	Archive       *engine.Archive
	// RevisionTree gives the tree (content hash) of a numbered revision, for
	// decisions pinned to one; nil when revisions are not numbered.
	RevisionTree func(ctx context.Context, number int64) (string, error)
	Now          func() time.Time
}

// Decide validates req, gathers the facts, checks the caller's scope,
// evaluates the decision along the jurisdiction chain and records it.
func (s *Service) Decide(ctx context.Context, caller auth.Principal, req Request) (*Response, error) {
	return s.decide(ctx, caller, req, s.Facts)
}

// DecideJurisdiction takes a decision that reads no enterprise (a
// jurisdiction's own parameters, as a sampling plan does) and returns its
// result, the revision that decided and the logged decision id.
func (s *Service) DecideJurisdiction(ctx context.Context, caller auth.Principal, name, jurisdiction, asOf string, context json.RawMessage) (result map[string]any, revision, decisionID string, err error) {
	resp, err := s.Decide(ctx, caller, Request{Decision: name, Jurisdiction: jurisdiction, Context: context, AsOf: asOf})
	if err != nil {
		return nil, "", "", err
	}
	return resp.Result, resp.Policy.Revision, resp.DecisionID, nil
}

// decide is Decide with the fact source given, so a batch can serve its items
// from facts it loaded in one go.
func (s *Service) decide(ctx context.Context, caller auth.Principal, req Request, facts FactStore) (*Response, error) {
	resp, rec, err := s.evaluate(ctx, caller, req, facts)
	if err != nil || rec == nil {
		return resp, err
	}
	if err := s.Recorder.Record(ctx, *rec); err != nil {
		// An answer the log does not hold is never given.
		return nil, notLogged(err)
	}
	return resp, nil
}

// evaluate answers req and returns the record the log must hold before the
// answer is given (nil without a Recorder).
func (s *Service) evaluate(ctx context.Context, caller auth.Principal, req Request, facts FactStore) (*Response, *decisionlog.Record, error) {
	start := time.Now()
	ps, err := s.policySet(ctx, req.Revision)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.prepare(ctx, caller, req, facts, ps)
	if err != nil {
		return nil, nil, err
	}
	out, reads, err := evaluateOn(ctx, ps, c.def.Name, c.chain, c.input, req.Explain)
	if err != nil {
		return nil, nil, err
	}
	number := ps.Number()
	if req.Revision != 0 {
		number = req.Revision
	}
	result := out.Value // a fresh object per evaluation: ours to change
	reasons, _ := result["reasons"].([]any)
	delete(result, "reasons")
	if reasons == nil {
		reasons = []any{}
	}
	resp := &Response{
		DecisionID:   uuid.Must(uuid.NewV7()).String(),
		Decision:     c.def.Name,
		Jurisdiction: c.place,
		AsOf:         c.asOf,
		Policy:       PolicyRef{Revision: out.Revision, Number: number, Source: out.Source},
		Result:       result,
		Reasons:      reasons,
		Warnings:     c.warnings,
	}
	if req.Explain {
		resp.Explanation = s.explain(c, out, reasons, reads)
		hideExplainedClassification(caller, resp.Explanation)
	}
	if s.Recorder == nil {
		return resp, nil, nil
	}
	return resp, &decisionlog.Record{ID: resp.DecisionID, Time: start.UTC(), Caller: caller.Name, Decision: c.def.Name,
		Jurisdiction: c.place.Code, Source: out.Source, EnterpriseID: req.EnterpriseID, AsOf: c.asOf,
		Revision: out.Revision, RequestID: req.RequestID, Input: c.input, Result: result, Reasons: reasons, Latency: time.Since(start)}, nil
}

// call is a validated request ready to evaluate.
type call struct {
	def      *Definition
	asOf     string
	place    Place
	chain    []string       // place's codes, most specific first
	input    map[string]any // the policy input document, as logged
	warnings []Warning
}

func (s *Service) prepare(ctx context.Context, caller auth.Principal, req Request, facts FactStore, ps *engine.PolicySet) (*call, error) {
	def, ok := s.Lookup(req.Decision)
	if !ok {
		return nil, problem.New(problem.NotFound, "decision_not_found", "unknown decision "+quote(req.Decision))
	}
	asOf, err := s.asOf(req.AsOf)
	if err != nil {
		return nil, err
	}
	reqContext, err := decodeContext(def, req.Context)
	if err != nil {
		return nil, err
	}
	f, storedIn, err := s.facts(ctx, caller, req, facts, s.factsRead(ps, def.Name, req.Jurisdiction))
	if err != nil {
		return nil, err
	}
	code := req.Jurisdiction
	if code == "" && f.Jurisdiction != nil {
		code = *f.Jurisdiction
	}
	place, err := s.place(code)
	if err != nil {
		return nil, err
	}
	if !caller.MayDecide(s.Jurisdictions, code, def.Name) {
		return nil, problem.New(problem.Forbidden, "forbidden", "this token may not ask for "+def.Name+" in jurisdiction "+code)
	}
	warnings, err := s.otherJurisdictions(caller, place, storedIn, f)
	if err != nil {
		return nil, err
	}
	chain := place.codes()
	return &call{def: def, asOf: asOf, place: place, chain: chain, warnings: warnings,
		input: inputDoc(def.Name, asOf, chain, f, reqContext)}, nil
}

// otherJurisdictions checks a decision taken in place about an enterprise
// that is elsewhere: stored there (storedIn) or placed there by the facts
// the policy will see. The caller must cover every one of these
// jurisdictions, or a token for one county could read (and log, under its
// own county) what another holds about its enterprises. When it does, the
// decision proceeds, never silently: each difference is a warning.
func (s *Service) otherJurisdictions(caller auth.Principal, place Place, storedIn string, f enterprise.Facts) ([]Warning, error) {
	var others []string
	if storedIn != "" && storedIn != place.Code {
		others = append(others, storedIn)
	}
	if f.Jurisdiction != nil && *f.Jurisdiction != place.Code && *f.Jurisdiction != storedIn {
		others = append(others, *f.Jurisdiction)
	}
	var warnings []Warning
	for _, code := range others {
		if !caller.MayRead(s.Jurisdictions, code) {
			return nil, problem.New(problem.Forbidden, "forbidden",
				"this token may not ask in jurisdiction "+place.Code+" about an enterprise of jurisdiction "+code)
		}
		msg := "the decision was taken in jurisdiction " + place.Code + " (" + place.Name + ") but the enterprise is in " + code
		if j, err := s.Jurisdictions.Get(code); err == nil {
			msg += " (" + j.Name + ")"
		}
		warnings = append(warnings, Warning{Code: "jurisdiction_differs", Message: msg})
	}
	return warnings, nil
}

// policySet is the serving set, or the one of a pinned revision.
func (s *Service) policySet(ctx context.Context, pinned int64) (*engine.PolicySet, error) {
	if pinned == 0 {
		ps := s.Engine.Current()
		if ps == nil {
			return nil, problem.Wrap(problem.Unavailable, "policies_not_loaded", "no policy revision is loaded", engine.ErrNoPolicies)
		}
		return ps, nil
	}
	if pinned < 0 {
		return nil, invalid("invalid_revision", "revision is a revision number, 1 or more", enterprise.FieldError{Field: "revision", Message: "must be 1 or more"})
	}
	if s.RevisionTree == nil || s.Archive == nil {
		return nil, problem.New(problem.Invalid, "revisions_not_numbered", "this server keeps no numbered revisions to pin")
	}
	tree, err := s.RevisionTree(ctx, pinned)
	if err != nil {
		return nil, err
	}
	ps, err := s.Archive.Get(ctx, tree)
	if err != nil {
		return nil, problem.Wrap(problem.Unavailable, "revision_unavailable", fmt.Sprintf("revision %d could not be loaded", pinned), err)
	}
	return ps, nil
}

// evaluateOn evaluates a logged or fresh input on one policy set, recording
// the input paths the policy read when asked to.
func evaluateOn(ctx context.Context, ps *engine.PolicySet, name string, chain []string, input map[string]any, withReads bool) (*engine.Outcome, []string, error) {
	var reads *engine.Reads
	if withReads {
		reads = engine.NewReads()
		ctx = engine.WithTracer(ctx, reads)
	}
	out, err := ps.Evaluate(ctx, name, chain, input)
	if err != nil {
		return nil, nil, evaluationProblem(err, name, chain[0])
	}
	return out, reads.Paths(), nil
}

// Today is the decision date a request without as_of gets: the date in
// Asia/Shanghai at now.
func Today(now time.Time) string { return now.In(shanghai).Format(enterprise.DateLayout) }

func (s *Service) asOf(raw string) (string, error) {
	if raw == "" {
		return Today(s.now()), nil
	}
	if _, err := enterprise.ParseDate(raw); err != nil {
		return "", invalid("invalid_date", "as_of "+err.Error(), enterprise.FieldError{Field: "as_of", Message: err.Error()})
	}
	return raw, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// factsRead is what the decision can read of the enterprise: what the package
// deciding in the named jurisdiction reads or, when the jurisdiction is to
// come from the facts, what any package deciding it reads.
func (s *Service) factsRead(ps *engine.PolicySet, name, code string) engine.FactSet {
	if chain, err := s.Jurisdictions.Chain(code); code != "" && err == nil {
		return ps.FactsRead(name, chain)
	}
	return ps.FactsReadAnywhere(name)
}

// facts merges stored facts (by enterprise id) with inline ones; inline wins.
// Of either, only the facts the decision can read (reads) are decoded,
// checked and kept. It also returns the stored enterprise's jurisdiction (""
// without one): the scope check must see where the enterprise is, whatever
// the inline facts say.
func (s *Service) facts(ctx context.Context, caller auth.Principal, req Request, store FactStore, reads engine.FactSet) (enterprise.Facts, string, error) {
	var stored, inline enterprise.Facts
	storedIn := ""
	if req.EnterpriseID != "" {
		if _, err := s.Validator.USCC(req.EnterpriseID, "enterprise_id"); err != nil {
			return stored, "", invalid("invalid_uscc", "enterprise_id is not a valid unified social credit code", err.(enterprise.FieldErrors)...)
		}
		if store == nil {
			return stored, "", problem.New(problem.Unavailable, "store_unavailable", "no enterprise store is configured")
		}
		var err error
		if rs, ok := store.(ReadingFactStore); ok && !reads.All() {
			stored, err = rs.FactsReading(ctx, req.EnterpriseID, reads.Fields())
		} else {
			stored, err = store.Facts(ctx, req.EnterpriseID)
		}
		switch {
		case errors.Is(err, enterprise.ErrNotFound):
			return stored, "", enterpriseNotFound(req.EnterpriseID)
		case err != nil:
			return stored, "", problem.Wrap(problem.Unavailable, "store_unavailable", "the enterprise store is not answering", err)
		}
		if stored.Jurisdiction == nil || !caller.MayRead(s.Jurisdictions, *stored.Jurisdiction) {
			// Outside the caller's scope an enterprise does not exist:
			// the same answer as for an unknown USCC, so a token cannot
			// even learn which USCCs other jurisdictions hold.
			return enterprise.Facts{}, "", enterpriseNotFound(req.EnterpriseID)
		}
		storedIn = *stored.Jurisdiction
	}
	if len(req.Facts) > 0 && string(req.Facts) != "null" {
		var err error
		if inline, err = enterprise.DecodeOnly(req.Facts, "facts", reads.Has); err != nil {
			return inline, "", factsProblem(err)
		}
		if _, err := s.Validator.Check(inline, "facts"); err != nil {
			return inline, "", factsProblem(err)
		}
		if storedIn != "" && inline.Jurisdiction != nil && *inline.Jurisdiction != storedIn {
			// The logged input names where the enterprise is; inline facts
			// may not move a stored one (to decide under another
			// jurisdiction's rules, name it in `jurisdiction`).
			return inline, "", invalid("jurisdiction_mismatch", "facts.jurisdiction differs from the stored enterprise's jurisdiction "+storedIn,
				enterprise.FieldError{Field: "facts.jurisdiction", Message: "must be " + storedIn + ", the stored enterprise's jurisdiction; name another jurisdiction to decide under in `jurisdiction`"})
		}
	}
	return enterprise.Overlay(stored, inline).Only(reads.Has), storedIn, nil
}

// enterpriseNotFound is the one answer for an unknown USCC and for one
// outside the caller's jurisdictions.
func enterpriseNotFound(uscc string) error {
	return problem.New(problem.NotFound, "enterprise_not_found", "no enterprise with USCC "+uscc)
}

func factsProblem(err error) error {
	var fe enterprise.FieldErrors
	if errors.As(err, &fe) {
		code := "invalid_facts"
		for _, e := range fe {
			if e.Field == "facts.uscc" {
				code = "invalid_uscc"
			}
		}
		return invalid(code, "the facts are invalid", fe...)
	}
	return problem.Wrap(problem.Invalid, "invalid_facts", err.Error(), err)
}

func (s *Service) place(code string) (Place, error) {
	// One tree for the node and its chain, whatever a reload does meanwhile.
	return placeIn(s.Jurisdictions.Snapshot(), code)
}

// placeIn finds code in one jurisdiction tree, with its chain.
func placeIn(tree *jurisdiction.Registry, code string) (Place, error) {
	if code == "" {
		return Place{}, invalid("missing_jurisdiction", "name a jurisdiction, or an enterprise whose facts give one",
			enterprise.FieldError{Field: "jurisdiction", Message: "is required"})
	}
	if !jurisdiction.ValidCode(code) {
		return Place{}, invalid("invalid_jurisdiction", "a jurisdiction is a six-digit GB/T 2260 code",
			enterprise.FieldError{Field: "jurisdiction", Message: "must be six digits, got " + quote(code)})
	}
	j, err := tree.Get(code)
	if err != nil {
		return Place{}, problem.New(problem.NotFound, "jurisdiction_not_found", "unknown jurisdiction "+quote(code))
	}
	codes, _ := tree.Chain(code)
	p := Place{Code: j.Code, Name: j.Name, Chain: make([]jurisdiction.Jurisdiction, len(codes))}
	for i, c := range codes {
		p.Chain[i], _ = tree.Get(c)
	}
	return p, nil
}

func (p Place) codes() []string {
	out := make([]string, len(p.Chain))
	for i, j := range p.Chain {
		out[i] = j.Code
	}
	return out
}

// decodeContext parses the request context and checks it against the
// decision's schema, filling defaults.
func decodeContext(def *Definition, raw json.RawMessage) (map[string]any, error) {
	ctx := map[string]any{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &ctx); err != nil {
			return nil, invalid("invalid_context", "context must be a JSON object",
				enterprise.FieldError{Field: "context", Message: "must be an object"})
		}
	}
	var errs enterprise.FieldErrors
	def.Context.Check("context", ctx, &errs) // a nil schema still holds the context to the store's limits
	if len(errs) > 0 {
		return nil, invalid("invalid_context", "the context does not match what "+def.Name+" takes", errs...)
	}
	return ctx, nil
}

func evaluationProblem(err error, decision, code string) error {
	var refusal *engine.Refusal
	var evalErr *engine.EvalError
	var timeout *engine.TimeoutError
	switch {
	case errors.As(err, &timeout):
		return (&problem.Error{Kind: problem.Internal, Code: "policy_timeout", Message: timeout.Error(), Err: err}).
			WithDetails(map[string]any{"budget_ms": timeout.Budget.Milliseconds(), "source": timeout.Source})
	case errors.Is(err, engine.ErrNotConfigured):
		return problem.New(problem.Invalid, "decision_not_configured",
			"no policy on the chain of jurisdiction "+code+" defines "+decision)
	case errors.As(err, &refusal):
		return (&problem.Error{Kind: problem.Invalid, Code: refusal.Code, Message: refusal.Message}).WithDetails(refusal.Details)
	case errors.As(err, &evalErr):
		return (&problem.Error{Kind: problem.Internal, Code: "policy_error", Message: evalErr.Error(), Err: err}).
			WithDetails(evalErr.Err)
	}
	return problem.Wrap(problem.Internal, "internal", "evaluation failed", err)
}

func invalid(code, msg string, fields ...enterprise.FieldError) error {
	return (&problem.Error{Kind: problem.Invalid, Code: code, Message: msg}).WithDetails(enterprise.FieldErrors(fields))
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

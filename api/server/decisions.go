package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-json"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/problem"
)

// decisionRequest is the body of POST /v1/decisions/{name} (SPEC §6).
type decisionRequest struct {
	Jurisdiction string          `json:"jurisdiction"`
	EnterpriseID string          `json:"enterprise_id"`
	Facts        json.RawMessage `json:"facts"`
	Context      json.RawMessage `json:"context"`
	AsOf         string          `json:"as_of"`
	// Revision pins a numbered revision, to reproduce an earlier decision.
	Revision int64 `json:"revision"`
}

func (s *server) decide(c *gin.Context) {
	start := time.Now()
	name := c.Param("name")
	var body decisionRequest
	if err := decodeBody(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	req := body.request(name)
	req.Explain = c.Query("explain") == "true"
	req.RequestID = requestID(c)
	resp, err := s.Decisions.Decide(c.Request.Context(), principal(c), req)
	s.metrics.observeDecision(name, err, time.Since(start))
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	s.writeJSON(c, http.StatusOK, resp)
}

// writeJSON answers v encoded with goccy/go-json, which is faster than the
// encoding/json Gin uses; decisions are answered on the hot path.
func (s *server) writeJSON(c *gin.Context, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.Data(status, "application/json; charset=utf-8", b)
}

func (b decisionRequest) request(name string) decision.Request {
	return decision.Request{Decision: name, Jurisdiction: b.Jurisdiction, EnterpriseID: b.EnterpriseID,
		Facts: b.Facts, Context: b.Context, AsOf: b.AsOf, Revision: b.Revision}
}

// batchRequest is the body of POST /v1/decisions/{name}/batch.
type batchRequest struct {
	Items []decisionRequest `json:"items"`
}

// batchItem is one answer of a batch: a decision or an error, never both.
type batchItem struct {
	Index int `json:"index"`
	*decision.Response
	Error *errorContent `json:"error,omitempty"`
}

func (s *server) decideBatch(c *gin.Context) {
	start := time.Now()
	name := c.Param("name")
	var body batchRequest
	if err := decodeBody(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	reqs := make([]decision.Request, len(body.Items))
	explain, id := c.Query("explain") == "true", requestID(c)
	for i, it := range body.Items {
		reqs[i] = it.request(name)
		reqs[i].Explain = explain
		// Every item's log entry names the batch request that asked for it.
		reqs[i].RequestID = id
	}
	results, err := s.Decisions.DecideBatch(c.Request.Context(), principal(c), name, reqs)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	items := make([]batchItem, len(results))
	failed := 0
	for i, r := range results {
		items[i] = batchItem{Index: i, Response: r.Response}
		s.metrics.observeDecision(name, r.Err, time.Since(start))
		if r.Err != nil {
			failed++
			p, ok := problem.As(r.Err)
			if !ok {
				s.Logger.ErrorContext(c.Request.Context(), "batch item failed", "index", i, "err", r.Err)
				p = problem.New(problem.Internal, "internal", "internal error")
			}
			items[i].Error = &errorContent{Code: p.Code, Message: p.Message, Details: p.Details}
		}
	}
	s.writeJSON(c, http.StatusOK, gin.H{"decision": name, "count": len(items), "failed": failed, "items": items})
}

func (s *server) listDecisions(c *gin.Context) {
	ps := s.Engine.Current()
	if ps == nil {
		fail(c, s.Logger, problem.New(problem.Unavailable, "policies_not_loaded", "no policy revision is loaded"))
		return
	}
	defs := ps.Catalogue().All()
	views := make([]decisionView, len(defs))
	for i, def := range defs {
		views[i] = decisionView{Definition: def, ResultSchema: ps.ResultSchema(def.Name), FactsRead: factsReadBy(ps, def.Name)}
	}
	c.JSON(http.StatusOK, gin.H{"decisions": views})
}

// decisionView is a catalogue entry with the shape of its result, the
// contract an integrator codes against.
type decisionView struct {
	catalogue.Definition
	ResultSchema json.RawMessage `json:"result_schema,omitempty"`
	// FactsRead are the enterprise facts the decision can read, by the
	// jurisdiction whose policy decides it; ["*"] where it may read any.
	FactsRead map[string][]string `json:"facts_read"`
}

func factsReadBy(ps *engine.PolicySet, name string) map[string][]string {
	out := map[string][]string{}
	for code, s := range ps.FactsReadBy(name) {
		out[code] = s.Fields()
		if s.All() {
			out[code] = []string{"*"}
		}
	}
	return out
}

func (s *server) listJurisdictions(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"jurisdictions": s.Jurisdictions.All()})
}

// providerEntry says which level of the chain provides one decision.
type providerEntry struct {
	Decision   string  `json:"decision"`
	Configured bool    `json:"configured"`
	Source     *string `json:"source"`
	SourceName *string `json:"source_name"`
}

func (s *server) jurisdictionPolicies(c *gin.Context) {
	code := c.Param("code")
	j, err := s.Jurisdictions.Get(code)
	if err != nil {
		fail(c, s.Logger, problem.New(problem.NotFound, "jurisdiction_not_found", "unknown jurisdiction "+code))
		return
	}
	ps := s.Engine.Current()
	if ps == nil {
		fail(c, s.Logger, problem.New(problem.Unavailable, "policies_not_loaded", "no policy revision is loaded"))
		return
	}
	chain, _ := s.Jurisdictions.Chain(code)
	defs := ps.Catalogue().All()
	entries := make([]providerEntry, 0, len(defs))
	for _, def := range defs {
		e := providerEntry{Decision: def.Name}
		if src, ok := ps.Provider(chain, def.Name); ok {
			provider, _ := s.Jurisdictions.Get(src)
			e.Configured, e.Source, e.SourceName = true, &src, &provider.Name
		}
		entries = append(entries, e)
	}
	c.JSON(http.StatusOK, gin.H{
		"jurisdiction": j,
		"chain":        chain,
		"revision":     ps.Revision(),
		"decisions":    entries,
	})
}

package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/decision"
	"github.com/credpol/credpol/problem"
)

// decisionRequest is the body of POST /v1/decisions/{name} (SPEC §6).
type decisionRequest struct {
	Jurisdiction string          `json:"jurisdiction"`
	EnterpriseID string          `json:"enterprise_id"`
	Facts        json.RawMessage `json:"facts"`
	Context      json.RawMessage `json:"context"`
	AsOf         string          `json:"as_of"`
}

func (s *server) decide(c *gin.Context) {
	start := time.Now()
	name := c.Param("name")
	var body decisionRequest
	if err := decodeBody(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	resp, err := s.Decisions.Decide(c, principal(c), decision.Request{
		Decision:     name,
		Jurisdiction: body.Jurisdiction,
		EnterpriseID: body.EnterpriseID,
		Facts:        body.Facts,
		Context:      body.Context,
		AsOf:         body.AsOf,
	})
	s.metrics.observeDecision(name, err, time.Since(start))
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, resp)
}

func (s *server) listDecisions(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"decisions": decision.Catalogue})
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
	entries := make([]providerEntry, 0, len(decision.Catalogue))
	for _, def := range decision.Catalogue {
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

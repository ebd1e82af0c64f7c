package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/problem"
)

// LogSearcher searches the decision log; storage implements it.
type LogSearcher interface {
	SearchDecisions(ctx context.Context, q decisionlog.LogQuery) ([]decisionlog.Record, error)
}

const maxLogPage = 200

// searchLog answers GET /v1/decision-log: filters enterprise, decision,
// jurisdiction, caller, outcome=field:value, from, to (RFC 3339 or dates),
// limit and before (the next_before of the previous page).
func (s *server) searchLog(c *gin.Context) {
	q, err := s.logQuery(c)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	recs, err := s.LogSearch.SearchDecisions(c.Request.Context(), q)
	if err != nil {
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable", "the decision log is not answering", err))
		return
	}
	// The page is cut before filtering: a page may then hold fewer entries
	// than asked for, but next_before still moves past everything read.
	next := ""
	if len(recs) == q.Limit {
		next = recs[len(recs)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"entries": s.Decisions.VisibleRecords(principal(c), recs), "next_before": next})
}

func (s *server) logQuery(c *gin.Context) (decisionlog.LogQuery, error) {
	q := decisionlog.LogQuery{
		EnterpriseID: c.Query("enterprise"), Decision: c.Query("decision"), Jurisdiction: c.Query("jurisdiction"),
		Caller: c.Query("caller"), Before: c.Query("before"), Limit: 50,
	}
	fields := checkLogParams(c.Request.URL.RawQuery)
	if id, ok := decisionID(q.Before); ok {
		q.Before = id
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLogPage {
			fields = append(fields, "limit: a number from 1 to "+strconv.Itoa(maxLogPage))
		}
		q.Limit = n
	}
	if v := c.Query("outcome"); v != "" {
		field, value, ok := strings.Cut(v, ":")
		if !ok || !validOutcome(field, value) {
			fields = append(fields, "outcome: field:value, e.g. grade:B or accept:false")
		}
		q.OutcomeField, q.OutcomeValue = field, value
	}
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if v := c.Query(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				fields = append(fields, name+": RFC 3339 time or YYYY-MM-DD")
			}
			*dst = t
		}
	}
	if len(fields) > 0 {
		return q, problem.New(problem.Invalid, "invalid_query", "the search parameters are invalid").WithDetails(fields)
	}
	p := principal(c)
	q.Within = s.scopeCodes(p)
	if !containsAll(p.Decisions) {
		q.Decisions = p.Decisions
	}
	return q, nil
}

// scopeCodes lists every jurisdiction inside the caller's subtrees: the log
// holds classification results, which are never shown outside them (HLJ-9).
func (s *server) scopeCodes(p auth.Principal) []string {
	codes := []string{}
	for _, root := range p.Jurisdictions {
		codes = append(codes, s.Jurisdictions.Subtree(root)...)
	}
	return codes
}

func containsAll(ds []string) bool {
	for _, d := range ds {
		if d == auth.All {
			return true
		}
	}
	return false
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

func (s *server) getLogEntry(c *gin.Context) {
	id, ok := decisionID(c.Param("id"))
	if !ok {
		fail(c, s.Logger, notLogged(c.Param("id")))
		return
	}
	rec, err := s.Decisions.Record(c.Request.Context(), principal(c), id)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, rec)
}

func (s *server) replay(c *gin.Context) {
	id, ok := decisionID(c.Param("id"))
	if !ok {
		fail(c, s.Logger, notLogged(c.Param("id")))
		return
	}
	r, err := s.Decisions.Replay(c.Request.Context(), principal(c), id)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

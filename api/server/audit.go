package server

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/spreadsheet"
)

var (
	auditActor  = regexp.MustCompile(`^[A-Za-z0-9._()\- ]{1,64}$`)
	auditAction = regexp.MustCompile(`^[a-z][a-z_.]{0,63}$`)
)

// searchAudit answers GET /admin/v1/audit: filters actor, action, object,
// jurisdiction (its subtree), from, to (RFC 3339 or dates), limit (≤ 200)
// and before (the next_before of the previous page), newest first; with
// format=ndjson or format=csv, every entry selected, as a file.
func (s *server) searchAudit(c *gin.Context) {
	q, format, err := auditQuery(c)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	ctx, u := c.Request.Context(), user(c)
	if format == "json" {
		es, err := s.Admin.AuditEntries(ctx, u, q)
		if err != nil {
			fail(c, s.Logger, err)
			return
		}
		var next *int64
		if len(es) == q.Limit {
			next = &es[len(es)-1].Seq
		}
		c.JSON(http.StatusOK, gin.H{"entries": es, "next_before": next})
		return
	}
	// The first page decides the status; later failures can only cut the file short.
	q.Limit = 500
	es, err := s.Admin.AuditEntries(ctx, u, q)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	var cw *csv.Writer
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="audit-`+stamp+`.csv"`)
		cw = csv.NewWriter(c.Writer)
		cw.Write([]string{"seq", "at", "actor", "source", "request_id", "action", "object", "jurisdiction",
			"before_hash", "after_hash", "details", "prev_hash", "hash"})
	} else {
		c.Header("Content-Type", "application/x-ndjson")
		c.Header("Content-Disposition", `attachment; filename="audit-`+stamp+`.ndjson"`)
	}
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	for {
		for _, e := range es {
			if cw != nil {
				cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), spreadsheet.Cell(e.Actor),
					spreadsheet.Cell(e.Source), spreadsheet.Cell(e.RequestID), spreadsheet.Cell(e.Action), spreadsheet.Cell(e.Object),
					spreadsheet.Cell(e.Jurisdiction), e.BeforeHash, e.AfterHash, spreadsheet.Cell(e.Details), e.PrevHash, e.Hash})
			} else if err := enc.Encode(e); err != nil {
				return
			}
		}
		if cw != nil {
			cw.Flush()
		}
		if len(es) < q.Limit {
			return
		}
		q.Before = es[len(es)-1].Seq
		if es, err = s.Admin.AuditEntries(ctx, u, q); err != nil {
			s.Logger.Error("audit export cut short", "err", err.Error(), "request_id", requestID(c))
			return
		}
	}
}

// auditQuery reads and checks the search parameters.
func auditQuery(c *gin.Context) (audit.Query, string, error) {
	q := audit.Query{Actor: c.Query("actor"), Action: c.Query("action"), Object: c.Query("object"), Limit: 50}
	var fields []string
	bad := func(s string) { fields = append(fields, s) }
	if q.Actor != "" && !auditActor.MatchString(q.Actor) {
		bad("actor: a user or token name of at most 64 characters")
	}
	if q.Action != "" && !auditAction.MatchString(q.Action) {
		bad("action: an action such as draft.edit or login.failed")
	}
	if q.Object != "" && enterprise.TextProblem(q.Object, 256) != "" {
		bad("object: text of at most 256 characters, such as draft/ID or revision/3")
	}
	if v := c.Query("jurisdiction"); v != "" {
		if !jurisdiction.ValidCode(v) {
			bad("jurisdiction: a six-digit GB/T 2260 code")
		}
		q.Jurisdictions = []string{v}
	}
	for name, dst := range map[string]*time.Time{"from": &q.From, "to": &q.To} {
		if v := c.Query(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				bad(name + ": RFC 3339 time or YYYY-MM-DD")
			}
			*dst = t
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLogPage {
			bad("limit: a number from 1 to " + strconv.Itoa(maxLogPage))
		}
		q.Limit = n
	}
	if v := c.Query("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad("before: the next_before of the previous page (a sequence number)")
		}
		q.Before = n
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "ndjson" && format != "csv" {
		bad("format: json, ndjson or csv")
	}
	if len(fields) > 0 {
		return q, format, problem.New(problem.Invalid, "invalid_query", "the search parameters are invalid").WithDetails(fields)
	}
	return q, format, nil
}

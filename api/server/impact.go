package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/problem"
)

// Impact runs (/admin/v1/impact-runs): what a draft or revision would do
// over the stored enterprises, run as jobs; the routes translate HTTP to
// impactrun.Service and back.

func (s *server) impactRoutes(in *gin.RouterGroup) {
	in.POST("/impact-runs", s.startImpactRun)
	in.GET("/impact-runs/:id", s.getImpactRun)
	in.GET("/impact-runs/:id/changes.csv", s.impactChanges)
	in.POST("/impact-runs/:id/cancel", s.cancelImpactRun)
	in.GET("/drafts/:id/impact", s.draftImpact)
}

// impactOff answers the routes when this server takes no impact runs.
func (s *server) impactOff(c *gin.Context) bool {
	if s.Impact == nil {
		fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "impact runs are not enabled on this server"))
		return true
	}
	return false
}

type impactTreeView struct {
	Revision int64  `json:"revision,omitempty"`
	Draft    string `json:"draft,omitempty"`
	Hash     string `json:"hash,omitempty"`
	Tree     string `json:"tree"`
}

type impactCountsView struct {
	Evaluated     int64 `json:"evaluated"`
	Unchanged     int64 `json:"unchanged"`
	Changed       int64 `json:"changed"`
	NewlyErroring int64 `json:"newly_erroring"`
	Reworded      int64 `json:"reworded"`
}

type impactDecisionView struct {
	Decision string `json:"decision"`
	impactCountsView
	UnchangedByConstruction int64 `json:"unchanged_by_construction"`
}

type impactProgressView struct {
	ChunksDone  int `json:"chunks_done"`
	ChunksTotal int `json:"chunks_total"`
	impactCountsView
	Decisions []impactDecisionView `json:"decisions"`
}

type impactLinks struct {
	Self    string `json:"self"`
	Changes string `json:"changes"`
	Cancel  string `json:"cancel"`
}

type impactRunView struct {
	ID           string             `json:"id"`
	Status       string             `json:"status"`
	Caller       string             `json:"caller"`
	Jurisdiction string             `json:"jurisdiction"`
	Base         impactTreeView     `json:"base"`
	Head         impactTreeView     `json:"head"`
	Progress     impactProgressView `json:"progress"`
	Error        string             `json:"error,omitempty"`
	CancelledBy  string             `json:"cancelled_by,omitempty"`
	CreatedAt    time.Time          `json:"created_at"`
	StartedAt    *time.Time         `json:"started_at,omitempty"`
	FinishedAt   *time.Time         `json:"finished_at,omitempty"`
	Links        impactLinks        `json:"links"`
	// Report is the whole report so far (internal/impact's JSON report);
	// the summary a draft's status carries leaves it out.
	Report *impact.Report `json:"report,omitempty"`
}

func viewImpactTree(t admin.ImpactTree) impactTreeView {
	return impactTreeView{Revision: t.Revision, Draft: t.DraftID, Hash: t.DraftHash, Tree: t.Tree}
}

func viewCounts(c impact.Counts) impactCountsView {
	return impactCountsView{Evaluated: c.Evaluated, Unchanged: c.Unchanged, Changed: c.Changed,
		NewlyErroring: c.NewlyErroring, Reworded: c.Reworded}
}

// viewImpactRun is a run with its report (full) or as a summary.
func viewImpactRun(v impactrun.View, full bool) impactRunView {
	r := v.Run
	p := v.Progress()
	self := "/admin/v1/impact-runs/" + r.ID
	out := impactRunView{ID: r.ID, Status: r.Status, Caller: r.Caller, Jurisdiction: r.Jurisdiction,
		Base: viewImpactTree(r.Base), Head: viewImpactTree(r.Head),
		Progress: impactProgressView{ChunksDone: p.ChunksDone, ChunksTotal: p.ChunksTotal, impactCountsView: viewCounts(p.Counts),
			Decisions: make([]impactDecisionView, len(p.Decisions))},
		CreatedAt: r.CreatedAt, StartedAt: nonZeroTime(r.StartedAt), FinishedAt: nonZeroTime(r.FinishedAt),
		Links: impactLinks{Self: self, Changes: self + "/changes.csv", Cancel: self + "/cancel"}}
	for i, d := range p.Decisions {
		out.Progress.Decisions[i] = impactDecisionView{Decision: d.Decision, impactCountsView: viewCounts(d.Counts),
			UnchangedByConstruction: d.UnchangedByConstruction}
	}
	switch r.Status {
	case admin.ImpactCancelled:
		out.CancelledBy = r.ClosedBy
	case admin.ImpactFailed:
		out.Error = r.Error
	}
	if full {
		out.Report = v.Report
	}
	return out
}

func (s *server) startImpactRun(c *gin.Context) {
	if s.impactOff(c) {
		return
	}
	var body struct {
		Draft        string                     `json:"draft"`
		BaseRevision int64                      `json:"base_revision"`
		HeadRevision int64                      `json:"head_revision"`
		Jurisdiction string                     `json:"jurisdiction"`
		Decisions    []string                   `json:"decisions"`
		Sample       int                        `json:"sample"`
		Seed         string                     `json:"seed"`
		AsOf         string                     `json:"as_of"`
		Contexts     map[string]json.RawMessage `json:"contexts"`
		ChunkSize    int                        `json:"chunk_size"`
		Examples     int                        `json:"examples"`
		// The decision-log window: log_window (30d, 12h) back from log_to
		// (now by default), or log_from to log_to; enterprises false reads
		// only the log.
		LogWindow   string `json:"log_window"`
		LogFrom     string `json:"log_from"`
		LogTo       string `json:"log_to"`
		Enterprises *bool  `json:"enterprises"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	window, err := impact.WindowSpec{Span: body.LogWindow, From: body.LogFrom, To: body.LogTo,
		Names: [3]string{"log_window", "log_from", "log_to"}}.Window(time.Now())
	if err != nil {
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_window", err.Error()))
		return
	}
	v, err := s.Impact.Start(c.Request.Context(), user(c), impactrun.Request{Draft: body.Draft,
		BaseRevision: body.BaseRevision, HeadRevision: body.HeadRevision, Jurisdiction: body.Jurisdiction,
		Decisions: body.Decisions, Sample: body.Sample, Seed: body.Seed, AsOf: body.AsOf, Contexts: body.Contexts,
		ChunkSize: body.ChunkSize, Examples: body.Examples, Log: window,
		NoEnterprises: body.Enterprises != nil && !*body.Enterprises})
	if err == nil {
		c.Header("Location", "/admin/v1/impact-runs/"+v.Run.ID)
	}
	s.answer(c, http.StatusAccepted, viewImpactRun(v, true), err)
}

func (s *server) getImpactRun(c *gin.Context) {
	if s.impactOff(c) {
		return
	}
	v, err := s.Impact.Run(c.Request.Context(), user(c), c.Param("id"))
	s.answer(c, http.StatusOK, viewImpactRun(v, true), err)
}

func (s *server) cancelImpactRun(c *gin.Context) {
	if s.impactOff(c) {
		return
	}
	v, err := s.Impact.Cancel(c.Request.Context(), user(c), c.Param("id"))
	s.answer(c, http.StatusOK, viewImpactRun(v, true), err)
}

func (s *server) impactChanges(c *gin.Context) {
	if s.impactOff(c) {
		return
	}
	ctx, u, id := c.Request.Context(), user(c), c.Param("id")
	if _, err := s.Impact.Run(ctx, u, id); err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="impact-`+id+`.csv"`)
	c.Status(http.StatusOK)
	if err := s.Impact.WriteChanges(ctx, u, id, c.Writer); err != nil {
		// The answer has begun: the export is cut short, and the log says why.
		s.Logger.Error("impact changes export cut short", "run", id, "err", err.Error())
	}
}

func (s *server) draftImpact(c *gin.Context) {
	if s.impactOff(c) {
		return
	}
	v, found, err := s.Impact.DraftRun(c.Request.Context(), user(c), c.Param("id"))
	if err == nil && !found {
		err = problem.New(problem.NotFound, "impact_not_run",
			"no impact run of this draft at its current content: start one with POST /admin/v1/impact-runs {\"draft\": \""+c.Param("id")+"\"}")
	}
	s.answer(c, http.StatusOK, viewImpactRun(v, true), err)
}

// draftImpactSummary is the latest impact run of the draft's current
// content, as a summary, for the views a reviewer reads (the draft's
// status and reviews); nil when none was run or runs are not enabled.
func (s *server) draftImpactSummary(c *gin.Context, draftID string) *impactRunView {
	if s.Impact == nil {
		return nil
	}
	v, found, err := s.Impact.DraftRun(c.Request.Context(), user(c), draftID)
	if err != nil || !found {
		return nil
	}
	summary := viewImpactRun(v, false)
	return &summary
}

package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/spreadsheet"
)

// planTimeout bounds drawing and storing one plan. It sits inside serve's
// 60 s write timeout, which ends the connection but not the handler, so the
// caller always hears the outcome: a plan not stored by then is abandoned and
// nothing of it is kept. (A million-enterprise plan takes about 6 s.)
var planTimeout = 50 * time.Second

func (s *server) drawPlan(c *gin.Context) {
	var req sampling.Request
	if err := decodeBody(c, &req); err != nil {
		fail(c, s.Logger, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), planTimeout)
	defer cancel()
	plan, err := s.Sampling.Draw(ctx, principal(c), req)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusCreated, plan)
}

func (s *server) getPlan(c *gin.Context) {
	offset, limit, err := page(c)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	plan, items, err := s.Sampling.Get(c.Request.Context(), principal(c), c.Param("id"), offset, limit)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"plan": plan, "items": items, "offset": offset, "limit": limit})
}

// exportPlan writes every item as CSV for publication (一公开), page by page.
// The file is public, so it never carries the enterprises' risk classes
// (HLJ-9): those stay in the plan for classification scopes.
func (s *server) exportPlan(c *gin.Context) {
	id := c.Param("id")
	plan, _, err := s.Sampling.Get(c.Request.Context(), principal(c), id, 0, 0)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="sampling-plan-`+plan.ID+`.csv"`)
	c.Status(http.StatusOK)
	c.Writer.WriteString("\ufeff") // Excel opens UTF-8 Chinese correctly with a BOM
	w := csv.NewWriter(c.Writer)
	w.Write([]string{"plan", "year", "uscc", "name", "inspectors", "inspected_on", "result", "published"})
	name := spreadsheet.Cell(plan.Name)
	const chunk = 5000
	for offset := 0; ; offset += chunk {
		_, items, err := s.Sampling.Get(c.Request.Context(), principal(c), id, offset, chunk)
		if err != nil {
			s.Logger.ErrorContext(c.Request.Context(), "plan export cut short", "plan", id, "err", err)
			return
		}
		for _, it := range items {
			w.Write([]string{name, strconv.Itoa(plan.Year), spreadsheet.Cell(it.USCC), spreadsheet.Cell(it.Name),
				spreadsheet.Cell(strings.Join(it.Inspectors, " ")), spreadsheet.Cell(enterprise.Value(it.InspectedOn)), spreadsheet.Cell(enterprise.Value(it.Result)),
				strconv.FormatBool(it.Published)})
		}
		w.Flush()
		if len(items) < chunk {
			return
		}
	}
}

func (s *server) updatePlanItem(c *gin.Context) {
	var u sampling.ItemUpdate
	if err := decodeBody(c, &u); err != nil {
		fail(c, s.Logger, err)
		return
	}
	if err := s.Sampling.Update(c.Request.Context(), principal(c), c.Param("id"), c.Param("uscc"), u); err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"updated": true})
}

func (s *server) compliance(c *gin.Context) {
	year, err := strconv.Atoi(c.Query("year"))
	if err != nil || year < 2000 || year > 2199 {
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_query", "year must be a year from 2000 to 2199"))
		return
	}
	r, err := s.Sampling.Compliance(c.Request.Context(), principal(c), c.Query("jurisdiction"), year)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

func page(c *gin.Context) (offset, limit int, err error) {
	offset, limit = 0, 100
	if v := c.Query("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, problem.New(problem.Invalid, "invalid_query", "offset must be a non-negative number")
		}
	}
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return 0, 0, problem.New(problem.Invalid, "invalid_query", "limit must be from 1 to 1000")
		}
	}
	return offset, limit, nil
}

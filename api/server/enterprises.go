package server

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/decision"
	"github.com/credpol/credpol/enterprise"
	"github.com/credpol/credpol/ingest"
	"github.com/credpol/credpol/problem"
)

// DefaultImportLimit bounds an import body; imports stream, so this is about
// abuse, not memory.
const DefaultImportLimit = 1 << 30

func (s *server) allowFor(c *gin.Context) ingest.Allow {
	p := principal(c)
	return func(code string) bool { return p.MayRead(s.Jurisdictions, code) }
}

func (s *server) putEnterprise(c *gin.Context) {
	uscc := c.Param("uscc")
	if _, err := s.Decisions.Validator.USCC(uscc, "uscc"); err != nil {
		fail(c, s.Logger, invalidUSCC(err))
		return
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, s.Logger, bodyProblem(err))
		return
	}
	warnings, err := s.Ingest.Put(c.Request.Context(), uscc, raw, s.allowFor(c))
	var fe enterprise.FieldErrors
	switch {
	case errors.Is(err, ingest.ErrOutOfScope):
		fail(c, s.Logger, problem.New(problem.Forbidden, "forbidden", "this token may not write facts for that jurisdiction"))
		return
	case errors.Is(err, ingest.ErrStore):
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable", "the enterprise store is not answering", err))
		return
	case errors.As(err, &fe):
		fail(c, s.Logger, (&problem.Error{Kind: problem.Invalid, Code: factsCode(fe), Message: "the facts are invalid"}).WithDetails(fe))
		return
	case err != nil:
		fail(c, s.Logger, err)
		return
	}
	if warnings == nil {
		warnings = enterprise.FieldErrors{}
	}
	c.JSON(http.StatusOK, gin.H{"uscc": uscc, "stored": true, "warnings": warnings})
}

func (s *server) getEnterprise(c *gin.Context) {
	uscc := c.Param("uscc")
	if _, err := s.Decisions.Validator.USCC(uscc, "uscc"); err != nil {
		fail(c, s.Logger, invalidUSCC(err))
		return
	}
	f, err := s.Facts.Facts(c.Request.Context(), uscc)
	switch {
	case errors.Is(err, decision.ErrEnterpriseNotFound):
		fail(c, s.Logger, problem.New(problem.NotFound, "enterprise_not_found", "no enterprise with USCC "+uscc))
		return
	case err != nil:
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable", "the enterprise store is not answering", err))
		return
	}
	if !principal(c).MayRead(s.Jurisdictions, *f.Jurisdiction) {
		fail(c, s.Logger, problem.New(problem.Forbidden, "forbidden", "this token may not read enterprises of jurisdiction "+*f.Jurisdiction))
		return
	}
	c.JSON(http.StatusOK, f)
}

// importEnterprises streams an NDJSON or CSV body into the store. The format
// comes from ?format= or the Content-Type.
func (s *server) importEnterprises(c *gin.Context) {
	format, ok := importFormat(c)
	if !ok {
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_import",
			"say the format with ?format=ndjson|csv or Content-Type application/x-ndjson or text/csv"))
		return
	}
	sum, err := s.Ingest.Import(c.Request.Context(), c.Request.Body, format, s.allowFor(c))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.Is(err, ingest.ErrStore):
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable",
			"the store failed during the import; lines counted as accepted were committed", err).WithDetails(sum))
	case errors.As(err, &tooLarge):
		fail(c, s.Logger, problem.New(problem.TooLarge, "payload_too_large", "the import exceeds the limit; lines counted as accepted were committed").WithDetails(sum))
	case errors.Is(err, ingest.ErrCSVHeader):
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_import", err.Error()))
	case err != nil:
		fail(c, s.Logger, problem.Wrap(problem.Malformed, "malformed_body", "the import could not be read: "+err.Error(), err).WithDetails(sum))
	default:
		c.JSON(http.StatusOK, sum)
	}
}

func importFormat(c *gin.Context) (ingest.Format, bool) {
	switch c.Query("format") {
	case "ndjson", "jsonl":
		return ingest.NDJSON, true
	case "csv":
		return ingest.CSV, true
	case "":
	default:
		return "", false
	}
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch mt {
	case "application/x-ndjson", "application/jsonl", "application/json-seq":
		return ingest.NDJSON, true
	case "text/csv":
		return ingest.CSV, true
	}
	return "", false
}

func invalidUSCC(err error) error {
	var fe enterprise.FieldErrors
	errors.As(err, &fe)
	return (&problem.Error{Kind: problem.Invalid, Code: "invalid_uscc", Message: "not a valid unified social credit code"}).WithDetails(fe)
}

func factsCode(fe enterprise.FieldErrors) string {
	for _, e := range fe {
		if e.Field == "uscc" {
			return "invalid_uscc"
		}
	}
	return "invalid_facts"
}

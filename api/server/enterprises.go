package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/problem"
)

// DefaultImportLimit bounds an import body; imports stream, so this is about
// abuse, not memory.
const DefaultImportLimit = 1 << 30

// importReadWindow is how long an import may go without sending anything;
// the server's ReadTimeout, meant for ordinary bodies, does not apply to it.
const importReadWindow = 30 * time.Second

func (s *server) allowFor(c *gin.Context) ingest.Allow {
	p := principal(c)
	return func(code string) bool { return p.MayWriteFacts(s.Jurisdictions, code) }
}

// mayWriteFacts answers 403 for a token without the facts:write scope, before
// any of the body is read.
func (s *server) mayWriteFacts(c *gin.Context) bool {
	if principal(c).May(auth.FactsWrite) {
		return true
	}
	fail(c, s.Logger, problem.New(problem.Forbidden, "forbidden", "this token may not write enterprise facts (scope "+auth.FactsWrite+")"))
	return false
}

func (s *server) putEnterprise(c *gin.Context) {
	uscc := c.Param("uscc")
	if _, err := s.Decisions.Validator.USCC(uscc, "uscc"); err != nil {
		fail(c, s.Logger, invalidUSCC(err))
		return
	}
	if !s.mayWriteFacts(c) {
		return
	}
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, s.Logger, readProblem(err))
		return
	}
	warnings, err := s.Ingest.Put(c.Request.Context(), uscc, raw, s.allowFor(c))
	var fe enterprise.FieldErrors
	switch {
	case errors.Is(err, ingest.ErrMalformed):
		// Not JSON at all, as on every other route: 400, not a facts problem.
		errors.As(err, &fe)
		msg := fe[0].Message
		if fe[0].Field != "" {
			msg = fe[0].Field + ": " + msg
		}
		fail(c, s.Logger, problem.Wrap(problem.Malformed, "malformed_body", "the request body is not valid JSON: "+msg, err).WithDetails(fe))
		return
	case errors.Is(err, ingest.ErrOutOfScope):
		errors.As(err, &fe)
		fail(c, s.Logger, problem.New(problem.Forbidden, "forbidden", "this token may not write facts for that jurisdiction").WithDetails(fe))
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
	f, err := s.Decisions.Enterprise(c.Request.Context(), principal(c), uscc)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(http.StatusOK, f)
}

// readProblem classifies a body that could not be read (not one that could
// not be decoded): over the limit, or broken off. The reader's own error
// names sockets, so it goes to the log only.
func readProblem(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return bodyProblem(err)
	}
	return problem.Wrap(problem.Malformed, "malformed_body", "the request body could not be read completely", &unreadBody{err})
}

// deadlineBody extends the connection's read and write deadlines before
// every read of an import, so a long import runs as long as it keeps
// sending, and its answer can still be written when it ends.
type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	window time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	deadline := time.Now().Add(b.window)
	// Errors mean the connection cannot take deadlines (a test recorder,
	// say); the server's own timeouts then apply unchanged.
	_ = b.rc.SetReadDeadline(deadline)
	_ = b.rc.SetWriteDeadline(deadline)
	return b.ReadCloser.Read(p)
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
	if !s.mayWriteFacts(c) {
		return
	}
	body := &deadlineBody{ReadCloser: c.Request.Body, rc: http.NewResponseController(c.Writer), window: importReadWindow}
	ctx := c.Request.Context()
	sum, err := s.Ingest.Import(ctx, body, format, s.allowFor(c))
	var tooLarge *http.MaxBytesError
	var readErr *ingest.ReadError
	switch {
	case errors.Is(err, ingest.ErrStore) && !endedWith(ctx, err):
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable",
			"the store failed during the import; lines counted as accepted were committed", err).WithDetails(sum))
	case errors.As(err, &tooLarge):
		fail(c, s.Logger, problem.New(problem.TooLarge, "payload_too_large", "the import exceeds the limit; lines counted as accepted were committed").WithDetails(sum))
	case errors.Is(err, ingest.ErrCSVHeader):
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_import", err.Error()))
	case errors.As(err, &readErr):
		s.Logger.WarnContext(c.Request.Context(), "import body unreadable", "line", readErr.Line, "err", err)
		fail(c, s.Logger, problem.Wrap(problem.Malformed, "malformed_body",
			readErr.Message()+"; lines counted as accepted were committed", err).WithDetails(sum))
	case err != nil && ctx.Err() != nil:
		// The client went away before the import was read to its end.
		s.Logger.WarnContext(ctx, "import abandoned by the client", "err", err)
		fail(c, s.Logger, problem.Wrap(problem.Malformed, "malformed_body",
			"the request ended before the import was read to its end; lines counted as accepted were committed", err).WithDetails(sum))
	case err != nil:
		fail(c, s.Logger, problem.Wrap(problem.Internal, "internal", "the import failed; lines counted as accepted were committed", err).WithDetails(sum))
	default:
		c.JSON(http.StatusOK, sum)
	}
}

// endedWith says whether err is only the request's own end (its client
// gone), which a store call made with the request's context reports as its
// failure: the store did not fail then.
func endedWith(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, ctx.Err())
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

package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/problem"
)

// statusOf is the one place a problem kind becomes an HTTP status.
var statusOf = map[problem.Kind]int{
	problem.Internal:        http.StatusInternalServerError,
	problem.Malformed:       http.StatusBadRequest,
	problem.Invalid:         http.StatusUnprocessableEntity,
	problem.NotFound:        http.StatusNotFound,
	problem.Unauthenticated: http.StatusUnauthorized,
	problem.Forbidden:       http.StatusForbidden,
	problem.TooLarge:        http.StatusRequestEntityTooLarge,
	problem.Unavailable:     http.StatusServiceUnavailable,
	problem.Conflict:        http.StatusConflict,
	problem.RateLimited:     http.StatusTooManyRequests,
}

type errorBody struct {
	Error errorContent `json:"error"`
}

type errorContent struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
	// RequestID lets a caller quote the failed request to operators, who find
	// it in the logs and the decision log. Empty in batch items: the batch's
	// own id is in the X-Request-ID header.
	RequestID string `json:"request_id,omitempty"`
}

// fail answers err in the SPEC §6 error shape and stops the handler chain.
// Errors that are not problems are internal: logged, never shown.
func fail(c *gin.Context, log *slog.Logger, err error) {
	p, ok := problem.As(err)
	if !ok {
		p = problem.Wrap(problem.Internal, "internal", "internal error", err)
	}
	status, known := statusOf[p.Kind]
	if !known {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		// The request id comes from the request's context (see requestLogs).
		log.ErrorContext(c.Request.Context(), "request failed", "path", c.Request.URL.Path, "code", p.Code, "err", err)
	}
	if ub := (*unreadBody)(nil); errors.As(err, &ub) {
		// The client is told only that its body broke off; why is for operators.
		log.WarnContext(c.Request.Context(), "request body unreadable", "path", c.Request.URL.Path, "err", ub.err)
	}
	if p.Kind == problem.Unauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="credpol"`)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorContent{Code: p.Code, Message: p.Message, Details: p.Details,
		RequestID: requestID(c)}})
}

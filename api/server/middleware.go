package server

import (
	"context"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// RequestIDHeader carries a request's id both ways: a caller may choose it,
// so its own logs and ours share one key; otherwise the server makes one.
const RequestIDHeader = "X-Request-ID"

const maxRequestIDLen = 128

type requestIDCtxKey struct{}

// validRequestID accepts 1 to 128 characters of [A-Za-z0-9._-]: enough for
// UUIDs and trace ids, and nothing that could forge a log line or header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	// Version 7 ids sort by time, like decision ids, which helps when
	// reading logs; v4 only if the clock-and-random source fails.
	if id, err := uuid.NewV7(); err == nil {
		return id.String()
	}
	return uuid.NewString()
}

// assignRequestID gives every request an id, echoes it to the caller and
// puts it in the request's context, where logs and services find it.
func (s *server) assignRequestID(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Header(RequestIDHeader, id)
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDCtxKey{}, id))
	c.Next()
}

// requestID is the id assignRequestID gave c's request ("" before it ran).
func requestID(c *gin.Context) string {
	return requestIDFrom(c.Request.Context())
}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDCtxKey{}).(string)
	return id
}

// securityHeaders stops browsers from sniffing a JSON answer into something
// executable, and keeps /v1 answers, which hold supervision data scoped to a
// token, out of every shared or browser cache.
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if p := c.Request.URL.Path; p == "/v1" || strings.HasPrefix(p, "/v1/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// requestLogs adds the request id of the context to every record logged with
// one (logger.InfoContext(ctx, …)), so each line about a request names it
// without every call site repeating it.
type requestLogs struct{ slog.Handler }

func (h requestLogs) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestLogs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestLogs{h.Handler.WithAttrs(attrs)}
}

func (h requestLogs) WithGroup(name string) slog.Handler {
	return requestLogs{h.Handler.WithGroup(name)}
}

package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/internal/idempotency"
	"github.com/credpol/credpol/internal/problem"
)

// IdempotencyStore keeps, per caller and key, the first answer to a creating
// request; storage implements it.
type IdempotencyStore interface {
	// ClaimIdempotencyKey reserves the key for a request starting now, or
	// returns the entry holding it (claimed false).
	ClaimIdempotencyKey(ctx context.Context, caller, key string, now time.Time) (e idempotency.Entry, claimed bool, err error)
	// CompleteIdempotencyKey keeps the claiming request's answer.
	CompleteIdempotencyKey(ctx context.Context, e idempotency.Entry) error
	// ReleaseIdempotencyKey forgets a claim whose answer is not kept.
	ReleaseIdempotencyKey(ctx context.Context, caller, key string) error
}

const (
	idempotencyKeyHeader = "Idempotency-Key"
	replayedHeader       = "Idempotent-Replayed"
)

// idempotent makes a creating POST safe to retry. With an Idempotency-Key,
// the first request from a token runs and its answer is kept for a day;
// the same key with the same request answers that again, marked
// Idempotent-Replayed: true, without running anything. The same key with a
// different request is 409 idempotency_key_reused; while the first still
// runs, 409 idempotency_key_in_progress. A 5xx answer is not kept: the
// failure may be passing, so a retry runs again.
//
// The body is hashed as the handler reads it, not before: an import body
// streams and may be far larger than memory.
func (s *server) idempotent(c *gin.Context) {
	key := c.GetHeader(idempotencyKeyHeader)
	if key == "" || s.Idempotency == nil {
		c.Next()
		return
	}
	if !validIdempotencyKey(key) {
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_idempotency_key", "the Idempotency-Key header is invalid").
			WithDetails([]string{"Idempotency-Key: 1 to 255 printable ASCII characters"}))
		return
	}
	ctx := c.Request.Context()
	caller := principal(c).Name
	prior, claimed, err := s.Idempotency.ClaimIdempotencyKey(ctx, caller, key, time.Now())
	if err != nil {
		fail(c, s.Logger, problem.Wrap(problem.Unavailable, "store_unavailable", "cannot check the Idempotency-Key now", err))
		return
	}
	if !claimed {
		s.replayKept(c, prior)
		return
	}

	// From here the key is ours: keep the answer, or release the key for a
	// retry if there is none worth keeping (a 5xx, a panic, a body that
	// could not be read to its end).
	h := requestHash(c)
	body := c.Request.Body
	if body == nil {
		body = http.NoBody
	}
	c.Request.Body = readCloser{io.TeeReader(body, h), body}
	orig := c.Writer
	rec := &recordedResponse{ResponseWriter: orig}
	c.Writer = rec
	kept := false
	defer func() {
		c.Writer = orig
		if !kept {
			// The request's context may be cancelled by now; the release must still happen.
			if err := s.Idempotency.ReleaseIdempotencyKey(context.WithoutCancel(ctx), caller, key); err != nil {
				s.Logger.ErrorContext(ctx, "idempotency key not released; retries get 409 until it is abandoned", "err", err)
			}
		}
	}()
	c.Next()

	// The hash covers the whole body, also what the handler left unread.
	_, drainErr := io.Copy(io.Discard, c.Request.Body)
	c.Writer = orig
	status := rec.Status()
	if drainErr == nil && status < 500 {
		e := idempotency.Entry{Caller: caller, Key: key, BodyHash: hex.EncodeToString(h.Sum(nil)),
			Status: status, Response: rec.body.Bytes()}
		if err := s.Idempotency.CompleteIdempotencyKey(context.WithoutCancel(ctx), e); err != nil {
			// The answer itself stands; only a retry will run again.
			s.Logger.ErrorContext(ctx, "answer for an idempotency key not kept", "err", err)
		} else {
			kept = true
		}
	}
	rec.flush()
}

// replayKept answers a request whose key is already held.
func (s *server) replayKept(c *gin.Context, prior idempotency.Entry) {
	if prior.Running() {
		fail(c, s.Logger, problem.New(problem.Conflict, "idempotency_key_in_progress",
			"a request with this Idempotency-Key is still running; retry when it has answered"))
		return
	}
	h := requestHash(c)
	if c.Request.Body != nil {
		if _, err := io.Copy(h, c.Request.Body); err != nil {
			fail(c, s.Logger, bodyProblem(err))
			return
		}
	}
	if hex.EncodeToString(h.Sum(nil)) != prior.BodyHash {
		fail(c, s.Logger, problem.New(problem.Conflict, "idempotency_key_reused",
			"this Idempotency-Key was used for a different request; use a new key for a new request"))
		return
	}
	c.Header(replayedHeader, "true")
	c.Data(prior.Status, "application/json; charset=utf-8", prior.Response)
	c.Abort()
}

// requestHash starts the SHA-256 of what a request asks: its route, query
// and content type (an import's format) as well as its body, so a key sent
// again to another route or in another format is a different request.
func requestHash(c *gin.Context) hash.Hash {
	h := sha256.New()
	for _, part := range []string{c.Request.Method, c.FullPath(), c.Request.URL.RawQuery, c.GetHeader("Content-Type")} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	return h
}

// validIdempotencyKey accepts 1 to 255 printable ASCII characters, what
// clients use (UUIDs, request ids) and what can be stored and logged safely.
func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > idempotency.MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// recordedResponse holds a handler's answer instead of sending it, so that
// it can be kept before it leaves and the rest of the request body can still
// be read (HTTP/1 may refuse that once an answer has started).
type recordedResponse struct {
	gin.ResponseWriter
	status  int
	written bool
	body    bytes.Buffer
}

// WriteHeader sets the status until the answer starts, as gin's writer does.
func (r *recordedResponse) WriteHeader(code int) {
	if code > 0 && !r.written {
		r.status = code
	}
}

func (r *recordedResponse) WriteHeaderNow() { r.written = true }

func (r *recordedResponse) Write(b []byte) (int, error) {
	r.written = true
	return r.body.Write(b)
}

func (r *recordedResponse) WriteString(s string) (int, error) {
	r.written = true
	return r.body.WriteString(s)
}

func (r *recordedResponse) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *recordedResponse) Size() int {
	if !r.written {
		return -1
	}
	return r.body.Len()
}

func (r *recordedResponse) Written() bool { return r.written }

// Flush is a no-op: nothing leaves before the answer is complete.
func (r *recordedResponse) Flush() {}

// flush sends the held answer. A write error means the client has gone:
// there is no one to tell, and the kept answer awaits its retry.
func (r *recordedResponse) flush() {
	r.ResponseWriter.WriteHeader(r.Status())
	r.ResponseWriter.Write(r.body.Bytes())
}

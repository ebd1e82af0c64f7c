package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-json"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jsonerr"
	"github.com/credpol/credpol/internal/problem"
)

// decodeBody reads the JSON body into v, refusing unknown fields and trailing
// data. goccy/go-json decodes several times faster than encoding/json with
// the same semantics; bodies carry whole enterprise records.
func decodeBody(c *gin.Context, v any) error {
	// Read first, so a body over the limit is reported as such (the stream
	// decoder would report a truncated document).
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return bodyProblem(err)
	}
	// Nesting is bounded before any decoder or explanation sees the body:
	// both walk it recursively.
	if p, deep := jsonerr.TooDeep(raw, "the body"); deep {
		return problem.New(problem.Malformed, "malformed_body", "the request body is refused: "+p.Message)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return malformed(raw, v, err)
	}
	if dec.More() {
		return malformed(raw, v, errors.New("the request body must hold a single JSON object"))
	}
	return nil
}

// malformed explains a body that did not decode into v. goccy/go-json's
// errors can mislead (an unknown field reported under another field's name,
// a string where a number belongs called the end of the input), so the body
// is walked again against v's type to name the field, what was expected
// there and what was found.
func malformed(raw []byte, v any, err error) error {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	var details enterprise.FieldErrors
	if p, ok := jsonerr.Explain(raw, reflect.TypeOf(v).Elem(), "the body"); ok {
		msg = p.String()
		details = enterprise.FieldErrors{{Field: p.Path, Message: p.Message}}
	}
	pr := problem.Wrap(problem.Malformed, "malformed_body", "the request body is not valid JSON for this endpoint: "+msg, err)
	if details != nil {
		return pr.WithDetails(details)
	}
	return pr
}

// unreadBody is a request body that could not be read to its end: the
// client stopped sending, or the connection failed. The reader's own error
// names sockets and addresses, so it is logged (see fail), never answered.
type unreadBody struct{ err error }

func (e *unreadBody) Error() string { return "reading the request body: " + e.err.Error() }

func (e *unreadBody) Unwrap() error { return e.err }

// bodyProblem classifies a request body that could not be read.
func bodyProblem(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return problem.New(problem.TooLarge, "payload_too_large", "the request body exceeds the limit").
			WithDetails(map[string]int64{"limit_bytes": tooLarge.Limit})
	}
	return problem.Wrap(problem.Malformed, "malformed_body", "the request body could not be read completely", &unreadBody{err})
}

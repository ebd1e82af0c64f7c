package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-json"

	"github.com/credpol/credpol/problem"
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
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyProblem(err)
	}
	if dec.More() {
		return problem.New(problem.Malformed, "malformed_body", "the request body must hold a single JSON object")
	}
	return nil
}

// bodyProblem classifies a request body that could not be decoded.
func bodyProblem(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return problem.New(problem.TooLarge, "payload_too_large", "the request body exceeds the limit").
			WithDetails(map[string]int64{"limit_bytes": tooLarge.Limit})
	}
	return problem.Wrap(problem.Malformed, "malformed_body", "the request body is not valid JSON for this endpoint: "+err.Error(), err)
}

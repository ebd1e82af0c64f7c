package decisionlog

import (
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-json"
)

// Record is one decision as the decision log keeps it: enough to show an
// auditor why it came out as it did and to evaluate it again.
type Record struct {
	ID           string         `json:"decision_id"`
	Time         time.Time      `json:"time"`
	Caller       string         `json:"caller"`
	Decision     string         `json:"decision"`
	Jurisdiction string         `json:"jurisdiction"`
	Source       string         `json:"source"`
	EnterpriseID string         `json:"enterprise_id,omitempty"`
	AsOf         string         `json:"as_of"`
	Revision     string         `json:"revision"`
	RequestID    string         `json:"request_id,omitempty"`
	Input        map[string]any `json:"input"` // the policy input document, facts and context included
	Result       map[string]any `json:"result"`
	Reasons      []any          `json:"reasons"`
	Latency      time.Duration  `json:"latency_ns"`
	// Encoded are Input, Result and Reasons as JSON, encoded once when the
	// log takes the record, by the request's goroutine: the write-ahead log
	// and the store then write these bytes rather than encode them again.
	Encoded *Encoded `json:"-"`
}

// Encoded are a record's JSON documents, as the store writes them.
type Encoded struct{ Input, Result, Reasons json.RawMessage }

// Encode fills r.Encoded.
func (r *Record) Encode() error {
	in, err1 := json.Marshal(r.Input)
	res, err2 := json.Marshal(r.Result)
	why, err3 := json.Marshal(r.Reasons)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("encoding decision %s: %w", r.ID, err)
	}
	r.Encoded = &Encoded{Input: in, Result: res, Reasons: why}
	return nil
}

// ErrRecordNotFound is returned by a store for an unknown decision id.
var ErrRecordNotFound = errors.New("decision record not found")

// LogQuery filters the decision log. Within and Decisions, when not nil,
// restrict results to the caller's scope.
type LogQuery struct {
	EnterpriseID string
	Decision     string
	Jurisdiction string
	Caller       string
	OutcomeField string // a top-level result field, e.g. "grade"
	OutcomeValue string // its value as text, e.g. "B" or "false"
	From, To     time.Time
	Before       string // an id: only entries logged before it (the next page)
	Limit        int
	Within       []string
	Decisions    []string
}

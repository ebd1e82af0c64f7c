package decision

import (
	"context"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/problem"
)

// Recorder takes every decision before it is answered. Record may block to
// apply backpressure; an error means the decision must not be answered.
type Recorder interface {
	Record(ctx context.Context, r decisionlog.Record) error
}

// Submitter is a Recorder that can queue a record now and wait for it later:
// a batch queues every item's record before waiting once, so its entries
// share the log's durable writes instead of taking turns for them.
type Submitter interface {
	Submit(ctx context.Context, r decisionlog.Record) (wait func() error, err error)
}

// notLogged is the answer withheld when the log does not hold a decision.
func notLogged(err error) error {
	return problem.Wrap(problem.Unavailable, "decision_log_unavailable", "the decision could not be logged", err)
}

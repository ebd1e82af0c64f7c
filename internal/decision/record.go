package decision

import (
	"context"

	"github.com/credpol/credpol/internal/decisionlog"
)

// Recorder takes every decision before it is answered. Record may block to
// apply backpressure; an error means the decision must not be answered.
type Recorder interface {
	Record(ctx context.Context, r decisionlog.Record) error
}

package admin

import (
	"context"
	"time"
)

// Impact runs compare two policy trees over the stored enterprises before a
// change goes live (admin/impactrun runs them as jobs). What is kept of a
// run is here, so the store can keep it without knowing the engine.

// Impact run statuses. A run is queued until its population is cut into
// chunks, running while chunks are evaluated, and then done, cancelled or
// failed, after which no chunk is taken or stored.
const (
	ImpactQueued    = "queued"
	ImpactRunning   = "running"
	ImpactDone      = "done"
	ImpactCancelled = "cancelled"
	ImpactFailed    = "failed"
)

// ImpactTree is one of a run's two trees: a numbered revision, or a draft at
// one content hash; Tree is the policy files' revision hash, under which the
// store keeps the files for every worker to compile the same tree.
type ImpactTree struct {
	Revision  int64
	DraftID   string
	DraftHash string
	Tree      string
}

// ImpactRun is the record of one run.
type ImpactRun struct {
	ID string
	// Caller is the user who started it; Scope their subtrees then.
	Caller       string
	Scope        []string
	Jurisdiction string
	Base, Head   ImpactTree
	// Params are the run's options as resolved when it started (JSON): the
	// same on every worker, so every worker plans the same comparison.
	Params      []byte
	Status      string
	ChunksTotal int
	ChunksDone  int
	// Report is the merge of the chunks stored so far (JSON); the plan's
	// first report when none is.
	Report     []byte
	Error      string
	ClosedBy   string // who cancelled it
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

// Closed reports whether the run takes no more chunks.
func (r ImpactRun) Closed() bool {
	return r.Status == ImpactDone || r.Status == ImpactCancelled || r.Status == ImpactFailed
}

// ImpactChunk is one chunk of a run: its bounds (JSON) from the plan and,
// once evaluated, its partial report and changes (JSON), who evaluated it
// and at which attempt.
type ImpactChunk struct {
	Run        string
	Index      int
	Bounds     []byte
	Done       bool
	Report     []byte
	Changes    []byte
	Worker     string
	Attempt    int
	FinishedAt time.Time
}

// ImpactStore keeps impact runs. Every change to a run after it is planned
// holds the run's row, so chunks stored at once by several workers each
// count once, and none is stored after the run is closed.
type ImpactStore interface {
	CreateImpactRun(ctx context.Context, r ImpactRun) error
	ImpactRun(ctx context.Context, id string) (ImpactRun, error)
	// ImpactRunStatus is the status alone, for workers watching for a cancel.
	ImpactRunStatus(ctx context.Context, id string) (string, error)
	// OpenImpactRuns counts a caller's runs still queued or running.
	OpenImpactRuns(ctx context.Context, caller string) (int64, error)
	// DraftImpactRuns lists the runs whose head is draft at hash, newest first.
	DraftImpactRuns(ctx context.Context, draft, hash string) ([]ImpactRun, error)
	// PlanImpactRun stores the chunks (bounds only) and first report of a
	// queued run and makes it running (done when there is no chunk); it
	// fails with ErrConflict when the run was planned or closed already.
	PlanImpactRun(ctx context.Context, id string, chunks [][]byte, report []byte, at time.Time) (ImpactRun, error)
	// PendingImpactChunks lists the chunks of a run not stored yet, with bounds.
	PendingImpactChunks(ctx context.Context, id string) ([]ImpactChunk, error)
	ImpactChunk(ctx context.Context, run string, index int) (ImpactChunk, error)
	// SaveImpactChunk stores an evaluated chunk and, holding the run, sets
	// its report to merge(report so far); the run is done with its last
	// chunk. It fails with ErrConflict when the run was cancelled or
	// failed; a chunk stored already (by an attempt a rescue replaced) is
	// left as it is and reported with stored false.
	SaveImpactChunk(ctx context.Context, c ImpactChunk, merge func(report []byte) ([]byte, error)) (run ImpactRun, stored bool, err error)
	// CloseImpactRun cancels or fails a run still queued or running
	// (ErrConflict otherwise).
	CloseImpactRun(ctx context.Context, id, status, by, message string, at time.Time) (ImpactRun, error)
	// ImpactChanges calls fn with each stored chunk's changes, in chunk order.
	ImpactChanges(ctx context.Context, id string, fn func(index int, changes []byte) error) error
}

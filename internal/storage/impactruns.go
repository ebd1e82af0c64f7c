package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/enterprise"
)

// Tables: impact_runs, impact_run_chunks (migration 0011). The jobs that
// evaluate the chunks are River's, in its own tables (jobs.go).

type impactRunRow struct {
	ID           string `gorm:"primaryKey"`
	Caller       string
	Scope        string
	Jurisdiction string
	BaseRevision *int64
	BaseDraft    *string
	BaseHash     *string
	BaseTree     string
	HeadRevision *int64
	HeadDraft    *string
	HeadHash     *string
	HeadTree     string
	Params       string
	Status       string
	ChunksTotal  int
	ChunksDone   int
	Report       *string
	Error        *string
	ClosedBy     *string
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

func (impactRunRow) TableName() string { return "impact_runs" }

func impactRunRowOf(r admin.ImpactRun) (impactRunRow, error) {
	scope, err := json.Marshal(r.Scope)
	row := impactRunRow{ID: r.ID, Caller: r.Caller, Scope: string(scope), Jurisdiction: r.Jurisdiction,
		BaseRevision: nonZero(r.Base.Revision), BaseDraft: nonZero(r.Base.DraftID), BaseHash: nonZero(r.Base.DraftHash), BaseTree: r.Base.Tree,
		HeadRevision: nonZero(r.Head.Revision), HeadDraft: nonZero(r.Head.DraftID), HeadHash: nonZero(r.Head.DraftHash), HeadTree: r.Head.Tree,
		Params: string(r.Params), Status: r.Status, ChunksTotal: r.ChunksTotal, ChunksDone: r.ChunksDone,
		Report: nonZero(string(r.Report)), Error: nonZero(r.Error), ClosedBy: nonZero(r.ClosedBy), CreatedAt: r.CreatedAt.UTC(),
		StartedAt: timeOrNil(r.StartedAt), FinishedAt: timeOrNil(r.FinishedAt)}
	return row, err
}

func (r impactRunRow) run() (admin.ImpactRun, error) {
	out := admin.ImpactRun{ID: r.ID, Caller: r.Caller, Jurisdiction: r.Jurisdiction,
		Base:   admin.ImpactTree{Revision: enterprise.Value(r.BaseRevision), DraftID: enterprise.Value(r.BaseDraft), DraftHash: enterprise.Value(r.BaseHash), Tree: r.BaseTree},
		Head:   admin.ImpactTree{Revision: enterprise.Value(r.HeadRevision), DraftID: enterprise.Value(r.HeadDraft), DraftHash: enterprise.Value(r.HeadHash), Tree: r.HeadTree},
		Params: []byte(r.Params), Status: r.Status, ChunksTotal: r.ChunksTotal, ChunksDone: r.ChunksDone,
		Error: enterprise.Value(r.Error), ClosedBy: enterprise.Value(r.ClosedBy), CreatedAt: r.CreatedAt.UTC(),
		StartedAt: utcOrZero(r.StartedAt), FinishedAt: utcOrZero(r.FinishedAt)}
	if r.Report != nil {
		out.Report = []byte(*r.Report)
	}
	return out, json.Unmarshal([]byte(r.Scope), &out.Scope)
}

func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

type impactChunkRow struct {
	RunID      string `gorm:"primaryKey"`
	Chunk      int    `gorm:"primaryKey"`
	Bounds     string
	Done       bool
	Report     *string
	Changes    *string
	Worker     *string
	Attempt    *int
	FinishedAt *time.Time
}

func (impactChunkRow) TableName() string { return "impact_run_chunks" }

func (r impactChunkRow) chunk() admin.ImpactChunk {
	c := admin.ImpactChunk{Run: r.RunID, Index: r.Chunk, Bounds: []byte(r.Bounds), Done: r.Done,
		Worker: enterprise.Value(r.Worker), Attempt: enterprise.Value(r.Attempt)}
	if r.Report != nil {
		c.Report = []byte(*r.Report)
	}
	if r.Changes != nil {
		c.Changes = []byte(*r.Changes)
	}
	c.FinishedAt = utcOrZero(r.FinishedAt)
	return c
}

var openImpactStatuses = []string{admin.ImpactQueued, admin.ImpactRunning}

// CreateImpactRun stores a new run.
func (s *Store) CreateImpactRun(ctx context.Context, r admin.ImpactRun) error {
	row, err := impactRunRowOf(r)
	if err != nil {
		return err
	}
	return conflictOr(s.db.WithContext(ctx).Create(&row).Error)
}

// ImpactRun returns one run with its report so far.
func (s *Store) ImpactRun(ctx context.Context, id string) (admin.ImpactRun, error) {
	var row impactRunRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.ImpactRun{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.ImpactRun{}, err
	}
	return row.run()
}

// ImpactRunStatus returns a run's status without its report: workers ask it
// every second while they evaluate, to stop soon after a cancel.
func (s *Store) ImpactRunStatus(ctx context.Context, id string) (string, error) {
	var status []string
	if err := s.db.WithContext(ctx).Model(&impactRunRow{}).Where("id = ?", id).Pluck("status", &status).Error; err != nil {
		return "", err
	}
	if len(status) == 0 {
		return "", admin.ErrNotFound
	}
	return status[0], nil
}

// OpenImpactRuns counts a caller's runs still queued or running.
func (s *Store) OpenImpactRuns(ctx context.Context, caller string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&impactRunRow{}).Where("caller = ? AND status IN ?", caller, openImpactStatuses).Count(&n).Error
	return n, err
}

// DraftImpactRuns lists the runs over a draft's content, newest first,
// without their reports.
func (s *Store) DraftImpactRuns(ctx context.Context, draft, hash string) ([]admin.ImpactRun, error) {
	var rows []impactRunRow
	if err := s.db.WithContext(ctx).Omit("report").Where("head_draft = ? AND head_hash = ?", draft, hash).
		Order("created_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.ImpactRun, 0, len(rows))
	for _, row := range rows {
		r, err := row.run()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// holdRun takes a run's row for the rest of the transaction, unless the run
// was cancelled or failed: a row lock on Postgres; on SQLite the write makes
// the transaction the writer now rather than at a later upgrade that could
// fail at once with SQLITE_BUSY. A done run is held too: a chunk stored to it
// is one stored already, by an attempt a rescue replaced.
func holdRun(tx *gorm.DB, id string) error {
	res := tx.Model(&impactRunRow{}).Where("id = ? AND status IN ?", id, append(openImpactStatuses, admin.ImpactDone)).
		Update("status", gorm.Expr("status"))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return admin.ErrConflict
	}
	return nil
}

func takeRun(tx *gorm.DB, id string) (admin.ImpactRun, error) {
	var row impactRunRow
	if err := tx.Where("id = ?", id).Take(&row).Error; err != nil {
		return admin.ImpactRun{}, err
	}
	return row.run()
}

// PlanImpactRun stores a queued run's chunks and first report, and makes it
// running, or done when it has no chunk to evaluate.
func (s *Store) PlanImpactRun(ctx context.Context, id string, chunks [][]byte, report []byte, at time.Time) (admin.ImpactRun, error) {
	var out admin.ImpactRun
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		status := admin.ImpactRunning
		var finished *time.Time
		if len(chunks) == 0 {
			status, finished = admin.ImpactDone, timeOrNil(at)
		}
		res := tx.Model(&impactRunRow{}).Where("id = ? AND status = ?", id, admin.ImpactQueued).
			Updates(map[string]any{"status": status, "chunks_total": len(chunks), "report": string(report),
				"started_at": at.UTC(), "finished_at": finished})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return admin.ErrConflict
		}
		rows := make([]impactChunkRow, len(chunks))
		for i, b := range chunks {
			rows[i] = impactChunkRow{RunID: id, Chunk: i, Bounds: string(b)}
		}
		if len(rows) > 0 {
			if err := tx.CreateInBatches(rows, 200).Error; err != nil {
				return err
			}
		}
		var err error
		out, err = takeRun(tx, id)
		return err
	})
	return out, err
}

// PendingImpactChunks lists the chunks of a run not stored yet, in order.
func (s *Store) PendingImpactChunks(ctx context.Context, id string) ([]admin.ImpactChunk, error) {
	var rows []impactChunkRow
	if err := s.db.WithContext(ctx).Select("run_id", "chunk", "bounds", "done").
		Where("run_id = ? AND NOT done", id).Order("chunk").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.ImpactChunk, len(rows))
	for i, r := range rows {
		out[i] = r.chunk()
	}
	return out, nil
}

// ImpactChunk returns one chunk of a run, without its report and changes.
func (s *Store) ImpactChunk(ctx context.Context, run string, index int) (admin.ImpactChunk, error) {
	var row impactChunkRow
	err := s.db.WithContext(ctx).Omit("report", "changes").Where("run_id = ? AND chunk = ?", run, index).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.ImpactChunk{}, admin.ErrNotFound
	}
	if err != nil {
		return admin.ImpactChunk{}, err
	}
	return row.chunk(), nil
}

// SaveImpactChunk stores an evaluated chunk once and merges its report into
// the run's, holding the run's row so that chunks stored at once by several
// workers each count once and the last one closes the run.
func (s *Store) SaveImpactChunk(ctx context.Context, c admin.ImpactChunk, merge func(report []byte) ([]byte, error)) (admin.ImpactRun, bool, error) {
	var (
		out    admin.ImpactRun
		stored bool
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := holdRun(tx, c.Run); err != nil {
			return err
		}
		res := tx.Model(&impactChunkRow{}).Where("run_id = ? AND chunk = ? AND NOT done", c.Run, c.Index).
			Updates(map[string]any{"done": true, "report": string(c.Report), "changes": string(c.Changes),
				"worker": c.Worker, "attempt": c.Attempt, "finished_at": c.FinishedAt.UTC()})
		if res.Error != nil {
			return res.Error
		}
		run, err := takeRun(tx, c.Run)
		if err != nil {
			return err
		}
		if res.RowsAffected == 0 { // stored already, by an earlier attempt
			out = run
			return nil
		}
		report, err := merge(run.Report)
		if err != nil {
			return fmt.Errorf("merging chunk %d of run %s: %w", c.Index, c.Run, err)
		}
		updates := map[string]any{"chunks_done": gorm.Expr("chunks_done + 1"), "report": string(report)}
		if run.ChunksDone+1 >= run.ChunksTotal {
			updates["status"], updates["finished_at"] = admin.ImpactDone, c.FinishedAt.UTC()
		}
		if err := tx.Model(&impactRunRow{}).Where("id = ?", c.Run).Updates(updates).Error; err != nil {
			return err
		}
		stored = true
		out, err = takeRun(tx, c.Run)
		return err
	})
	return out, stored, err
}

// CloseImpactRun cancels or fails an open run.
func (s *Store) CloseImpactRun(ctx context.Context, id, status, by, message string, at time.Time) (admin.ImpactRun, error) {
	var out admin.ImpactRun
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&impactRunRow{}).Where("id = ? AND status IN ?", id, openImpactStatuses).
			Updates(map[string]any{"status": status, "closed_by": nonZero(by), "error": nonZero(message), "finished_at": at.UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return admin.ErrConflict
		}
		var err error
		out, err = takeRun(tx, id)
		return err
	})
	return out, err
}

// ImpactChanges reads the stored chunks' changes in chunk order, a few
// chunks at a time, so a run with many changes is never held whole.
func (s *Store) ImpactChanges(ctx context.Context, id string, fn func(index int, changes []byte) error) error {
	const page = 20
	after := -1
	for {
		var rows []impactChunkRow
		if err := s.db.WithContext(ctx).Select("chunk", "changes").Where("run_id = ? AND done AND chunk > ?", id, after).
			Order("chunk").Limit(page).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r.Chunk, []byte(enterprise.Value(r.Changes))); err != nil {
				return err
			}
			after = r.Chunk
		}
		if len(rows) < page {
			return nil
		}
	}
}

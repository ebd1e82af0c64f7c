package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/enterprise"
)

// Tables: policy_revisions (every tree ever served, and the draft trees
// impact runs compare, by content hash) and revisions (the numbered history
// of publication).

type revisionRow struct {
	Revision  string `gorm:"primaryKey"`
	Files     string
	CreatedAt time.Time
}

func (revisionRow) TableName() string { return "policy_revisions" }

// SavePolicyRevision keeps a policy tree's files under its revision; saving
// the same revision again changes nothing.
func (s *Store) SavePolicyRevision(ctx context.Context, revision string, files map[string][]byte) error {
	return savePolicyFiles(s.db.WithContext(ctx), revision, files)
}

// PolicyFiles returns the files of a saved revision.
func (s *Store) PolicyFiles(ctx context.Context, revision string) (map[string][]byte, error) {
	var row revisionRow
	if err := s.db.WithContext(ctx).Where("revision = ?", revision).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("policy revision %s: %w", revision, err)
	}
	return decodeFiles(row.Files)
}

type numberedRow struct {
	Number       int64 `gorm:"primaryKey"`
	Tree         string
	Tests        string
	Parent       *int64
	Kind         string
	Author       string
	Message      string
	DraftID      *string
	ReviewedBy   *string
	PublishedBy  string
	CreatedAt    time.Time
	EffectiveAt  time.Time
	RollbackOf   *int64
	CancelledAt  *time.Time
	CancelledBy  *string
	CancelReason *string
}

func (numberedRow) TableName() string { return "revisions" }

func (r numberedRow) revision() admin.Revision {
	return admin.Revision{Number: r.Number, Tree: r.Tree, Tests: r.Tests, Parent: enterprise.Value(r.Parent), Kind: r.Kind,
		Author: r.Author, Message: r.Message, DraftID: enterprise.Value(r.DraftID), ReviewedBy: enterprise.Value(r.ReviewedBy),
		PublishedBy: r.PublishedBy, CreatedAt: r.CreatedAt.UTC(), EffectiveAt: r.EffectiveAt.UTC(),
		RollbackOf: enterprise.Value(r.RollbackOf), CancelledAt: utcPtr(r.CancelledAt), CancelledBy: enterprise.Value(r.CancelledBy),
		CancelReason: enterprise.Value(r.CancelReason)}
}

func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Revisions lists every numbered revision, newest first.
func (s *Store) Revisions(ctx context.Context) ([]admin.Revision, error) {
	var rows []numberedRow
	if err := s.db.WithContext(ctx).Order("number DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.Revision, len(rows))
	for i, r := range rows {
		out[i] = r.revision()
	}
	return out, nil
}

// Revision returns revision n.
func (s *Store) Revision(ctx context.Context, n int64) (admin.Revision, error) {
	var row numberedRow
	err := s.db.WithContext(ctx).Where("number = ?", n).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.Revision{}, admin.ErrNotFound
	}
	return row.revision(), err
}

// LiveRevision is the revision serving at now.
func (s *Store) LiveRevision(ctx context.Context, now time.Time) (admin.Revision, error) {
	var row numberedRow
	err := s.db.WithContext(ctx).Where("effective_at <= ? AND cancelled_at IS NULL", now.UTC()).
		Order("effective_at DESC, number DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return admin.Revision{}, admin.ErrNotFound
	}
	return row.revision(), err
}

// PendingRevisions are the publications scheduled after now, soonest first.
func (s *Store) PendingRevisions(ctx context.Context, now time.Time) ([]admin.Revision, error) {
	var rows []numberedRow
	if err := s.db.WithContext(ctx).Where("effective_at > ? AND cancelled_at IS NULL", now.UTC()).
		Order("effective_at, number").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]admin.Revision, len(rows))
	for i, r := range rows {
		out[i] = r.revision()
	}
	return out, nil
}

// CancelRevision cancels revision n if it still waits for a time after at,
// and tells every replica (its timer must not fire).
func (s *Store) CancelRevision(ctx context.Context, n int64, by, reason string, at time.Time) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&numberedRow{}).Where("number = ? AND cancelled_at IS NULL AND effective_at > ?", n, at.UTC()).
			Updates(map[string]any{"cancelled_at": at.UTC(), "cancelled_by": by, "cancel_reason": reason})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return admin.ErrConflict
		}
		if s.dialect == "postgres" {
			return tx.Exec("SELECT pg_notify(?, ?)", revisionsChannel, strconv.FormatInt(n, 10)).Error
		}
		return nil
	})
	if err == nil {
		s.revisionWatch.signal()
	}
	return err
}

// revisionsChannel is the Postgres channel a publication is announced on.
const revisionsChannel = "credpol_revisions"

// publishLock serialises publications on Postgres so numbers never race.
const publishLock = 0x637265647032 // "credp2"

// PublishRevision stores r under the next number with its files, cancels
// the revisions in cancel and marks r's draft published, in one transaction;
// on Postgres the commit also notifies every listening replica.
func (s *Store) PublishRevision(ctx context.Context, r admin.Revision, tree, tests map[string][]byte, cancel []int64) (admin.Revision, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.lockPublications(tx); err != nil {
			return err
		}
		var last *int64
		if err := tx.Raw("SELECT MAX(number) FROM revisions").Scan(&last).Error; err != nil {
			return err
		}
		r.Number = enterprise.Value(last) + 1
		// What the caller checked before the transaction, again under the
		// lock: two publications that both saw revision N live must not
		// both become its child.
		if err := stillCurrent(tx, r, cancel); err != nil {
			return err
		}
		if err := savePolicyFiles(tx, r.Tree, tree); err != nil {
			return err
		}
		if err := savePolicyFiles(tx, r.Tests, tests); err != nil {
			return err
		}
		if len(cancel) > 0 {
			if err := tx.Model(&numberedRow{}).Where("number IN ? AND cancelled_at IS NULL", cancel).
				Updates(map[string]any{"cancelled_at": r.CreatedAt.UTC(), "cancelled_by": r.CancelledBy}).Error; err != nil {
				return err
			}
		}
		row := numberedRow{Number: r.Number, Tree: r.Tree, Tests: r.Tests, Parent: nonZero(r.Parent), Kind: r.Kind,
			Author: r.Author, Message: r.Message, DraftID: nonZero(r.DraftID), ReviewedBy: nonZero(r.ReviewedBy),
			PublishedBy: r.PublishedBy, CreatedAt: r.CreatedAt.UTC(), EffectiveAt: r.EffectiveAt.UTC(), RollbackOf: nonZero(r.RollbackOf)}
		if err := tx.Create(&row).Error; err != nil {
			return conflictOr(err)
		}
		if r.DraftID != "" {
			res := tx.Model(&draftRow{}).Where("id = ? AND hash = ? AND state = ?", r.DraftID, r.DraftHash, string(admin.Approved)).
				Updates(map[string]any{"state": string(admin.Published), "revision": r.Number, "updated_at": r.CreatedAt.UTC()})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return admin.ErrConflict
			}
		}
		if r.Audit != nil {
			e := *r.Audit
			e.Object = fmt.Sprintf("revision/%d", r.Number)
			if _, err := s.appendAudit(tx, e); err != nil {
				return fmt.Errorf("audit entry: %w", err)
			}
		}
		if s.dialect == "postgres" {
			return tx.Exec("SELECT pg_notify(?, ?)", revisionsChannel, strconv.FormatInt(r.Number, 10)).Error
		}
		return nil
	})
	if err != nil {
		return admin.Revision{}, err
	}
	s.revisionWatch.signal() // this process's own servers need no round trip
	r.CancelledBy, r.Audit = "", nil
	return r, nil
}

// watchers are this process's listeners for publications.
type watchers struct {
	mu  sync.Mutex
	chs []chan struct{}
}

func (w *watchers) add() chan struct{} {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	w.chs = append(w.chs, ch)
	w.mu.Unlock()
	return ch
}

func (w *watchers) signal() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, ch := range w.chs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// lockPublications serialises publications: an advisory lock on Postgres;
// on SQLite a first write, which takes the database's write lock now
// (waiting for it under busy_timeout) instead of upgrading a read lock
// later, which fails at once with SQLITE_BUSY when another writer is busy.
func (s *Store) lockPublications(tx *gorm.DB) error {
	if s.dialect == "postgres" {
		return tx.Exec("SELECT pg_advisory_xact_lock(?)", publishLock).Error
	}
	return tx.Exec("UPDATE revisions SET number = number WHERE number < 0").Error
}

// stillCurrent refuses r with admin.ErrConflict unless its parent is the
// live revision and no other publication waits for its time (besides those
// r cancels); the first revision only goes into an empty history.
func stillCurrent(tx *gorm.DB, r admin.Revision, cancel []int64) error {
	if r.Kind == admin.Initial {
		if r.Number != 1 {
			return admin.ErrConflict
		}
		return nil
	}
	var live numberedRow
	err := tx.Where("effective_at <= ? AND cancelled_at IS NULL", r.CreatedAt.UTC()).
		Order("effective_at DESC, number DESC").Take(&live).Error
	if err != nil || live.Number != r.Parent {
		return errors.Join(admin.ErrConflict, err)
	}
	q := tx.Model(&numberedRow{}).Where("effective_at > ? AND cancelled_at IS NULL", r.CreatedAt.UTC())
	if len(cancel) > 0 {
		q = q.Where("number NOT IN ?", cancel)
	}
	var pending int64
	if err := q.Count(&pending).Error; err != nil {
		return err
	}
	if pending > 0 {
		return admin.ErrConflict
	}
	return nil
}

func savePolicyFiles(tx *gorm.DB, hash string, files map[string][]byte) error {
	text, err := encodeFiles(files)
	if err != nil {
		return err
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&revisionRow{Revision: hash, Files: text, CreatedAt: time.Now().UTC()}).Error
}

// WatchRevisions signals on the returned channel whenever a publication may
// have happened: at once for one made through this process, by
// notification on Postgres for one made elsewhere, and after every
// reconnect (notifications sent while disconnected are lost). SQLite is
// used by a single process, so its publications are all local.
func (s *Store) WatchRevisions(ctx context.Context, log *slog.Logger) <-chan struct{} {
	ch := s.revisionWatch.add()
	if s.dialect != "postgres" {
		return ch
	}
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	go func() {
		backoff := 100 * time.Millisecond
		for ctx.Err() == nil {
			err := s.listen(ctx, signal)
			if ctx.Err() != nil {
				return
			}
			if log != nil {
				log.Warn("revision notifications lost; reconnecting", "err", err, "in", backoff.String())
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}()
	return ch
}

func (s *Store) listen(ctx context.Context, signal func()) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+revisionsChannel); err != nil {
		return err
	}
	signal() // anything published while not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("waiting for notifications: %w", err)
		}
		signal()
	}
}

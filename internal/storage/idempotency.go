package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/credpol/credpol/internal/idempotency"
)

type idempotencyRow struct {
	Caller    string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	BodyHash  string
	Status    int
	Response  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func (r idempotencyRow) entry() idempotency.Entry {
	return idempotency.Entry{Caller: r.Caller, Key: r.Key, BodyHash: r.BodyHash, Status: r.Status,
		Response: []byte(r.Response), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

// sweepEvery spaces the deletions of expired keys: expired rows are only
// dead weight (a claim replaces its own expired row), so they need not go
// at once, and one DELETE per claim would cost every creating request.
const sweepEvery = 10 * time.Minute

// ClaimIdempotencyKey reserves caller's key for a request starting at now.
// If the key is already held by an unexpired entry, that entry is returned
// instead (claimed false): a finished one to replay, or a running one. An
// expired entry, or one left running longer than idempotency.Abandoned (the
// server stopped mid-request), is replaced.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, caller, key string, now time.Time) (idempotency.Entry, bool, error) {
	now = now.UTC()
	s.sweepIdempotencyKeys(ctx, now)
	db := s.db.WithContext(ctx)
	// Two rounds: a stale entry deleted in the first lets the second insert;
	// a concurrent claim winning in between is then reported as running.
	for range 2 {
		row := idempotencyRow{Caller: caller, Key: key, CreatedAt: now, ExpiresAt: now.Add(idempotency.TTL)}
		res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return idempotency.Entry{}, false, fmt.Errorf("claiming idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return row.entry(), true, nil
		}
		var prior idempotencyRow
		err := db.Where("caller = ? AND key = ?", caller, key).Take(&prior).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue // released or swept since the insert
		}
		if err != nil {
			return idempotency.Entry{}, false, fmt.Errorf("reading idempotency key: %w", err)
		}
		abandoned := prior.Status == 0 && !prior.CreatedAt.After(now.Add(-idempotency.Abandoned))
		if prior.ExpiresAt.After(now) && !abandoned {
			return prior.entry(), false, nil
		}
		// The condition is evaluated again by the DELETE, so a fresh entry
		// that replaced the stale one meanwhile is left alone.
		err = db.Where("caller = ? AND key = ? AND (expires_at <= ? OR (status = 0 AND created_at <= ?))",
			caller, key, now, now.Add(-idempotency.Abandoned)).Delete(&idempotencyRow{}).Error
		if err != nil {
			return idempotency.Entry{}, false, fmt.Errorf("replacing a stale idempotency key: %w", err)
		}
	}
	return idempotency.Entry{}, false, errors.New("claiming idempotency key: contended")
}

// CompleteIdempotencyKey keeps the answer of the request that claimed e's key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, e idempotency.Entry) error {
	err := s.db.WithContext(ctx).Model(&idempotencyRow{}).
		Where("caller = ? AND key = ? AND status = 0", e.Caller, e.Key).
		Updates(map[string]any{"body_hash": e.BodyHash, "status": e.Status, "response": string(e.Response)}).Error
	if err != nil {
		return fmt.Errorf("keeping the answer for an idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claim whose request did not finish with an
// answer worth keeping (a server error), so a retry runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, caller, key string) error {
	err := s.db.WithContext(ctx).Where("caller = ? AND key = ? AND status = 0", caller, key).Delete(&idempotencyRow{}).Error
	if err != nil {
		return fmt.Errorf("releasing an idempotency key: %w", err)
	}
	return nil
}

// sweepIdempotencyKeys deletes expired keys, at most once per sweepEvery.
func (s *Store) sweepIdempotencyKeys(ctx context.Context, now time.Time) {
	last := s.idempotencySweep.Load()
	if now.UnixNano()-last < int64(sweepEvery) || !s.idempotencySweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	// A failed sweep only leaves dead rows for the next one; the claim that
	// triggered it must not fail for that.
	s.db.WithContext(ctx).Where("expires_at <= ?", now).Delete(&idempotencyRow{})
}

// CountIdempotencyKeys counts kept keys, expired ones included, for tests and operations.
func (s *Store) CountIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	return n, s.db.WithContext(ctx).Model(&idempotencyRow{}).Count(&n).Error
}

package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/credpol/credpol/internal/audit"
)

// Table: audit_log (append-only; the migration's triggers refuse UPDATE and DELETE).

type auditRow struct {
	Seq          int64 `gorm:"primaryKey;autoIncrement:false"`
	At           time.Time
	Actor        string
	Source       string
	RequestID    string
	Action       string
	Object       string
	Jurisdiction string
	BeforeHash   string
	AfterHash    string
	Details      string
	PrevHash     string
	Hash         string
}

func (auditRow) TableName() string { return "audit_log" }

func (r auditRow) entry() audit.Entry {
	return audit.Entry{Seq: r.Seq, At: r.At.UTC(), Actor: r.Actor, Source: r.Source, RequestID: r.RequestID, Action: r.Action,
		Object: r.Object, Jurisdiction: r.Jurisdiction, BeforeHash: r.BeforeHash, AfterHash: r.AfterHash, Details: r.Details,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

// auditLock serialises appends on Postgres, across every replica, so the
// chain stays one line.
const auditLock = 0x637265647033 // "credp3"

// AppendAudit chains e after the last entry and stores it, returning it
// with its sequence number and hashes.
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		e, err = s.appendAudit(tx, e)
		return err
	})
	return e, err
}

// appendAudit is AppendAudit inside tx, for actions that write their own
// rows in the same transaction.
func (s *Store) appendAudit(tx *gorm.DB, e audit.Entry) (audit.Entry, error) {
	if s.dialect == "postgres" {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", auditLock).Error; err != nil {
			return audit.Entry{}, err
		}
	} else if err := tx.Exec("UPDATE revisions SET number = number WHERE number < 0").Error; err != nil {
		// A first write takes SQLite's write lock now, as lockPublications does.
		return audit.Entry{}, err
	}
	var last auditRow
	var prev *audit.Entry
	switch err := tx.Order("seq DESC").Limit(1).Take(&last).Error; {
	case err == nil:
		p := last.entry()
		prev = &p
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return audit.Entry{}, err
	}
	e = audit.Chain(prev, e)
	row := auditRow{Seq: e.Seq, At: e.At, Actor: e.Actor, Source: e.Source, RequestID: e.RequestID, Action: e.Action,
		Object: e.Object, Jurisdiction: e.Jurisdiction, BeforeHash: e.BeforeHash, AfterHash: e.AfterHash, Details: e.Details,
		PrevHash: e.PrevHash, Hash: e.Hash}
	if err := tx.Create(&row).Error; err != nil {
		return audit.Entry{}, err
	}
	return e, nil
}

// AuditEntries lists the entries stored after seq in stored order, at most limit.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]audit.Entry, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// VerifyAudit walks the whole audit log, a page at a time.
func (s *Store) VerifyAudit(ctx context.Context) (audit.Verifier, error) {
	return s.VerifyAuditAnchored(ctx, nil)
}

// VerifyAuditAnchored is VerifyAudit also holding entries to head hashes
// recorded outside the database (seq → hash).
func (s *Store) VerifyAuditAnchored(ctx context.Context, anchors map[int64]string) (audit.Verifier, error) {
	v := audit.Verifier{Anchors: anchors}
	var after int64
	for {
		page, err := s.AuditEntries(ctx, after, 1000)
		if err != nil {
			return v, err
		}
		for _, e := range page {
			if !v.Next(e) {
				return v, nil
			}
		}
		if len(page) < 1000 {
			v.End()
			return v, nil
		}
		after = page[len(page)-1].Seq
	}
}

// SearchAudit lists the entries q selects, newest first.
func (s *Store) SearchAudit(ctx context.Context, q audit.Query) ([]audit.Entry, error) {
	db := s.db.WithContext(ctx).Model(&auditRow{})
	if q.Actor != "" {
		db = db.Where("actor = ?", q.Actor)
	}
	if q.Action != "" {
		db = db.Where("action = ?", q.Action)
	}
	if q.Object != "" {
		db = db.Where("object = ?", q.Object)
	}
	if q.Jurisdictions != nil {
		if len(q.Jurisdictions) == 0 {
			return []audit.Entry{}, nil
		}
		db = db.Where("jurisdiction IN ?", q.Jurisdictions)
	}
	if !q.From.IsZero() {
		db = db.Where("at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("at < ?", q.To.UTC())
	}
	if q.Before > 0 {
		db = db.Where("seq < ?", q.Before)
	}
	var rows []auditRow
	if err := db.Order("seq DESC").Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]audit.Entry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/glebarez/go-sqlite"
	"github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/decisionlog"
)

// Tables: decision_log_batches (the chain of written batches) and
// decision_log_chain_cut (where retention cut it); decision_log's batch and
// entry_hash columns tie each row to its batch (internal/decisionlog/chain.go).

type batchRow struct {
	Seq         int64 `gorm:"primaryKey;autoIncrement:false"`
	WrittenAt   time.Time
	Entries     int
	FirstLogged time.Time
	LastLogged  time.Time
	Root        string
	Prev        string
	Hash        string
}

func (batchRow) TableName() string { return "decision_log_batches" }

func (r batchRow) batch() decisionlog.Batch {
	return decisionlog.Batch{Seq: r.Seq, WrittenAt: r.WrittenAt.UTC(), Entries: r.Entries, FirstLogged: r.FirstLogged.UTC(),
		LastLogged: r.LastLogged.UTC(), Root: r.Root, Prev: r.Prev, Hash: r.Hash}
}

func batchRowOf(b decisionlog.Batch) batchRow {
	return batchRow{Seq: b.Seq, WrittenAt: b.WrittenAt, Entries: b.Entries, FirstLogged: b.FirstLogged,
		LastLogged: b.LastLogged, Root: b.Root, Prev: b.Prev, Hash: b.Hash}
}

type chainCutRow struct {
	ID        int `gorm:"primaryKey;autoIncrement:false"`
	CutBefore time.Time
	LastSeq   int64
	LastHash  string
}

func (chainCutRow) TableName() string { return "decision_log_chain_cut" }

// chainLock serialises batch writes across every replica on one database:
// each batch names the one before it.
const chainLock = 0x6372_6564_6c6f_67 // "credlog"

// entryOf is what a row's hash covers.
func (row decisionRow) entry() decisionlog.Entry {
	return decisionlog.Entry{ID: row.ID, LoggedAt: row.LoggedAt.UTC(), Caller: row.Caller, Decision: row.Decision,
		Jurisdiction: row.Jurisdiction, Source: row.Source, EnterpriseID: row.EnterpriseID, AsOf: row.AsOf,
		Revision: row.Revision, RequestID: row.RequestID, Input: row.Input, Result: row.Result, Reasons: row.Reasons,
		LatencyUs: row.LatencyUs}
}

// chain numbers rows as the batch after prev, written at now.
func chain(rows []decisionRow, prev *decisionlog.Batch, now time.Time) batchRow {
	entries := make([]decisionlog.Entry, len(rows))
	for i, r := range rows {
		entries[i] = r.entry()
	}
	b, hashes := decisionlog.NextBatch(prev, entries, now)
	for i := range rows {
		rows[i].Batch, rows[i].EntryHash = &b.Seq, &hashes[i]
	}
	return batchRowOf(b)
}

// insertChainedPostgres writes rows as one batch of the chain, under the
// chain's lock. It first COPYs them all; only if one is stored already (a
// batch retried after an uncertain failure) does it write again, leaving
// those out. An error the rows' content causes is rejected (classify).
func (s *Store) insertChainedPostgres(ctx context.Context, rows []decisionRow) error {
	err := s.writeChainPostgres(ctx, rows, false)
	var pg *pgconn.PgError
	if ce := (copyError{}); errors.As(err, &ce) && errors.As(ce.err, &pg) && pg.Code == "23505" {
		err = s.writeChainPostgres(ctx, rows, true)
	}
	if ce := (copyError{}); errors.As(err, &ce) {
		return classify(ce.err)
	}
	return err
}

// copyError is a failure to store the rows themselves, which their content
// may cause; every other failure is the store's.
type copyError struct{ err error }

func (e copyError) Error() string { return e.err.Error() }
func (e copyError) Unwrap() error { return e.err }

// writeChainPostgres is one attempt, in three round trips: the lock and the
// last batch; the rows; the batch record and the commit.
func (s *Store) writeChainPostgres(ctx context.Context, rows []decisionRow, leaveOutStored bool) error {
	return s.withPgx(ctx, func(pc *pgx.Conn) (err error) {
		defer func() {
			if err != nil {
				pc.Exec(context.WithoutCancel(ctx), "ROLLBACK")
			}
		}()
		start := &pgx.Batch{}
		start.Queue("BEGIN")
		start.Queue("SELECT pg_advisory_xact_lock($1)", int64(chainLock))
		last := start.Queue("SELECT seq, written_at, entries, first_logged, last_logged, root, prev, hash FROM decision_log_batches ORDER BY seq DESC LIMIT 1")
		var found []batchRow
		last.Query(func(r pgx.Rows) error {
			found, err = pgx.CollectRows(r, pgx.RowToStructByPos[batchRow])
			return err
		})
		if err := pc.SendBatch(ctx, start).Close(); err != nil {
			return err
		}
		if leaveOutStored {
			ids := make([]string, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			q, err := pc.Query(ctx, "SELECT id FROM decision_log WHERE id = ANY($1)", ids)
			if err != nil {
				return err
			}
			stored, err := pgx.CollectRows(q, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if rows = unstored(rows, stored); len(rows) == 0 {
				_, err = pc.Exec(ctx, "COMMIT")
				return err
			}
		}
		var prev *decisionlog.Batch
		if len(found) == 1 {
			b := found[0].batch()
			prev = &b
		}
		b := chain(rows, prev, time.Now())
		src := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.ID, r.LoggedAt, r.Caller, r.Decision, r.Jurisdiction, r.Source, r.EnterpriseID, r.AsOf,
				r.Revision, r.RequestID, r.Input, r.Result, r.Reasons, r.LatencyUs, r.Batch, r.EntryHash}, nil
		})
		if _, err := pc.CopyFrom(ctx, pgx.Identifier{"decision_log"}, []string{"id", "logged_at", "caller",
			"decision", "jurisdiction", "source", "enterprise_id", "as_of", "revision", "request_id", "input", "result",
			"reasons", "latency_us", "batch", "entry_hash"}, src); err != nil {
			return copyError{err}
		}
		end := &pgx.Batch{}
		end.Queue(`INSERT INTO decision_log_batches (seq, written_at, entries, first_logged, last_logged, root, prev, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, b.Seq, b.WrittenAt, b.Entries, b.FirstLogged, b.LastLogged, b.Root, b.Prev, b.Hash)
		end.Queue("COMMIT")
		return pc.SendBatch(ctx, end).Close()
	})
}

// insertChainedGorm is insertChainedPostgres on SQLite, whose writes take
// turns anyway.
func (s *Store) insertChainedGorm(ctx context.Context, rows []decisionRow) error {
	err := s.writeChainGorm(ctx, rows, false)
	var lite *sqlite.Error
	if ce := (copyError{}); errors.As(err, &ce) && errors.As(ce.err, &lite) && lite.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		err = s.writeChainGorm(ctx, rows, true)
	}
	if ce := (copyError{}); errors.As(err, &ce) {
		return classify(ce.err)
	}
	return err
}

func (s *Store) writeChainGorm(ctx context.Context, rows []decisionRow, leaveOutStored bool) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if leaveOutStored {
			ids := make([]string, len(rows))
			for i, r := range rows {
				ids[i] = r.ID
			}
			var stored []string
			if err := tx.Model(&decisionRow{}).Where("id IN ?", ids).Pluck("id", &stored).Error; err != nil {
				return err
			}
			if rows = unstored(rows, stored); len(rows) == 0 {
				return nil
			}
		}
		var last []batchRow
		if err := tx.Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		var prev *decisionlog.Batch
		if len(last) == 1 {
			b := last[0].batch()
			prev = &b
		}
		b := chain(rows, prev, time.Now())
		if err := tx.CreateInBatches(rows, 200).Error; err != nil {
			return copyError{err}
		}
		return tx.Create(&b).Error
	})
}

func unstored(rows []decisionRow, stored []string) []decisionRow {
	if len(stored) == 0 {
		return rows
	}
	have := make(map[string]bool, len(stored))
	for _, id := range stored {
		have[id] = true
	}
	out := rows[:0:0]
	for _, r := range rows {
		if !have[r.ID] {
			out = append(out, r)
		}
	}
	return out
}

// DecisionBatches lists batch records after a sequence number, in order.
func (s *Store) DecisionBatches(ctx context.Context, after int64, limit int) ([]decisionlog.Batch, error) {
	var rows []batchRow
	if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]decisionlog.Batch, len(rows))
	for i, r := range rows {
		out[i] = r.batch()
	}
	return out, nil
}

// BatchEntries returns the rows of one batch, their JSON in the encoding
// the writer hashed (Postgres keeps JSONB in its own).
func (s *Store) BatchEntries(ctx context.Context, seq int64) ([]decisionlog.StoredEntry, error) {
	var rows []decisionRow
	if err := s.db.WithContext(ctx).Where("batch = ?", seq).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]decisionlog.StoredEntry, len(rows))
	for i, r := range rows {
		e, err := r.stored()
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// stored is the row as its hash covers it, with the hash written with it.
func (r decisionRow) stored() (decisionlog.StoredEntry, error) {
	for _, col := range []*string{&r.Input, &r.Result, &r.Reasons} {
		canonical, err := writerJSON(*col)
		if err != nil {
			return decisionlog.StoredEntry{}, fmt.Errorf("decision %s: %w", r.ID, err)
		}
		*col = canonical
	}
	return decisionlog.StoredEntry{Entry: r.entry(), StoredHash: deref(r.EntryHash)}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ChainCut is where retention last cut the log.
func (s *Store) ChainCut(ctx context.Context) (*decisionlog.Cut, error) {
	var rows []chainCutRow
	if err := s.db.WithContext(ctx).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	return &decisionlog.Cut{Before: rows[0].CutBefore.UTC(), LastSeq: rows[0].LastSeq, LastHash: rows[0].LastHash}, nil
}

// UnchainedDecisions counts rows logged before the chain, and rows whose
// batch has no record.
func (s *Store) UnchainedDecisions(ctx context.Context) (before, orphaned int64, err error) {
	db := s.db.WithContext(ctx)
	if err = db.Model(&decisionRow{}).Where("batch IS NULL").Count(&before).Error; err != nil {
		return 0, 0, err
	}
	err = db.Model(&decisionRow{}).Where("batch IS NOT NULL AND NOT EXISTS (SELECT 1 FROM decision_log_batches b WHERE b.seq = decision_log.batch)").
		Count(&orphaned).Error
	return before, orphaned, err
}

// cutChain records a retention cut at before, after removed went: the
// batches all of whose rows were logged before it go, the chain goes on from
// the last of them, and the audit log records both, so verify still passes
// on what remains and an auditor sees what was removed and when.
func (s *Store) cutChain(ctx context.Context, before time.Time, removed string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var gone []batchRow
		if err := tx.Where("last_logged < ?", before).Order("seq DESC").Limit(1).Find(&gone).Error; err != nil {
			return err
		}
		cut := chainCutRow{ID: 1, CutBefore: before}
		var prev []chainCutRow
		if err := tx.Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		if len(prev) == 1 {
			cut.LastSeq, cut.LastHash = prev[0].LastSeq, prev[0].LastHash
		}
		if len(gone) == 1 && gone[0].Seq > cut.LastSeq {
			cut.LastSeq, cut.LastHash = gone[0].Seq, gone[0].Hash
		}
		if err := tx.Where("seq <= ?", cut.LastSeq).Delete(&batchRow{}).Error; err != nil {
			return err
		}
		if err := tx.Save(&cut).Error; err != nil {
			return err
		}
		details, err := json.Marshal(map[string]any{"removed": removed, "before": before.Format(time.RFC3339),
			"chain_continues_after_batch": cut.LastSeq, "chain_hash_at_cut": cut.LastHash})
		if err != nil {
			return err
		}
		_, err = s.appendAudit(tx, audit.Entry{At: time.Now().UTC(), Actor: "retention", Action: admin.ActRetention,
			Object: "decision_log", AfterHash: cut.LastHash, Details: string(details)})
		return err
	})
}

// writerJSON re-encodes a stored JSON column as the writer encoded it:
// Postgres keeps JSONB with its own key order, spacing and number forms.
// Integers that fit 64 bits keep their digits; other numbers are floats,
// written as Go writes a float.
func writerJSON(text string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var err error
	v, err = asWritten(v)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func asWritten(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			y, err := asWritten(x)
			if err != nil {
				return nil, err
			}
			v[k] = y
		}
	case []any:
		for i, x := range v {
			y, err := asWritten(x)
			if err != nil {
				return nil, err
			}
			v[i] = y
		}
	case json.Number:
		if _, err := v.Int64(); err == nil && !strings.ContainsAny(string(v), ".eE") {
			return v, nil
		}
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, errors.New("a number the writer could not have written: " + string(v))
		}
		return f, nil
	}
	return v, nil
}

// DecisionProof is one stored row, read back as its hash covers it, with
// the hash written with it and its batch's record (nil before the chain).
func (s *Store) DecisionProof(ctx context.Context, id string) (decisionlog.StoredEntry, *decisionlog.Batch, error) {
	var rows []decisionRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return decisionlog.StoredEntry{}, nil, err
	}
	if len(rows) == 0 {
		return decisionlog.StoredEntry{}, nil, decisionlog.ErrRecordNotFound
	}
	r := rows[0]
	entry, err := r.stored()
	if err != nil || r.Batch == nil {
		return entry, nil, err
	}
	var batches []batchRow
	if err := s.db.WithContext(ctx).Where("seq = ?", *r.Batch).Limit(1).Find(&batches).Error; err != nil || len(batches) == 0 {
		return entry, nil, err
	}
	b := batches[0].batch()
	return entry, &b, nil
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/glebarez/go-sqlite"
	"github.com/goccy/go-json"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/credpol/credpol/internal/decisionlog"
)

type decisionRow struct {
	ID           string `gorm:"primaryKey"`
	LoggedAt     time.Time
	Caller       string
	Decision     string
	Jurisdiction string
	Source       string
	EnterpriseID *string
	AsOf         string
	Revision     string
	RequestID    *string
	Input        string
	Result       string
	Reasons      string
	LatencyUs    int64
	Batch        *int64  // the chain's batch the row was written in; nil before the chain
	EntryHash    *string // the hash of the row's content when written
}

func (decisionRow) TableName() string { return "decision_log" }

// InsertDecisions writes records; a record already logged (same id) is left
// as it is, so a batch retried after an uncertain failure lands exactly once.
func (s *Store) InsertDecisions(ctx context.Context, recs []decisionlog.Record) error {
	rows := make([]decisionRow, len(recs))
	for i, r := range recs {
		row, err := decisionRowOf(r)
		if err != nil {
			return rejected{err}
		}
		rows[i] = row
	}
	// Each write is one batch of the tamper-evident chain (decisionlog_chain.go).
	if s.dialect == "postgres" {
		if err := s.ensurePartitions(ctx, rows); err != nil {
			return err
		}
		return s.insertChainedPostgres(ctx, rows)
	}
	return s.insertChainedGorm(ctx, rows)
}

// rejected marks an error the store gives for a record's content: a retry of
// the same record can never succeed, so the decision log sets it aside
// instead of holding everything behind it.
type rejected struct{ err error }

func (r rejected) Error() string  { return "the store refuses the record: " + r.err.Error() }
func (r rejected) Unwrap() error  { return r.err }
func (r rejected) Rejected() bool { return true }

// classify wraps errors caused by the data rather than the store's state.
func classify(err error) error {
	var pg *pgconn.PgError
	var lite *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pg):
		// 22: data exception (e.g. 22P05, \u0000 in JSONB; 22001 too long);
		// 23: integrity violation; 54: program limit exceeded (row too big).
		// Everything else (connections, missing tables, locks) may pass.
		switch pg.Code[:2] {
		case "22", "23", "54":
			return rejected{err}
		}
	case errors.As(err, &lite):
		switch lite.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH:
			return rejected{err}
		}
	}
	return err
}

type rejectedRow struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement"`
	DecisionID *string
	RejectedAt time.Time
	Reason     string
	Record     []byte
}

func (rejectedRow) TableName() string { return "decision_log_rejected" }

// RejectDecision keeps a decision log entry the store refused, byte for byte.
func (s *Store) RejectDecision(ctx context.Context, id string, raw []byte, reason string) error {
	row := rejectedRow{RejectedAt: time.Now().UTC(), Reason: reason, Record: raw}
	if id != "" {
		row.DecisionID = &id
	}
	return s.db.WithContext(ctx).Create(&row).Error
}

// CountRejectedDecisions counts dead letters, for tests and operations.
func (s *Store) CountRejectedDecisions(ctx context.Context) (int64, error) {
	var n int64
	return n, s.db.WithContext(ctx).Model(&rejectedRow{}).Count(&n).Error
}

func (s *Store) ensurePartitions(ctx context.Context, rows []decisionRow) error {
	for _, r := range rows {
		month := time.Date(r.LoggedAt.Year(), r.LoggedAt.Month(), 1, 0, 0, 0, 0, time.UTC)
		name := fmt.Sprintf("decision_log_%04d_%02d", month.Year(), month.Month())
		if _, ok := s.partitions.Load(name); ok {
			continue
		}
		err := s.db.WithContext(ctx).Exec(fmt.Sprintf(
			"CREATE TABLE IF NOT EXISTS %s PARTITION OF decision_log FOR VALUES FROM ('%s') TO ('%s')",
			name, month.Format(time.DateOnly), month.AddDate(0, 1, 0).Format(time.DateOnly))).Error
		if err != nil {
			return fmt.Errorf("creating partition %s: %w", name, err)
		}
		s.partitions.Store(name, true)
	}
	return nil
}

// PruneDecisions removes log entries older than before: whole monthly
// partitions on Postgres, rows on SQLite.
func (s *Store) PruneDecisions(ctx context.Context, before time.Time) error {
	if s.dialect != "postgres" {
		res := s.db.WithContext(ctx).Where("logged_at < ?", before.UTC()).Delete(&decisionRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return s.cutChain(ctx, before.UTC(), fmt.Sprintf("%d decisions logged before %s", res.RowsAffected, before.UTC().Format(time.RFC3339)))
	}
	var names []string
	err := s.db.WithContext(ctx).Raw(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'decision_log'`).Scan(&names).Error
	if err != nil {
		return err
	}
	var cut time.Time // the end of the latest month dropped: every row before it is gone
	var dropped []string
	for _, name := range names {
		var y, m int
		if _, err := fmt.Sscanf(name, "decision_log_%04d_%02d", &y, &m); err != nil {
			continue
		}
		if end := time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC); !end.After(before) {
			if err := s.db.WithContext(ctx).Exec("DROP TABLE " + name).Error; err != nil {
				return err
			}
			s.partitions.Delete(name)
			dropped = append(dropped, name)
			if end.After(cut) {
				cut = end
			}
		}
	}
	if cut.IsZero() {
		return nil
	}
	return s.cutChain(ctx, cut, "partitions "+strings.Join(dropped, ", "))
}

// DecisionRecord returns one logged decision.
func (s *Store) DecisionRecord(ctx context.Context, id string) (decisionlog.Record, error) {
	var row decisionRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return decisionlog.Record{}, decisionlog.ErrRecordNotFound
	}
	if err != nil {
		return decisionlog.Record{}, err
	}
	return row.record()
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// SearchDecisions returns logged decisions matching q, newest first.
func (s *Store) SearchDecisions(ctx context.Context, q decisionlog.LogQuery) ([]decisionlog.Record, error) {
	db := s.db.WithContext(ctx).Model(&decisionRow{}).Order("id DESC").Limit(q.Limit)
	if q.EnterpriseID != "" {
		db = db.Where("enterprise_id = ?", q.EnterpriseID)
	}
	if q.Decision != "" {
		db = db.Where("decision = ?", q.Decision)
	}
	if q.Jurisdiction != "" {
		db = db.Where("jurisdiction = ?", q.Jurisdiction)
	}
	if q.Caller != "" {
		db = db.Where("caller = ?", q.Caller)
	}
	if q.Within != nil {
		db = db.Where("jurisdiction IN ?", q.Within)
	}
	if q.Decisions != nil {
		db = db.Where("decision IN ?", q.Decisions)
	}
	if !q.From.IsZero() {
		db = db.Where("logged_at >= ?", q.From.UTC())
	}
	if !q.To.IsZero() {
		db = db.Where("logged_at < ?", q.To.UTC())
	}
	if q.Before != "" {
		db = db.Where("id < ?", q.Before)
	}
	if q.OutcomeField != "" {
		if !fieldName.MatchString(q.OutcomeField) {
			return nil, fmt.Errorf("outcome field %q is not a result field name", q.OutcomeField)
		}
		if s.dialect == "postgres" {
			typed, text, err := outcomeDocuments(q.OutcomeField, q.OutcomeValue)
			if err != nil {
				return nil, err
			}
			db = db.Where("(result @> ?::jsonb OR result @> ?::jsonb)", typed, text)
		} else {
			// JSON booleans come back from json_extract as 0/1; compare them as text.
			path := "$." + q.OutcomeField
			db = db.Where(`CASE json_type(result, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
				ELSE CAST(json_extract(result, ?) AS TEXT) END = ?`, path, path, q.OutcomeValue)
		}
	}
	var rows []decisionRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]decisionlog.Record, 0, len(rows))
	for _, r := range rows {
		rec, err := r.record()
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// CountDecisions counts logged decisions, for tests and operations.
func (s *Store) CountDecisions(ctx context.Context) (int64, error) {
	var n int64
	return n, s.db.WithContext(ctx).Model(&decisionRow{}).Count(&n).Error
}

func decisionRowOf(r decisionlog.Record) (decisionRow, error) {
	if r.Encoded == nil { // a record the log did not take: encoded here
		if err := r.Encode(); err != nil {
			return decisionRow{}, err
		}
	}
	in, res, why := r.Encoded.Input, r.Encoded.Result, r.Encoded.Reasons
	// To the microsecond, as Postgres keeps a timestamp: the row's hash covers it.
	row := decisionRow{ID: r.ID, LoggedAt: r.Time.UTC().Round(time.Microsecond), Caller: r.Caller, Decision: r.Decision, Jurisdiction: r.Jurisdiction,
		Source: r.Source, AsOf: r.AsOf, Revision: r.Revision, Input: string(in), Result: string(res), Reasons: string(why),
		LatencyUs: r.Latency.Microseconds()}
	if r.EnterpriseID != "" {
		row.EnterpriseID = &r.EnterpriseID
	}
	if r.RequestID != "" {
		row.RequestID = &r.RequestID
	}
	return row, nil
}

func (row decisionRow) record() (decisionlog.Record, error) {
	r := decisionlog.Record{ID: row.ID, Time: row.LoggedAt.UTC(), Caller: row.Caller, Decision: row.Decision,
		Jurisdiction: row.Jurisdiction, Source: row.Source, AsOf: row.AsOf, Revision: row.Revision,
		Latency: time.Duration(row.LatencyUs) * time.Microsecond}
	if row.EnterpriseID != nil {
		r.EnterpriseID = *row.EnterpriseID
	}
	if row.RequestID != nil {
		r.RequestID = *row.RequestID
	}
	err := errors.Join(json.Unmarshal([]byte(row.Input), &r.Input), json.Unmarshal([]byte(row.Result), &r.Result),
		json.Unmarshal([]byte(row.Reasons), &r.Reasons))
	return r, err
}

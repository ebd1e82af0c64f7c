// Package storage owns the database: it opens the embedded SQLite store or
// Postgres, applies versioned migrations, and maps rows to business types.
// Nothing outside this package sees *gorm.DB or a row type.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// Store is credpol's database.
type Store struct {
	db         *gorm.DB
	dialect    string
	url        string   // for the Postgres connection that listens for publications
	partitions sync.Map // decision_log partitions known to exist (Postgres)
	// revisionWatch wakes this process's followers after its own publications.
	revisionWatch watchers
	// idempotencySweep is when expired idempotency keys were last deleted (Unix ns).
	idempotencySweep atomic.Int64
	// jobs is the job queue's pgx pool on Postgres, opened on first use (jobs.go).
	jobs     *pgxpool.Pool
	jobsErr  error
	jobsOnce sync.Once
}

// Open connects to url: postgres://… or postgresql://… for Postgres, anything
// else is a SQLite file path (sqlite:// prefix optional).
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // single statements need no wrapping transaction
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var (
		dialector gorm.Dialector
		dialect   string
	)
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		dialector, dialect = postgres.Open(rawURL), "postgres"
	default:
		path := strings.TrimPrefix(rawURL, "sqlite://")
		if path == "" {
			return nil, errors.New("database URL is empty")
		}
		// WAL lets readers run beside the single writer; busy_timeout makes
		// concurrent writers wait instead of failing with SQLITE_BUSY.
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(5000)")
		q.Add("_pragma", "foreign_keys(1)")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		dialector, dialect = sqlite.Open(path+sep+q.Encode()), "sqlite"
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening %s store: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect, url: rawURL}
	if conn, err := db.DB(); err == nil {
		// database/sql keeps only 2 idle connections by default: under
		// concurrent decisions the rest would be closed and reopened, a new
		// Postgres backend each time. Keep a pool sized for the load.
		conn.SetMaxOpenConns(64)
		conn.SetMaxIdleConns(64)
		conn.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if log != nil {
		log.Info("store opened", "dialect", dialect)
	}
	return s, nil
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	conn, err := s.db.DB()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := conn.PingContext(ctx); err != nil {
		return fmt.Errorf("store not answering: %w", err)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	if s.jobs != nil {
		s.jobs.Close()
	}
	conn, err := s.db.DB()
	if err != nil {
		return err
	}
	return conn.Close()
}

type jurisdictionRow struct {
	Code   string
	Name   string
	Level  string
	Parent *string
}

func (jurisdictionRow) TableName() string { return "jurisdictions" }

// Jurisdictions loads the jurisdiction rows: every node a server or tool has
// synced into this store (SyncJurisdictions). Decisions resolve along the
// policy tree's own jurisdictions.json; the rows exist for the foreign keys
// of enterprises and sampling plans.
func (s *Store) Jurisdictions(ctx context.Context) (*jurisdiction.Registry, error) {
	var rows []jurisdictionRow
	if err := s.db.WithContext(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("loading jurisdictions: %w", err)
	}
	nodes := make([]jurisdiction.Jurisdiction, len(rows))
	for i, r := range rows {
		nodes[i] = jurisdiction.Jurisdiction{Code: r.Code, Name: r.Name, Level: r.Level}
		if r.Parent != nil {
			nodes[i].Parent = *r.Parent
		}
	}
	return jurisdiction.New(nodes)
}

// SyncJurisdictions makes the jurisdictions table hold every node of reg, the
// tree of the policy revision about to serve: new nodes are inserted and
// changed names, levels and parents updated, so facts can be stored under a
// county as soon as the revision that adds it serves. A row the tree no
// longer lists is kept: stored enterprises and plans may still point at it.
func (s *Store) SyncJurisdictions(ctx context.Context, reg *jurisdiction.Registry) error {
	var existing []jurisdictionRow
	if err := s.db.WithContext(ctx).Find(&existing).Error; err != nil {
		return fmt.Errorf("loading jurisdictions: %w", err)
	}
	stored := make(map[string]jurisdictionRow, len(existing))
	for _, r := range existing {
		stored[r.Code] = r
	}
	var rows []jurisdictionRow
	for _, j := range reg.All() {
		row := jurisdictionRow{Code: j.Code, Name: j.Name, Level: j.Level}
		if j.Parent != "" {
			row.Parent = &j.Parent
		}
		if old, ok := stored[j.Code]; !ok || old.Name != row.Name || old.Level != row.Level || enterprise.Value(old.Parent) != j.Parent {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Parents first, so each row's parent exists when the row is written.
	depth := func(code string) int { c, _ := reg.Chain(code); return len(c) }
	sort.SliceStable(rows, func(i, k int) bool { return depth(rows[i].Code) < depth(rows[k].Code) })
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "code"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "level", "parent"}),
		}).CreateInBatches(rows, 500).Error
	})
	if err != nil {
		return fmt.Errorf("storing the jurisdiction tree: %w", err)
	}
	return nil
}

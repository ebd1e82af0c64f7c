package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// The job queue is River (riverqueue/river) in the store's own database:
// work that outlives a request and is spread over every replica (impact
// runs) is inserted here and taken by any server's workers. On Postgres
// River needs a pgx pool of its own; on SQLite it runs on the store's
// connections through River's SQLite driver, which needs the JSON functions
// of SQLite 3.45 (jsonb): modernc.org/sqlite v1.60 has them, the version
// glebarez/go-sqlite pins by itself (v1.23) does not.

// JobClient is River's client on this store, whichever database it is.
type JobClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	JobDeleteMany(ctx context.Context, params *river.JobDeleteManyParams) (*river.JobDeleteManyResult, error)
	ID() string
}

var (
	_ JobClient = (*river.Client[pgx.Tx])(nil)
	_ JobClient = (*river.Client[*sql.Tx])(nil)
)

// NewJobClient returns a River client on this store's database with cfg's
// queues and workers. The caller starts and stops it.
func (s *Store) NewJobClient(cfg *river.Config) (JobClient, error) {
	if s.dialect == "postgres" {
		pool, err := s.jobPool()
		if err != nil {
			return nil, err
		}
		return river.NewClient(riverpgxv5.New(pool), cfg)
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return river.NewClient(riversqlite.New(db), cfg)
}

// jobPool opens, once, the pgx pool River uses on Postgres.
func (s *Store) jobPool() (*pgxpool.Pool, error) {
	s.jobsOnce.Do(func() {
		cfg, err := pgxpool.ParseConfig(s.url)
		if err != nil {
			s.jobsErr = fmt.Errorf("job queue: %w", err)
			return
		}
		// River holds one connection to listen for new jobs and cancels,
		// and a few for fetching and completing; the work itself runs on
		// the store's own pool.
		cfg.MaxConns = 8
		s.jobs, s.jobsErr = pgxpool.NewWithConfig(context.Background(), cfg)
	})
	return s.jobs, s.jobsErr
}

// migrateJobs applies River's own migrations. Migrate calls it while it
// holds the migration lock, so replicas starting together take turns here
// as they do for credpol's migrations.
func (s *Store) migrateJobs(ctx context.Context) error {
	return s.jobMigrations(ctx, false)
}

// checkJobSchema reports River's migrations not applied yet, writing nothing.
func (s *Store) checkJobSchema(ctx context.Context) error {
	return s.jobMigrations(ctx, true)
}

func (s *Store) jobMigrations(ctx context.Context, check bool) error {
	if s.dialect == "postgres" {
		pool, err := s.jobPool()
		if err != nil {
			return err
		}
		return runJobMigrations(ctx, riverpgxv5.New(pool), check)
	}
	db, err := s.db.DB()
	if err != nil {
		return err
	}
	return runJobMigrations(ctx, riversqlite.New(db), check)
}

func runJobMigrations[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], check bool) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("job queue (River) migrations: %w", err)
	}
	if !check {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("job queue (River) migrations: %w", err)
		}
		return nil
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("job queue (River) migrations: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w: the job queue's (River's) %s", ErrSchemaNotCurrent, strings.Join(res.Messages, "; "))
	}
	return nil
}

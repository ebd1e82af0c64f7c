package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are goose SQL files named NNNN_description.sql, each starting
// with a "-- +goose Up" line, applied in order, each in its own transaction,
// and recorded in goose's table goose_db_version. A file named
// NNNN_description.<dialect>.sql replaces the common one on that dialect
// (postgres or sqlite) where the two must differ. A statement that holds
// semicolons of its own (a function body between $$) goes between
// "-- +goose StatementBegin" and "-- +goose StatementEnd" lines.
//
// A migration numbered below one already applied is applied too: work
// developed side by side lands in either order (0012, the audit log, came
// after 0013 had been applied to some databases), and each migration stands
// on the ones below its number, which are applied.
//
// The SHA-256 of every applied file is kept in schema_migration_checksums,
// and a file changed after it was applied stops every later Migrate: a
// change to the schema goes in a new migration.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

const (
	gooseTable    = goose.DefaultTablename
	checksumTable = "schema_migration_checksums"
	// legacyTable is where the runner before goose recorded migrations.
	legacyTable = "schema_migrations"
	// migrateLockID is the advisory lock the whole of a Migrate runs under on
	// Postgres. It is the lock the runner before goose took, so a replica of
	// the previous release starting beside this one waits for it too.
	migrateLockID int64 = 0x637265647031 // "credp1"
)

// ErrSchemaNotCurrent is returned by CheckSchema when migrations are pending.
var ErrSchemaNotCurrent = errors.New("the database schema is not current")

// Migrate applies every migration the database has not seen and returns the
// names of those it applied. On Postgres, replicas starting together take
// turns under an advisory lock: one applies, the others find nothing left.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	return s.migrateFS(ctx, s.migrations())
}

// CheckSchema returns an error wrapping ErrSchemaNotCurrent unless every
// migration has been applied, and refuses a migration file changed since it
// was applied, as Migrate would. It writes nothing and takes no lock.
func (s *Store) CheckSchema(ctx context.Context) error {
	return s.checkSchemaFS(ctx, s.migrations())
}

func (s *Store) migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded
	}
	return sub
}

// migrationFile is one migration as the store's dialect sees it.
type migrationFile struct {
	version int64
	name    string // NNNN_description, without the dialect or .sql
	file    string // the file's name: NNNN_description[.dialect].sql
	sum     string // hex SHA-256 of the file
}

// migrationSet is the migrations of a directory for one dialect. It is also
// the fs.FS goose reads: the directory with only the files of that dialect,
// a dialect's variant in place of the common file of the same number.
type migrationSet struct {
	dir       fs.FS
	files     []migrationFile // by version
	byVersion map[int64]migrationFile
	byFile    map[string]bool
}

func newMigrationSet(dir fs.FS, dialect string) (*migrationSet, error) {
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	set := &migrationSet{dir: dir, byVersion: map[int64]migrationFile{}, byFile: map[string]bool{}}
	specific := map[int64]bool{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		base := strings.TrimSuffix(e.Name(), ".sql")
		name, variant, hasVariant := strings.Cut(base, ".")
		if hasVariant && variant != "postgres" && variant != "sqlite" {
			return nil, fmt.Errorf("migration %s: the part before .sql must be postgres or sqlite, not %q", e.Name(), variant)
		}
		if hasVariant && variant != dialect {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a number above zero and an underscore", e.Name())
		}
		if old, ok := set.byVersion[v]; ok && specific[v] == hasVariant {
			return nil, fmt.Errorf("migrations %s and %s have the same number", old.file, e.Name())
		}
		if specific[v] && !hasVariant {
			continue
		}
		b, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		set.byVersion[v] = migrationFile{version: v, name: name, file: e.Name(), sum: hex.EncodeToString(sum[:])}
		specific[v] = specific[v] || hasVariant
	}
	for _, m := range set.byVersion {
		set.files = append(set.files, m)
		set.byFile[m.file] = true
	}
	sort.Slice(set.files, func(i, k int) bool { return set.files[i].version < set.files[k].version })
	if len(set.files) == 0 {
		return nil, errors.New("no migrations")
	}
	return set, nil
}

func (m *migrationSet) Open(name string) (fs.File, error) {
	if name != "." && !m.byFile[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return m.dir.Open(name)
}

func (m *migrationSet) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	entries, err := fs.ReadDir(m.dir, ".")
	if err != nil {
		return nil, err
	}
	kept := entries[:0]
	for _, e := range entries {
		if m.byFile[e.Name()] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// querier is what the bookkeeping around goose runs on: the connection that
// holds the lock on Postgres, the pool on SQLite.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// migrator runs one Migrate or CheckSchema.
type migrator struct {
	dialect string
	db      *sql.DB
	q       querier
	set     *migrationSet
}

func (s *Store) newMigrator(dir fs.FS) (*migrator, error) {
	set, err := newMigrationSet(dir, s.dialect)
	if err != nil {
		return nil, err
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	return &migrator{dialect: s.dialect, db: db, q: db, set: set}, nil
}

func (m *migrator) gooseDialect() goose.Dialect {
	if m.dialect == "postgres" {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// sessionLocker waits up to half an hour, polling every second, for a lock
// another replica holds while it migrates.
func sessionLocker(opts ...lock.SessionLockerOption) (lock.SessionLocker, error) {
	return lock.NewPostgresSessionLocker(append(opts, lock.WithLockTimeout(1, 1800))...)
}

// migrateFS is Migrate with the migrations read from dir.
func (s *Store) migrateFS(ctx context.Context, dir fs.FS) (applied []string, err error) {
	m, err := s.newMigrator(dir)
	if err != nil {
		return nil, err
	}
	if m.dialect == "postgres" {
		// The baseline of a database the previous runner migrated, the
		// checksums and goose's own run happen under one lock, so replicas
		// starting together never do any of them twice.
		conn, err := m.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		locker, err := sessionLocker(lock.WithLockID(migrateLockID))
		if err != nil {
			return nil, err
		}
		if err := locker.SessionLock(ctx, conn); err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		defer func() {
			if uerr := locker.SessionUnlock(context.WithoutCancel(ctx), conn); uerr != nil && err == nil {
				err = fmt.Errorf("migration unlock: %w", uerr)
			}
		}()
		m.q = conn
	}
	applied, err = m.run(ctx)
	if err != nil {
		return applied, err
	}
	// River's tables, under the same lock: the job queue is part of the schema.
	return applied, s.migrateJobs(ctx)
}

func (m *migrator) run(ctx context.Context) ([]string, error) {
	if _, err := m.q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+checksumTable+` (
		version    BIGINT       PRIMARY KEY,
		name       VARCHAR(255) NOT NULL,
		sha256     CHAR(64)     NOT NULL,
		applied_at TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return nil, fmt.Errorf("creating %s: %w", checksumTable, err)
	}
	if err := m.baseline(ctx); err != nil {
		return nil, err
	}
	if err := m.verifyChecksums(ctx); err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	if m.dialect == "postgres" {
		locker, err := sessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(m.gooseDialect(), m.db, m.set, opts...)
	if err != nil {
		return nil, err
	}
	results, upErr := p.Up(ctx)
	var partial *goose.PartialError
	if errors.As(upErr, &partial) {
		results = partial.Applied
		upErr = fmt.Errorf("migration %s: %w", m.nameOf(partial.Failed), partial.Err)
	}
	var applied []string
	for _, r := range results {
		applied = append(applied, m.nameOf(r))
	}
	// Every applied migration has its checksum, whether goose applied it
	// now, a run that stopped before recording it did, or it was baselined.
	if err := m.recordChecksums(ctx); err != nil {
		return applied, errors.Join(upErr, err)
	}
	return applied, upErr
}

func (m *migrator) nameOf(r *goose.MigrationResult) string {
	if r == nil || r.Source == nil {
		return "?"
	}
	if f, ok := m.set.byVersion[r.Source.Version]; ok {
		return f.name
	}
	return path.Base(r.Source.Path)
}

// baseline converts the record of the runner before goose: a database with
// schema_migrations and no version in goose's table gets the versions
// schema_migrations lists marked applied in goose's table, so goose applies
// only what is newer.
func (m *migrator) baseline(ctx context.Context) error {
	legacy, err := m.tableExists(ctx, legacyTable)
	if err != nil || !legacy {
		return err
	}
	hasGoose, err := m.tableExists(ctx, gooseTable)
	if err != nil {
		return err
	}
	if hasGoose {
		var recorded int
		if err := m.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+gooseTable+" WHERE version_id > 0").Scan(&recorded); err != nil {
			return err
		}
		if recorded > 0 {
			return nil
		}
	}
	rows, err := m.q.QueryContext(ctx, "SELECT version, name FROM "+legacyTable+" ORDER BY version")
	if err != nil {
		return fmt.Errorf("reading %s: %w", legacyTable, err)
	}
	var versions []int64
	for rows.Next() {
		var (
			v    int64
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return err
		}
		if _, ok := m.set.byVersion[v]; !ok {
			rows.Close()
			return fmt.Errorf("%s records migration %s, which this credpol does not have: the database belongs to a newer release", legacyTable, name)
		}
		versions = append(versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	store, err := database.NewStore(m.gooseDialect(), gooseTable)
	if err != nil {
		return err
	}
	tx, err := m.q.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if !hasGoose {
		if err := store.CreateVersionTable(ctx, tx); err != nil {
			return fmt.Errorf("creating %s: %w", gooseTable, err)
		}
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: 0}); err != nil {
			return err
		}
	}
	for _, v := range versions {
		if err := store.Insert(ctx, tx, database.InsertRequest{Version: v}); err != nil {
			return fmt.Errorf("recording migration %d in %s: %w", v, gooseTable, err)
		}
	}
	return tx.Commit()
}

type recordedSum struct {
	version int64
	name    string
	sum     string
}

func (m *migrator) recordedChecksums(ctx context.Context) ([]recordedSum, error) {
	rows, err := m.q.QueryContext(ctx, "SELECT version, name, sha256 FROM "+checksumTable+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", checksumTable, err)
	}
	defer rows.Close()
	var out []recordedSum
	for rows.Next() {
		var r recordedSum
		if err := rows.Scan(&r.version, &r.name, &r.sum); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// verifyChecksums refuses a migration file whose content is not what was
// applied. A version this credpol has no file for (applied by a newer
// release) is left alone.
func (m *migrator) verifyChecksums(ctx context.Context) error {
	recorded, err := m.recordedChecksums(ctx)
	if err != nil {
		return err
	}
	for _, r := range recorded {
		f, ok := m.set.byVersion[r.version]
		if !ok || strings.TrimSpace(r.sum) == f.sum {
			continue
		}
		return fmt.Errorf("migration file %s was changed after it was applied to this database "+
			"(SHA-256 %s when applied as %s, %s now): restore it and put the change in a new migration",
			f.file, strings.TrimSpace(r.sum), r.name, f.sum)
	}
	return nil
}

// recordChecksums stores the checksum of every migration goose's table shows
// applied that has none yet.
func (m *migrator) recordChecksums(ctx context.Context) error {
	applied, err := m.appliedVersions(ctx)
	if err != nil {
		return err
	}
	recorded, err := m.recordedChecksums(ctx)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, r := range recorded {
		have[r.version] = true
	}
	insert := m.bind("INSERT INTO " + checksumTable + " (version, name, sha256) VALUES (?, ?, ?)")
	for _, f := range m.set.files {
		if !applied[f.version] || have[f.version] {
			continue
		}
		if _, err := m.q.ExecContext(ctx, insert, f.version, f.file, f.sum); err != nil {
			return fmt.Errorf("recording the checksum of %s: %w", f.file, err)
		}
	}
	return nil
}

// appliedVersions are the versions goose's table shows applied.
func (m *migrator) appliedVersions(ctx context.Context) (map[int64]bool, error) {
	exists, err := m.tableExists(ctx, gooseTable)
	if err != nil || !exists {
		return map[int64]bool{}, err
	}
	rows, err := m.q.QueryContext(ctx, "SELECT version_id, is_applied FROM "+gooseTable+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", gooseTable, err)
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var (
			v  int64
			ok bool
		)
		if err := rows.Scan(&v, &ok); err != nil {
			return nil, err
		}
		applied[v] = ok // a later row for the same version wins, as in goose
	}
	return applied, rows.Err()
}

// checkSchemaFS is CheckSchema with the migrations read from dir.
func (s *Store) checkSchemaFS(ctx context.Context, dir fs.FS) error {
	m, err := s.newMigrator(dir)
	if err != nil {
		return err
	}
	hasGoose, err := m.tableExists(ctx, gooseTable)
	if err != nil {
		return err
	}
	if !hasGoose {
		// goose would create its table here; leave that to Migrate, which
		// first converts the record of the runner before goose.
		legacy, err := m.tableExists(ctx, legacyTable)
		if err != nil {
			return err
		}
		if legacy {
			return fmt.Errorf("%w: its migrations were recorded by an earlier release and must be converted", ErrSchemaNotCurrent)
		}
		return fmt.Errorf("%w: no migration has been applied", ErrSchemaNotCurrent)
	}
	if hasSums, err := m.tableExists(ctx, checksumTable); err != nil {
		return err
	} else if hasSums {
		if err := m.verifyChecksums(ctx); err != nil {
			return err
		}
	}
	p, err := goose.NewProvider(m.gooseDialect(), m.db, m.set, goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true))
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return err
	}
	if !pending {
		return s.checkJobSchema(ctx)
	}
	applied, err := m.appliedVersions(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, f := range m.set.files {
		if !applied[f.version] {
			names = append(names, f.name)
		}
	}
	return fmt.Errorf("%w: pending migrations %s", ErrSchemaNotCurrent, strings.Join(names, ", "))
}

func (m *migrator) tableExists(ctx context.Context, table string) (bool, error) {
	query := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if m.dialect == "postgres" {
		query = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1"
	}
	var n int
	if err := m.q.QueryRowContext(ctx, query, table).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for table %s: %w", table, err)
	}
	return n > 0, nil
}

// bind writes ? placeholders as $1, $2… on Postgres.
func (m *migrator) bind(query string) string {
	if m.dialect != "postgres" {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

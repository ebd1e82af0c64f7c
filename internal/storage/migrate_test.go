package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// oldRunnerMigrations are the migrations the runner before goose applied.
var oldRunnerMigrations = []string{"0001_jurisdictions_tokens", "0002_enterprises", "0003_decision_log", "0004_sampling_plans",
	"0005_decision_log_dead_letters", "0006_idempotency_outcome_index", "0007_text_limits"}

// shippedNames are the names of the migrations in the directory, in order,
// and their versions.
func shippedNames(t *testing.T) ([]string, []int64) {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		name, _, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), ".")
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	versions := make([]int64, len(names))
	for i, name := range names {
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		versions[i] = v
	}
	return names, versions
}

// emptyDatabases are an empty SQLite file and an empty Postgres database.
func emptyDatabases(t *testing.T) []struct{ name, url string } {
	return []struct{ name, url string }{
		{"sqlite", filepath.Join(t.TempDir(), "credpol.db")},
		{"postgres", storetest.PostgresURL(t)},
	}
}

func openStore(t *testing.T, url string) *storage.Store {
	t.Helper()
	st, err := storage.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// rawDB is a connection of the test's own, to look behind the store.
func rawDB(t *testing.T, dialect, url string) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if dialect == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// shippedMigrations is a copy of the migrations directory, to add to or change.
func shippedMigrations(t *testing.T) fstest.MapFS {
	t.Helper()
	dir := os.DirFS("migrations")
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, e := range entries {
		b, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

// gooseVersions are the versions goose's table records, in the order recorded.
func gooseVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query("SELECT version_id FROM goose_db_version WHERE version_id > 0 ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func tableExists(t *testing.T, dialect string, db *sql.DB, table string) bool {
	t.Helper()
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'"
	if dialect == "postgres" {
		q = "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '" + table + "'"
	}
	return count(t, db, q) > 0
}

// migrateTheOldWay builds the schema as the runner before goose did: the
// dialect's files of 0001–0007 split into statements by its splitter, each
// file in a transaction, recorded in schema_migrations.
func migrateTheOldWay(t *testing.T, dialect string, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	dir := os.DirFS("migrations")
	for i, name := range oldRunnerMigrations {
		file := name + ".sql"
		if _, err := fs.Stat(dir, name+"."+dialect+".sql"); err == nil {
			file = name + "." + dialect + ".sql"
		}
		b, err := fs.ReadFile(dir, file)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range oldStatements(string(b)) {
			if _, err := tx.Exec(stmt); err != nil {
				t.Fatalf("%s: %s: %v", file, stmt, err)
			}
		}
		insert := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)"
		if dialect == "postgres" {
			insert = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, CURRENT_TIMESTAMP)"
		}
		if _, err := tx.Exec(insert, i+1, name); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// oldStatements is the splitter of the runner before goose: it drops comment
// lines and splits on semicolons that end a line.
func oldStatements(sql string) []string {
	var kept []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			kept = append(kept, line)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(kept, "\n"), ";\n") {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// A database the runner before goose migrated is taken over as it is: its
// versions are marked applied in goose's table, nothing is applied again,
// its rows stay, and only the migrations newer than 0007 are applied.
func TestMigrateTakesOverADatabaseOfTheOldRunner(t *testing.T) {
	names, versions := shippedNames(t)
	for _, tc := range emptyDatabases(t) {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := rawDB(t, tc.name, tc.url)
			migrateTheOldWay(t, tc.name, db)
			if _, err := db.Exec(`INSERT INTO jurisdictions (code, name, level, parent) VALUES ('140902', '忻府区', 'district', '140900')`); err != nil {
				t.Fatal(err)
			}

			st := openStore(t, tc.url)
			if err := st.CheckSchema(ctx); !errors.Is(err, storage.ErrSchemaNotCurrent) {
				t.Fatalf("CheckSchema before the takeover = %v, want ErrSchemaNotCurrent", err)
			}
			if tableExists(t, tc.name, db, "goose_db_version") {
				t.Fatal("CheckSchema created goose's table: the takeover would no longer see the old record")
			}
			applied, err := st.Migrate(ctx)
			if want := names[len(oldRunnerMigrations):]; err != nil || !slices.Equal(applied, want) {
				t.Fatalf("Migrate = %v, %v; want only the migrations after 0007: %v", applied, err, want)
			}
			if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
			}
			if err := st.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after the takeover: %v", err)
			}
			if got := gooseVersions(t, db); !slices.Equal(got, versions) {
				t.Fatalf("goose_db_version records %v, want %v once each", got, versions)
			}
			if got := count(t, db, "SELECT COUNT(*) FROM goose_db_version WHERE version_id BETWEEN 1 AND 7"); got != 7 {
				t.Errorf("goose_db_version holds %d rows for versions 1 to 7, want 7", got)
			}
			if got := count(t, db, "SELECT COUNT(*) FROM schema_migration_checksums"); got != len(versions) {
				t.Errorf("%d checksums recorded, want %d", got, len(versions))
			}
			if got := count(t, db, "SELECT COUNT(*) FROM schema_migrations"); got != 7 {
				t.Errorf("schema_migrations holds %d rows, want its 7 left as they were", got)
			}
			reg, err := st.Jurisdictions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if j, err := reg.Get("140902"); err != nil || j.Name != "忻府区" || len(reg.All()) != 11 {
				t.Errorf("jurisdictions after the takeover: %d rows, 140902 = %+v, %v", len(reg.All()), j, err)
			}

			newer := shippedMigrations(t)
			newer["9001_notes.sql"] = &fstest.MapFile{Data: []byte("-- +goose Up\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n")}
			if err := st.CheckSchemaFS(ctx, newer); !errors.Is(err, storage.ErrSchemaNotCurrent) || !strings.Contains(err.Error(), "9001_notes") {
				t.Errorf("CheckSchema with 9001 pending = %v", err)
			}
			applied, err = st.MigrateFS(ctx, newer)
			if err != nil || !slices.Equal(applied, []string{"9001_notes"}) {
				t.Fatalf("Migrate with a newer migration = %v, %v; want only 9001_notes", applied, err)
			}
			if got := gooseVersions(t, db); !slices.Equal(got, append(slices.Clip(versions), 9001)) {
				t.Errorf("goose_db_version records %v after 9001", got)
			}
		})
	}
}

// An applied migration whose file changes stops Migrate and CheckSchema with
// an error that names the file.
func TestMigrateRefusesAChangedMigration(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			changed := shippedMigrations(t)
			f := changed["0002_enterprises.sql"]
			f.Data = append(slices.Clip(f.Data), "CREATE INDEX enterprises_name ON enterprises (name);\n"...)
			applied, err := s.Store.MigrateFS(ctx, changed)
			if err == nil || !strings.Contains(err.Error(), "0002_enterprises.sql") || !strings.Contains(err.Error(), "changed after it was applied") {
				t.Fatalf("Migrate with 0002 changed = %v, %v; want an error naming 0002_enterprises.sql", applied, err)
			}
			if err := s.Store.CheckSchemaFS(ctx, changed); err == nil || !strings.Contains(err.Error(), "0002_enterprises.sql") {
				t.Errorf("CheckSchema with 0002 changed = %v", err)
			}
			if _, err := s.Store.Migrate(ctx); err != nil {
				t.Errorf("Migrate with the files as applied: %v", err)
			}
		})
	}
}

// A plpgsql body holds semicolons; between StatementBegin and StatementEnd
// it reaches Postgres whole.
func TestMigrateAppliesDollarQuotedFunctionBodies(t *testing.T) {
	ctx := context.Background()
	url := storetest.PostgresURL(t)
	st := openStore(t, url)
	dir := fstest.MapFS{"0001_touched.sql": &fstest.MapFile{Data: []byte(`-- +goose Up
CREATE TABLE touched (
    id         INTEGER PRIMARY KEY,
    note       TEXT      NOT NULL,
    changed_at TIMESTAMP
);

-- +goose StatementBegin
CREATE FUNCTION touched_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := now();
    IF NEW.note = '' THEN
        NEW.note := 'empty; filled in';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER touched_stamp BEFORE INSERT OR UPDATE ON touched
    FOR EACH ROW EXECUTE FUNCTION touched_stamp();
`)}}
	applied, err := st.MigrateFS(ctx, dir)
	if err != nil || !slices.Equal(applied, []string{"0001_touched"}) {
		t.Fatalf("Migrate = %v, %v", applied, err)
	}
	db := rawDB(t, "postgres", url)
	if _, err := db.Exec("INSERT INTO touched (id, note) VALUES (1, '')"); err != nil {
		t.Fatal(err)
	}
	var (
		note    string
		stamped bool
	)
	if err := db.QueryRow("SELECT note, changed_at IS NOT NULL FROM touched WHERE id = 1").Scan(&note, &stamped); err != nil {
		t.Fatal(err)
	}
	if note != "empty; filled in" || !stamped {
		t.Errorf("the trigger did not run: note %q, stamped %v", note, stamped)
	}
}

// Stores on separate connections migrating one empty Postgres database at
// once apply every migration exactly once between them.
func TestConcurrentMigrateAppliesEachMigrationOnce(t *testing.T) {
	ctx := context.Background()
	names, versions := shippedNames(t)
	url := storetest.PostgresURL(t)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		all []string
	)
	for range 3 {
		st := openStore(t, url)
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := st.Migrate(ctx)
			if err != nil {
				t.Errorf("Migrate: %v", err)
			}
			mu.Lock()
			all = append(all, applied...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(all)
	if !slices.Equal(all, names) {
		t.Errorf("applied between them: %v; want each migration once", all)
	}
	if got := gooseVersions(t, rawDB(t, "postgres", url)); !slices.Equal(got, versions) {
		t.Errorf("goose_db_version records %v, want %v once each", got, versions)
	}
}

// CheckSchema, for a server that does not migrate, refuses an empty database
// without creating goose's table and accepts a migrated one.
func TestCheckSchemaWantsEveryMigration(t *testing.T) {
	names, _ := shippedNames(t)
	for _, tc := range emptyDatabases(t) {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st := openStore(t, tc.url)
			err := st.CheckSchema(ctx)
			if !errors.Is(err, storage.ErrSchemaNotCurrent) {
				t.Fatalf("CheckSchema on an empty database = %v, want ErrSchemaNotCurrent", err)
			}
			if tableExists(t, tc.name, rawDB(t, tc.name, tc.url), "goose_db_version") {
				t.Error("CheckSchema created goose's table")
			}
			applied, err := st.Migrate(ctx)
			if err != nil || !slices.Equal(applied, names) {
				t.Fatalf("Migrate = %v, %v", applied, err)
			}
			if err := st.CheckSchema(ctx); err != nil {
				t.Errorf("CheckSchema after Migrate: %v", err)
			}
		})
	}
}

// A database migrated before a lower-numbered migration was added (0012,
// the audit log, landed after 0013) takes it on the next Migrate, and
// CheckSchema wants it until then.
func TestMigrateAppliesAMigrationNumberedBelowTheLatest(t *testing.T) {
	for _, s := range []string{"sqlite", "postgres"} {
		t.Run(s, func(t *testing.T) {
			ctx := context.Background()
			url := filepath.Join(t.TempDir(), "credpol.db")
			if s == "postgres" {
				url = storetest.PostgresURL(t)
			}
			st := openStore(t, url)
			all := shippedMigrations(t)
			without := fstest.MapFS{}
			for name, f := range all {
				if !strings.HasPrefix(name, "0012_") {
					without[name] = f
				}
			}
			if _, err := st.MigrateFS(ctx, without); err != nil {
				t.Fatal(err)
			}
			if err := st.CheckSchemaFS(ctx, all); !errors.Is(err, storage.ErrSchemaNotCurrent) || !strings.Contains(err.Error(), "0012_audit_log") {
				t.Fatalf("CheckSchema without 0012 = %v", err)
			}
			applied, err := st.MigrateFS(ctx, all)
			if err != nil || len(applied) != 1 || applied[0] != "0012_audit_log" {
				t.Fatalf("Migrate = %v, %v; want 0012_audit_log applied", applied, err)
			}
			if err := st.CheckSchemaFS(ctx, all); err != nil {
				t.Fatalf("CheckSchema after = %v", err)
			}
		})
	}
}

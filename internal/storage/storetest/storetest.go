// Package storetest gives tests real stores: a SQLite file and a fresh
// Postgres database, so every storage-facing test runs on both.
//
// Postgres comes from CREDPOL_TEST_DATABASE_URL if set, else a server on
// 127.0.0.1:5432, else a throwaway cluster started from the installed
// PostgreSQL binaries. When none can be had the Postgres cases are skipped,
// except under CI=true, where that is a failure.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"  // database/sql driver for Exec on SQLite stores
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for creating test databases

	"github.com/credpol/credpol/internal/storage"
)

// Store is a migrated store with the name of its dialect for subtest names.
type Store struct {
	Name  string
	Store *storage.Store
	URL   string
}

// Stores returns a fresh SQLite store and a fresh Postgres store, both migrated.
func Stores(t testing.TB) []Store {
	t.Helper()
	return []Store{SQLite(t), Postgres(t)}
}

// SQLite returns a migrated store in a temporary file.
func SQLite(t testing.TB) Store {
	t.Helper()
	u := filepath.Join(t.TempDir(), "credpol.db")
	return open(t, "sqlite", u)
}

// Postgres returns a migrated store on a database created for this test and
// dropped after it.
func Postgres(t testing.TB) Store {
	t.Helper()
	return open(t, "postgres", PostgresURL(t))
}

func open(t testing.TB, name, u string) Store {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, u, nil)
	if err != nil {
		t.Fatalf("opening %s store: %v", name, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrating %s store: %v", name, err)
	}
	return Store{Name: name, Store: st, URL: u}
}

// Exec runs SQL on the store's database over a connection of its own, to
// break and mend things behind the store's back (an outage, say).
func (s Store) Exec(t testing.TB, sqlText string) {
	t.Helper()
	db := s.sqlDB(t)
	defer db.Close()
	if _, err := db.Exec(sqlText); err != nil {
		t.Fatalf("%s: %v", sqlText, err)
	}
}

// TryExec runs SQL as Exec does and returns its error, for statements the
// database is expected to refuse.
func (s Store) TryExec(t testing.TB, sqlText string) error {
	t.Helper()
	db := s.sqlDB(t)
	defer db.Close()
	_, err := db.Exec(sqlText)
	return err
}

// Query returns the one value a one-row query selects, read over a
// connection of its own, to see what is stored rather than what the store
// makes of it.
func (s Store) Query(t testing.TB, sqlText string) string {
	t.Helper()
	db := s.sqlDB(t)
	defer db.Close()
	var v string
	if err := db.QueryRow(sqlText).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sqlText, err)
	}
	return v
}

func (s Store) sqlDB(t testing.TB) *sql.DB {
	t.Helper()
	driver := "pgx"
	if s.Name == "sqlite" {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
	cluster    *throwaway
)

// PostgresURL creates an empty database on the test server and returns its URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() { serverURL, serverErr = findServer() })
	if serverErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no PostgreSQL for tests under CI=true: %v", serverErr)
		}
		t.Skipf("no PostgreSQL for tests: %v", serverErr)
	}
	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "credpol_test_" + randomHex(6)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", serverURL)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, _ := url.Parse(serverURL)
	u.Path = "/" + name
	return u.String()
}

func findServer() (string, error) {
	if u := os.Getenv("CREDPOL_TEST_DATABASE_URL"); u != "" {
		if err := ping(u); err != nil {
			return "", fmt.Errorf("CREDPOL_TEST_DATABASE_URL: %w", err)
		}
		return u, nil
	}
	local := "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if ping(local) == nil {
		return local, nil
	}
	c, err := startThrowaway()
	if err != nil {
		return "", fmt.Errorf("no server on 127.0.0.1:5432 and no throwaway cluster: %w", err)
	}
	cluster = c
	return c.url, nil
}

func ping(u string) error {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Main runs a package's tests and then stops a throwaway cluster if one was
// started. Use it from TestMain: func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		cluster.stop()
	}
	return code
}

type throwaway struct {
	dir, bin, url string
	asPostgres    bool
}

// binDir finds initdb and pg_ctl on PATH or in Debian's versioned directories.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("initdb not found on PATH or in /usr/lib/postgresql/*/bin")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

func startThrowaway() (*throwaway, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "credpol-pg-")
	if err != nil {
		return nil, err
	}
	c := &throwaway{dir: dir, bin: bin, asPostgres: os.Geteuid() == 0}
	if c.asPostgres { // initdb refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		if out, err := exec.Command("chown", u.Username, dir).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown: %v: %s", err, out)
		}
	}
	port := 55432 + int(time.Now().UnixNano()%1000)
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, dir)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c, nil
}

func (c *throwaway) run(tool string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, tool)
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...).CombinedOutput()
	}
	return exec.Command(path, args...).CombinedOutput()
}

func (c *throwaway) stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "stop")
	os.RemoveAll(c.dir)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// TestServeReplicasStartingTogetherMigrateOnce starts three servers at once
// on one empty Postgres database: each must come up ready, and goose's table
// must record every migration once, applied by one of them.
func TestServeReplicasStartingTogetherMigrateOnce(t *testing.T) {
	bin := buildServer(t)
	dbURL := storetest.PostgresURL(t)
	type replica struct {
		cmd    *exec.Cmd
		addr   string
		stderr *lockedBuffer
		done   chan struct{}
		err    error
	}
	replicas := make([]*replica, 3)
	for i := range replicas {
		r := &replica{addr: freeAddr(t), stderr: &lockedBuffer{}, done: make(chan struct{})}
		r.cmd = exec.Command(bin, "serve", "--addr", r.addr, "--database-url", dbURL,
			"--decision-log-dir", t.TempDir(), "--log-level", "info")
		r.cmd.Stderr = r.stderr
		replicas[i] = r
	}
	for _, r := range replicas {
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.cmd.Process.Kill() })
		go func() {
			r.err = r.cmd.Wait()
			close(r.done)
		}()
	}

	client := &http.Client{Timeout: 2 * time.Second}
	for i, r := range replicas {
		waitFor(t, func() bool {
			select {
			case <-r.done:
				t.Fatalf("server %d exited while starting: %v\n%s", i, r.err, r.stderr)
			default:
			}
			resp, err := client.Get("http://" + r.addr + "/ready")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT version_id, COUNT(*) FROM goose_db_version WHERE version_id > 0 GROUP BY version_id ORDER BY version_id")
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	for rows.Next() {
		var version, n int
		if err := rows.Scan(&version, &n); err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, fmt.Sprintf("%d×%d", version, n))
	}
	rows.Close()
	var want []string
	for _, v := range shippedVersions(t) {
		want = append(want, fmt.Sprintf("%d×1", v))
	}
	if got, want := strings.Join(recorded, " "), strings.Join(want, " "); got != want {
		t.Errorf("goose_db_version records (version×times) %s, want %s", got, want)
	}
	migrated := 0
	for _, r := range replicas {
		if strings.Contains(r.stderr.String(), `"msg":"migrations applied"`) {
			migrated++
		}
	}
	if migrated != 1 {
		t.Errorf("%d servers applied migrations, want exactly 1", migrated)
	}

	for i, r := range replicas {
		r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("server %d did not stop after SIGTERM", i)
		}
		if r.err != nil {
			t.Errorf("server %d failed: %v\n%s", i, r.err, r.stderr)
		}
	}
}

// TestServeWithoutMigrateNeedsACurrentSchema: with --migrate=false serve
// refuses an unmigrated database, leaving it as it was, and serves a
// migrated one.
func TestServeWithoutMigrateNeedsACurrentSchema(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "credpol.db")
	err := runServe(t, context.Background(), []string{"--migrate=false", "--database-url", dbURL, "--addr", freeAddr(t)})
	if err == nil || !strings.Contains(err.Error(), "credpol migrate") {
		t.Fatalf("serve --migrate=false on an empty database = %v; want an error asking for credpol migrate", err)
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = st.CheckSchema(ctx)
	st.Close()
	if !errors.Is(err, storage.ErrSchemaNotCurrent) {
		t.Fatalf("after serve --migrate=false the schema check says %v; want it still unmigrated", err)
	}

	tokenIn(t, dbURL) // migrates
	addr := freeAddr(t)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runServe(t, runCtx, []string{"--migrate=false", "--database-url", dbURL, "--addr", addr})
	}()
	client := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve --migrate=false on a migrated database: %v", err)
		default:
		}
		resp, err := client.Get("http://" + addr + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// shippedVersions are the versions of the migrations in the storage package.
func shippedVersions(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("..", "..", "internal", "storage", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		if !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	slices.Sort(versions)
	return versions
}

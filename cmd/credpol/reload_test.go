package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// shippedCopy copies the repository's policies/ and testpolicies/ into a
// new directory and returns it. With decisions named, the jurisdictions'
// packages and Rego tests of every other decision are left out: the corpus
// over a few decisions takes a fraction of the whole, which matters under
// the race detector.
func shippedCopy(t *testing.T, decisions ...string) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	root, dst := filepath.Join(filepath.Dir(self), "..", ".."), t.TempDir()
	leftOut := func(rel string) bool {
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(decisions) == 0 || len(parts) != 3 || !strings.HasPrefix(parts[1], "j") {
			return false
		}
		name := strings.TrimSuffix(strings.TrimSuffix(parts[2], ".rego"), "_test")
		return !slices.Contains(decisions, name)
	}
	for _, dir := range []string{"policies", "testpolicies"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) == ".go" {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if leftOut(rel) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func put(t *testing.T, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

const conflicting = `package j440500.registration_change

import data.j100000.registration_change as national

decision := national.decision

decision := {"accept": false, "blocking": [], "reasons": []} if {
	input.context.application.kind == "filing"
}
`

// lockedBuffer collects log lines written from another goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A reload (SIGHUP) refuses a tree the corpus finds a conflict in, and the
// serving revision stays; the corrected tree is then taken.
func TestReloadRunsTheCorpus(t *testing.T) {
	// Without a handler of the test's own, a SIGHUP sent before the server
	// listens for it would end the test binary.
	guard := make(chan os.Signal, 16)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	dir := shippedCopy(t, "registration_change", "credit_grade")
	o := &serveOptions{}
	o.policyDir = filepath.Join(dir, "policies")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng := &engine.Engine{}
	first, err := eng.Load(ctx, o.policyFS())
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	done := make(chan struct{})
	go func() {
		reloadOnHangup(ctx, eng, storetest.SQLite(t).Store, o, slog.New(slog.NewTextHandler(&logs, nil)))
		close(done)
	}()
	hangUpUntil := func(what string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for !strings.Contains(logs.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the log:\n%s", what, logs.String())
			}
			syscall.Kill(os.Getpid(), syscall.SIGHUP)
			time.Sleep(500 * time.Millisecond)
		}
	}
	put(t, dir, "policies/j440500/registration_change.rego", conflicting)
	hangUpUntil("policy reload refused")
	if !strings.Contains(logs.String(), "j440500/registration_change.rego:7: registration_change (policy of 440500, asked in 440500)") {
		t.Errorf("the refusal does not name the file, line and decision:\n%s", logs.String())
	}
	if eng.Current() != first {
		t.Error("the refused tree is serving")
	}
	put(t, dir, "policies/j440500/registration_change.rego", "package j440500.registration_change\n\nimport data.j100000.registration_change as national\n\ndecision := national.decision\n")
	hangUpUntil("policies reloaded")
	if eng.Current() == first {
		t.Error("the corrected tree is not serving")
	}
	cancel()
	<-done
}

package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
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

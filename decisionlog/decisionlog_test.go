package decisionlog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/decision"
	"github.com/credpol/credpol/decisionlog"
	"github.com/credpol/credpol/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func record(i int) decision.Record {
	return decision.Record{
		ID: uuid.Must(uuid.NewV7()).String(), Time: time.Now().UTC(), Caller: "test", Decision: "credit_grade",
		Jurisdiction: "230000", Source: "230000", AsOf: "2026-11-21", Revision: "r1",
		Input:  map[string]any{"enterprise": map[string]any{"public_credit_score": float64(i)}},
		Result: map[string]any{"grade": "B"}, Reasons: []any{}, Latency: time.Millisecond,
	}
}

func count(t *testing.T, st storetest.Store) int64 {
	t.Helper()
	n, err := st.Store.CountDecisions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCloseWritesEveryQueuedEntry(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := decisionlog.New(st.Store, decisionlog.Options{QueueSize: 5000, BatchSize: 100})
			for i := 0; i < 3000; i++ {
				if err := l.Record(context.Background(), record(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := count(t, st); n != 3000 {
				t.Fatalf("%d entries logged, want 3000", n)
			}
			if err := l.Record(context.Background(), record(0)); err == nil {
				t.Error("Record after Close succeeded")
			}
		})
	}
}

// During an outage entries are held, Record blocks once the queue is full
// (never discarding), /ready would say not ready, and everything lands once
// the store is back.
func TestOutageHoldsEntriesAndAppliesBackpressure(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			st.Exec(t, "ALTER TABLE decision_log RENAME TO decision_log_away")
			l := decisionlog.New(st.Store, decisionlog.Options{QueueSize: 20, BatchSize: 10, FlushEvery: 10 * time.Millisecond})
			recorded := 0
			for i := 0; i < 30; i++ { // 10 in the writer's held batch, 20 in the queue
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				err := l.Record(ctx, record(i))
				cancel()
				if err != nil {
					t.Fatalf("entry %d refused before the queue was full: %v", i, err)
				}
				recorded++
			}
			waitFor(t, "a full queue", func() bool { return !l.Ready() })
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			err := l.Record(ctx, record(99))
			cancel()
			if err == nil {
				t.Fatal("Record did not block with the store down and the queue full")
			}
			st.Exec(t, "ALTER TABLE decision_log_away RENAME TO decision_log")
			waitFor(t, "the held entries to land", func() bool {
				n, err := st.Store.CountDecisions(context.Background())
				return err == nil && n == int64(recorded)
			})
			if !l.Ready() {
				t.Error("still not ready after the store came back")
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := count(t, st); n != int64(recorded) {
				t.Fatalf("%d logged, want %d exactly once", n, recorded)
			}
		})
	}
}

func TestShutdownDuringAnOutageSpillsAndRecovers(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			dir := t.TempDir()
			st.Exec(t, "ALTER TABLE decision_log RENAME TO decision_log_away")
			l := decisionlog.New(st.Store, decisionlog.Options{QueueSize: 100, BatchSize: 10, FlushEvery: 10 * time.Millisecond, SpillDir: dir})
			for i := 0; i < 25; i++ {
				if err := l.Record(context.Background(), record(i)); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "decision-log-spill-*.ndjson"))
			if len(files) != 1 {
				t.Fatalf("spill files: %v", files)
			}
			st.Exec(t, "ALTER TABLE decision_log_away RENAME TO decision_log")
			n, err := decisionlog.Recover(context.Background(), st.Store, dir)
			if err != nil || n != 25 {
				t.Fatalf("Recover = %d, %v; want 25", n, err)
			}
			if got := count(t, st); got != 25 {
				t.Fatalf("%d logged after recovery, want 25", got)
			}
			if n, err := decisionlog.Recover(context.Background(), st.Store, dir); n != 0 || err != nil {
				t.Errorf("second Recover = %d, %v; the spill file should be gone", n, err)
			}
		})
	}
}

func TestRetryingABatchLogsItOnce(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			batch := []decision.Record{record(1), record(2)}
			for i := 0; i < 2; i++ {
				if err := st.Store.InsertDecisions(context.Background(), batch); err != nil {
					t.Fatal(fmt.Errorf("attempt %d: %w", i, err))
				}
			}
			if n := count(t, st); n != 2 {
				t.Fatalf("%d entries, want 2", n)
			}
		})
	}
}

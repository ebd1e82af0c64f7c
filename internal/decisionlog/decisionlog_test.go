package decisionlog_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func record(i int) decisionlog.Record {
	return decisionlog.Record{
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

func rejectedCount(t *testing.T, st storetest.Store) int64 {
	t.Helper()
	n, err := st.Store.CountRejectedDecisions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func open(t *testing.T, st storetest.Store, opts decisionlog.Options) *decisionlog.Log {
	t.Helper()
	l, err := decisionlog.New(st.Store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
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

func segments(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "wal-*.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCloseWritesEveryEntry(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		for _, mode := range []struct {
			name string
			opts decisionlog.Options
		}{
			{"wal", decisionlog.Options{Dir: t.TempDir()}},
			{"memory", decisionlog.Options{}},
			{"async", decisionlog.Options{Dir: t.TempDir(), Async: true}},
		} {
			t.Run(st.Name+"/"+mode.name, func(t *testing.T) {
				st.Exec(t, "DELETE FROM decision_log")
				mode.opts.QueueSize, mode.opts.BatchSize = 5000, 100
				l := open(t, st, mode.opts)
				errs := make(chan error, 3000)
				for i := 0; i < 3000; i++ {
					go func() { errs <- l.Record(context.Background(), record(i)) }()
				}
				for i := 0; i < 3000; i++ {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
				if err := l.Close(context.Background()); err != nil {
					t.Fatal(err)
				}
				if n := count(t, st); n != 3000 {
					t.Fatalf("%d entries logged, want 3000", n)
				}
				if err := l.Record(context.Background(), record(0)); !errors.Is(err, decisionlog.ErrClosed) {
					t.Errorf("Record after Close = %v, want ErrClosed", err)
				}
				if mode.opts.Dir != "" && len(segments(t, mode.opts.Dir)) != 0 {
					t.Errorf("segments left after everything was stored: %v", segments(t, mode.opts.Dir))
				}
			})
		}
	}
}

// During an outage entries are held on disk and in memory, Record waits once
// QueueSize entries are not in the store (never discarding), the log says it
// is not ready, and everything lands once the store is back.
func TestOutageHoldsEntriesAndAppliesBackpressure(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			st.Exec(t, "ALTER TABLE decision_log RENAME TO decision_log_away")
			l := open(t, st, decisionlog.Options{Dir: t.TempDir(), QueueSize: 20, BatchSize: 10, FlushEvery: 10 * time.Millisecond})
			for i := 0; i < 20; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				err := l.Record(ctx, record(i))
				cancel()
				if err != nil {
					t.Fatalf("entry %d refused before the queue was full: %v", i, err)
				}
			}
			if l.Ready() {
				t.Error("ready with the store down and the queue full")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			err := l.Record(ctx, record(99))
			cancel()
			if err == nil {
				t.Fatal("Record did not wait with the store down and the queue full")
			}
			st.Exec(t, "ALTER TABLE decision_log_away RENAME TO decision_log")
			waitFor(t, "the held entries to land", func() bool {
				n, err := st.Store.CountDecisions(context.Background())
				return err == nil && n == 20
			})
			waitFor(t, "the log to be ready again", l.Ready)
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := count(t, st); n != 20 {
				t.Fatalf("%d logged, want 20 exactly once", n)
			}
		})
	}
}

// Without a write-ahead log the store is the only durable place: a
// synchronous Record does not return success until the store has the entry.
func TestWithoutAWriteAheadLogAnAnswerWaitsForTheStore(t *testing.T) {
	st := storetest.SQLite(t)
	st.Exec(t, "ALTER TABLE decision_log RENAME TO decision_log_away")
	l := open(t, st, decisionlog.Options{Wait: 200 * time.Millisecond, FlushEvery: 5 * time.Millisecond})
	if err := l.Record(context.Background(), record(1)); !errors.Is(err, decisionlog.ErrNotDurable) {
		t.Fatalf("Record with the store down = %v, want ErrNotDurable", err)
	}
	st.Exec(t, "ALTER TABLE decision_log_away RENAME TO decision_log")
	if err := l.Record(context.Background(), record(2)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n != 2 { // the refused answer's entry is still stored: nothing is dropped
		t.Fatalf("%d logged, want 2", n)
	}
}

// Shutdown during an outage: requests waiting for room are answered at once,
// the accepted entries stay in the write-ahead log, and the next start ships
// them exactly once.
func TestShutdownDuringAnOutageKeepsEntriesForTheNextStart(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			dir := t.TempDir()
			st.Exec(t, "ALTER TABLE decision_log RENAME TO decision_log_away")
			l := open(t, st, decisionlog.Options{Dir: dir, QueueSize: 25, BatchSize: 10, FlushEvery: 10 * time.Millisecond})
			for i := 0; i < 25; i++ {
				if err := l.Record(context.Background(), record(i)); err != nil {
					t.Fatal(err)
				}
			}
			waiting := make(chan error)
			go func() { waiting <- l.Record(context.Background(), record(99)) }()
			time.Sleep(50 * time.Millisecond)
			l.Drain()
			select {
			case err := <-waiting:
				if !errors.Is(err, decisionlog.ErrClosed) {
					t.Fatalf("a request waiting at shutdown got %v, want ErrClosed", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("a request waiting for room was still held after Drain")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if len(segments(t, dir)) == 0 {
				t.Fatal("no write-ahead segment kept for the next start")
			}
			st.Exec(t, "ALTER TABLE decision_log_away RENAME TO decision_log")
			l = open(t, st, decisionlog.Options{Dir: dir})
			if l.Recovered() != 25 {
				t.Errorf("recovered %d entries, want 25", l.Recovered())
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := count(t, st); got != 25 {
				t.Fatalf("%d logged after the restart, want 25", got)
			}
			if len(segments(t, dir)) != 0 {
				t.Errorf("segments left after shipping: %v", segments(t, dir))
			}
		})
	}
}

// A record the store refuses for its content (Postgres: a NUL in JSONB;
// either store: a value JSON cannot encode) is set aside as a dead letter
// and never blocks the records behind it.
func TestARefusedRecordIsSetAsideAndNeverBlocksTheOthers(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := open(t, st, decisionlog.Options{Dir: t.TempDir(), BatchSize: 50})
			bad := map[int]decisionlog.Record{}
			for i := 0; i < 200; i++ {
				r := record(i)
				switch {
				case i == 17:
					r.Result = map[string]any{"score": math.NaN()}
					bad[i] = r
				case i == 120 && st.Name == "postgres":
					r.Input = map[string]any{"context": map[string]any{"note": "a\x00b"}}
					bad[i] = r
				}
				if err := l.Record(context.Background(), r); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := count(t, st); n != int64(200-len(bad)) {
				t.Errorf("%d logged, want %d", n, 200-len(bad))
			}
			if n := rejectedCount(t, st); n != int64(len(bad)) {
				t.Errorf("%d dead letters, want %d", n, len(bad))
			}
		})
	}
}

// What a crash or an earlier version leaves behind never stops a start: a
// torn last line is skipped (it was never answered), a line that cannot be
// read is a dead letter, and a file that cannot be read is renamed aside.
func TestDamagedWriteAheadFilesNeverStopAStart(t *testing.T) {
	st := storetest.SQLite(t)
	dir := t.TempDir()
	l := open(t, st, decisionlog.Options{Dir: dir, Async: true})
	l.Close(context.Background())
	good := func(i int) string {
		r := record(i)
		return fmt.Sprintf(`{"decision_id":%q,"time":"2026-11-21T01:00:00Z","caller":"t","decision":"credit_grade","jurisdiction":"230000","source":"230000","as_of":"2026-11-21","revision":"r1","input":{},"result":{"grade":"B"},"reasons":[],"latency_ns":1}`, r.ID)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("wal-00000000000000000001.ndjson", good(1)+"\n"+"{not json\n"+good(2)+"\n"+`{"decision_id":"torn`)
	write("decision-log-spill-1.ndjson", good(3)+"\n") // an earlier version's shutdown spill
	if err := os.Mkdir(filepath.Join(dir, "wal-00000000000000000002.ndjson"), 0o750); err != nil {
		t.Fatal(err)
	}
	l, err := decisionlog.New(st.Store, decisionlog.Options{Dir: dir})
	if err != nil {
		t.Fatalf("a damaged write-ahead log stopped the start: %v", err)
	}
	if l.Recovered() != 3 {
		t.Errorf("recovered %d entries, want 3", l.Recovered())
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n != 3 {
		t.Errorf("%d logged, want 3", n)
	}
	// the unreadable line and the unreadable file
	if n := rejectedCount(t, st); n != 2 {
		t.Errorf("%d dead letters, want 2", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "wal-00000000000000000002.ndjson.unreadable")); err != nil {
		t.Errorf("the unreadable file was not set aside: %v", err)
	}
}

func TestRetryingABatchLogsItOnce(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			batch := []decisionlog.Record{record(1), record(2)}
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

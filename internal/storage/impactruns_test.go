package storage_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// Chunks of an impact run stored by many workers at once, each chunk twice
// (a rescued job and the one it replaced), count once each: the run's
// report is merged exactly once per chunk, it is done with its last chunk,
// and nothing is stored after it is closed.
func TestImpactChunksCountOnceAndCloseTheRun(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			if err := st.Store.SavePolicyRevision(ctx, "tree", map[string][]byte{"a.rego": []byte("package a\n")}); err != nil {
				t.Fatal(err)
			}
			newRun := func(id string) {
				t.Helper()
				err := st.Store.CreateImpactRun(ctx, admin.ImpactRun{ID: id, Caller: "editor", Scope: []string{"230000"}, Jurisdiction: "230000",
					Base: admin.ImpactTree{Tree: "tree"}, Head: admin.ImpactTree{DraftID: "d", DraftHash: "h", Tree: "tree"},
					Params: []byte(`{}`), Status: admin.ImpactQueued, CreatedAt: now})
				if err != nil {
					t.Fatal(err)
				}
			}
			newRun("run-1")
			const chunks = 12
			bounds := make([][]byte, chunks)
			for i := range bounds {
				bounds[i] = []byte(`{"through":"` + strconv.Itoa(i) + `"}`)
			}
			run, err := st.Store.PlanImpactRun(ctx, "run-1", bounds, []byte("0"), now)
			if err != nil || run.Status != admin.ImpactRunning || run.ChunksTotal != chunks {
				t.Fatalf("planned: %+v, %v", run, err)
			}
			if _, err := st.Store.PlanImpactRun(ctx, "run-1", bounds, []byte("0"), now); !errors.Is(err, admin.ErrConflict) {
				t.Fatalf("planning twice: %v, want a conflict", err)
			}

			var merges, stored atomic.Int64
			var wg sync.WaitGroup
			for i := range chunks * 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := admin.ImpactChunk{Run: "run-1", Index: i % chunks, Report: []byte("1"), Changes: []byte("[]"),
						Worker: "w" + strconv.Itoa(i/chunks), Attempt: 1, FinishedAt: time.Now()}
					_, ok, err := st.Store.SaveImpactChunk(ctx, c, func(report []byte) ([]byte, error) {
						merges.Add(1)
						n, err := strconv.Atoi(string(report))
						return []byte(strconv.Itoa(n + 1)), err
					})
					if err != nil {
						t.Errorf("chunk %d: %v", i%chunks, err)
					}
					if ok {
						stored.Add(1)
					}
				}()
			}
			wg.Wait()
			run, err = st.Store.ImpactRun(ctx, "run-1")
			if err != nil {
				t.Fatal(err)
			}
			if merges.Load() != chunks || stored.Load() != chunks || run.ChunksDone != chunks || string(run.Report) != strconv.Itoa(chunks) {
				t.Errorf("merged %d times, stored %d, run %d of %d with report %s; want each of %d chunks once",
					merges.Load(), stored.Load(), run.ChunksDone, run.ChunksTotal, run.Report, chunks)
			}
			if run.Status != admin.ImpactDone || run.FinishedAt.IsZero() {
				t.Errorf("after its last chunk the run is %s (finished %v), want done", run.Status, run.FinishedAt)
			}
			if pending, err := st.Store.PendingImpactChunks(ctx, "run-1"); err != nil || len(pending) != 0 {
				t.Errorf("pending after the last chunk: %d, %v", len(pending), err)
			}

			newRun("run-2")
			if _, err := st.Store.PlanImpactRun(ctx, "run-2", bounds[:2], []byte("0"), now); err != nil {
				t.Fatal(err)
			}
			closed, err := st.Store.CloseImpactRun(ctx, "run-2", admin.ImpactCancelled, "editor", "", now)
			if err != nil || closed.Status != admin.ImpactCancelled || closed.ClosedBy != "editor" {
				t.Fatalf("cancel: %+v, %v", closed, err)
			}
			_, _, err = st.Store.SaveImpactChunk(ctx, admin.ImpactChunk{Run: "run-2", Index: 0, Report: []byte("1"), FinishedAt: now},
				func([]byte) ([]byte, error) { return []byte("1"), nil })
			if !errors.Is(err, admin.ErrConflict) {
				t.Errorf("storing a chunk of a cancelled run: %v, want a conflict", err)
			}
			if status, err := st.Store.ImpactRunStatus(ctx, "run-2"); err != nil || status != admin.ImpactCancelled {
				t.Errorf("status after cancel: %s, %v", status, err)
			}
			if _, err := st.Store.CloseImpactRun(ctx, "run-2", admin.ImpactFailed, "", "late", now); !errors.Is(err, admin.ErrConflict) {
				t.Errorf("failing a cancelled run: %v, want a conflict", err)
			}
			runs, err := st.Store.DraftImpactRuns(ctx, "d", "h")
			if err != nil || len(runs) != 2 {
				t.Errorf("runs of the draft: %d, %v", len(runs), err)
			}
			if n := st.Query(t, "SELECT COUNT(*) FROM river_job"); n != "0" {
				t.Errorf("River's job table holds %s rows on a fresh store", n)
			}
		})
	}
}

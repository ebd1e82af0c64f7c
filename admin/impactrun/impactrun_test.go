package impactrun_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/testpolicies"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// The store is everything a run needs.
var _ impactrun.Store = (*storage.Store)(nil)

const asOf = "2026-11-01"

// grade is the decision most tests compare: the draft changes it, and it
// is quick to evaluate under the race detector.
var grade = []string{"credit_grade"}

// world is a store with a seeded population, revision 1 serving the
// built-in tree, and an editor's draft for Heilongjiang that raises grade
// B's minimum from 790 to 800 points.
type world struct {
	st     storetest.Store
	adm    *admin.Service
	editor admin.User
	draft  admin.Draft
}

func newWorld(t *testing.T, st storetest.Store, enterprises int) *world {
	t.Helper()
	ctx := context.Background()
	st.SeedDemo(t, enterprises)
	ps, err := engine.Compile(ctx, enginetest.Shipped(nil), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests, err := admin.ReadFiles(testpolicies.FS)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{st: st, adm: &admin.Service{Store: st.Store, Tokens: st.Store, Jurisdictions: ps.Jurisdictions()}}
	if _, _, err := w.adm.Bootstrap(ctx, ps.Files(), tests, ps.Revision(), "test"); err != nil {
		t.Fatal(err)
	}
	w.editor = w.user(t, "hlj-editor", "230000", admin.Editor)
	if w.draft, err = w.adm.CreateDraft(ctx, w.editor, "230000", "HLJ-2: B from 800 points"); err != nil {
		t.Fatal(err)
	}
	const file = "policies/params/230000/data.json"
	var doc map[string]any
	if err := json.Unmarshal(w.draft.Files[file], &doc); err != nil {
		t.Fatal(err)
	}
	bands := doc["credit_grade"].(map[string]any)["bands"].([]any)
	if b := bands[1].(map[string]any); b["grade"] != "B" {
		t.Fatalf("230000's second band is %v, want B", b)
	}
	bands[1].(map[string]any)["min"] = 800
	changed, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if w.draft, err = w.adm.EditDraft(ctx, w.editor, w.draft.ID, w.draft.Hash, []admin.Edit{{Path: file, Content: changed}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) user(t *testing.T, name, code string, roles ...admin.Role) admin.User {
	t.Helper()
	u, err := w.adm.CreateUser(context.Background(), nil, admin.NewUser{Name: name, Password: "correct horse " + name,
		Roles: roles, Jurisdictions: []string{code}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// worker is a server's part in runs: a service and its started job client.
func (w *world) worker(t *testing.T, id string, st impactrun.Store, workers int, rescue time.Duration) *impactrun.Service {
	t.Helper()
	svc := &impactrun.Service{Admin: w.adm, Store: st, Watch: 50 * time.Millisecond}
	client, err := impactrun.StartJobs(context.Background(), svc, w.st.Store.NewJobClient,
		impactrun.WorkerOptions{ID: id, Workers: workers, RescueAfter: rescue})
	stopOnCleanup(t, client, err)
	return svc
}

// stopOnCleanup stops a started job client when the test ends, cutting off
// what it still evaluates.
func stopOnCleanup(t *testing.T, client storage.JobClient, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client.StopAndCancel(ctx)
	})
}

// wait polls the run until it is no longer queued or running.
func wait(t *testing.T, svc *impactrun.Service, u admin.User, id string, within time.Duration) impactrun.View {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		v, err := svc.Run(context.Background(), u, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Run.Closed() {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s after %s: %d of %d chunks", id, v.Run.Status, within, v.Run.ChunksDone, v.Run.ChunksTotal)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// local is what internal/impact's single-process run gives for the same
// trees and options.
func (w *world) local(t *testing.T, opts impact.Options) *impact.Report {
	t.Helper()
	ctx := context.Background()
	live, err := w.adm.Live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	baseFiles, err := w.st.Store.PolicyFiles(ctx, live.Tree)
	if err != nil {
		t.Fatal(err)
	}
	base, err := engine.Compile(ctx, engine.FilesFS(baseFiles), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	headFiles, _ := admin.Split(w.draft.Files)
	head, err := engine.Compile(ctx, engine.FilesFS(headFiles), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := impact.Local{Store: w.st.Store}.Run(ctx, base, head, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// sameReport compares two reports but for where the trees came from and
// the time taken, as JSON: the stored report has been through JSON.
func sameReport(t *testing.T, got, want *impact.Report) {
	t.Helper()
	norm := func(r *impact.Report) any {
		c := *r
		c.ElapsedMS = 0
		c.Base, c.Head = impact.Tree{Revision: r.Base.Revision}, impact.Tree{Revision: r.Head.Revision}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if d := cmp.Diff(norm(want), norm(got)); d != "" {
		t.Errorf("the run's report differs from impact.Local's (-local +run):\n%s", d)
	}
}

func changed(r *impact.Report) int64 {
	var n int64
	for _, d := range r.Decisions {
		n += d.Changed
	}
	return n
}

// A run started from a draft, planned and evaluated as jobs in chunks,
// gives exactly the report internal/impact gives in one process for the
// same trees, and a CSV line per changed outcome.
func TestARunOfJobsGivesTheLocalReport(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st, 1500)
			svc := w.worker(t, "only", st.Store, 2, 0)
			v, err := svc.Start(context.Background(), w.editor, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, ChunkSize: 60})
			if err != nil {
				t.Fatal(err)
			}
			if v.Run.Status != admin.ImpactQueued || v.Run.Jurisdiction != "230000" || v.Run.Head.DraftHash != w.draft.Hash {
				t.Fatalf("started: %+v", v.Run)
			}
			v = wait(t, svc, w.editor, v.Run.ID, time.Minute)
			if v.Run.Status != admin.ImpactDone {
				t.Fatalf("run %s: %s", v.Run.Status, v.Run.Error)
			}
			want := w.local(t, impact.Options{Jurisdiction: "230000", AsOf: asOf, ChunkSize: 60})
			if want.Total < 3 || changed(want) == 0 {
				t.Fatalf("the population gives %d chunks and %d changes; the test wants several of each", want.Total, changed(want))
			}
			sameReport(t, v.Report, want)

			var csv strings.Builder
			if err := svc.WriteChanges(context.Background(), w.editor, v.Run.ID, &csv); err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(csv.String(), "\n"); int64(lines) != changed(want)+1 {
				t.Errorf("the CSV has %d lines, want a header and %d changes", lines, changed(want))
			}
			found, ok, err := svc.DraftRun(context.Background(), w.editor, w.draft.ID)
			if err != nil || !ok || found.Run.ID != v.Run.ID {
				t.Errorf("the draft's latest run: %v %v %v, want %s", found.Run.ID, ok, err, v.Run.ID)
			}
		})
	}
}

// slowStore delays or fails loading facts (by key range or by keys), the
// first step of evaluating a chunk, so tests can cancel a run midway or see a chunk fail.
type slowStore struct {
	*storage.Store
	before func(ctx context.Context) error
}

func (s slowStore) FactsMany(ctx context.Context, usccs []string) (map[string]enterprise.Facts, error) {
	if err := s.before(ctx); err != nil {
		return nil, err
	}
	return s.Store.FactsMany(ctx, usccs)
}

func (s slowStore) FactsRange(ctx context.Context, jurisdictions []string, after, through string, fields []string) ([]enterprise.Facts, error) {
	if err := s.before(ctx); err != nil {
		return nil, err
	}
	return s.Store.FactsRange(ctx, jurisdictions, after, through, fields)
}

func pause(d time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Two workers (two servers' job clients) on one database both take chunks
// of one run, and the run's report is the one a single process gives.
func TestTwoWorkersShareARun(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st, 1500)
			slow := slowStore{st.Store, pause(30 * time.Millisecond)}
			a := w.worker(t, "worker-a", slow, 1, 0)
			w.worker(t, "worker-b", slow, 1, 0)
			v, err := a.Start(context.Background(), w.editor, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, ChunkSize: 30, Decisions: grade})
			if err != nil {
				t.Fatal(err)
			}
			v = wait(t, a, w.editor, v.Run.ID, time.Minute)
			if v.Run.Status != admin.ImpactDone {
				t.Fatalf("run %s: %s", v.Run.Status, v.Run.Error)
			}
			sameReport(t, v.Report, w.local(t, impact.Options{Jurisdiction: "230000", AsOf: asOf, ChunkSize: 30, Decisions: grade}))
			if n := st.Query(t, "SELECT COUNT(DISTINCT worker) FROM impact_run_chunks WHERE run_id = '"+v.Run.ID+"'"); n != "2" {
				t.Errorf("%s workers evaluated the run's %d chunks, want both", n, v.Run.ChunksTotal)
			}
		})
	}
}

// A cancelled run stops: no chunk is stored after the cancel, the chunks
// not yet taken are never evaluated, and the run says cancelled.
func TestCancelStopsARun(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st, 1500)
			var evaluated atomic.Int64
			slow := slowStore{st.Store, func(ctx context.Context) error {
				evaluated.Add(1)
				return pause(300 * time.Millisecond)(ctx)
			}}
			svc := w.worker(t, "only", slow, 2, 0)
			ctx := context.Background()
			v, err := svc.Start(ctx, w.editor, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, ChunkSize: 20, Decisions: grade})
			if err != nil {
				t.Fatal(err)
			}
			for v.Run.ChunksDone < 2 {
				time.Sleep(20 * time.Millisecond)
				if v, err = svc.Run(ctx, w.editor, v.Run.ID); err != nil {
					t.Fatal(err)
				}
			}
			reviewer := w.user(t, "hlj-reviewer", "230000", admin.Reviewer)
			if _, err := svc.Cancel(ctx, reviewer, v.Run.ID); err == nil {
				t.Error("a reviewer cancelled another person's run")
			}
			cancelled, err := svc.Cancel(ctx, w.editor, v.Run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cancelled.Run.Status != admin.ImpactCancelled || cancelled.Run.ClosedBy != w.editor.Name {
				t.Fatalf("after cancel: %+v", cancelled.Run)
			}
			atCancel := evaluated.Load()
			time.Sleep(time.Second)
			after, err := svc.Run(ctx, w.editor, v.Run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Run.ChunksDone != cancelled.Run.ChunksDone || after.Run.Status != admin.ImpactCancelled {
				t.Errorf("a second after the cancel: %d chunks stored (%d at the cancel), %s", after.Run.ChunksDone, cancelled.Run.ChunksDone, after.Run.Status)
			}
			if after.Run.ChunksDone >= after.Run.ChunksTotal {
				t.Fatalf("every chunk of %d was stored; the test wants the cancel to come first", after.Run.ChunksTotal)
			}
			if n := evaluated.Load(); n > atCancel {
				t.Errorf("%d chunks started after the cancel", n-atCancel)
			}
			if n := st.Query(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'impact_chunk' AND state NOT IN ('cancelled', 'completed')"); n != "0" {
				t.Errorf("%s chunk jobs still waiting or running a second after the cancel", n)
			}
			if _, err := svc.Cancel(ctx, w.editor, v.Run.ID); err == nil {
				t.Error("cancelling a cancelled run again succeeded")
			}
		})
	}
}

// A chunk whose evaluation fails (the store answered an error) is retried
// by River, and the run's report is still exact.
func TestAFailedChunkIsRetried(t *testing.T) {
	st := storetest.SQLite(t)
	w := newWorld(t, st, 1500)
	var calls atomic.Int64
	flaky := slowStore{st.Store, func(context.Context) error {
		if calls.Add(1) == 2 {
			return errors.New("connection reset by peer")
		}
		return nil
	}}
	svc := w.worker(t, "only", flaky, 1, 0)
	v, err := svc.Start(context.Background(), w.editor, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, ChunkSize: 50, Decisions: grade})
	if err != nil {
		t.Fatal(err)
	}
	v = wait(t, svc, w.editor, v.Run.ID, time.Minute)
	if v.Run.Status != admin.ImpactDone {
		t.Fatalf("run %s: %s", v.Run.Status, v.Run.Error)
	}
	sameReport(t, v.Report, w.local(t, impact.Options{Jurisdiction: "230000", AsOf: asOf, ChunkSize: 50, Decisions: grade}))
	if n := st.Query(t, "SELECT COUNT(*) FROM impact_run_chunks WHERE attempt = 2"); n != "1" {
		t.Errorf("%s chunks were stored at their second attempt, want the one that failed", n)
	}
}

// A worker killed in the middle of its chunks (SIGKILL, the process gone)
// loses nothing: River's rescuer takes the chunks it left running, another
// worker evaluates them, and the report is exact.
func TestAKilledWorkersChunksAreRescued(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st, 1500)
			ctx := context.Background()
			// Queue the run from a client that works nothing, so the doomed
			// worker, started next, is the only one to take its chunks.
			svc := &impactrun.Service{Admin: w.adm, Store: st.Store}
			queue, err := st.Store.NewJobClient(svc.JobConfig(impactrun.WorkerOptions{ID: "queue-only"}))
			if err != nil {
				t.Fatal(err)
			}
			svc.Queue = queue
			v, err := svc.Start(ctx, w.editor, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, ChunkSize: 50, Decisions: grade})
			if err != nil {
				t.Fatal(err)
			}

			child := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v")
			child.Env = append(os.Environ(), "CREDPOL_IMPACT_WORKER_URL="+st.URL)
			out, err := child.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			child.Stderr = os.Stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { child.Process.Kill(); child.Wait() })
			taken := make(chan struct{})
			go func() {
				lines := bufio.NewScanner(out)
				for lines.Scan() {
					if strings.HasPrefix(lines.Text(), "evaluating") {
						close(taken)
						break
					}
					t.Log("worker process:", lines.Text())
				}
				for lines.Scan() {
				}
			}()
			select {
			case <-taken:
			case <-time.After(time.Minute):
				t.Fatal("the worker process took no chunk within a minute")
			}
			if err := child.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			child.Wait()

			rescuer := w.worker(t, "survivor", st.Store, 2, 5*time.Second)
			v = wait(t, rescuer, w.editor, v.Run.ID, 2*time.Minute)
			if v.Run.Status != admin.ImpactDone {
				t.Fatalf("run %s: %s", v.Run.Status, v.Run.Error)
			}
			sameReport(t, v.Report, w.local(t, impact.Options{Jurisdiction: "230000", AsOf: asOf, ChunkSize: 50, Decisions: grade}))
			if n := st.Query(t, "SELECT COUNT(*) FROM impact_run_chunks WHERE worker <> 'survivor'"); n != "0" {
				t.Errorf("%s chunks stored by another worker than the survivor", n)
			}
			if n := st.Query(t, "SELECT COUNT(*) FROM impact_run_chunks WHERE attempt > 1"); n == "0" {
				t.Error("no chunk was stored at a second attempt: nothing was rescued")
			}
		})
	}
}

// TestWorkerProcess is the worker the test above kills: a job client on
// the store at CREDPOL_IMPACT_WORKER_URL whose evaluations never finish.
func TestWorkerProcess(t *testing.T) {
	url := os.Getenv("CREDPOL_IMPACT_WORKER_URL")
	if url == "" {
		t.Skip("a worker process for TestAKilledWorkersChunksAreRescued")
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	hang := slowStore{st, func(ctx context.Context) error {
		fmt.Println("evaluating a chunk")
		select {}
	}}
	svc := &impactrun.Service{Store: hang}
	if _, err := impactrun.StartJobs(ctx, svc, st.NewJobClient, impactrun.WorkerOptions{ID: "doomed", Workers: 2,
		RescueAfter: 2 * time.Second, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}); err != nil {
		t.Fatal(err)
	}
	select {}
}

// One person may have only so many runs queued or running: a fourth waits
// for one to end or be cancelled, and no one else is held back by them.
func TestOnePersonsOpenRunsAreBounded(t *testing.T) {
	st := storetest.SQLite(t)
	w := newWorld(t, st, 50)
	svc := w.worker(t, "queue-only", st.Store, 0, 0) // queues runs, evaluates none
	ctx := context.Background()
	start := func(u admin.User) (impactrun.View, error) {
		return svc.Start(ctx, u, impactrun.Request{Draft: w.draft.ID, AsOf: asOf, Decisions: grade})
	}
	var first impactrun.View
	for i := range impactrun.DefaultOpenRuns {
		v, err := start(w.editor)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if i == 0 {
			first = v
		}
	}
	_, err := start(w.editor)
	var p *problem.Error
	if !errors.As(err, &p) || p.Code != "too_many_impact_runs" || p.Kind != problem.RateLimited {
		t.Fatalf("a fourth open run: %v, want too_many_impact_runs", err)
	}
	reviewer := w.user(t, "hlj-reviewer", "230000", admin.Reviewer)
	if _, err := start(reviewer); err != nil {
		t.Fatalf("another person's run: %v", err)
	}
	if _, err := svc.Cancel(ctx, w.editor, first.Run.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := start(w.editor); err != nil {
		t.Fatalf("a run after cancelling one: %v", err)
	}
}

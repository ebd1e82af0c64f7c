package impactrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/impact"
)

// QueueName is River's queue of impact runs' jobs.
const QueueName = "impact"

// maxAttempts bounds the tries of each job. River waits attempt⁴ seconds
// between them (1 s, 16 s, 81 s, … about 80 minutes in all), so a store
// outage pauses a run and it goes on when the store is back; a chunk that
// fails every time fails the run.
const maxAttempts = 8

// DefaultRescueAfter is how long a chunk may run without an answer before
// River's rescuer takes it for dead (its worker killed, its replica gone)
// and lets another worker evaluate it again. A chunk of a thousand
// enterprises takes seconds; its job is cut off after this long.
const DefaultRescueAfter = 10 * time.Minute

// PlanArgs is the job that plans a run: compares its trees, cuts its
// population into chunks, and queues a job per chunk.
type PlanArgs struct {
	Run string `json:"run"`
}

// Kind names the job in River's table.
func (PlanArgs) Kind() string { return "impact_plan" }

// ChunkArgs is the job that evaluates one chunk of a run.
type ChunkArgs struct {
	Run   string `json:"run"`
	Chunk int    `json:"chunk"`
}

// Kind names the job in River's table.
func (ChunkArgs) Kind() string { return "impact_chunk" }

// WorkerOptions say how a server takes part in runs.
type WorkerOptions struct {
	// ID names this server's job client (River makes one up when empty);
	// each stored chunk says which client evaluated it.
	ID string
	// Workers is how many chunks this server evaluates at once (each over
	// every core); 0 makes it queue runs without evaluating any.
	Workers int
	// RescueAfter is DefaultRescueAfter unless set.
	RescueAfter time.Duration
	Logger      *slog.Logger
}

// JobConfig is the configuration of a River client that queues runs' jobs
// and, with Workers above 0, works them.
func (s *Service) JobConfig(o WorkerOptions) *river.Config {
	rescue := o.RescueAfter
	if rescue <= 0 {
		rescue = DefaultRescueAfter
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &planWorker{s: s, timeout: max(rescue, planTimeout)})
	river.AddWorker(workers, &chunkWorker{s: s})
	cfg := &river.Config{
		ID:      o.ID,
		Workers: workers,
		// River's rescuer takes a running job for dead only once its
		// timeout has passed too, so a chunk's timeout is the rescue time:
		// a chunk that outlives it is cut off and tried again.
		JobTimeout:           rescue,
		RescueStuckJobsAfter: rescue,
		MaxAttempts:          maxAttempts,
		Logger:               slog.New(quiet{handler(o.Logger)}),
	}
	if o.Workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{QueueName: {MaxWorkers: o.Workers}}
	}
	return cfg
}

func handler(log *slog.Logger) slog.Handler {
	if log == nil {
		return slog.DiscardHandler
	}
	return log.Handler()
}

// quiet passes on River's warnings and errors only: its routine maintenance
// would fill the server's log at info level.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}

func (q quiet) WithAttrs(as []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(as)} }
func (q quiet) WithGroup(name string) slog.Handler    { return quiet{q.Handler.WithGroup(name)} }

func (s *Service) enqueuePlan(ctx context.Context, run string) error {
	if s.Queue == nil {
		return errors.New("no job queue: impact runs are not taken on this server")
	}
	_, err := s.Queue.Insert(ctx, PlanArgs{Run: run}, insertOpts(run))
	return err
}

// insertOpts tags a run's jobs with the run, so a cancel finds those waiting.
func insertOpts(run string) *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueName, MaxAttempts: maxAttempts, Tags: []string{runTag(run)}}
}

func runTag(run string) string { return "run-" + run }

// dropQueued deletes the jobs of a run that wait to be taken, a page at a
// time. It is a shortcut: a job it misses finds the run closed when taken.
func (s *Service) dropQueued(ctx context.Context, run string) {
	if s.Queue == nil {
		return
	}
	for range 100 {
		list, err := s.Queue.JobList(ctx, river.NewJobListParams().TagsAny(runTag(run)).First(1000).
			States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending))
		if err != nil || len(list.Jobs) == 0 {
			return
		}
		ids := make([]int64, len(list.Jobs))
		for i, j := range list.Jobs {
			ids[i] = j.ID
		}
		if _, err := s.Queue.JobDeleteMany(ctx, river.NewJobDeleteManyParams().IDs(ids...).First(len(ids))); err != nil {
			return
		}
	}
}

// planTimeout is the least time a plan job has: it lists every key of the
// population (a million in about half a minute) and is not cut off sooner
// whatever the rescue time of chunks.
const planTimeout = 10 * time.Minute

type planWorker struct {
	river.WorkerDefaults[PlanArgs]
	s       *Service
	timeout time.Duration
}

func (w *planWorker) Timeout(*river.Job[PlanArgs]) time.Duration { return w.timeout }

func (w *planWorker) Work(ctx context.Context, job *river.Job[PlanArgs]) error {
	err := w.s.planRun(ctx, job.Args.Run)
	return w.s.settle(ctx, job.Args.Run, "planning", err, job.Attempt >= job.MaxAttempts)
}

type chunkWorker struct {
	river.WorkerDefaults[ChunkArgs]
	s *Service
}

func (w *chunkWorker) Work(ctx context.Context, job *river.Job[ChunkArgs]) error {
	worker := ""
	if n := len(job.AttemptedBy); n > 0 {
		worker = job.AttemptedBy[n-1]
	}
	err := w.s.runChunk(ctx, job.Args, worker, job.Attempt)
	return w.s.settle(ctx, job.Args.Run, fmt.Sprintf("chunk %d", job.Args.Chunk), err, job.Attempt >= job.MaxAttempts)
}

// errClosed stops the jobs of a run that was cancelled or failed.
var errClosed = errors.New("the run was cancelled or failed")

// settle turns a job's outcome into River's: a closed run's jobs are
// cancelled, not retried; another error is retried, and fails the run at
// the last attempt.
func (s *Service) settle(ctx context.Context, run, what string, err error, last bool) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errClosed), errors.Is(err, admin.ErrNotFound):
		return river.JobCancel(err)
	case last:
		msg := fmt.Sprintf("%s failed at every attempt: %v", what, err)
		if _, cerr := s.Store.CloseImpactRun(context.WithoutCancel(ctx), run, admin.ImpactFailed, "", msg, s.now()); cerr == nil {
			s.cache.plans.drop(run)
		}
	}
	return err
}

// plan returns the comparison of a stored run, made once per run on each
// server from the stored trees and parameters.
func (s *Service) plan(ctx context.Context, id string) (*impact.Plan, error) {
	return s.cache.plans.get(id, func() (*impact.Plan, error) {
		run, err := s.Store.ImpactRun(ctx, id)
		if err != nil {
			return nil, err
		}
		var p params
		if err := json.Unmarshal(run.Params, &p); err != nil {
			return nil, fmt.Errorf("the parameters of run %s: %w", id, err)
		}
		base, err := s.compile(ctx, tree{record: run.Base}, false)
		if err != nil {
			return nil, err
		}
		head, err := s.compile(ctx, tree{record: run.Head}, false)
		if err != nil {
			return nil, err
		}
		return impact.NewPlan(base, head, options(run, p))
	})
}

// planRun plans a queued run and queues a job for each of its chunks not
// stored yet. Run again (a retry, a rescue), it finds the run planned and
// queues the chunks still missing; a chunk queued twice is evaluated once.
func (s *Service) planRun(ctx context.Context, id string) error {
	run, err := s.Store.ImpactRun(ctx, id)
	if err != nil {
		return err
	}
	if run.Status == admin.ImpactQueued {
		if run, err = s.planChunks(ctx, run); err != nil {
			return err
		}
	}
	if run.Status != admin.ImpactRunning {
		return nil
	}
	pending, err := s.Store.PendingImpactChunks(ctx, id)
	if err != nil {
		return err
	}
	jobs := make([]river.InsertManyParams, len(pending))
	for i, c := range pending {
		jobs[i] = river.InsertManyParams{Args: ChunkArgs{Run: id, Chunk: c.Index}, InsertOpts: insertOpts(id)}
	}
	if len(jobs) == 0 {
		return nil
	}
	_, err = s.Queue.InsertMany(ctx, jobs)
	return err
}

func (s *Service) planChunks(ctx context.Context, run admin.ImpactRun) (admin.ImpactRun, error) {
	plan, err := s.plan(ctx, run.ID)
	if err != nil {
		return run, err
	}
	report, err := plan.NewReport(ctx, s.Store)
	if err != nil {
		return run, err
	}
	chunks, err := plan.Chunks(ctx, s.Store)
	if err != nil {
		return run, err
	}
	report.Total = len(chunks)
	bounds := make([][]byte, len(chunks))
	for i, c := range chunks {
		if bounds[i], err = json.Marshal(c); err != nil {
			return run, err
		}
	}
	first, err := json.Marshal(report)
	if err != nil {
		return run, err
	}
	planned, err := s.Store.PlanImpactRun(ctx, run.ID, bounds, first, s.now())
	if errors.Is(err, admin.ErrConflict) {
		// Planned by an attempt that stopped before queueing, or closed.
		return s.Store.ImpactRun(ctx, run.ID)
	}
	return planned, err
}

// runChunk evaluates one chunk and stores its report, unless the run was
// closed or the chunk is stored already. While it evaluates, it looks every
// Watch whether the run was cancelled and stops if so.
func (s *Service) runChunk(ctx context.Context, args ChunkArgs, worker string, attempt int) error {
	status, err := s.Store.ImpactRunStatus(ctx, args.Run)
	if err != nil {
		return err
	}
	switch status {
	case admin.ImpactRunning:
	case admin.ImpactDone:
		return nil // a duplicate job: every chunk is stored
	default:
		return errClosed
	}
	stored, err := s.Store.ImpactChunk(ctx, args.Run, args.Chunk)
	if err != nil {
		return err
	}
	if stored.Done {
		return nil // a duplicate job, or an attempt that outlived its rescue
	}
	var bounds impact.Chunk
	if err := json.Unmarshal(stored.Bounds, &bounds); err != nil {
		return fmt.Errorf("the bounds of chunk %d: %w", args.Chunk, err)
	}
	plan, err := s.plan(ctx, args.Run)
	if err != nil {
		return err
	}
	evalCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go s.watch(evalCtx, args.Run, stop)
	report, changes, err := plan.RunChunk(evalCtx, s.Store, bounds)
	if err != nil {
		if cause := context.Cause(evalCtx); errors.Is(cause, errClosed) {
			return errClosed
		}
		return err
	}
	rawReport, err := json.Marshal(report)
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []impact.Change{}
	}
	rawChanges, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	run, _, err := s.Store.SaveImpactChunk(ctx, admin.ImpactChunk{Run: args.Run, Index: args.Chunk, Report: rawReport,
		Changes: rawChanges, Worker: worker, Attempt: attempt, FinishedAt: s.now()},
		func(sofar []byte) ([]byte, error) {
			merged := &impact.Report{}
			if err := json.Unmarshal(sofar, merged); err != nil {
				return nil, err
			}
			merged.Merge(report)
			return json.Marshal(merged)
		})
	if errors.Is(err, admin.ErrConflict) {
		return errClosed
	}
	if err == nil && run.Closed() {
		s.cache.plans.drop(args.Run)
	}
	return err
}

// watch cancels a chunk's evaluation once its run is no longer running.
func (s *Service) watch(ctx context.Context, run string, stop context.CancelCauseFunc) {
	every := s.Watch
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if status, err := s.Store.ImpactRunStatus(ctx, run); err == nil && status != admin.ImpactRunning {
			stop(errClosed)
			return
		}
	}
}

// Jobs is River's client as a server holds it: it queues runs' jobs, works
// them, and stops.
type Jobs interface {
	Queue
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// StartJobs makes a job client for s with newClient (the store's), starts
// it and queues s's runs on it. The client runs until it is stopped, not
// with ctx: a server stopping lets the chunks in hand finish first.
func StartJobs[C Jobs](ctx context.Context, s *Service, newClient func(*river.Config) (C, error), o WorkerOptions) (C, error) {
	client, err := newClient(s.JobConfig(o))
	if err != nil {
		return client, fmt.Errorf("job queue: %w", err)
	}
	// Without workers the client only inserts: River starts no client
	// without a queue to work.
	if o.Workers > 0 {
		if err := client.Start(context.WithoutCancel(ctx)); err != nil {
			return client, fmt.Errorf("job queue: %w", err)
		}
	}
	s.Queue = client
	return client, nil
}

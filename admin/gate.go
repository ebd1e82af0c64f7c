package admin

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Checker runs the gate over a draft's whole tree: strict compile under the
// restricted capabilities, schemas, the whole regression suite and the
// corpus check (admin/gate is the one credpol uses).
type Checker interface {
	Check(ctx context.Context, files map[string][]byte) GateReport
}

// GateReport is the gate's verdict on one content hash.
type GateReport struct {
	Passed bool `json:"passed"`
	// Revision is the policy files' content hash, the revision decisions
	// will report once published ("" when the tree does not compile).
	Revision string      `json:"revision,omitempty"`
	Checks   []GateCheck `json:"checks"`
}

// GateCheck is one check of the gate and what it found.
type GateCheck struct {
	Name   string `json:"name"` // compile, tests, corpus
	Passed bool   `json:"passed"`
	// Ran counts what the check evaluated (tests, corpus evaluations).
	Ran      int           `json:"ran,omitempty"`
	Problems []GateProblem `json:"problems,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// GateProblem is an error with its place, or a failed test with its values.
type GateProblem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Test    string `json:"test,omitempty"`
	Message string `json:"message"`
}

// Gate states.
const (
	GatePending = "pending" // queued or running
	GatePassed  = "passed"
	GateFailed  = "failed"
)

// GateResult is the stored verdict for a content hash.
type GateResult struct {
	Hash       string
	State      string
	Report     *GateReport
	StartedAt  time.Time
	FinishedAt time.Time
}

// gateBudget bounds one run of the gate: a tree too slow to check in it
// fails (its checks report the deadline) rather than holding the queue.
const gateBudget = 5 * time.Minute

// staleRun is how long a pending verdict may stay without an answer before
// another process runs the check again (the one that started it died).
const staleRun = 10 * time.Minute

// gateRunner checks content hashes one at a time in the background: the
// gate compiles and tests the whole tree, and two at once on a small server
// would slow decisions for nothing.
type gateRunner struct {
	svc     *Service
	mu      sync.Mutex
	queued  map[string]map[string][]byte
	order   []string
	taken   map[string]bool   // every hash this process has queued
	byDraft map[string]string // the hash queued for each draft: a newer save replaces it
	filedIn map[string]string // the jurisdiction of the draft a hash was queued for, to file its verdict under
	wake    chan struct{}
	started bool
}

// Start runs the gate's background worker until ctx ends. Without it, saves
// are still accepted and checked when a server with a worker asks.
func (s *Service) Start(ctx context.Context, log *slog.Logger) {
	r := s.runner()
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return
	}
	r.started = true
	r.mu.Unlock()
	go r.loop(ctx, log)
}

func (s *Service) runner() *gateRunner {
	if s.gate == nil {
		s.gate = &gateRunner{svc: s, queued: map[string]map[string][]byte{}, taken: map[string]bool{}, byDraft: map[string]string{}, filedIn: map[string]string{}, wake: make(chan struct{}, 1)}
	}
	return s.gate
}

// enqueue queues a check of a draft's content unless this process already
// took it; force queues it again (its earlier run never reported). A check
// still waiting for an earlier content of the same draft is dropped: one
// author saving fast must not hold everyone's gate behind versions nobody
// will submit.
func (r *gateRunner) enqueue(d Draft, hash string, files map[string][]byte, force bool) {
	draft := d.ID
	r.mu.Lock()
	r.filedIn[hash] = d.Jurisdiction
	if old, ok := r.byDraft[draft]; ok && old != hash {
		if _, waiting := r.queued[old]; waiting {
			delete(r.queued, old)
			delete(r.taken, old) // asked for again, it is checked again
			r.order = slices.DeleteFunc(r.order, func(h string) bool { return h == old })
		}
	}
	r.byDraft[draft] = hash
	if _, ok := r.queued[hash]; !ok && (force || !r.taken[hash]) {
		r.queued[hash] = files
		r.order = append(r.order, hash)
		r.taken[hash] = true
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *gateRunner) next() (hash string, files map[string][]byte, jurisdiction string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		return "", nil, "", false
	}
	h := r.order[0]
	r.order = r.order[1:]
	files = r.queued[h]
	delete(r.queued, h)
	jurisdiction = r.filedIn[h]
	delete(r.filedIn, h)
	return h, files, jurisdiction, true
}

func (r *gateRunner) loop(ctx context.Context, log *slog.Logger) {
	for {
		hash, files, jurisdiction, ok := r.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
				continue
			}
		}
		started := r.svc.now()
		runCtx, cancel := context.WithTimeout(ctx, gateBudget)
		rep := r.svc.Gate.Check(runCtx, files)
		cancel()
		if ctx.Err() != nil {
			return // shutting down: the next process checks it again
		}
		state := GateFailed
		if rep.Passed {
			state = GatePassed
		}
		res := GateResult{Hash: hash, State: state, Report: &rep, StartedAt: started, FinishedAt: r.svc.now()}
		if err := r.svc.Store.SaveGateResult(ctx, res); err != nil {
			if log != nil {
				log.Error("gate verdict not stored; it will run again", "hash", hash, "err", err.Error())
			}
			continue
		}
		if err := r.svc.Audit(ctx, gateActor, gateRecord(hash, jurisdiction, rep)); err != nil {
			// No caller waits for the gate: the missing entry is an error for the operator.
			auditLogger(log).Error("gate verdict stored without its audit entry", "hash", hash, "err", err.Error())
		}
	}
}

// gateOf returns the verdict on the draft's content, queueing the check when
// there is none yet (or the process that ran it died).
func (s *Service) gateOf(ctx context.Context, d Draft) (GateResult, error) {
	hash, files := d.Hash, d.Files
	res, err := s.Store.GateResult(ctx, hash)
	switch {
	case errors.Is(err, ErrNotFound):
		res = GateResult{Hash: hash, State: GatePending, StartedAt: s.now()}
		if err := s.Store.SaveGateResult(ctx, res); err != nil && !errors.Is(err, ErrConflict) {
			return GateResult{}, unavailable(err)
		}
		s.runner().enqueue(d, hash, files, false)
		return res, nil
	case err != nil:
		return GateResult{}, unavailable(err)
	case res.State == GatePending && s.now().Sub(res.StartedAt) > staleRun:
		res.StartedAt = s.now()
		if err := s.Store.SaveGateResult(ctx, res); err != nil {
			return GateResult{}, unavailable(err)
		}
		s.runner().enqueue(d, hash, files, true)
	case res.State == GatePending:
		// Queued here, or by another process or before a restart: the queue
		// is in memory, so take it unless this process already has.
		s.runner().enqueue(d, hash, files, false)
	}
	return res, nil
}

// gateRecord is the audit entry of a verdict: the content it was on and
// each check's outcome, filed under the jurisdiction of the draft that
// asked for it, so the auditors of that subtree see it.
func gateRecord(hash, jurisdiction string, rep GateReport) Record {
	r := Record{Action: ActGateFailed, Object: "content/" + hash, After: hash, Jurisdiction: jurisdiction}
	if rep.Passed {
		r.Action = ActGatePassed
	}
	checks := map[string]any{}
	for _, c := range rep.Checks {
		checks[c.Name] = map[string]any{"passed": c.Passed, "ran": c.Ran, "problems": len(c.Problems)}
	}
	r.Details = map[string]any{"revision": rep.Revision, "checks": checks}
	return r
}

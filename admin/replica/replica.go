// Package replica keeps a server on the live revision: it learns of a
// publication from the store's notification (Postgres LISTEN/NOTIFY), from a
// periodic check when a notification is lost, and from a timer at the next
// scheduled effective time, compiles the revision and swaps it in
// atomically. A revision that fails to compile is not served: the last good
// one keeps serving, the failure is reported, and the check is retried.
package replica

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
)

// Source is what the follower reads from the store.
type Source interface {
	LiveRevision(ctx context.Context, now time.Time) (admin.Revision, error)
	PendingRevisions(ctx context.Context, now time.Time) ([]admin.Revision, error)
	PolicyFiles(ctx context.Context, hash string) (map[string][]byte, error)
}

// DefaultPoll is how often the live revision is checked without a
// notification: the bound on how late a replica that lost one can be.
const DefaultPoll = 5 * time.Second

// Follower keeps Engine on the live revision.
type Follower struct {
	Source Source
	Engine *engine.Engine
	// Notify fires when another process may have published.
	Notify <-chan struct{}
	Poll   time.Duration
	// Prepare runs before a compiled revision serves (e.g. storing its
	// jurisdiction tree); an error keeps the previous revision serving.
	Prepare func(ctx context.Context, ps *engine.PolicySet) error
	Log     *slog.Logger
	Now     func() time.Time

	mu     sync.Mutex
	status Status
	once   sync.Once
	stale  prometheus.Gauge
	fails  prometheus.Counter
	served prometheus.Gauge
}

// Status is what /ready reports of the follower.
type Status struct {
	Serving int64     `json:"serving"`
	Live    int64     `json:"live"`
	Error   string    `json:"error,omitempty"`
	Checked time.Time `json:"checked"`
}

// Register adds the follower's metrics to reg.
func (f *Follower) Register(reg prometheus.Registerer) {
	f.metrics()
	reg.MustRegister(f.stale, f.fails, f.served)
}

func (f *Follower) metrics() {
	f.once.Do(func() {
		f.stale = prometheus.NewGauge(prometheus.GaugeOpts{Name: "credpol_policy_revision_behind",
			Help: "1 while this server serves an older revision than the live one because the live one failed to load"})
		f.fails = prometheus.NewCounter(prometheus.CounterOpts{Name: "credpol_policy_sync_failures_total",
			Help: "Attempts to load the live revision that failed; the previous revision kept serving"})
		f.served = prometheus.NewGauge(prometheus.GaugeOpts{Name: "credpol_policy_revision_serving",
			Help: "The numbered revision this server serves"})
	})
}

// Status returns the follower's last check.
func (f *Follower) Status() Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *Follower) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Sync loads the live revision if it is not the one serving.
func (f *Follower) Sync(ctx context.Context) error {
	f.metrics()
	live, err := f.Source.LiveRevision(ctx, f.now())
	if err != nil {
		return f.report(0, fmt.Errorf("reading the live revision: %w", err))
	}
	cur := f.Engine.Current()
	if cur != nil && cur.Number() == live.Number {
		return f.report(live.Number, nil)
	}
	files, err := f.Source.PolicyFiles(ctx, live.Tree)
	if err == nil {
		var ps *engine.PolicySet
		ps, err = engine.Compile(ctx, engine.FilesFS(files), engine.Options{Budget: f.Engine.Budget})
		switch {
		case err != nil:
		case ps.Revision() != live.Tree:
			err = fmt.Errorf("revision %d's files hash to %s, not %s", live.Number, ps.Revision(), live.Tree)
		case f.Prepare != nil:
			err = f.Prepare(ctx, ps)
		}
		if err == nil {
			f.Engine.UseRevision(ps, live.Number)
			if f.Log != nil {
				f.Log.Info("policy revision serving", "number", live.Number, "revision", live.Tree, "kind", live.Kind)
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("revision %d not loaded; the previous one keeps serving: %w", live.Number, err)
		f.fails.Inc()
		if f.Log != nil {
			f.Log.Error("policy revision refused", "number", live.Number, "err", err.Error())
		}
	}
	return f.report(live.Number, err)
}

func (f *Follower) report(live int64, err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = Status{Live: live, Checked: f.now().UTC()}
	if cur := f.Engine.Current(); cur != nil {
		f.status.Serving = cur.Number()
	}
	if live == 0 {
		f.status.Live = f.status.Serving
	}
	if err != nil {
		f.status.Error = err.Error()
	}
	behind := 0.0
	if f.status.Serving != f.status.Live {
		behind = 1
	}
	f.stale.Set(behind)
	f.served.Set(float64(f.status.Serving))
	return err
}

// Run checks on every notification, every Poll, and at the next scheduled
// publication, until ctx ends.
func (f *Follower) Run(ctx context.Context) {
	poll := f.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	for {
		f.Sync(ctx)
		wait := poll
		if pending, err := f.Source.PendingRevisions(ctx, f.now()); err == nil && len(pending) > 0 {
			wait = min(wait, max(pending[0].EffectiveAt.Sub(f.now()), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-f.Notify:
		case <-t.C:
		}
		t.Stop()
	}
}

// Package decisionlog records every decision off the request path without
// losing any: a bounded queue that blocks callers when full (backpressure,
// never discarding), a writer that batches into the store and holds entries
// through a store outage, a drain on shutdown, and a spill file for what still
// could not be written, loaded back on the next start.
package decisionlog

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credpol/credpol/decision"
)

// Sink stores records. Writing a record that is already stored must be a
// no-op, so a retried batch lands exactly once.
type Sink interface {
	InsertDecisions(ctx context.Context, recs []decision.Record) error
}

// Pruner removes records older than a time; sinks that can are pruned under Retention.
type Pruner interface {
	PruneDecisions(ctx context.Context, before time.Time) error
}

// Options tune the log. Zero values take the defaults.
type Options struct {
	QueueSize  int           // entries held before Record blocks (default 10,000)
	BatchSize  int           // entries per write (default 500)
	FlushEvery time.Duration // longest wait before a partial batch is written (default 50ms)
	Retention  time.Duration // prune entries older than this; 0 keeps everything
	SpillDir   string        // where entries that cannot be written at shutdown go; "" disables
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("decision log closed")

// Log is the decision log writer.
type Log struct {
	sink   Sink
	opts   Options
	queue  chan decision.Record
	stop   chan context.Context
	done   chan struct{}
	closed atomic.Bool
	stuck  atomic.Bool // the last write failed; entries are held

	written  prometheus.Counter
	failures prometheus.Counter
	latency  prometheus.Histogram
}

var _ decision.Recorder = (*Log)(nil)

// New starts the writer.
func New(sink Sink, opts Options) *Log {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 10000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 50 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Log{
		sink: sink, opts: opts,
		queue: make(chan decision.Record, opts.QueueSize),
		stop:  make(chan context.Context),
		done:  make(chan struct{}),
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credpol_decision_log_written_total", Help: "Decision log entries written to the store."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credpol_decision_log_write_failures_total", Help: "Failed decision log writes (the entries are retried)."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credpol_decision_log_write_seconds", Help: "Time to write one batch of decision log entries.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1, 5}}),
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(l.written, l.failures, l.latency,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "credpol_decision_log_queue_depth", Help: "Decision log entries waiting to be written."},
				func() float64 { return float64(len(l.queue)) }))
	}
	go l.run()
	return l
}

// Record queues r, blocking while the queue is full. It fails only when ctx
// ends first or the log is closed; then the caller must not answer.
func (l *Log) Record(ctx context.Context, r decision.Record) error {
	if l.closed.Load() {
		return ErrClosed
	}
	select {
	case l.queue <- r:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("decision log full: %w", ctx.Err())
	}
}

// Ready reports whether the log can take entries without blocking: false while
// the queue is full, which happens when the store has been failing.
func (l *Log) Ready() bool { return len(l.queue) < cap(l.queue) }

// Depth is the number of queued entries.
func (l *Log) Depth() int { return len(l.queue) }

// Close stops taking entries and writes every queued one. Entries the store
// still refuses when ctx ends are spilled to SpillDir.
func (l *Log) Close(ctx context.Context) error {
	if !l.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	l.stop <- ctx
	<-l.done
	if n := len(l.queue); n > 0 {
		return fmt.Errorf("%d decision log entries neither written nor spilled", n)
	}
	return nil
}

func (l *Log) run() {
	defer close(l.done)
	batch := make([]decision.Record, 0, l.opts.BatchSize)
	tick := time.NewTicker(l.opts.FlushEvery)
	defer tick.Stop()
	var lastPrune time.Time
	for {
		select {
		case r := <-l.queue:
			batch = append(batch, r)
			if len(batch) < l.opts.BatchSize {
				continue
			}
		case <-tick.C:
			if l.opts.Retention > 0 && time.Since(lastPrune) > time.Hour {
				lastPrune = time.Now()
				l.prune()
			}
			if len(batch) == 0 {
				continue
			}
		case ctx := <-l.stop:
			l.drain(ctx, batch)
			return
		}
		// Hold the batch until it is written: while the store is down the
		// queue fills and Record applies backpressure.
		if ctx, stopped := l.writeOrStop(batch); stopped {
			l.drain(ctx, batch)
			return
		}
		batch = batch[:0]
	}
}

// writeOrStop writes batch, retrying with backoff, until it lands or Close
// asks to stop; then it returns Close's context.
func (l *Log) writeOrStop(batch []decision.Record) (context.Context, bool) {
	backoff := 50 * time.Millisecond
	for l.write(context.Background(), batch) != nil {
		select {
		case <-time.After(backoff):
			backoff = min(backoff*2, 5*time.Second)
		case ctx := <-l.stop:
			return ctx, true
		}
	}
	return nil, false
}

func (l *Log) write(ctx context.Context, batch []decision.Record) error {
	start := time.Now()
	err := l.sink.InsertDecisions(ctx, batch)
	l.latency.Observe(time.Since(start).Seconds())
	if err != nil {
		l.failures.Inc()
		if !l.stuck.Swap(true) {
			l.opts.Logger.Error("decision log write failed; holding entries and retrying", "entries", len(batch), "err", err)
		}
		return err
	}
	if l.stuck.Swap(false) {
		l.opts.Logger.Info("decision log writes resumed")
	}
	l.written.Add(float64(len(batch)))
	return nil
}

// drain writes the batch and everything queued, retrying until ctx ends, then
// spills what is left.
func (l *Log) drain(ctx context.Context, batch []decision.Record) {
	for {
	fill:
		for len(batch) < l.opts.BatchSize {
			select {
			case r := <-l.queue:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		for l.write(ctx, batch) != nil {
			select {
			case <-ctx.Done():
				l.spill(append(batch, l.takeAll()...))
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		batch = batch[:0]
	}
}

func (l *Log) takeAll() []decision.Record {
	var out []decision.Record
	for {
		select {
		case r := <-l.queue:
			out = append(out, r)
		default:
			return out
		}
	}
}

func (l *Log) prune() {
	p, ok := l.sink.(Pruner)
	if !ok {
		return
	}
	if err := p.PruneDecisions(context.Background(), time.Now().Add(-l.opts.Retention)); err != nil {
		l.opts.Logger.Error("pruning the decision log failed", "err", err)
	}
}

// spill writes records the store would not take to a new NDJSON file, to be
// loaded by Recover on the next start.
func (l *Log) spill(recs []decision.Record) {
	if len(recs) == 0 {
		return
	}
	if l.opts.SpillDir == "" {
		l.opts.Logger.Error("decision log entries lost: the store is down and no spill directory is set", "entries", len(recs))
		return
	}
	name := filepath.Join(l.opts.SpillDir, fmt.Sprintf("decision-log-spill-%d.ndjson", time.Now().UnixNano()))
	err := writeSpill(name, recs)
	if err != nil {
		l.opts.Logger.Error("decision log entries lost: spilling failed", "entries", len(recs), "file", name, "err", err)
		return
	}
	l.opts.Logger.Warn("decision log entries spilled; they are loaded on the next start", "entries", len(recs), "file", name)
}

func writeSpill(name string, recs []decision.Record) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(name+".tmp", os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

// Recover loads spill files from dir into the sink and removes each file
// once every entry in it is stored. It returns how many entries it loaded.
func Recover(ctx context.Context, sink Sink, dir string) (int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "decision-log-spill-*.ndjson"))
	if err != nil || len(files) == 0 {
		return 0, err
	}
	sort.Strings(files)
	total := 0
	for _, name := range files {
		recs, err := readSpill(name)
		if err != nil {
			return total, fmt.Errorf("%s: %w", name, err)
		}
		for start := 0; start < len(recs); start += 500 {
			if err := sink.InsertDecisions(ctx, recs[start:min(start+500, len(recs))]); err != nil {
				return total, fmt.Errorf("%s: %w", name, err)
			}
		}
		if err := os.Remove(name); err != nil {
			return total, err
		}
		total += len(recs)
	}
	return total, nil
}

func readSpill(name string) ([]decision.Record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []decision.Record
	dec := json.NewDecoder(f)
	for dec.More() {
		var r decision.Record
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

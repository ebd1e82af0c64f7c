// Package decisionlog records every decision without losing any. A decision
// is answered only once its entry is durable: entries are appended to a local
// write-ahead log and fsynced in groups (many requests share one fsync), then
// shipped to the store in batches. What the store has not taken yet — during
// an outage, at shutdown, after a crash — stays in the write-ahead log and is
// shipped at the next start. A record the store refuses for its content is
// set aside as a dead letter so it never blocks the records behind it.
package decisionlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Sink stores records. Writing a record that is already stored must be a
// no-op, so a retried batch lands exactly once.
type Sink interface {
	InsertDecisions(ctx context.Context, recs []Record) error
}

// DeadLetters keeps records the store refused for good, with the reason.
type DeadLetters interface {
	RejectDecision(ctx context.Context, id string, raw []byte, reason string) error
}

// Rejection is implemented by errors a Sink returns when the store refuses a
// record for its content (a value it cannot hold): retrying the same record
// can never succeed, unlike an outage.
type Rejection interface{ Rejected() bool }

// Pruner removes records older than a time; sinks that can are pruned under Retention.
type Pruner interface {
	PruneDecisions(ctx context.Context, before time.Time) error
}

// Options tune the log. Zero values take the defaults.
type Options struct {
	// Dir holds the write-ahead log. "" keeps entries only in memory until
	// the store has them: then a synchronous answer waits for the store.
	Dir string
	// Async answers as soon as an entry is queued, before it is durable:
	// faster, but a crash loses what was not yet written.
	Async      bool
	QueueSize  int           // entries accepted but not yet in the store before Record waits (default 10,000)
	BatchSize  int           // entries per store write (default 500)
	FlushEvery time.Duration // longest wait before a partial batch is shipped (default 20ms)
	Wait       time.Duration // longest Record waits for room and durability (default 10s)
	Retention  time.Duration // prune entries older than this; 0 keeps everything
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// ErrClosed is returned by Record after Close, and to requests still waiting
// for room when shutdown starts.
var ErrClosed = errors.New("decision log closed")

// ErrNotDurable is returned by Record when the entry could not be made
// durable in time; the decision must not be answered.
var ErrNotDurable = errors.New("decision log entry not durable in time")

// entry is one record on its way to the store.
type entry struct {
	rec  Record
	seg  *segment   // the write-ahead segment holding it; nil when none does
	done chan error // answered once the entry is durable; nil when nobody waits
	slot bool       // holds a queue slot (entries recovered at start do not)
}

// Log is the decision log writer.
type Log struct {
	sink  Sink
	opts  Options
	wal   *wal // nil without Dir
	slots chan struct{}
	in    chan *entry

	mu       sync.RWMutex // Close takes it to stop sends on in
	closed   bool
	draining chan struct{} // closed when shutdown starts
	shipQ    fifo
	appended chan struct{} // closed when the appender has written everything
	done     chan struct{} // closed when the shipper has stopped
	closeCtx atomic.Pointer[context.Context]
	stuck    atomic.Bool // the last store write failed; entries are held

	recovered int // entries an earlier run left in the write-ahead log

	written  prometheus.Counter
	failures prometheus.Counter
	rejected prometheus.Counter
	latency  prometheus.Histogram
	syncs    prometheus.Histogram
}

// New opens the write-ahead log in opts.Dir (if set) and starts the writer.
// Call Recover first to ship what an earlier process left there.
func New(sink Sink, opts Options) (*Log, error) {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 10000
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 20 * time.Millisecond
	}
	if opts.Wait <= 0 {
		opts.Wait = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	l := &Log{
		sink: sink, opts: opts,
		slots:    make(chan struct{}, opts.QueueSize),
		in:       make(chan *entry, opts.QueueSize),
		draining: make(chan struct{}),
		appended: make(chan struct{}),
		done:     make(chan struct{}),
		shipQ:    fifo{ready: make(chan struct{}, 1)},
		written: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credpol_decision_log_written_total", Help: "Decision log entries written to the store."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credpol_decision_log_write_failures_total", Help: "Failed decision log writes (the entries are retried)."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "credpol_decision_log_rejected_total", Help: "Decision log entries the store refused for their content, kept as dead letters."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credpol_decision_log_write_seconds", Help: "Time to write one batch of decision log entries to the store.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1, 5}}),
		syncs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "credpol_decision_log_fsync_seconds", Help: "Time to append and fsync one group of entries to the write-ahead log.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .1}}),
	}
	if opts.Dir != "" {
		w, left, err := openWAL(opts.Dir, l.keepAside)
		if err != nil {
			return nil, err
		}
		l.wal = w
		if len(left) > 0 {
			l.recovered = len(left)
			l.opts.Logger.Info("decision log entries from an earlier run found in the write-ahead log; shipping them", "entries", len(left))
			l.shipQ.push(left)
		}
	}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(l.written, l.failures, l.rejected, l.latency, l.syncs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "credpol_decision_log_queue_depth", Help: "Decision log entries accepted but not yet in the store."},
				func() float64 { return float64(len(l.slots)) }))
	}
	go l.append()
	go l.ship()
	return l, nil
}

// Record takes r and, unless the log is asynchronous, returns only once r is
// durable. It waits while the log holds QueueSize entries the store has not
// taken (backpressure, never discarding), at most Options.Wait. Any error
// means the decision must not be answered.
func (l *Log) Record(ctx context.Context, r Record) error {
	wait, err := l.Submit(ctx, r)
	if err != nil {
		return err
	}
	return wait()
}

// Submit queues r, waiting for room as Record does, and returns a wait that
// reports when r is durable (at once in async mode), bounded by the same
// wait from the moment of Submit. Entries submitted before any is waited on
// share the log's group commits: a batch submits all, then waits.
func (l *Log) Submit(ctx context.Context, r Record) (wait func() error, err error) {
	if r.Encoded == nil {
		// Here, on every request's own core, not in the one writer. A record
		// that does not encode goes on without: the writer meets the error
		// and sets the record aside as a dead letter, as the store's refusals.
		_ = r.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, l.opts.Wait)
	defer func() {
		if err != nil {
			cancel()
		}
	}()
	select {
	case l.slots <- struct{}{}:
	default:
		select {
		case l.slots <- struct{}{}:
		case <-l.draining: // shutdown answers waiting requests instead of holding them
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, fmt.Errorf("decision log full: %w", ctx.Err())
		}
	}
	e := &entry{rec: r, slot: true}
	var done chan error // kept here: the writer clears e.done once it answers
	if !l.opts.Async {
		done = make(chan error, 1)
		e.done = done
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		<-l.slots
		return nil, ErrClosed
	}
	l.in <- e // never blocks: a slot is held
	l.mu.RUnlock()
	return func() error {
		defer cancel()
		if done == nil {
			return nil
		}
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			// The entry is still on its way and will be stored; only this
			// answer is withheld.
			return fmt.Errorf("%w: %w", ErrNotDurable, ctx.Err())
		}
	}, nil
}

// Recovered is how many entries an earlier run left in the write-ahead log
// (they are shipped before new ones).
func (l *Log) Recovered() int { return l.recovered }

// Ready reports whether the log can take entries without waiting: false
// while the store has not been taking them and the queue is full.
func (l *Log) Ready() bool { return len(l.slots) < cap(l.slots) }

// Depth is the number of entries accepted but not yet in the store.
func (l *Log) Depth() int { return len(l.slots) }

// Drain starts shutdown: requests waiting for room are refused at once
// (ErrClosed) rather than held; entries already accepted are still written.
func (l *Log) Drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.draining:
	default:
		close(l.draining)
	}
}

// Close stops taking entries, makes every accepted one durable, and ships
// to the store until ctx ends. What the store has not taken by then stays
// in the write-ahead log for Recover at the next start; without a
// write-ahead log it is lost, and Close says how many.
func (l *Log) Close(ctx context.Context) error {
	l.Drain()
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.closed = true
	close(l.in)
	l.mu.Unlock()
	l.closeCtx.Store(&ctx)
	<-l.appended
	l.shipQ.signal()
	<-l.done
	left := l.shipQ.len()
	if left == 0 {
		return l.wal.close(true)
	}
	for _, e := range l.shipQ.peek(left) {
		e.ack(ErrNotDurable) // only without a write-ahead log can anyone still wait
	}
	if l.wal != nil {
		l.opts.Logger.Warn("decision log entries kept in the write-ahead log; they are shipped at the next start",
			"entries", left, "dir", l.opts.Dir)
		return l.wal.close(false)
	}
	return fmt.Errorf("%d decision log entries not written: the store is down and there is no write-ahead log", left)
}

// append makes entries durable in groups: everything that arrived while the
// previous group was being synced is written and synced together.
func (l *Log) append() {
	defer close(l.appended)
	group := make([]*entry, 0, 256)
	for e := range l.in {
		group = append(group[:0], e)
	more:
		for len(group) < cap(group) {
			select {
			case e, ok := <-l.in:
				if !ok {
					break more
				}
				group = append(group, e)
			default:
				break more
			}
		}
		if l.wal != nil {
			start := time.Now()
			if err := l.wal.append(group); err != nil {
				// The store becomes the only durable place for this group:
				// its waiters are answered once it is shipped.
				l.opts.Logger.Error("decision log write-ahead append failed; waiting for the store instead", "entries", len(group), "err", err)
			} else {
				l.syncs.Observe(time.Since(start).Seconds())
				for _, e := range group {
					e.ack(nil)
				}
			}
		}
		l.shipQ.push(group)
	}
}

func (e *entry) ack(err error) {
	if e.done != nil {
		e.done <- err
		e.done = nil
	}
}

// ship writes queued entries to the store in batches, holding and retrying
// them through an outage.
func (l *Log) ship() {
	defer close(l.done)
	tick := time.NewTicker(l.opts.FlushEvery)
	defer tick.Stop()
	var lastPrune time.Time
	appended := l.appended
	for {
		if appended == nil && l.shipQ.len() == 0 {
			return
		}
		batch := l.shipQ.peek(l.opts.BatchSize)
		if len(batch) < l.opts.BatchSize && appended != nil {
			// Wait a little for a fuller batch, unless shutdown started.
			select {
			case <-l.shipQ.ready:
			case <-tick.C:
				if l.opts.Retention > 0 && time.Since(lastPrune) > time.Hour {
					lastPrune = time.Now()
					l.prune()
				}
			case <-appended:
				appended = nil
			}
			batch = l.shipQ.peek(l.opts.BatchSize)
		}
		if len(batch) == 0 {
			continue
		}
		if !l.store(batch) {
			return // shutdown's budget ran out; the rest stays in the write-ahead log
		}
		for _, e := range batch {
			e.ack(nil)
			l.wal.shipped(e.seg)
			if e.slot {
				<-l.slots
			}
		}
		l.shipQ.drop(len(batch)) // batch shares its array: drop it last
	}
}

// store writes batch, retrying with backoff until it lands. It gives up
// only when shutdown's context ends.
func (l *Log) store(batch []*entry) bool {
	backoff := 50 * time.Millisecond
	for {
		err := l.write(batch)
		if err == nil {
			return true
		}
		var wait <-chan struct{}
		if ctx := l.closeCtx.Load(); ctx != nil {
			wait = (*ctx).Done()
		}
		select {
		case <-time.After(backoff):
			backoff = min(backoff*2, 5*time.Second)
		case <-wait:
			return false
		}
	}
}

// write stores batch once. A batch the store refuses for content is split
// until the refused records are alone; those become dead letters and the
// rest are written, so one bad record never holds up the others.
func (l *Log) write(batch []*entry) error {
	recs := make([]Record, len(batch))
	for i, e := range batch {
		recs[i] = e.rec
	}
	start := time.Now()
	err := l.sink.InsertDecisions(context.Background(), recs)
	l.latency.Observe(time.Since(start).Seconds())
	var rej Rejection
	switch {
	case err == nil:
		if l.stuck.Swap(false) {
			l.opts.Logger.Info("decision log writes resumed")
		}
		l.written.Add(float64(len(batch)))
		return nil
	case errors.As(err, &rej) && rej.Rejected():
		if len(batch) == 1 {
			l.reject(batch[0], err) // kept aside: it counts as stored
			return nil
		}
		half := len(batch) / 2
		return errors.Join(l.write(batch[:half]), l.write(batch[half:]))
	}
	l.failures.Inc()
	if !l.stuck.Swap(true) {
		l.opts.Logger.Error("decision log write failed; holding entries and retrying", "entries", len(batch), "err", err)
	}
	return err
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

// fifo is the queue between the appender and the shipper: entries leave it
// only once the store has them.
type fifo struct {
	mu    sync.Mutex
	items []*entry
	ready chan struct{}
}

func (q *fifo) push(es []*entry) {
	q.mu.Lock()
	q.items = append(q.items, es...)
	q.mu.Unlock()
	q.signal()
}

func (q *fifo) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *fifo) peek(n int) []*entry {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.items[:min(n, len(q.items)):min(n, len(q.items))]
}

func (q *fifo) drop(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	clear(q.items[:n])
	q.items = q.items[n:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array go
	}
}

func (q *fifo) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

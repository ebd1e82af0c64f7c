package decision

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
)

// MaxBatch is the most items one batch request may hold.
const MaxBatch = 1000

// BulkFactStore loads many enterprises in a fixed number of queries; a fact
// store that offers it serves batches without a query per item.
type BulkFactStore interface {
	FactsMany(ctx context.Context, usccs []string) (map[string]enterprise.Facts, error)
}

// ItemResult is one batch item's answer or error, in request order.
type ItemResult struct {
	Response *Response
	Err      error
}

// DecideBatch takes the same decision for every item, spreading evaluation
// over the available cores. An item's error does not fail the batch.
func (s *Service) DecideBatch(ctx context.Context, caller auth.Principal, name string, items []Request) ([]ItemResult, error) {
	if _, ok := s.Lookup(name); !ok {
		return nil, problem.New(problem.NotFound, "decision_not_found", "unknown decision "+quote(name))
	}
	if len(items) > MaxBatch {
		return nil, problem.New(problem.TooLarge, "batch_too_large",
			fmt.Sprintf("a batch holds at most %d items, got %d", MaxBatch, len(items)))
	}
	facts := s.preload(ctx, items)
	out := make([]ItemResult, len(items))
	// With a log that can queue now and confirm later, every item's record
	// is queued as it is evaluated and the batch waits once at the end: the
	// items share the log's durable writes instead of each waiting for one.
	submitter, deferred := s.Recorder.(Submitter)
	waits := make([]func() error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(items)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req := items[i]
				req.Decision = name
				if !deferred {
					out[i].Response, out[i].Err = s.decide(ctx, caller, req, facts)
					continue
				}
				resp, rec, err := s.evaluate(ctx, caller, req, facts)
				if err == nil && rec != nil {
					if waits[i], err = submitter.Submit(ctx, *rec); err != nil {
						resp, err = nil, notLogged(err)
					}
				}
				out[i].Response, out[i].Err = resp, err
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, wait := range waits {
		if wait == nil {
			continue
		}
		if err := wait(); err != nil {
			// An answer the log does not hold is never given.
			out[i] = ItemResult{Err: notLogged(err)}
		}
	}
	return out, nil
}

// preload fetches every item's stored facts at once when the store can; the
// returned source answers items from memory, or falls back to the store.
func (s *Service) preload(ctx context.Context, items []Request) FactStore {
	bulk, ok := s.Facts.(BulkFactStore)
	if !ok {
		return s.Facts
	}
	var ids []string
	seen := map[string]bool{}
	for _, it := range items {
		if it.EnterpriseID != "" && !seen[it.EnterpriseID] {
			seen[it.EnterpriseID] = true
			ids = append(ids, it.EnterpriseID)
		}
	}
	if len(ids) == 0 {
		return s.Facts
	}
	found, err := bulk.FactsMany(ctx, ids)
	return loaded{found: found, err: err}
}

// loaded serves facts fetched for a batch; err is the bulk load's failure,
// reported for every item that needed it.
type loaded struct {
	found map[string]enterprise.Facts
	err   error
}

func (l loaded) Facts(_ context.Context, uscc string) (enterprise.Facts, error) {
	if l.err != nil {
		return enterprise.Facts{}, l.err
	}
	f, ok := l.found[uscc]
	if !ok {
		return enterprise.Facts{}, enterprise.ErrNotFound
	}
	return f, nil
}

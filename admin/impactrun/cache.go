package impactrun

import (
	"sync"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/impact"
)

// caches keep what a worker makes once per tree and per run: a compiled
// tree costs about a second and a plan prepares every decision under both
// trees, while a chunk of a thousand enterprises is evaluated in a fraction
// of that.
type caches struct {
	trees lru[*engine.PolicySet]
	plans lru[*impact.Plan]
}

// kept is how many trees, and how many plans, a worker keeps: a server
// evaluates chunks of a few runs at once, each over two trees.
const kept = 8

// lru keeps the most recently used values by key and makes each value once
// however many callers ask for it at the same time. A failed make is not
// kept: the next caller tries again (the store may be back).
type lru[V any] struct {
	mu      sync.Mutex
	entries map[string]*entry[V]
	order   []string // least recently used first
}

type entry[V any] struct {
	ready chan struct{}
	value V
	err   error
}

func (c *lru[V]) get(key string, build func() (V, error)) (V, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*entry[V]{}
	}
	e, ok := c.entries[key]
	if ok {
		c.touch(key)
		c.mu.Unlock()
		<-e.ready
		return e.value, e.err
	}
	e = &entry[V]{ready: make(chan struct{})}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.evict()
	c.mu.Unlock()

	e.value, e.err = build()
	close(e.ready)
	if e.err != nil {
		c.drop(key)
	}
	return e.value, e.err
}

// put keeps a value made elsewhere (the plan a run was started with).
func (c *lru[V]) put(key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*entry[V]{}
	}
	e := &entry[V]{ready: make(chan struct{}), value: v}
	close(e.ready)
	if _, ok := c.entries[key]; !ok {
		c.order = append(c.order, key)
	}
	c.entries[key] = e
	c.touch(key)
	c.evict()
}

func (c *lru[V]) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
	for i, k := range c.order {
		if k == key {
			c.order = append(c.order[:i], c.order[i+1:]...)
			break
		}
	}
}

func (c *lru[V]) touch(key string) {
	for i, k := range c.order {
		if k == key {
			c.order = append(append(c.order[:i:i], c.order[i+1:]...), key)
			return
		}
	}
}

func (c *lru[V]) evict() {
	for len(c.order) > kept {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

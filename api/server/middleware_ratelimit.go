package server

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/credpol/credpol/internal/problem"
)

// maxBuckets bounds the limiter's memory. Buckets are keyed by token name,
// which only a valid token yields, so this is never reached in practice; if
// it is, buckets that have refilled (the same as new ones) are dropped.
const maxBuckets = 10000

// limiter is a token bucket per caller: one runaway upstream system cannot
// take the capacity every other caller shares.
type limiter struct {
	every rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newLimiter allows perSecond requests per caller with bursts of burst; nil
// (no limit) when either is zero or less.
func newLimiter(perSecond float64, burst int) *limiter {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	return &limiter{every: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}}
}

// allow takes one request from caller's bucket, or says how long until one
// would be there.
func (l *limiter) allow(caller string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[caller]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.dropRefilled(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[caller] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused request takes nothing from the bucket
		return false, d
	}
	return true, 0
}

// dropRefilled forgets buckets idle long enough to have refilled completely:
// a new bucket behaves the same. If every bucket is busy, it forgets them
// all rather than grow without bound.
func (l *limiter) dropRefilled(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	for name, b := range l.buckets {
		if now.Sub(b.seen) >= full {
			delete(l.buckets, name)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}

// rateLimit answers 429 rate_limited, with Retry-After in whole seconds,
// to a caller over its rate. It runs after authenticate: it counts per token.
func (s *server) rateLimit(c *gin.Context) {
	if s.limiter == nil {
		c.Next()
		return
	}
	ok, wait := s.limiter.allow(principal(c).Name, time.Now())
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
		fail(c, s.Logger, problem.New(problem.RateLimited, "rate_limited",
			"too many requests for this token; retry after the number of seconds in Retry-After").
			WithDetails(map[string]any{"limit_per_second": float64(s.limiter.every), "burst": s.limiter.burst}))
		return
	}
	c.Next()
}

package server

import (
	"strconv"
	"testing"
	"time"
)

// The limiter holds at most maxBuckets callers, whatever the traffic.
func TestLimiterMemoryIsBounded(t *testing.T) {
	l := newLimiter(10, 5) // a bucket refills completely in 0.5 s
	t0 := time.Unix(1_800_000_000, 0)
	for i := range maxBuckets {
		l.allow("caller-"+strconv.Itoa(i), t0)
	}
	if ok, _ := l.allow("busy", t0.Add(time.Millisecond)); !ok || len(l.buckets) > maxBuckets {
		t.Fatalf("with every bucket busy: allowed %v, %d buckets", ok, len(l.buckets))
	}
	for i := range maxBuckets {
		l.allow("again-"+strconv.Itoa(i), t0.Add(time.Second))
	}
	if len(l.buckets) > maxBuckets {
		t.Fatalf("%d buckets, more than %d", len(l.buckets), maxBuckets)
	}
	// A caller whose bucket was dropped after refilling loses nothing.
	for i := range 5 {
		if ok, _ := l.allow("caller-1", t0.Add(2*time.Second)); !ok {
			t.Fatalf("request %d of a refilled burst refused", i)
		}
	}
	if ok, wait := l.allow("caller-1", t0.Add(2*time.Second)); ok || wait <= 0 || wait > 100*time.Millisecond {
		t.Errorf("over the burst: allowed %v, wait %v", ok, wait)
	}
}

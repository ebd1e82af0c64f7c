package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/idempotency"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestIdempotencyKeys(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			st := s.Store
			t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			claim := func(caller, key string, at time.Time) (idempotency.Entry, bool) {
				t.Helper()
				e, ok, err := st.ClaimIdempotencyKey(ctx, caller, key, at)
				if err != nil {
					t.Fatal(err)
				}
				return e, ok
			}

			if _, ok := claim("a", "k1", t0); !ok {
				t.Fatal("a new key is not claimed")
			}
			e, ok := claim("a", "k1", t0.Add(time.Second))
			if ok || !e.Running() {
				t.Fatalf("second claim: claimed %v, entry %+v; want the running first", ok, e)
			}
			if _, ok := claim("b", "k1", t0); !ok {
				t.Fatal("another caller's same key is not independent")
			}
			done := idempotency.Entry{Caller: "a", Key: "k1", BodyHash: "h1", Status: 201, Response: []byte(`{"id":"p1"}`)}
			if err := st.CompleteIdempotencyKey(ctx, done); err != nil {
				t.Fatal(err)
			}
			e, ok = claim("a", "k1", t0.Add(time.Hour))
			if ok || e.Status != 201 || e.BodyHash != "h1" || string(e.Response) != `{"id":"p1"}` || !e.ExpiresAt.Equal(t0.Add(idempotency.TTL)) {
				t.Fatalf("claim of a finished key: claimed %v, entry %+v", ok, e)
			}
			// A release only forgets a running claim, never a kept answer.
			if err := st.ReleaseIdempotencyKey(ctx, "a", "k1"); err != nil {
				t.Fatal(err)
			}
			if _, ok = claim("a", "k1", t0.Add(2*time.Hour)); ok {
				t.Fatal("releasing a finished key forgot its answer")
			}
			if _, ok = claim("a", "k1", t0.Add(idempotency.TTL)); !ok {
				t.Fatal("an expired key is not claimed afresh")
			}

			claim("a", "k2", t0)
			if err := st.ReleaseIdempotencyKey(ctx, "a", "k2"); err != nil {
				t.Fatal(err)
			}
			if _, ok = claim("a", "k2", t0.Add(time.Second)); !ok {
				t.Fatal("a released key is not claimed again")
			}
			if _, ok = claim("a", "k2", t0.Add(idempotency.Abandoned-time.Second)); ok {
				t.Fatal("a running claim was taken over before it counts as abandoned")
			}
			if _, ok = claim("a", "k2", t0.Add(time.Second+idempotency.Abandoned)); !ok {
				t.Fatal("an abandoned running claim is not taken over")
			}
		})
	}
}

func TestExpiredIdempotencyKeysAreSwept(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			st := s.Store
			t0 := time.Now().Add(-48 * time.Hour)
			for _, k := range []string{"old1", "old2", "old3"} {
				if _, _, err := st.ClaimIdempotencyKey(ctx, "a", k, t0); err != nil {
					t.Fatal(err)
				}
			}
			// The first claim swept (nothing yet); the next sweep is due only
			// after the sweep interval, so open a fresh store handle for it.
			st2, err := storage.Open(ctx, s.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			if _, _, err := st2.ClaimIdempotencyKey(ctx, "a", "new", time.Now()); err != nil {
				t.Fatal(err)
			}
			if n, err := st2.CountIdempotencyKeys(ctx); err != nil || n != 1 {
				t.Errorf("%d keys kept, %v; want only the unexpired one", n, err)
			}
		})
	}
}

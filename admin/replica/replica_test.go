package replica_test

import (
	"context"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/replica"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// publishRaw stores a new revision of the shipped tree with one module's
// text changed, as a publication does, and returns its number.
func publishRaw(t *testing.T, st *storage.Store, tree map[string][]byte, note string, at time.Time) int64 {
	t.Helper()
	files := maps.Clone(tree)
	files["j230000/credit_grade.rego"] = append(append([]byte{}, tree["j230000/credit_grade.rego"]...), []byte("\n# "+note+"\n")...)
	ps, err := engine.Compile(context.Background(), engine.FilesFS(files), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := admin.Revision{Tree: ps.Revision(), Tests: admin.HashFiles(nil), Kind: admin.Initial,
		Author: "test", Message: note, PublishedBy: "test", CreatedAt: time.Now(), EffectiveAt: at}
	if live, err := st.LiveRevision(context.Background(), time.Now()); err == nil {
		r.Kind, r.Parent = admin.Publish, live.Number
	}
	r, err = st.PublishRevision(context.Background(), r, files, map[string][]byte{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.Number
}

// Three replicas on one Postgres database, each with its own connection
// and engine, all serve a publication made through the store within the
// notification's round trip: no replica waits for its periodic check
// (set to a minute here, so only a notification can explain a fast switch).
func TestEveryReplicaFollowsAPublication(t *testing.T) {
	pg := storetest.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tree, err := admin.ReadFiles(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	first := publishRaw(t, pg.Store, tree, "one", time.Now())

	var engines []*engine.Engine
	for i := 0; i < 3; i++ {
		st, err := storage.Open(ctx, pg.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		eng := &engine.Engine{}
		f := &replica.Follower{Source: st, Engine: eng, Notify: st.WatchRevisions(ctx, nil), Poll: time.Minute}
		if err := f.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		go f.Run(ctx)
		engines = append(engines, eng)
	}
	time.Sleep(500 * time.Millisecond) // every listener connected
	for round := 0; round < 3; round++ {
		n := publishRaw(t, pg.Store, tree, "round "+string(rune('a'+round)), time.Now())
		start := time.Now()
		if n <= first {
			t.Fatalf("revision %d after %d", n, first)
		}
		for i, eng := range engines {
			for eng.Current().Number() != n {
				if time.Since(start) > 30*time.Second {
					t.Fatalf("replica %d still serves revision %d, 30 s after %d was published", i, eng.Current().Number(), n)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		t.Logf("revision %d served by all three replicas %v after publication", n, time.Since(start))
	}
}

// A publication scheduled for later switches a replica at its time, without
// a notification or a periodic check in between, and a replica starting
// after that time serves it at once.
func TestScheduledPublication(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tree, err := admin.ReadFiles(policies.FS)
			if err != nil {
				t.Fatal(err)
			}
			now := publishRaw(t, st.Store, tree, "now", time.Now())
			eng := &engine.Engine{}
			f := &replica.Follower{Source: st.Store, Engine: eng, Poll: time.Hour}
			if err := f.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			at := time.Now().Add(1500 * time.Millisecond)
			later := publishRaw(t, st.Store, tree, "later", at)
			go f.Run(ctx)
			time.Sleep(300 * time.Millisecond)
			if got := eng.Current().Number(); got != now {
				t.Fatalf("before its time, revision %d serves; want %d", got, now)
			}
			for eng.Current().Number() != later {
				if time.Now().After(at.Add(20 * time.Second)) {
					t.Fatalf("revision %d not serving 20 s after its effective time", later)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if early := time.Until(at); early > 0 {
				t.Fatalf("revision %d served %v before its effective time", later, early)
			}
			restarted := &engine.Engine{}
			if err := (&replica.Follower{Source: st.Store, Engine: restarted}).Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := restarted.Current().Number(); got != later {
				t.Fatalf("a replica starting after the effective time serves %d, want %d", got, later)
			}
		})
	}
}

// A live revision whose files do not compile is not served: the last good
// revision keeps serving and the status says why.
func TestABrokenRevisionKeepsTheLastGoodOne(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	tree, err := admin.ReadFiles(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	good := publishRaw(t, st.Store, tree, "good", time.Now())
	eng := &engine.Engine{}
	f := &replica.Follower{Source: st.Store, Engine: eng}
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	broken := map[string][]byte{"j100000/x.rego": []byte("package j100000.x\n\ndecision := {\n")}
	if _, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: "0000000000000000", Tests: admin.HashFiles(nil), Kind: admin.Publish, Parent: good,
		Author: "test", Message: "broken", PublishedBy: "test", CreatedAt: time.Now(), EffectiveAt: time.Now()}, broken, map[string][]byte{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(ctx); err == nil {
		t.Fatal("a revision that does not compile was taken")
	}
	if got := eng.Current().Number(); got != good {
		t.Fatalf("serving %d after a failed load, want the last good %d", got, good)
	}
	if s := f.Status(); s.Error == "" || s.Serving != good || s.Live != good+1 {
		t.Fatalf("status %+v does not report serving %d behind live %d with the error", s, good, good+1)
	}
}

// On SQLite (one process, no notifications) a publication made through the
// store wakes the process's own follower at once, not at its periodic check
// (an hour here).
func TestALocalPublicationNeedsNoPoll(t *testing.T) {
	st := storetest.SQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tree, err := admin.ReadFiles(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	publishRaw(t, st.Store, tree, "one", time.Now())
	eng := &engine.Engine{}
	f := &replica.Follower{Source: st.Store, Engine: eng, Notify: st.Store.WatchRevisions(ctx, nil), Poll: time.Hour}
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	go f.Run(ctx)
	n := publishRaw(t, st.Store, tree, "two", time.Now())
	deadline := time.Now().Add(30 * time.Second)
	for eng.Current().Number() != n {
		if time.Now().After(deadline) {
			t.Fatalf("revision %d not serving 30 s after it was published in this process", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

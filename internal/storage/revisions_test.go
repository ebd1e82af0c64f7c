package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// A publication is one transaction: when its last step fails (the draft's
// content moved on after approval), nothing of it remains — no revision,
// no tree, the draft as it was — and the live revision is still the old one.
func TestAFailedPublicationLeavesNothing(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			first, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: "tree-one", Tests: "tests-one", Kind: admin.Initial,
				Author: "a", Message: "m", PublishedBy: "a", CreatedAt: now, EffectiveAt: now},
				map[string][]byte{"j100000/a.rego": []byte("package j100000.a\n")}, map[string][]byte{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := admin.Draft{ID: "00000000-0000-0000-0000-000000000001", Jurisdiction: "100000", Base: first.Number, Author: "a",
				Title: "t", State: admin.Approved, Hash: "approved-content", Files: map[string][]byte{}, CreatedAt: now, UpdatedAt: now}
			if err := st.Store.CreateDraft(ctx, d); err != nil {
				t.Fatal(err)
			}
			_, err = st.Store.PublishRevision(ctx, admin.Revision{Tree: "tree-two", Tests: "tests-one", Kind: admin.Publish, Parent: first.Number,
				Author: "a", Message: "m", DraftID: d.ID, DraftHash: "edited-since", PublishedBy: "b", CreatedAt: now, EffectiveAt: now},
				map[string][]byte{"j100000/b.rego": []byte("package j100000.b\n")}, map[string][]byte{}, nil)
			if !errors.Is(err, admin.ErrConflict) {
				t.Fatalf("publishing a draft whose content moved on: %v, want a conflict", err)
			}
			revs, err := st.Store.Revisions(ctx)
			if err != nil || len(revs) != 1 {
				t.Fatalf("revisions after the failed publication: %d (%v), want 1", len(revs), err)
			}
			if _, err := st.Store.PolicyFiles(ctx, "tree-two"); err == nil {
				t.Error("the failed publication's tree was stored")
			}
			if live, err := st.Store.LiveRevision(ctx, time.Now()); err != nil || live.Number != first.Number {
				t.Errorf("live after the failed publication: %d (%v), want %d", live.Number, err, first.Number)
			}
			if got, err := st.Store.Draft(ctx, d.ID); err != nil || got.State != admin.Approved || got.Revision != 0 {
				t.Errorf("draft after the failed publication: %+v (%v)", got, err)
			}
		})
	}
}

// Two publications that both saw revision 1 live: one becomes revision 2,
// the other is refused, whichever store, so no approved change is published
// on top of a parent it never saw and then silently replaced.
func TestRacingPublicationsDoNotBothWin(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			files := map[string][]byte{"j100000/a.rego": []byte("package j100000.a\n")}
			first, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: "t1", Tests: "s1", Kind: admin.Initial,
				Author: "a", Message: "m", PublishedBy: "a", CreatedAt: now, EffectiveAt: now}, files, map[string][]byte{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			errs := make(chan error, 2)
			for _, tree := range []string{"t2", "t3"} {
				go func() {
					_, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: tree, Tests: "s1", Kind: admin.Publish, Parent: first.Number,
						Author: "a", Message: tree, PublishedBy: "p", CreatedAt: time.Now().UTC(), EffectiveAt: time.Now().UTC()}, files, map[string][]byte{}, nil)
					errs <- err
				}()
			}
			won, refused := 0, 0
			for range 2 {
				switch err := <-errs; {
				case err == nil:
					won++
				case errors.Is(err, admin.ErrConflict):
					refused++
				default:
					t.Fatalf("a racing publication failed with %v, not a conflict", err)
				}
			}
			if won != 1 || refused != 1 {
				t.Fatalf("%d won and %d were refused; want one of each", won, refused)
			}
			// Nor may one be published while another waits for its time.
			live, _ := st.Store.LiveRevision(ctx, time.Now())
			if _, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: "t4", Tests: "s1", Kind: admin.Publish, Parent: live.Number,
				Author: "a", Message: "later", PublishedBy: "p", CreatedAt: time.Now().UTC(), EffectiveAt: time.Now().Add(time.Hour)}, files, map[string][]byte{}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Store.PublishRevision(ctx, admin.Revision{Tree: "t5", Tests: "s1", Kind: admin.Publish, Parent: live.Number,
				Author: "a", Message: "now", PublishedBy: "p", CreatedAt: time.Now().UTC(), EffectiveAt: time.Now().UTC()}, files, map[string][]byte{}, nil); !errors.Is(err, admin.ErrConflict) {
				t.Fatalf("publishing while another waits for its time: %v, want a conflict", err)
			}
		})
	}
}

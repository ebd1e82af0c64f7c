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
			_, err = st.Store.PublishRevision(ctx, admin.Revision{Tree: "tree-two", Tests: "tests-one", Kind: admin.Publish,
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

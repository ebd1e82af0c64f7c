package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func testPlan() sampling.Plan {
	return sampling.Plan{ID: uuid.Must(uuid.NewV7()).String(), Jurisdiction: "350505", Name: "2023", Year: 2023, Seed: "s",
		CreatedAt: time.Now().UTC().Truncate(time.Second)}
}

// A plan is stored with all its items or not at all: a failure part way
// through the items, or a request that has ended, leaves no plan behind.
func TestSavePlanIsAllOrNothing(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			p := testPlan()
			items := make([]sampling.Item, 1200)
			for i := range items {
				items[i] = sampling.Item{USCC: uuid.NewString()[:18], Group: "A", Inspectors: []string{"甲", "乙"}}
			}
			items[1100].USCC = items[3].USCC // the primary key fails late
			if err := st.Store.SavePlan(ctx, p, items); err == nil {
				t.Fatal("a plan with a duplicate item was stored")
			}
			if _, err := st.Store.Plan(ctx, p.ID); !errors.Is(err, sampling.ErrPlanNotFound) {
				t.Fatalf("plan after a failed save: %v", err)
			}

			ended, cancel := context.WithCancel(ctx)
			cancel()
			items[1100].USCC = uuid.NewString()[:18]
			if err := st.Store.SavePlan(ended, p, items); err == nil {
				t.Fatal("a plan was stored for an ended request")
			}
			if _, err := st.Store.Plan(ctx, p.ID); !errors.Is(err, sampling.ErrPlanNotFound) {
				t.Fatalf("plan after an ended request: %v", err)
			}

			// A seed of 500 characters fits (the column once held 200).
			p.Seed = strings.Repeat("种", 500)
			if err := st.Store.SavePlan(ctx, p, items); err != nil {
				t.Fatal(err)
			}
			got, err := st.Store.Plan(ctx, p.ID)
			if err != nil || got.Seed != p.Seed {
				t.Fatalf("plan %v, %v", got.Seed == p.Seed, err)
			}
			stored, err := st.Store.PlanItems(ctx, p.ID, 0, 5000)
			if err != nil || len(stored) != len(items) {
				t.Fatalf("%d items stored of %d (%v)", len(stored), len(items), err)
			}
		})
	}
}

package sampling_test

import (
	"context"
	"testing"

	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// endingStore is the real store, but the request ends (its caller goes away)
// once the population has been read.
type endingStore struct {
	sampling.Store
	end context.CancelFunc
}

func (s endingStore) PreviousInspectors(ctx context.Context, jurisdiction string) (map[string][]string, error) {
	prev, err := s.Store.PreviousInspectors(ctx, jurisdiction)
	s.end()
	return prev, err
}

func TestARequestThatEndsBeforeItsPlanIsStoredStoresNothing(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			population(t, st, 500)
			s := service(t, st)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s.Store = endingStore{Store: st.Store, end: cancel}
			_, err := s.Draw(ctx, all, plan("ended", "seed-1", true))
			if p, ok := problem.As(err); !ok || p.Code != "plan_abandoned" {
				t.Fatalf("err = %v, want plan_abandoned", err)
			}
			// The next plan avoids the latest stored plan's inspectors; there is none.
			prev, err := st.Store.PreviousInspectors(context.Background(), "350505")
			if err != nil || len(prev) != 0 {
				t.Fatalf("an abandoned plan was stored: %d items (%v)", len(prev), err)
			}
		})
	}
}

package ingest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// cancellingBody gives its text, then fails as a connection that went away does,
// cancelling the request as the failure is seen.
type cancellingBody struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (b *cancellingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		b.cancel()
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// The lines received whole before a body broke off are stored even though
// the break cancelled the request; the error is the read's, not the store's.
func TestLinesBeforeABreakAreStoredThoughTheRequestEnded(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			var body strings.Builder
			for i := 0; i < 25; i++ {
				body.WriteString(line(t, i, "350505") + "\n")
			}
			body.WriteString(`{"uscc":"913505`) // the line the break cut
			ctx, cancel := context.WithCancel(context.Background())
			svc := &ingest.Service{Store: s.Store, Validator: enterprise.Validator{}, BatchSize: 10}
			sum, err := svc.Import(ctx, &cancellingBody{r: strings.NewReader(body.String()), cancel: cancel}, ingest.NDJSON, all)
			var re *ingest.ReadError
			if !errors.As(err, &re) || errors.Is(err, ingest.ErrStore) || re.Line != 26 {
				t.Fatalf("err = %v, want a read error from line 26 and no store error", err)
			}
			if sum.Accepted != 25 || stored(t, s) != 25 {
				t.Errorf("accepted %d, stored %d, want the 25 complete lines", sum.Accepted, stored(t, s))
			}
		})
	}
}

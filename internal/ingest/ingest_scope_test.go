package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// uscc returns a valid USCC of a Quangang (350505) company numbered n.
func uscc(t testing.TB, n int) string {
	t.Helper()
	first := fmt.Sprintf("91350505%09d", n)
	c, err := enterprise.CheckCharacter(first)
	if err != nil {
		t.Fatal(err)
	}
	return first + string(c)
}

func line(t testing.TB, n int, jurisdiction string) string {
	return fmt.Sprintf(`{"uscc":%q,"name":"企业%d","entity_type":"company","jurisdiction":%q,"status":"operating"}`, uscc(t, n), n, jurisdiction)
}

func stored(t *testing.T, s storetest.Store) int64 {
	t.Helper()
	n, err := s.Store.CountEnterprises(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A line over MaxLineBytes ends the import; the 30 lines before it are
// stored, and the summary says exactly that.
func TestImportStoresWhatItCountsWhenALineIsTooLong(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			var b strings.Builder
			for i := 1; i <= 30; i++ {
				b.WriteString(line(t, i, "350505") + "\n")
			}
			b.WriteString(`{"name":"` + strings.Repeat("长", ingest.MaxLineBytes/3+10) + `"}` + "\n")
			b.WriteString(line(t, 32, "350505") + "\n")
			svc := &ingest.Service{Store: s.Store}
			sum, err := svc.Import(context.Background(), strings.NewReader(b.String()), ingest.NDJSON, all)
			var re *ingest.ReadError
			if !errors.As(err, &re) || re.Line != 31 || !strings.Contains(re.Message(), "line 31") {
				t.Fatalf("err = %v, want a read error at line 31", err)
			}
			if n := stored(t, s); sum.Accepted != 30 || n != 30 {
				t.Errorf("accepted %d, stored %d; want 30 and 30", sum.Accepted, n)
			}
		})
	}
}

// brokenBody gives data and then fails as a dropped connection does.
type brokenBody struct {
	data string
	read bool
}

var errReset = errors.New("read tcp 10.1.2.3:8080->10.9.8.7:51234: read: connection reset by peer")

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.read {
		return 0, errReset
	}
	b.read = true
	return copy(p, b.data), errReset // data and the error together, as MaxBytesReader does
}

// A body that breaks off stores the complete lines read before the break,
// counts exactly those, and never shows the reader's own error (it names
// sockets); the fragment of a line at the break is neither accepted nor
// rejected. CSV stops too rather than asking the failed body forever.
func TestImportBodyBreakingOff(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ndjson := line(t, 1, "350505") + "\n" + line(t, 2, "350505") + "\n" + `{"uscc":"9135`
			csvBody := "uscc,name,entity_type,jurisdiction,status\n" + uscc(t, 3) + ",丙,company,350505,operating\n" + uscc(t, 4) + ",丁,comp"
			for _, tc := range []struct {
				format   ingest.Format
				body     string
				accepted int
				want     int64 // stored in all
			}{{ingest.NDJSON, ndjson, 2, 2}, {ingest.CSV, csvBody, 1, 3}} {
				svc := &ingest.Service{Store: s.Store}
				done := make(chan struct{})
				var sum *ingest.Summary
				var err error
				go func() {
					defer close(done)
					sum, err = svc.Import(context.Background(), &brokenBody{data: tc.body}, tc.format, all)
				}()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s: the import does not stop when the body breaks off", tc.format)
				}
				var re *ingest.ReadError
				if !errors.As(err, &re) || !errors.Is(err, errReset) {
					t.Fatalf("%s: err = %v, want a read error", tc.format, err)
				}
				if strings.Contains(re.Message(), "10.1.2.3") || strings.Contains(re.Message(), "reset") {
					t.Errorf("%s: the message shows the reader's error: %q", tc.format, re.Message())
				}
				if sum.Accepted != tc.accepted || sum.Rejected != 0 {
					t.Errorf("%s: accepted %d rejected %d (%+v), want %d and 0", tc.format, sum.Accepted, sum.Rejected, sum.Errors, tc.accepted)
				}
				if n := stored(t, s); n != tc.want {
					t.Errorf("%s: %d stored, want %d", tc.format, n, tc.want)
				}
			}
		})
	}
}

func TestImportNDJSONWithAByteOrderMark(t *testing.T) {
	s := storetest.SQLite(t)
	svc := &ingest.Service{Store: s.Store}
	sum, err := svc.Import(context.Background(), strings.NewReader("\ufeff"+line(t, 1, "350505")+"\n"), ingest.NDJSON, all)
	if err != nil || sum.Accepted != 1 || sum.Rejected != 0 {
		t.Fatalf("accepted %d rejected %d err %v: %+v", sum.Accepted, sum.Rejected, err, sum.Errors)
	}
}

// counting counts the stored-jurisdiction lookups and can fail writes.
type counting struct {
	ingest.Writer
	lookups  int
	failPuts bool
}

func (c *counting) EnterpriseJurisdictions(ctx context.Context, usccs []string) (map[string]string, error) {
	c.lookups++
	return c.Writer.EnterpriseJurisdictions(ctx, usccs)
}

func (c *counting) PutEnterprises(ctx context.Context, records []enterprise.Facts) error {
	if c.failPuts {
		return errors.New("connection refused")
	}
	return c.Writer.PutEnterprises(ctx, records)
}

// A Quangang token cannot take over a Shantou enterprise by importing it
// under its own jurisdiction; the offending lines are named, the stored
// record is untouched, and the stored jurisdictions cost one query a batch.
func TestImportRefusesToMoveAStoredRecordOutOfScope(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			shantou := fmt.Sprintf(`{"uscc":%q,"name":"汕头企业","entity_type":"company","jurisdiction":"440500","status":"operating"}`, uscc(t, 9))
			if _, err := (&ingest.Service{Store: s.Store}).Import(ctx, strings.NewReader(shantou), ingest.NDJSON, all); err != nil {
				t.Fatal(err)
			}
			quangang := func(code string) bool { return code == "350505" }
			body := strings.Join([]string{line(t, 1, "350505"), line(t, 9, "350505"), line(t, 2, "350505"), line(t, 9, "350505"), line(t, 3, "350505")}, "\n")
			w := &counting{Writer: s.Store}
			svc := &ingest.Service{Store: w, BatchSize: 2}
			sum, err := svc.Import(ctx, strings.NewReader(body), ingest.NDJSON, quangang)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Accepted != 3 || sum.Rejected != 2 || len(sum.Errors) != 2 || sum.Errors[0].Line != 2 || sum.Errors[1].Line != 4 {
				t.Fatalf("accepted %d rejected %d errors %+v; want 3, 2, lines 2 and 4", sum.Accepted, sum.Rejected, sum.Errors)
			}
			if w.lookups != 3 {
				t.Errorf("%d stored-jurisdiction lookups for 3 batches", w.lookups)
			}
			f, err := s.Store.Facts(ctx, uscc(t, 9))
			if err != nil || *f.Jurisdiction != "440500" || *f.Name != "汕头企业" {
				t.Errorf("the Shantou record was changed: %+v %v", f, err)
			}
			if n := stored(t, s); n != 4 {
				t.Errorf("%d stored, want 4", n)
			}

			// The same through Put.
			_, err = svc.Put(ctx, uscc(t, 9), []byte(line(t, 9, "350505")), quangang)
			if !errors.Is(err, ingest.ErrOutOfScope) {
				t.Errorf("Put over a Shantou record: %v", err)
			}
			if _, err := svc.Put(ctx, uscc(t, 1), []byte(line(t, 1, "350505")), quangang); err != nil {
				t.Errorf("Put over its own record: %v", err)
			}
		})
	}
}

// When a batch fails to store, every line it held is taken back, duplicates too.
func TestImportUncountsAFailedBatchWithDuplicates(t *testing.T) {
	s := storetest.SQLite(t)
	w := &counting{Writer: s.Store, failPuts: true}
	body := line(t, 1, "350505") + "\n" + line(t, 1, "350505") + "\n" + line(t, 2, "350505") + "\n"
	sum, err := (&ingest.Service{Store: w}).Import(context.Background(), strings.NewReader(body), ingest.NDJSON, all)
	if !errors.Is(err, ingest.ErrStore) || sum.Accepted != 0 {
		t.Errorf("accepted %d (err %v), want 0 and a store error", sum.Accepted, err)
	}
}

var _ io.Reader = (*brokenBody)(nil)

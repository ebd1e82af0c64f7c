package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func csvUSCC(n int) string {
	body := fmt.Sprintf("91350505%09d", n)
	c, _ := enterprise.CheckCharacter(body)
	return body + string(c)
}

// A CSV row over 1 MiB (a 50 MiB name, say) is refused on its own line
// without being held in memory; the rows after it, line numbers included,
// are read as if it were not there, quoted line breaks and all.
func TestImportCSVRefusesARowOverOneMiBAndGoesOn(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			row := func(n int, name string) string {
				return csvUSCC(n) + `,"` + name + `",company,350505,operating` + "\n"
			}
			body := "uscc,name,entity_type,jurisdiction,status\n" + // line 1
				row(1, "甲\n公司") + // lines 2–3: a line break inside quotes
				row(2, strings.Repeat("x", 50<<20)) + // line 4: 50 MiB in one cell
				row(3, strings.Repeat("y\n", 600<<10)) + // lines 5–614405: 1.2 MiB over many lines
				row(4, "乙") + // line 614406
				"\r\n" + // a blank line
				row(5, strings.Repeat("名", 201)) // too long a name, but a short row
			sum, err := (&ingest.Service{Store: s.Store}).Import(ctx, strings.NewReader(body), ingest.CSV, all)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Accepted != 2 || sum.Rejected != 3 {
				t.Fatalf("accepted %d rejected %d: %+v", sum.Accepted, sum.Rejected, sum.Errors)
			}
			for i, want := range []struct {
				line int
				msg  string
			}{{4, "row is longer than 1048576 bytes (1 MiB)"}, {5, "row is longer than 1048576 bytes"}, {614408, "must be at most 200 characters"}} {
				e := sum.Errors[i]
				if e.Line != want.line || !strings.Contains(e.Problems[0].Message, want.msg) {
					t.Errorf("error %d: line %d %v, want line %d saying %q", i, e.Line, e.Problems, want.line, want.msg)
				}
			}
			for n, name := range map[int]string{1: "甲\n公司", 4: "乙"} {
				f, err := s.Store.Facts(ctx, csvUSCC(n))
				if err != nil || *f.Name != name {
					t.Errorf("row %d: %v %v", n, f.Name, err)
				}
			}
		})
	}
}

// A stray quote leaves nothing after it aligned: the import stops, naming
// the line as the body counts it.
func TestImportCSVStopsAtAStrayQuoteNamingItsLine(t *testing.T) {
	s := storetest.SQLite(t)
	body := "uscc,name,entity_type,jurisdiction,status\n" +
		csvUSCC(1) + `,"甲` + "\n" + `公司",company,350505,operating` + "\n" +
		csvUSCC(2) + `,乙"公司,company,350505,operating` + "\n"
	_, err := (&ingest.Service{Store: s.Store}).Import(context.Background(), strings.NewReader(body), ingest.CSV, all)
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("err = %v, want one naming line 4", err)
	}
}

func TestImportCSVHeaderProblems(t *testing.T) {
	s := storetest.SQLite(t)
	for _, body := range []string{"", "\n\n", strings.Repeat("u", 2<<20) + "\n"} {
		_, err := (&ingest.Service{Store: s.Store}).Import(context.Background(), strings.NewReader(body), ingest.CSV, all)
		if !errors.Is(err, ingest.ErrCSVHeader) {
			t.Errorf("%.20q…: err = %v, want a header error", body, err)
		}
	}
}

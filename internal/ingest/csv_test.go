package ingest_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

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

// Every fact is a CSV column, read back as the fact it is: a record with
// every fact set goes through a CSV row and comes out of the store the same.
func TestImportCSVTakesEveryFact(t *testing.T) {
	p := func(s string) *string { return &s }
	yes, no, score, months := true, false, 812.5, 48
	want := enterprise.Facts{
		USCC: p("91110000600037341L"), Name: p("汕头市鑫源食品有限公司"), EntityType: p("company"), Jurisdiction: p("440500"),
		EstablishedOn: p("2015-03-02"), Status: p("operating"), KeySectors: []string{"food", "special_equipment"},
		ProductionSectors: []string{"food"}, NewFormat: &yes, PublicCreditScore: &score, RiskClass: p("C"), PremisesAbnormal: &no, Reachable: &yes,
		Penalties: []enterprise.Penalty{{DecisionNo: "汕市监罚〔2024〕12号", DecidedOn: "2024-05-06", PublishedOn: p("2024-05-20"),
			Kinds: []string{"fine", "confiscation"}, FineAmount: 30000, Sector: "food", Procedure: "ordinary", DutiesFulfilled: true, HarmRemoved: true, BanMonths: &months}},
		Listings:            []enterprise.Listing{{List: "abnormal", Cause: "annual_report_not_filed", ListedOn: "2023-07-01", RemovedOn: p("2023-09-01")}},
		Licenses:            []enterprise.License{{Kind: "食品生产许可证", Number: "SC123", ExpiresOn: "2027-01-01"}},
		Inspections:         []enterprise.Inspection{{Task: "2025双随机", InspectedOn: "2025-06-01", Result: "problem"}},
		Complaints:          []enterprise.Complaint{{ReceivedOn: "2026-01-02", Kind: "food_safety"}},
		Commitments:         []enterprise.Commitment{{Item: "告知承诺制审批", MadeOn: "2024-01-01", Status: "false"}},
		AnnualReports:       []enterprise.AnnualReport{{Year: 2024, FiledOn: "2025-03-01", Amendments: 1}},
		RegistrationChanges: []enterprise.RegistrationChange{{Item: "domicile", ChangedOn: "2025-12-01"}},
	}
	// The cells as a spreadsheet would hold them, from the record's JSON.
	b, _ := json.Marshal(want)
	var fields map[string]json.RawMessage
	json.Unmarshal(b, &fields)
	header := strings.Split(ingest.CSVColumns, ", ")
	if diff := cmp.Diff(slices.Sorted(maps.Keys(fields)), slices.Sorted(slices.Values(header))); diff != "" {
		t.Fatalf("the record's facts (-) and the CSV columns (+):\n%s", diff)
	}
	var row []string
	for _, h := range header {
		var text string
		var list []string
		switch raw := fields[h]; {
		case json.Unmarshal(raw, &text) == nil:
			row = append(row, text)
		case json.Unmarshal(raw, &list) == nil:
			row = append(row, strings.Join(list, ";"))
		default:
			row = append(row, string(raw))
		}
	}
	var body strings.Builder
	w := csv.NewWriter(&body)
	w.Write(header)
	w.Write(row)
	w.Flush()

	s := storetest.SQLite(t)
	sum, err := (&ingest.Service{Store: s.Store}).Import(context.Background(), strings.NewReader(body.String()), ingest.CSV, all)
	if err != nil || sum.Accepted != 1 {
		t.Fatalf("import: %v %+v", err, sum)
	}
	got, err := s.Store.Facts(context.Background(), *want.USCC)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("through a CSV row (-want +got):\n%s", diff)
	}
}

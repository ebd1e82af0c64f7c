package enterprise_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
)

func ptr[T any](v T) *T { return &v }

// valid is a record with one item in every list, each field set.
func valid() enterprise.Facts {
	return enterprise.Facts{
		USCC: ptr("91110000600037341L"), Name: ptr("汕头市鑫源食品有限公司"), EntityType: ptr("company"),
		Jurisdiction: ptr("440500"), EstablishedOn: ptr("2010-03-01"), Status: ptr("operating"),
		KeySectors: []string{"food", "drug"}, ProductionSectors: []string{"food"}, RiskClass: ptr("B"),
		Penalties: []enterprise.Penalty{{DecisionNo: "汕市监罚〔2024〕1号", DecidedOn: "2024-01-02", Kinds: []string{"fine", "warning"},
			Sector: "food", Procedure: "ordinary", BanMonths: ptr(48)}},
		Listings:            []enterprise.Listing{{List: "abnormal", Cause: "annual_report_not_filed", ListedOn: "2025-07-01"}},
		Licenses:            []enterprise.License{{Kind: "food_business", Number: "JY14405000000001", ExpiresOn: "2027-01-01"}},
		Inspections:         []enterprise.Inspection{{Task: "2023年双随机", InspectedOn: "2023-09-01", Result: "pass"}},
		Complaints:          []enterprise.Complaint{{ReceivedOn: "2024-05-01", Kind: "quality"}},
		Commitments:         []enterprise.Commitment{{Item: "承诺事项", MadeOn: "2024-01-01", Status: "kept"}},
		AnnualReports:       []enterprise.AnnualReport{{Year: 2023, FiledOn: "2024-06-01"}},
		RegistrationChanges: []enterprise.RegistrationChange{{Item: "domicile", ChangedOn: "2025-03-04"}},
	}
}

func check(t *testing.T, f enterprise.Facts) enterprise.FieldErrors {
	t.Helper()
	_, err := enterprise.Validator{}.Record(f, "")
	var fe enterprise.FieldErrors
	if err != nil && !errors.As(err, &fe) {
		t.Fatalf("not field errors: %v", err)
	}
	return fe
}

// wantOnly asserts exactly one problem, on field, whose message holds want.
func wantOnly(t *testing.T, fe enterprise.FieldErrors, field, want string) {
	t.Helper()
	if len(fe) != 1 || fe[0].Field != field || !strings.Contains(fe[0].Message, want) {
		t.Errorf("got %v, want one problem on %s saying %q", fe, field, want)
	}
}

func TestAValidRecordPasses(t *testing.T) {
	if fe := check(t, valid()); fe != nil {
		t.Fatal(fe)
	}
}

// Postgres text and JSONB cannot hold U+0000 (SQLSTATE 22P05) or invalid
// UTF-8: every string a client sends is refused at the door, by its path.
func TestStringsAStoreCannotHoldAreRefused(t *testing.T) {
	for _, tc := range []struct {
		field string
		set   func(f *enterprise.Facts, s string)
	}{
		{"name", func(f *enterprise.Facts, s string) { f.Name = &s }},
		{"entity_type", func(f *enterprise.Facts, s string) { f.EntityType = &s }},
		{"status", func(f *enterprise.Facts, s string) { f.Status = &s }},
		{"risk_class", func(f *enterprise.Facts, s string) { f.RiskClass = &s }},
		{"jurisdiction", func(f *enterprise.Facts, s string) { f.Jurisdiction = &s }},
		{"established_on", func(f *enterprise.Facts, s string) { f.EstablishedOn = &s }},
		{"key_sectors[1]", func(f *enterprise.Facts, s string) { f.KeySectors[1] = s }},
		{"penalties[0].decision_no", func(f *enterprise.Facts, s string) { f.Penalties[0].DecisionNo = s }},
		{"penalties[0].kinds[0]", func(f *enterprise.Facts, s string) { f.Penalties[0].Kinds[0] = s }},
		{"penalties[0].sector", func(f *enterprise.Facts, s string) { f.Penalties[0].Sector = s }},
		{"penalties[0].published_on", func(f *enterprise.Facts, s string) { f.Penalties[0].PublishedOn = &s }},
		{"listings[0].cause", func(f *enterprise.Facts, s string) { f.Listings[0].Cause = s }},
		{"licenses[0].kind", func(f *enterprise.Facts, s string) { f.Licenses[0].Kind = s }},
		{"licenses[0].number", func(f *enterprise.Facts, s string) { f.Licenses[0].Number = s }},
		{"inspections[0].task", func(f *enterprise.Facts, s string) { f.Inspections[0].Task = s }},
		{"inspections[0].result", func(f *enterprise.Facts, s string) { f.Inspections[0].Result = s }},
		{"complaints[0].kind", func(f *enterprise.Facts, s string) { f.Complaints[0].Kind = s }},
		{"commitments[0].item", func(f *enterprise.Facts, s string) { f.Commitments[0].Item = s }},
		{"commitments[0].status", func(f *enterprise.Facts, s string) { f.Commitments[0].Status = s }},
		{"annual_reports[0].filed_on", func(f *enterprise.Facts, s string) { f.AnnualReports[0].FiledOn = s }},
	} {
		for _, bad := range []string{"a\x00b", "food\x00", "a\xffb"} {
			f := valid()
			tc.set(&f, bad)
			fe := check(t, f)
			if len(fe) != 1 || fe[0].Field != tc.field {
				t.Errorf("%s = %q: got %v, want one problem on %s", tc.field, bad, fe, tc.field)
			}
		}
	}
	f := valid()
	f.Name = ptr("甲\x00公司")
	wantOnly(t, check(t, f), "name", "must not contain the NUL character (U+0000)")
	f.Name = ptr("甲\xff公司")
	wantOnly(t, check(t, f), "name", "must be valid UTF-8")
}

func TestFieldLengthsAreBounded(t *testing.T) {
	f := valid()
	f.Name = ptr(strings.Repeat("企", 200)) // characters, not bytes
	f.Penalties[0].DecisionNo = strings.Repeat("号", 500)
	if fe := check(t, f); fe != nil {
		t.Fatalf("strings at the limits refused: %v", fe)
	}
	f.Name = ptr(strings.Repeat("企", 201))
	wantOnly(t, check(t, f), "name", "must be at most 200 characters, got 201")
	f = valid()
	f.Name = ptr(strings.Repeat("x", 50<<20))
	wantOnly(t, check(t, f), "name", "must be at most 200 characters, got 52428800")

	for _, tc := range []struct {
		field string
		set   func(f *enterprise.Facts, s string)
	}{
		{"penalties[0].decision_no", func(f *enterprise.Facts, s string) { f.Penalties[0].DecisionNo = s }},
		{"listings[0].cause", func(f *enterprise.Facts, s string) { f.Listings[0].Cause = s }},
		{"licenses[0].kind", func(f *enterprise.Facts, s string) { f.Licenses[0].Kind = s }},
		{"licenses[0].number", func(f *enterprise.Facts, s string) { f.Licenses[0].Number = s }},
		{"inspections[0].task", func(f *enterprise.Facts, s string) { f.Inspections[0].Task = s }},
		{"complaints[0].kind", func(f *enterprise.Facts, s string) { f.Complaints[0].Kind = s }},
		{"commitments[0].item", func(f *enterprise.Facts, s string) { f.Commitments[0].Item = s }},
	} {
		f := valid()
		tc.set(&f, strings.Repeat("文", 501))
		wantOnly(t, check(t, f), tc.field, "must be at most 500 characters, got 501")
	}
}

func TestListsHoldAtMostAThousandItems(t *testing.T) {
	f := valid()
	p := f.Penalties[0]
	f.Penalties = make([]enterprise.Penalty, 1000)
	for i := range f.Penalties {
		f.Penalties[i] = p
	}
	if fe := check(t, f); fe != nil {
		t.Fatalf("1,000 penalties refused: %v", fe)
	}
	for _, tc := range []struct {
		field string
		grow  func(f *enterprise.Facts)
	}{
		{"penalties", func(f *enterprise.Facts) { f.Penalties = make([]enterprise.Penalty, 1001) }},
		{"listings", func(f *enterprise.Facts) { f.Listings = make([]enterprise.Listing, 1001) }},
		{"licenses", func(f *enterprise.Facts) { f.Licenses = make([]enterprise.License, 1001) }},
		{"inspections", func(f *enterprise.Facts) { f.Inspections = make([]enterprise.Inspection, 1001) }},
		{"complaints", func(f *enterprise.Facts) { f.Complaints = make([]enterprise.Complaint, 1001) }},
		{"commitments", func(f *enterprise.Facts) { f.Commitments = make([]enterprise.Commitment, 1001) }},
		{"annual_reports", func(f *enterprise.Facts) { f.AnnualReports = make([]enterprise.AnnualReport, 1001) }},
		{"key_sectors", func(f *enterprise.Facts) { f.KeySectors = make([]string, 1001) }},
		{"penalties[0].kinds", func(f *enterprise.Facts) { f.Penalties[0].Kinds = make([]string, 1001) }},
	} {
		f := valid()
		tc.grow(&f)
		// One problem for the list, not one per (empty, invalid) item.
		wantOnly(t, check(t, f), tc.field, "must hold at most 1000 items, got 1001")
	}
}

// key_sectors and a penalty's kinds are stored in one bounded column each:
// a value listed twice says nothing more and is refused.
func TestEnumeratedListsNameEachValueOnce(t *testing.T) {
	f := valid()
	f.KeySectors = []string{"food", "drug", "food"}
	wantOnly(t, check(t, f), "key_sectors[2]", `"food" is listed twice`)
	f = valid()
	f.Penalties[0].Kinds = []string{"fine", "fine"}
	wantOnly(t, check(t, f), "penalties[0].kinds[1]", `"fine" is listed twice`)
}

func TestDatesStayInsideTheRangePoliciesCanCompute(t *testing.T) {
	for _, d := range []string{"1949-10-01", "2199-12-31", "2024-02-29"} {
		if _, err := enterprise.ParseDate(d); err != nil {
			t.Errorf("%s refused: %v", d, err)
		}
	}
	for _, d := range []string{"9999-12-31", "0001-01-01", "1949-09-30", "2200-01-01", "2023-02-29", "2023-1-01", ""} {
		_, err := enterprise.ParseDate(d)
		if err == nil || !strings.Contains(err.Error(), "from 1949-10-01 to 2199-12-31") {
			t.Errorf("%q: err = %v, want one naming the range", d, err)
		}
	}
	f := valid()
	f.Listings[0].ListedOn = "0001-01-01"
	wantOnly(t, check(t, f), "listings[0].listed_on", "from 1949-10-01 to 2199-12-31")
	f = valid()
	f.AnnualReports[0].Year = 2999
	wantOnly(t, check(t, f), "annual_reports[0].year", "from 1979 to 2199")
}

func TestAnOmittedEnumerationIsCalledMissing(t *testing.T) {
	f := valid()
	f.Penalties[0].Sector = ""
	wantOnly(t, check(t, f), "penalties[0].sector",
		"is required (one of cosmetics, drug, food, general, industrial_product, medical_device, special_equipment)")
	f = valid()
	f.Penalties[0].Sector = "toys"
	wantOnly(t, check(t, f), "penalties[0].sector", `"toys" is not one of cosmetics`)
}

func TestMessagesDoNotEchoWholeValues(t *testing.T) {
	f := valid()
	f.EntityType = ptr(strings.Repeat("x", 400))
	fe := check(t, f)
	if len(fe) != 1 || len(fe[0].Message) > 200 {
		t.Errorf("message of %d bytes: %v", len(fe[0].Message), fe)
	}
}

func TestDecodeNamesTheFieldAndWhatWasFound(t *testing.T) {
	for _, tc := range []struct{ doc, field, msg string }{
		{`{"public_credit_score":"800"}`, "facts.public_credit_score", `expected a number, found the string "800"`},
		{`{"penalties":[{"decision_no":"a"},{"fine_amount":"x"}]}`, "facts.penalties[1].fine_amount", `expected a number, found the string "x"`},
		{`{"scroe":1}`, "facts.scroe", `unknown field "scroe" (known: uscc, name,`},
		{`{"listings":[{"lst":"abnormal"}]}`, "facts.listings[0].lst", `unknown field "lst" in listings[0] (known: list, cause, listed_on, removed_on)`},
		{`{"key_sectors":"food"}`, "facts.key_sectors", `expected an array, found the string "food"`},
	} {
		_, err := enterprise.Decode([]byte(tc.doc), "facts")
		var fe enterprise.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tc.field || !strings.Contains(fe[0].Message, tc.msg) {
			t.Errorf("%s: got %v, want %s: %s", tc.doc, err, tc.field, tc.msg)
		}
	}
}

func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		s    string
		max  int
		want string
	}{
		{"", 5, ""},
		{"甲乙丙丁戊", 5, ""},
		{"甲乙丙丁戊己", 5, "must be at most 5 characters, got 6"},
		{"a\x00", 5, "must not contain the NUL character (U+0000)"},
		{"a\xc3", 5, "must be valid UTF-8"},
	} {
		if got := enterprise.TextProblem(tc.s, tc.max); got != tc.want {
			t.Errorf("TextProblem(%q, %d) = %q, want %q", tc.s, tc.max, got, tc.want)
		}
	}
}

// The facts added for the rules' own distinctions: a producer sector must be
// a key sector (ST-1 speaks of 食品、特种设备等生产企业), a ban has a length
// in months (Order 45 Art. 13), a registration change names a known item.
func TestFactsForProducersBansAndChangesAreChecked(t *testing.T) {
	f := valid()
	f.ProductionSectors = []string{"special_equipment"}
	wantOnly(t, check(t, f), "production_sectors[0]", `must also be one of key_sectors, got "special_equipment"`)
	f = valid()
	f.Penalties[0].BanMonths = ptr(0)
	wantOnly(t, check(t, f), "penalties[0].ban_months", "from 1 to 1200, got 0")
	f = valid()
	f.RegistrationChanges[0].Item = "colour"
	wantOnly(t, check(t, f), "registration_changes[0].item", `"colour" is not one of`)
	f = valid()
	f.RegistrationChanges[0].ChangedOn = "2025-02-30"
	wantOnly(t, check(t, f), "registration_changes[0].changed_on", "from 1949-10-01 to 2199-12-31")
	f = valid()
	f.EntityType, f.Listings[0].List = ptr("individual_business"), "abnormal_mark"
	if fe := check(t, f); fe != nil {
		t.Errorf("an individual business marked abnormal: %v", fe)
	}
}

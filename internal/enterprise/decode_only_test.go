package enterprise_test

import (
	"errors"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
)

// A decision decodes only the facts it reads, and those that name the
// enterprise: history it never reads is stepped over, not converted or
// checked, while what it reads is held to every rule Decode holds it to.
func TestDecodeOnlyDecodesTheFactsADecisionReads(t *testing.T) {
	readsScore := func(f string) bool { return f == "public_credit_score" }
	doc := []byte(`{"uscc":"91440500MA4UJKQ82M","name":"汕头某公司","jurisdiction":"440500","public_credit_score":812,
		"penalties":[{"decision_no":"","decided_on":"not a date","kinds":[]}],"annual_reports":"not even a list"}`)
	f, err := enterprise.DecodeOnly(doc, "facts", readsScore)
	if err != nil {
		t.Fatalf("unread facts were checked: %v", err)
	}
	if f.Penalties != nil || f.AnnualReports != nil || enterprise.Value(f.PublicCreditScore) != 812 ||
		enterprise.Value(f.USCC) != "91440500MA4UJKQ82M" || enterprise.Value(f.Name) != "汕头某公司" || enterprise.Value(f.Jurisdiction) != "440500" {
		t.Fatalf("decoded %+v", f)
	}
	if _, err := (enterprise.Validator{}).Check(f, "facts"); err != nil {
		t.Fatalf("the facts read are valid: %v", err)
	}

	for _, c := range []struct{ doc, field string }{
		{`{"public_credit_score":"high","penalties":[]}`, "facts.public_credit_score"}, // a fact read, of the wrong type
		{`{"public_credit_scor":1,"penalties":[]}`, "facts.public_credit_scor"},        // an unknown fact, read or not
		{`{"jurisdiction":4405,"penalties":[]}`, "facts.jurisdiction"},                 // an identity fact, whatever is read
		{`{"public_credit_score":1,"penalties":[}`, "facts.penalties"},                 // not one JSON object
	} {
		_, err := enterprise.DecodeOnly([]byte(c.doc), "facts", readsScore)
		var fe enterprise.FieldErrors
		if !errors.As(err, &fe) || len(fe) == 0 || fe[0].Field != c.field {
			t.Errorf("%s: %v, want a problem on %s", c.doc, err, c.field)
		}
	}

	// Reading everything is Decode.
	all := func(string) bool { return true }
	if _, err := enterprise.DecodeOnly(doc, "facts", all); err != nil {
		if _, derr := enterprise.Decode(doc, "facts"); derr == nil || derr.Error() != err.Error() {
			t.Errorf("DecodeOnly reading every fact: %v; Decode: %v", err, derr)
		}
	} else {
		t.Error("reading every fact, the broken history was not refused")
	}
}

// Only keeps the facts read and the enterprise's names.
func TestOnlyKeepsTheFactsRead(t *testing.T) {
	f := enterprise.Facts{USCC: ptr("91440500MA4UJKQ82M"), Name: ptr("某公司"), Jurisdiction: ptr("440500"), RiskClass: ptr("B"),
		Penalties: []enterprise.Penalty{{DecisionNo: "1"}}, AnnualReports: []enterprise.AnnualReport{{Year: 2024}}}
	got := f.Only(func(k string) bool { return k == "penalties" })
	if got.USCC == nil || got.Name == nil || got.Jurisdiction == nil || got.RiskClass != nil || len(got.Penalties) != 1 || got.AnnualReports != nil {
		t.Errorf("Only(penalties) = %+v", got)
	}
}

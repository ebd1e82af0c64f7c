package enterprise_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jsonerr"
)

// A missing required fact says what it takes, as a wrong one does.
func TestMissingFactsSayWhatTheyTake(t *testing.T) {
	f := valid()
	f.EntityType, f.Status = nil, nil
	f.Penalties[0].DecidedOn = ""
	f.Commitments[0].MadeOn = ""
	f.Listings[0].RemovedOn = ptr("") // optional, but given: it must be a date
	got := map[string]string{}
	for _, e := range check(t, f) {
		got[e.Field] = e.Message
	}
	for field, want := range map[string]string{
		"entity_type":             "is required (one of company, farmer_cooperative, individual_business)",
		"status":                  "is required (one of deregistered, operating, revoked, suspended)",
		"penalties[0].decided_on": "is required (a date YYYY-MM-DD)",
		"commitments[0].made_on":  "is required (a date YYYY-MM-DD)",
		"listings[0].removed_on":  `must be a date YYYY-MM-DD from 1949-10-01 to 2199-12-31, got ""`,
	} {
		if got[field] != want {
			t.Errorf("%s: %q, want %q", field, got[field], want)
		}
	}
	if len(got) != 5 {
		t.Errorf("problems %v", got)
	}
}

// A fact key in the wrong case is refused by the decoder; the answer names
// the fact it was probably meant to be.
func TestAMiscasedFactNamesTheKnownOne(t *testing.T) {
	for doc, want := range map[string]enterprise.FieldError{
		`{"Public_Credit_Score":800}`: {Field: "facts.Public_Credit_Score", Message: "unknown fact (did you mean public_credit_score?)"},
		`{"ENTITY_TYPE":"company"}`:   {Field: "facts.ENTITY_TYPE", Message: "unknown fact (did you mean entity_type?)"},
	} {
		_, err := enterprise.Decode([]byte(doc), "facts")
		var fe enterprise.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0] != want {
			t.Errorf("%s: %v, want %v", doc, err, want)
		}
	}
	_, err := enterprise.Decode([]byte(`{"public_credit_scor":800}`), "")
	if err == nil || !strings.Contains(err.Error(), "did you mean public_credit_score?") {
		t.Errorf("a misspelt fact: %v", err)
	}
}

// Facts nested beyond the limit are refused before any decoder sees them.
func TestDecodeRefusesDeepFacts(t *testing.T) {
	doc := []byte(`{"penalties":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`)
	var err error
	allocs := testing.AllocsPerRun(1, func() { _, err = enterprise.Decode(doc, "facts") })
	var fe enterprise.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "facts" || !strings.Contains(fe[0].Message, "deeper than the limit of 64 levels (at byte") {
		t.Fatalf("Decode = %v", err)
	}
	if allocs > 10 {
		t.Errorf("refusing deep facts allocated %v times", allocs)
	}
	ok := `{"penalties":[{"kinds":["fine"]}]}`
	if _, err := enterprise.Decode([]byte(ok), ""); err != nil || jsonerr.MaxDepth < 4 {
		t.Errorf("facts at their usual depth: %v", err)
	}
}

package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/policies"
)

// What the corpus asks must be what the API could send: a policy is not at
// fault for an input the API would have refused.
func TestGeneratedInputsAreValid(t *testing.T) {
	cat := shippedCatalogue(t)
	g := corpusGen{today: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), asOf: "2026-11-21"}
	validator := enterprise.Validator{KnownJurisdiction: func(string) bool { return true }}
	inputs := g.enterprises([]float64{670, 730, 790, 850})
	inputs = append(inputs, g.dateSamples([]string{"2021-09-01", "2025-12-25"}, g.bases())...)
	labels := map[string]bool{}
	for _, in := range inputs {
		if in.facts == nil {
			t.Fatalf("%s: no facts", in.label)
		}
		if _, err := validator.Check(*in.facts, "facts"); err != nil {
			t.Errorf("%s: %v", in.label, err)
		}
		labels[in.label] = true
	}
	for _, want := range []string{"facts entity_type=farmer_cooperative", "facts status=revoked", "facts risk_class=A",
		"facts public_credit_score=849, risk_class absent", "facts public_credit_score=0, risk_class absent",
		"facts public_credit_score=1000, risk_class absent", "facts key_sectors=[drug]", "facts one penalty of kind detention",
		"facts listed seriously dishonest", "facts every list empty", "facts 50 items in every list",
		"facts {} (none at all)", "facts typical (company, operating, class B, score 800); as_of=2025-12-24"} {
		if !labels[want] {
			t.Errorf("no input %q", want)
		}
	}
	for _, def := range cat.All() {
		variants := contextVariants(def.Context, g)
		if def.Context != nil && len(variants) < 2 {
			t.Errorf("%s: only %d contexts", def.Name, len(variants))
		}
		for _, v := range variants {
			var errs enterprise.FieldErrors
			def.Context.Check("context", deepCopy(v.doc), &errs)
			if len(errs) > 0 {
				t.Errorf("%s, context %s: %v", def.Name, v.label, errs)
			}
		}
	}
	// Every enumerated value of a context is tried.
	found := map[string]bool{}
	def, _ := cat.Lookup("registration_change")
	for _, v := range contextVariants(def.Context, g) {
		found[v.label] = true
	}
	for _, want := range []string{"with every field", "application.kind=filing", "application.kind=deregistration", "application.simplified=true"} {
		if !found[want] {
			t.Errorf("registration_change: no context %q among %v", want, found)
		}
	}
}

func TestScoreBoundariesComeFromTheParameters(t *testing.T) {
	params := map[string]any{"230000": map[string]any{"credit_grade": map[string]any{
		"total": 1000.0,
		"bands": []any{map[string]any{"grade": "A", "min": 850.0}, map[string]any{"grade": "E", "min": 0.0}},
	}}, "100000": map[string]any{"supervision": map[string]any{"ratios": map[string]any{"A": map[string]any{"min": 0.0, "max": 0.05}}}}}
	if got := fmt.Sprint(scoresAround(scoreBoundaries(params))); got != "[0 1 849 850 851 1000]" {
		t.Errorf("scores %s", got)
	}
}

// shippedCatalogue is the catalogue of the shipped tree.
func shippedCatalogue(t *testing.T) *catalogue.Catalogue {
	t.Helper()
	raw, err := fs.ReadFile(policies.FS, "catalogue.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	cat, problems := catalogue.Decode(doc, catalogue.Options{})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return cat
}

// shippedJurisdictions is the jurisdiction tree of the shipped tree.
func shippedJurisdictions(t *testing.T) *jurisdiction.Registry {
	t.Helper()
	raw, err := fs.ReadFile(policies.FS, "jurisdictions.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Jurisdictions []jurisdiction.Jurisdiction `json:"jurisdictions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	reg, err := jurisdiction.New(doc.Jurisdictions)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

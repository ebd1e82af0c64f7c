package server_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// GET /version names the build and the revision the server answers with,
// the one a decision's policy.revision carries, without a token.
func TestVersionNamesTheBuildAndTheServedRevision(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	status, body := f.do(t, "GET", "/version", "", "")
	if status != 200 || body["go"] != runtime.Version() || body["opa"] == "" || body["version"] == "" {
		t.Fatalf("/version: %d %v", status, body)
	}
	_, decided := f.do(t, "POST", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":900}}`)
	served := decided["policy"].(map[string]any)["revision"]
	if got := body["policies"].(map[string]any)["revision"]; got != served || got == nil {
		t.Errorf("/version names revision %v; decisions carry %v", got, served)
	}
}

// The catalogue shows each decision's result schema: what an integrator
// codes against, before the first call.
func TestTheCatalogueShowsResultSchemas(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	status, body := f.do(t, "GET", "/v1/decisions", f.token, "")
	if status != 200 {
		t.Fatalf("GET /v1/decisions: %d %v", status, body)
	}
	for _, d := range body["decisions"].([]any) {
		def := d.(map[string]any)
		schema, _ := def["result_schema"].(map[string]any)
		props, _ := schema["properties"].(map[string]any)
		if len(props) == 0 {
			t.Errorf("%v: result_schema %v", def["name"], def["result_schema"])
		}
		if def["name"] == "credit_grade" && props["grade"] == nil {
			t.Errorf("credit_grade's result schema has no grade: %v", props)
		}
	}
}

// The catalogue says which facts each decision reads where, so an integrator
// knows credit_grade needs public_credit_score before getting a 422.
func TestTheCatalogueShowsTheFactsEachDecisionReads(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	_, body := f.do(t, "GET", "/v1/decisions", f.token, "")
	byName := map[string]map[string]any{}
	for _, d := range body["decisions"].([]any) {
		def := d.(map[string]any)
		reads, _ := def["facts_read"].(map[string]any)
		byName[def["name"].(string)] = reads
	}
	if got := fmt.Sprint(byName["credit_grade"]); got != "map[230000:[public_credit_score]]" {
		t.Errorf("credit_grade reads %s", got)
	}
	if reads := fmt.Sprint(byName["penalty_publicity"]["100000"]); !strings.Contains(reads, "penalties") || strings.Contains(reads, "annual_reports") {
		t.Errorf("penalty_publicity nationally reads %s", reads)
	}
	if reads := fmt.Sprint(byName["sampling_plan"]["350505"]); reads != "[]" {
		t.Errorf("Quangang's sampling plan reads %s of an enterprise", reads)
	}
}

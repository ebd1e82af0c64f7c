package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// openAPIDoc fetches and loads the server's document.
func openAPIDoc(t *testing.T, f *fixture) (*openapi3.T, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/v1/openapi.json", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	return doc, raw
}

// The document is valid OpenAPI 3.1, with a path per decision whose result
// is the decision's result schema.
func TestTheOpenAPIDocumentIsValid(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	doc, _ := openAPIDoc(t, f)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi %s, want 3.1", doc.OpenAPI)
	}
	grade := doc.Paths.Find("/v1/decisions/credit_grade")
	if grade == nil || grade.Post == nil {
		t.Fatal("no path for credit_grade")
	}
	result := doc.Components.Schemas["Result_credit_grade"]
	if result == nil || result.Value.Properties["grade"] == nil {
		t.Errorf("credit_grade's result schema in the document: %+v", result)
	}
}

// Every route the router serves outside /admin is documented, and every
// documented path is served.
func TestEveryRouteIsDocumented(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	doc, _ := openAPIDoc(t, f)
	var served []gin.RouteInfo
	newFixture(t, st, func(d *server.Deps) {
		served = server.New(*d).(*gin.Engine).Routes()
	})
	param := regexp.MustCompile(`[:*]([a-z_]+)`)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range served {
		if strings.HasPrefix(r.Path, "/admin/") {
			continue
		}
		key := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		seen[key] = true
		if !documented[key] {
			t.Errorf("%s is served but not documented", key)
		}
	}
	for key := range documented {
		if seen[key] {
			continue
		}
		// A decision's own path is served by /v1/decisions/{name}.
		if m, p, _ := strings.Cut(key, " "); m == "POST" && strings.HasPrefix(p, "/v1/decisions/") && strings.Count(p, "/") == 3 && seen["POST /v1/decisions/{name}"] {
			continue
		}
		t.Errorf("%s is documented but not served", key)
	}
}

// Requests as the API tests send them, and the server's answers, validate
// against the document: it cannot drift from what the server does.
func TestRequestsAndAnswersMatchTheDocument(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	doc, _ := openAPIDoc(t, f)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	// check sends a request; an invalid one (valid false) must fail the
	// document's request validation, and its error answer still match.
	check := func(method, path, body string, valid bool) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: no documented route: %v", method, path, err)
			return nil
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(context.Background(), in); valid && err != nil {
			t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		} else if !valid && err == nil {
			t.Errorf("%s %s %s: the document accepts a request the server refuses", method, path, body)
		}
		req.Body = io.NopCloser(strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: opts}
		out.SetBodyBytes(b)
		if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
			t.Errorf("%s %s: the answer (%d) does not match the document: %v", method, path, resp.StatusCode, err)
		}
		var v map[string]any
		json.Unmarshal(b, &v)
		return v
	}
	check("GET", "/v1/decisions", "", true)
	check("GET", "/v1/jurisdictions", "", true)
	check("GET", "/v1/jurisdictions/230000/policies", "", true)
	check("GET", "/v1/jurisdictions/999999/policies", "", true)
	check("GET", "/version", "", true)
	check("GET", "/health", "", true)
	for _, c := range []struct {
		name, body string
		valid      bool
	}{
		{"credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":795}}`, true},
		{"risk_class", `{"jurisdiction":"350505","facts":{"risk_class":"B"}}`, true},
		{"supervision", `{"jurisdiction":"440500","facts":{"risk_class":"C","penalties":[{"decision_no":"罚1","decided_on":"2026-01-02","kinds":["fine"],"fine_amount":5000}]}}`, true},
		{"registration_change", `{"jurisdiction":"440500","facts":{},"context":{"application":{"kind":"change"}}}`, true},
		{"penalty_publicity", `{"jurisdiction":"350505","as_of":"2026-11-01","facts":{"penalties":[{"decision_no":"泉罚1","decided_on":"2026-01-10","kinds":["warning"],"procedure":"simplified"}]}}`, true},
		{"credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":"high"}}`, false},
		{"credit_grade", `{"jurisdiction":"230000","facts":{"public_credit_score":1795}}`, false},
	} {
		answer := check("POST", "/v1/decisions/"+c.name, c.body, c.valid)
		if id, ok := answer["decision_id"].(string); ok && c.name == "credit_grade" {
			f.waitLogged(t, 1)
			check("GET", "/v1/decision-log/"+id, "", true)
			check("POST", "/v1/decision-log/"+id+"/replay", "", true)
		}
	}
	check("POST", "/v1/decisions/credit_grade/batch", `{"items":[{"jurisdiction":"230000","facts":{"public_credit_score":700}}]}`, true)
	check("GET", "/v1/decision-log?decision=credit_grade&limit=5", "", true)
	check("GET", "/v1/decision-log/01a202f5-17c2-77cc-abaf-b70c3bcab945", "", true)
	check("GET", "/v1/enterprises/91230000MA1234567X", "", true)
}

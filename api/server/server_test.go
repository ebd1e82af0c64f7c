package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

type fixture struct {
	srv    *httptest.Server
	token  string
	store  storetest.Store
	engine *engine.Engine
	log    *decisionlog.Log
}

// newFixture serves the shipped policies over real HTTP on a real store.
func newFixture(t *testing.T, st storetest.Store, opts ...func(*server.Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	reg, err := st.Store.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{}
	ps, err := eng.Load(ctx, policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Store.SavePolicyRevision(ctx, ps.Revision(), ps.Files()); err != nil {
		t.Fatal(err)
	}
	declog, err := decisionlog.New(st.Store, decisionlog.Options{Dir: t.TempDir(), FlushEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		declog.Close(ctx) // tests that stop the store leave entries it cannot write
	})
	f := &fixture{store: st, engine: eng, log: declog, token: mustToken(t, st, "all", []string{"100000"}, []string{auth.All})}
	validator := enterprise.Validator{KnownJurisdiction: reg.Has}
	deps := server.Deps{
		Facts:       st.Store,
		Ingest:      &ingest.Service{Store: st.Store, Validator: validator},
		LogSearch:   st.Store,
		DecisionLog: declog,
		Decisions: &decision.Service{Engine: eng, Jurisdictions: reg, Facts: st.Store, Validator: validator,
			Recorder: declog, Log: st.Store, Archive: engine.NewArchive(eng, st.Store.PolicyFiles),
			Now: func() time.Time { return time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC) }},
		Authenticator: auth.NewAuthenticator(st.Store, time.Second),
		Engine:        eng,
		Jurisdictions: reg,
		Store:         st.Store,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		BodyLimit:     64 << 10,
	}
	for _, o := range opts {
		o(&deps)
	}
	f.srv = httptest.NewServer(server.New(deps))
	t.Cleanup(f.srv.Close)
	return f
}

func mustToken(t *testing.T, st storetest.Store, name string, juris, decisions []string) string {
	t.Helper()
	secret, hash, err := auth.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.CreateToken(context.Background(), auth.Token{Name: name, Hash: hash, Jurisdictions: juris, Decisions: decisions}); err != nil {
		t.Fatal(err)
	}
	return secret
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	return f.send(t, method, path, token, "application/json", body)
}

func (f *fixture) send(t *testing.T, method, path, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: response is not JSON: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestDecisionsOverHTTP(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)

			t.Run("credit_grade B in Heilongjiang", func(t *testing.T) {
				status, body := f.do(t, "POST", "/v1/decisions/credit_grade", f.token,
					`{"jurisdiction":"230000","facts":{"public_credit_score":800}}`)
				if status != 200 {
					t.Fatalf("status %d: %v", status, body)
				}
				result := body["result"].(map[string]any)
				if result["grade"] != "B" || result["score"] != 800.0 {
					t.Errorf("result = %v", result)
				}
				reasons := body["reasons"].([]any)
				if !strings.HasPrefix(reasons[1].(map[string]any)["basis"].(string), "HLJ-2 ") {
					t.Errorf("reasons = %v", reasons)
				}
				j := body["jurisdiction"].(map[string]any)
				chain := j["chain"].([]any)
				if j["code"] != "230000" || j["name"] != "黑龙江省" || len(chain) != 2 || chain[1].(map[string]any)["code"] != "100000" {
					t.Errorf("jurisdiction = %v", j)
				}
				policy := body["policy"].(map[string]any)
				if policy["source"] != "230000" || policy["revision"] == "" {
					t.Errorf("policy = %v", policy)
				}
				if body["as_of"] != "2026-11-21" {
					t.Errorf("as_of %v (today in Asia/Shanghai is 2026-11-21)", body["as_of"])
				}
				id, _ := body["decision_id"].(string)
				if u, err := uuid.Parse(id); err != nil || u.Version() != 7 || u.String() != id {
					t.Fatalf("decision_id %#v is not a lower-case UUIDv7", body["decision_id"])
				}
				f.waitLogged(t, 1)
				status, logged := f.do(t, "GET", "/v1/decision-log/"+id, f.token, "")
				if status != 200 || logged["decision_id"] != id || logged["decision"] != "credit_grade" {
					t.Errorf("the decision is not logged under its id: %d %v", status, logged)
				}
			})

			t.Run("credit_grade is not configured in Quangang", func(t *testing.T) {
				status, body := f.do(t, "POST", "/v1/decisions/credit_grade", f.token,
					`{"jurisdiction":"350505","facts":{"public_credit_score":800}}`)
				if status != 422 || errorCode(body) != "decision_not_configured" {
					t.Fatalf("status %d body %v", status, body)
				}
			})

			listed := `"facts":{"listings":[{"list":"abnormal","cause":"annual_report_not_filed","listed_on":"2025-07-01","removed_on":null}]}`
			for _, tc := range []struct {
				code, kind string
				accept     bool
				source     string
			}{
				{"440500", "change", false, "440500"},
				{"440500", "filing", false, "440500"},
				{"440000", "change", true, "100000"},
				{"100000", "change", true, "100000"},
			} {
				t.Run("registration_change "+tc.kind+" in "+tc.code, func(t *testing.T) {
					status, body := f.do(t, "POST", "/v1/decisions/registration_change", f.token,
						`{"jurisdiction":"`+tc.code+`",`+listed+`,"context":{"application":{"kind":"`+tc.kind+`"}},"as_of":"2026-11-21"}`)
					if status != 200 {
						t.Fatalf("status %d: %v", status, body)
					}
					result := body["result"].(map[string]any)
					if result["accept"] != tc.accept || body["policy"].(map[string]any)["source"] != tc.source {
						t.Errorf("accept %v source %v, want %v %v", result["accept"], body["policy"], tc.accept, tc.source)
					}
					if !tc.accept && len(result["blocking"].([]any)) != 1 {
						t.Errorf("blocking = %v, want the listing", result["blocking"])
					}
				})
			}
		})
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			hequOnly := mustToken(t, st, "hequ", []string{"140930"}, []string{"registration_change"})
			big := `{"facts":{"name":"` + strings.Repeat("x", 70<<10) + `"}}`
			for _, tc := range []struct {
				name, path, token, body string
				status                  int
				code                    string
			}{
				{"no token", "/v1/decisions/credit_grade", "", `{}`, 401, "unauthenticated"},
				{"unknown token", "/v1/decisions/credit_grade", "cpt_nope", `{}`, 401, "unauthenticated"},
				{"not JSON", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":`, 400, "malformed_body"},
				{"unknown body field", "/v1/decisions/credit_grade", f.token, `{"jurisdictoin":"230000"}`, 400, "malformed_body"},
				{"two objects", "/v1/decisions/credit_grade", f.token, `{} {}`, 400, "malformed_body"},
				{"too large", "/v1/decisions/credit_grade", f.token, big, 413, "payload_too_large"},
				{"unknown decision", "/v1/decisions/nope", f.token, `{}`, 404, "decision_not_found"},
				{"unknown jurisdiction", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"999999"}`, 404, "jurisdiction_not_found"},
				{"malformed jurisdiction", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"23"}`, 422, "invalid_jurisdiction"},
				{"no jurisdiction", "/v1/decisions/credit_grade", f.token, `{"facts":{"public_credit_score":1}}`, 422, "missing_jurisdiction"},
				{"bad as_of", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","as_of":"2026-02-30"}`, 422, "invalid_date"},
				{"score out of range", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":1200}}`, 422, "invalid_facts"},
				{"score missing", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{}}`, 422, "missing_fact"},
				{"unknown fact", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"scroe":1}}`, 422, "invalid_facts"},
				{"fact of wrong type", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":"high"}}`, 422, "invalid_facts"},
				{"bad USCC in facts", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"uscc":"91110000600037341M","public_credit_score":1}}`, 422, "invalid_uscc"},
				{"bad listing date", "/v1/decisions/registration_change", f.token, `{"jurisdiction":"440500","facts":{"listings":[{"list":"abnormal","cause":"x","listed_on":"2025-13-01"}]},"context":{"application":{"kind":"change"}}}`, 422, "invalid_facts"},
				{"context missing", "/v1/decisions/registration_change", f.token, `{"jurisdiction":"440500"}`, 422, "invalid_context"},
				{"context kind unknown", "/v1/decisions/registration_change", f.token, `{"jurisdiction":"440500","context":{"application":{"kind":"merger"}}}`, 422, "invalid_context"},
				{"context not an object", "/v1/decisions/registration_change", f.token, `{"jurisdiction":"440500","context":[1]}`, 422, "invalid_context"},
				{"token outside its subtree", "/v1/decisions/registration_change", hequOnly, `{"jurisdiction":"140900","context":{"application":{"kind":"change"}}}`, 403, "forbidden"},
				{"token outside its decisions", "/v1/decisions/credit_grade", hequOnly, `{"jurisdiction":"140930","facts":{"public_credit_score":1}}`, 403, "forbidden"},
				{"unknown route", "/v1/nothing", f.token, ``, 404, "not_found"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := f.do(t, "POST", tc.path, tc.token, tc.body)
					if status != tc.status || errorCode(body) != tc.code {
						t.Errorf("status %d code %q, want %d %q (body %v)", status, errorCode(body), tc.status, tc.code, body)
					}
					if msg, _ := body["error"].(map[string]any)["message"].(string); msg == "" {
						t.Error("error without a message")
					}
				})
			}
			t.Run("token inside its subtree", func(t *testing.T) {
				status, body := f.do(t, "POST", "/v1/decisions/registration_change", hequOnly, `{"jurisdiction":"140930","context":{"application":{"kind":"change"}}}`)
				if status != 200 {
					t.Errorf("status %d: %v", status, body)
				}
			})
		})
	}
}

func TestCatalogueHealthAndMetrics(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	status, body := f.do(t, "GET", "/v1/decisions", f.token, "")
	if status != 200 || len(body["decisions"].([]any)) != len(f.engine.Current().Catalogue().All()) {
		t.Errorf("GET /v1/decisions: %d %v", status, body)
	}
	status, body = f.do(t, "GET", "/v1/jurisdictions", f.token, "")
	if status != 200 || len(body["jurisdictions"].([]any)) != 10 {
		t.Errorf("GET /v1/jurisdictions: %d %v", status, body)
	}
	status, body = f.do(t, "GET", "/v1/jurisdictions/140930/policies", f.token, "")
	if status != 200 {
		t.Fatalf("policies of Hequ: %d %v", status, body)
	}
	for _, e := range body["decisions"].([]any) {
		e := e.(map[string]any)
		switch e["decision"] {
		case "registration_change":
			if e["source"] != "100000" {
				t.Errorf("Hequ registration_change provided by %v, want 100000", e["source"])
			}
		case "credit_grade":
			if e["configured"] != false {
				t.Errorf("Hequ credit_grade configured: %v", e)
			}
		}
	}
	if status, body = f.do(t, "GET", "/v1/jurisdictions/999999/policies", f.token, ""); status != 404 {
		t.Errorf("unknown jurisdiction policies: %d %v", status, body)
	}
	if status, body = f.do(t, "GET", "/ready", "", ""); status != 200 || body["ready"] != true {
		t.Errorf("/ready: %d %v", status, body)
	}
	f.do(t, "POST", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":900}}`)
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`credpol_decisions_total{decision="credit_grade",outcome="ok"} 1`,
		`credpol_http_requests_total{method="POST",route="/v1/decisions/:name",status="200"} 1`,
		`credpol_decision_duration_seconds_count{decision="credit_grade"} 1`,
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReadyReportsAStoreOutage(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	st.Store.Close()
	status, body := f.do(t, "GET", "/ready", "", "")
	if status != 503 || body["ready"] != false {
		t.Errorf("/ready with the store closed: %d %v", status, body)
	}
}

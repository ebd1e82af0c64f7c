package server_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// newPlanFixture serves sampling plans over real HTTP on st, with n Quangang
// enterprises whose names are given by name(i).
func newPlanFixture(t *testing.T, st storetest.Store, n int, name func(i int) string) *fixture {
	t.Helper()
	ctx := context.Background()
	reg, err := st.Store.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{}
	if _, err := eng.Load(ctx, policies.FS); err != nil {
		t.Fatal(err)
	}
	var batch []enterprise.Facts
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("91350505%09d", i)
		c, _ := enterprise.CheckCharacter(body)
		uscc, nm, typ, code, status := body+string(c), name(i), "company", "350505", "operating"
		batch = append(batch, enterprise.Facts{USCC: &uscc, Name: &nm, EntityType: &typ, Jurisdiction: &code, Status: &status})
	}
	if err := st.Store.PutEnterprises(ctx, batch); err != nil {
		t.Fatal(err)
	}
	decisions := &decision.Service{Engine: eng, Jurisdictions: reg, Facts: st.Store, Validator: enterprise.Validator{KnownJurisdiction: reg.Has}}
	srv := httptest.NewServer(server.New(server.Deps{
		Decisions:     decisions,
		Facts:         st.Store,
		Sampling:      &sampling.Service{Decisions: decisions, Store: st.Store, Jurisdictions: reg},
		Authenticator: auth.NewAuthenticator(st.Store, time.Second),
		Engine:        eng,
		Jurisdictions: reg,
		Store:         st.Store,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}))
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, store: st, engine: eng, token: mustToken(t, st, "plans", []string{"100000"}, []string{auth.All})}
}

func planRows(t *testing.T, st storetest.Store) (plans, items int) {
	t.Helper()
	driver := "pgx"
	if st.Name == "sqlite" {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, st.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT (SELECT count(*) FROM sampling_plans), (SELECT count(*) FROM sampling_plan_items)").Scan(&plans, &items); err != nil {
		t.Fatal(err)
	}
	return plans, items
}

// planRequest is a valid non-differentiated Quangang plan (5 %) with pool and
// team as given.
func planRequest(name string, pool []string, team int) string {
	n, _ := json.Marshal(name)
	p, _ := json.Marshal(pool)
	return fmt.Sprintf(`{"jurisdiction":"350505","name":%s,"year":2023,"seed":"s","differentiated":false,
		"inspectors":{"pool":%s,"team_size":%d}}`, n, p, team)
}

func inspectors(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("执法人员%05d", i)
	}
	return out
}

func TestPlanRequestsAreBoundedAndNothingInvalidIsStored(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newPlanFixture(t, st, 40, func(i int) string { return fmt.Sprintf("企业%d", i) })
			pool := inspectors(4)
			for _, tc := range []struct {
				name, body, field, want string
			}{
				{"pool over 10,000", planRequest("p", inspectors(10001), 2), "inspectors.pool", "must hold at most 10000 inspectors, got 10001"},
				{"team over 50", planRequest("p", inspectors(100), 51), "inspectors.team_size", "must be from 1 to 50, got 51"},
				{"team of none", planRequest("p", pool, 0), "inspectors.team_size", "must be from 1 to 50, got 0"},
				{"inspector name over 100 characters", planRequest("p", append(inspectors(2), strings.Repeat("张", 101)), 2), "inspectors.pool[2]", "must be at most 100 characters, got 101"},
				{"inspector named twice", planRequest("p", append(inspectors(3), "执法人员00001"), 2), "inspectors.pool[3]", `"执法人员00001" is already inspectors.pool[1]`},
				{"inspector name with a comma", planRequest("p", append(inspectors(3), "张三,李四"), 2), "inspectors.pool[3]", "must not contain a comma"},
				{"NUL in an inspector name", planRequest("p", append(inspectors(3), "张\x00三"), 2), "inspectors.pool[3]", "must not contain the NUL character"},
				{"NUL in the name", planRequest("2023\x00", pool, 2), "name", "must not contain the NUL character"},
				{"name over 200 characters", planRequest(strings.Repeat("名", 201), pool, 2), "name", "must be at most 200 characters, got 201"},
				{"NUL in the seed", strings.Replace(planRequest("p", pool, 2), `"seed":"s"`, `"seed":"s\u0000"`, 1), "seed", "must not contain the NUL character"},
				{"NUL in a scope list", strings.Replace(planRequest("p", pool, 2), `"year":2023`, `"year":2023,"scope":{"sectors":["food\u0000"]}`, 1), "scope.sectors[0]", "must not contain the NUL character"},
				{"year past 2199", strings.Replace(planRequest("p", pool, 2), `"year":2023`, `"year":2200`, 1), "year", "must be a year from 2000 to 2199, got 2200"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := f.do(t, "POST", "/v1/sampling-plans", f.token, tc.body)
					if status != 422 || errorCode(body) != "invalid_plan" {
						t.Fatalf("status %d code %q, want 422 invalid_plan (%.300v)", status, errorCode(body), body)
					}
					if _, fields := errorParts(body); !strings.Contains(fields[tc.field], tc.want) {
						t.Errorf("details %.300v: %s lacks %q", fields, tc.field, tc.want)
					}
				})
			}
			if plans, items := planRows(t, st); plans != 0 || items != 0 {
				t.Fatalf("%d plans and %d items stored from invalid requests", plans, items)
			}

			// The largest pool and team are drawn at once.
			status, body := f.do(t, "POST", "/v1/sampling-plans", f.token, planRequest("最大", inspectors(10000), 50))
			if status != 201 {
				t.Fatalf("largest plan: %d %.300v", status, body)
			}
			id := body["id"].(string)
			_, got := f.do(t, "GET", "/v1/sampling-plans/"+id, f.token, "")
			for _, it := range got["items"].([]any) {
				if team := it.(map[string]any)["inspectors"].([]any); len(team) != 50 {
					t.Errorf("team of %d, want 50", len(team))
				}
			}

			for _, tc := range []struct {
				name, path, body string
				status           int
				code             string
			}{
				{"NUL in the item's USCC", "/v1/sampling-plans/" + id + "/items/91350505000000001%00", `{"published":true}`, 422, "invalid_uscc"},
				{"NUL in the plan id", "/v1/sampling-plans/" + id[:35] + "%00/items/913505050000000010", `{"published":true}`, 404, "plan_not_found"},
				{"NUL in the inspection date", "/v1/sampling-plans/" + id + "/items/913505050000000010", `{"inspected_on":"2023-09-0\u0000","result":"pass"}`, 422, "invalid_item_update"},
				{"NUL in the result", "/v1/sampling-plans/" + id + "/items/913505050000000010", `{"inspected_on":"2023-09-01","result":"pass\u0000"}`, 422, "invalid_item_update"},
				{"inspection date past 2199", "/v1/sampling-plans/" + id + "/items/913505050000000010", `{"inspected_on":"9999-12-31","result":"pass"}`, 422, "invalid_item_update"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := f.do(t, "PATCH", tc.path, f.token, tc.body)
					if status != tc.status || errorCode(body) != tc.code {
						t.Errorf("status %d code %q, want %d %q (%v)", status, errorCode(body), tc.status, tc.code, body)
					}
				})
			}
			if status, body := f.do(t, "GET", "/v1/sampling-plans/%00", f.token, ""); status != 404 {
				t.Errorf("GET plan %%00: %d %v", status, body)
			}
			if status, body := f.do(t, "GET", "/v1/sampling-plans/compliance?jurisdiction=350505&year=2200", f.token, ""); status != 422 {
				t.Errorf("compliance for 2200: %d %v", status, body)
			}
		})
	}
}

// A plan whose request ends before it is stored (its deadline passed, the
// caller gone) is answered as abandoned and leaves nothing in the store.
func TestAnAbandonedPlanStoresNothing(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			t.Cleanup(server.SetPlanTimeout(time.Nanosecond)) // runs after the server below closes
			f := newPlanFixture(t, st, 40, func(i int) string { return fmt.Sprintf("企业%d", i) })
			status, body := f.do(t, "POST", "/v1/sampling-plans", f.token, planRequest("超时", inspectors(4), 2))
			if status != 503 || errorCode(body) != "plan_abandoned" {
				t.Fatalf("status %d code %q, want 503 plan_abandoned (%v)", status, errorCode(body), body)
			}
			if plans, items := planRows(t, st); plans != 0 || items != 0 {
				t.Fatalf("%d plans and %d items stored by an abandoned request", plans, items)
			}
		})
	}
}

// The publication (一公开) opens in a spreadsheet: names a client chose must
// not run as formulas there.
func TestPlanExportNeutralisesFormulas(t *testing.T) {
	st := storetest.SQLite(t)
	evil := []string{`=cmd|' /C calc'!A0`, `=HYPERLINK("http://evil.example","点击")`, "+1+1", "-1", "@SUM(A1)", "\t=1", "\r=1"}
	f := newPlanFixture(t, st, 40, func(i int) string { return evil[i%len(evil)] + fmt.Sprint(i) })
	status, body := f.do(t, "POST", "/v1/sampling-plans", f.token,
		planRequest("=HYPERLINK(\"http://evil.example\")", []string{"=1+1", "@A1", "-张三"}, 2))
	if status != 201 {
		t.Fatalf("draw: %d %v", status, body)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/v1/sampling-plans/"+body["id"].(string)+"/items.csv", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 { // header and round(5 % × 40) items
		t.Fatalf("export: %v, %d rows:\n%s", err, len(rows), raw)
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts with %q: %q", rows[0][i], cell[0], cell)
			}
		}
		if !strings.HasPrefix(row[0], `'=HYPERLINK(`) || !strings.HasPrefix(row[3], "'") || !strings.HasPrefix(row[4], "'") {
			t.Errorf("row not neutralised as expected: %q", row)
		}
	}
}

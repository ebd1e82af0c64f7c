package server_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// flakySampling fails to store the first plans it is given, as a store
// that is briefly down would.
type flakySampling struct {
	sampling.Store
	failures atomic.Int32
}

func (f *flakySampling) SavePlan(ctx context.Context, p sampling.Plan, items []sampling.Item) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("connection reset")
	}
	return f.Store.SavePlan(ctx, p, items)
}

// withIdempotency serves sampling plans and keeps idempotency keys in st.
func withIdempotency(st storetest.Store, plans *flakySampling) func(*server.Deps) {
	return func(d *server.Deps) {
		reg, _ := st.Store.Jurisdictions(context.Background())
		plans.Store = st.Store
		d.Sampling = &sampling.Service{Decisions: d.Decisions, Store: plans, Jurisdictions: reg}
		d.Idempotency = st.Store
	}
}

func countRows(t *testing.T, st storetest.Store, table string) int {
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
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const planBody = `{"jurisdiction":"350505","name":"2023年泉港区双随机抽查","year":2023,"seed":"s1",
	"inspectors":{"pool":["执法人员01","执法人员02","执法人员03"],"team_size":2}}`

func TestIdempotentSamplingPlans(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			plans := &flakySampling{}
			f := newFixture(t, st, withIdempotency(st, plans))
			post := func(token, key, body string) (int, map[string]any, string) {
				t.Helper()
				h := map[string]string{}
				if key != "" {
					h["Idempotency-Key"] = key
				}
				resp, out := f.raw(t, "POST", "/v1/sampling-plans", token, body, h)
				return resp.StatusCode, out, resp.Header.Get("Idempotent-Replayed")
			}
			planID := func(body map[string]any) string {
				id, _ := body["id"].(string)
				return id
			}

			status, first, replayed := post(f.token, "plan-2023-a", planBody)
			if status != 201 || planID(first) == "" || replayed != "" {
				t.Fatalf("first: %d %v replayed %q", status, first, replayed)
			}
			status, again, replayed := post(f.token, "plan-2023-a", planBody)
			if status != 201 || planID(again) != planID(first) || replayed != "true" {
				t.Fatalf("retry: %d %v replayed %q; want plan %s replayed", status, again, replayed, planID(first))
			}
			if n := countRows(t, st, "sampling_plans"); n != 1 {
				t.Fatalf("%d plans stored after a retry with the same key, want 1", n)
			}

			status, body, _ := post(f.token, "plan-2023-a", strings.Replace(planBody, `"s1"`, `"s2"`, 1))
			if status != 409 || errorCode(body) != "idempotency_key_reused" {
				t.Errorf("same key, another body: %d %v", status, body)
			}
			status, body, _ = post(f.token, strings.Repeat("k", 256), planBody)
			if status != 422 || errorCode(body) != "invalid_idempotency_key" {
				t.Errorf("256-character key: %d %v", status, body)
			}
			if status, body, _ = post(f.token, strings.Repeat("k", 255), planBody); status != 201 {
				t.Errorf("255-character key: %d %v", status, body)
			}

			t.Run("keys belong to their token", func(t *testing.T) {
				other := mustToken(t, st, "other", []string{"100000"}, []string{auth.All})
				status, body, replayed := post(other, "plan-2023-a", planBody)
				if status != 201 || replayed != "" || planID(body) == planID(first) {
					t.Errorf("another token's same key: %d %v replayed %q", status, body, replayed)
				}
			})

			t.Run("a key whose request runs is busy", func(t *testing.T) {
				if _, claimed, err := st.Store.ClaimIdempotencyKey(context.Background(), "all", "running", time.Now()); err != nil || !claimed {
					t.Fatalf("claim: %v %v", claimed, err)
				}
				status, body, _ := post(f.token, "running", planBody)
				if status != 409 || errorCode(body) != "idempotency_key_in_progress" {
					t.Errorf("while running: %d %v", status, body)
				}
			})

			t.Run("a server error is not kept", func(t *testing.T) {
				plans.failures.Store(1)
				status, body, _ := post(f.token, "flaky", planBody)
				if status != 503 {
					t.Fatalf("first attempt: %d %v, want the store's 503", status, body)
				}
				status, body, replayed := post(f.token, "flaky", planBody)
				if status != 201 || replayed != "" {
					t.Errorf("retry after a 503: %d %v replayed %q; want it run again", status, body, replayed)
				}
			})

			t.Run("a client error is kept", func(t *testing.T) {
				bad := `{"jurisdiction":"350505","year":2023}`
				status, first, _ := post(f.token, "bad", bad)
				status2, again, replayed := post(f.token, "bad", bad)
				if status != 422 || status2 != 422 || replayed != "true" || errorCode(again) != errorCode(first) {
					t.Errorf("422 then %d %v replayed %q", status2, again, replayed)
				}
			})

			t.Run("without a key every request creates", func(t *testing.T) {
				_, a, _ := post(f.token, "", planBody)
				_, b, _ := post(f.token, "", planBody)
				if planID(a) == "" || planID(a) == planID(b) {
					t.Errorf("two plans without a key: %s %s", planID(a), planID(b))
				}
			})
		})
	}
}

func TestIdempotentImport(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st, withIdempotency(st, &flakySampling{}))
			send := func(path, key, body string) (int, map[string]any, string) {
				t.Helper()
				resp, out := f.raw(t, "POST", path, f.token, body, map[string]string{"Idempotency-Key": key, "Content-Type": "application/x-ndjson"})
				return resp.StatusCode, out, resp.Header.Get("Idempotent-Replayed")
			}
			lines := `{"uscc":"91110000600037341L","name":"甲","entity_type":"company","jurisdiction":"350505","status":"operating"}` + "\n" +
				`{"uscc":"bad"}` + "\n"
			status, first, replayed := send("/v1/enterprises/import", "import-1", lines)
			if status != 200 || replayed != "" || first["accepted"] != 1.0 || first["rejected"] != 1.0 {
				t.Fatalf("first import: %d %v", status, first)
			}
			status, again, replayed := send("/v1/enterprises/import", "import-1", lines)
			if status != 200 || replayed != "true" || again["accepted"] != first["accepted"] || again["rejected"] != first["rejected"] {
				t.Errorf("retried import: %d %v replayed %q (first %v)", status, again, replayed, first)
			}
			if status, body, _ := send("/v1/enterprises/import", "import-1", lines+lines); status != 409 || errorCode(body) != "idempotency_key_reused" {
				t.Errorf("same key, longer body: %d %v", status, body)
			}
			if status, body, _ := send("/v1/enterprises/import?format=csv", "import-1", lines); status != 409 || errorCode(body) != "idempotency_key_reused" {
				t.Errorf("same key and body in another format: %d %v", status, body)
			}
			// A handler that refuses before reading the body still keeps its answer for that body.
			if status, _, _ := send("/v1/enterprises/import?format=xml", "import-2", lines); status != 422 {
				t.Fatalf("unknown format: %d", status)
			}
			if status, _, replayed := send("/v1/enterprises/import?format=xml", "import-2", lines); status != 422 || replayed != "true" {
				t.Errorf("unknown format again: %d replayed %q", status, replayed)
			}
			if status, body, _ := send("/v1/enterprises/import?format=xml", "import-2", lines+lines); status != 409 || errorCode(body) != "idempotency_key_reused" {
				t.Errorf("unknown format, other body: %d %v", status, body)
			}
		})
	}
}

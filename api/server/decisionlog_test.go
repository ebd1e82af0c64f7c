package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// waitLogged waits until the decision log holds n entries.
func (f *fixture) waitLogged(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := f.store.Store.CountDecisions(context.Background())
		if err == nil && got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("decision log holds %d entries, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBatchKeepsOrderAndReportsItemErrors(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.do(t, "PUT", "/v1/enterprises/91110000600037341L", f.token, shantouFirm)
			var items []string
			for i := 0; i < 60; i++ {
				switch i % 4 {
				case 0:
					items = append(items, fmt.Sprintf(`{"jurisdiction":"230000","facts":{"public_credit_score":%d}}`, 600+i*5))
				case 1:
					items = append(items, `{"enterprise_id":"91110000600037341L"}`)
				case 2:
					items = append(items, `{"enterprise_id":"91440500MA4UQ6CX1L"}`)
				case 3:
					items = append(items, `{"jurisdiction":"350505","facts":{"public_credit_score":1}}`)
				}
			}
			status, body := f.do(t, "POST", "/v1/decisions/credit_grade/batch", f.token, `{"items":[`+strings.Join(items, ",")+`]}`)
			if status != 200 || body["count"] != 60.0 {
				t.Fatalf("batch: %d %v", status, body)
			}
			for i, raw := range body["items"].([]any) {
				it := raw.(map[string]any)
				if it["index"] != float64(i) {
					t.Fatalf("item %d answered at index %v", i, it["index"])
				}
				e, _ := it["error"].(map[string]any)
				switch i % 4 {
				case 0:
					want := map[bool]string{true: "A", false: ""}[600+i*5 >= 850]
					grade := it["result"].(map[string]any)["grade"]
					if want != "" && grade != want || e != nil {
						t.Errorf("item %d: grade %v error %v", i, grade, e)
					}
				case 1:
					if e == nil || e["code"] != "decision_not_configured" { // the stored firm is in Shantou
						t.Errorf("item %d: %v", i, it)
					}
				case 2:
					if e == nil || e["code"] != "enterprise_not_found" {
						t.Errorf("item %d: %v", i, it)
					}
				case 3:
					if e == nil || e["code"] != "decision_not_configured" {
						t.Errorf("item %d: %v", i, it)
					}
				}
			}
			f.waitLogged(t, 15) // every successful item is logged
			big := `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"jurisdiction":"230000"},`, 1001), ",") + `]}`
			if status, body := f.do(t, "POST", "/v1/decisions/credit_grade/batch", f.token, big); status != 413 || errorCode(body) != "batch_too_large" {
				t.Errorf("1001 items: %d %v", status, body)
			}
		})
	}
}

func TestExplainSaysWhoDecidedAndWhatWasRead(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	status, body := f.do(t, "POST", "/v1/decisions/registration_change?explain=true", f.token,
		`{"jurisdiction":"440000","facts":{"listings":[],"name":"x"},"context":{"application":{"kind":"change"}}}`)
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	ex := body["explanation"].(map[string]any)
	by := ex["decided_by"].(map[string]any)
	if by["code"] != "100000" || by["inherited"] != true || by["package"] != "j100000.registration_change" {
		t.Errorf("decided_by = %v", by)
	}
	if rules := ex["reasons"].([]any)[0].(map[string]any)["rules"].([]any); len(rules) != 1 || rules[0] != "CN-8" {
		t.Errorf("rules = %v", rules)
	}
	var paths []string
	for _, r := range ex["facts_read"].([]any) {
		paths = append(paths, r.(map[string]any)["path"].(string))
	}
	joined := strings.Join(paths, ",")
	if !strings.Contains(joined, "input.enterprise.listings") || !strings.Contains(joined, "input.context.application.kind") || strings.Contains(joined, "input.enterprise.name") {
		t.Errorf("facts_read = %v", paths)
	}
	if _, plain := f.do(t, "POST", "/v1/decisions/registration_change", f.token,
		`{"jurisdiction":"440000","context":{"application":{"kind":"change"}}}`); plain["explanation"] != nil {
		t.Error("explanation given without ?explain=true")
	}
}

func TestDecisionLogSearchAndScope(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.do(t, "PUT", "/v1/enterprises/91110000600037341L", f.token, shantouFirm)
			ids := map[string]string{}
			for _, c := range []struct{ name, body string }{
				{"B", `{"jurisdiction":"230000","facts":{"public_credit_score":800}}`},
				{"A", `{"jurisdiction":"230000","facts":{"public_credit_score":900}}`},
			} {
				_, body := f.do(t, "POST", "/v1/decisions/credit_grade", f.token, c.body)
				ids[c.name] = body["decision_id"].(string)
			}
			_, body := f.do(t, "POST", "/v1/decisions/registration_change", f.token,
				`{"enterprise_id":"91110000600037341L","context":{"application":{"kind":"change"}}}`)
			ids["st"] = body["decision_id"].(string)
			f.waitLogged(t, 3)

			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{"st", "A", "B"}},
				{"?decision=credit_grade", []string{"A", "B"}},
				{"?outcome=grade:B", []string{"B"}},
				{"?outcome=accept:false", []string{"st"}},
				{"?enterprise=91110000600037341L", []string{"st"}},
				{"?jurisdiction=440500&caller=all", []string{"st"}},
				{"?limit=1", []string{"st"}},
				{"?limit=2&before=" + ids["A"], []string{"B"}},
				{"?from=2000-01-01&to=2001-01-01", nil},
			} {
				status, body := f.do(t, "GET", "/v1/decision-log"+tc.query, f.token, "")
				if status != 200 {
					t.Fatalf("%s: %d %v", tc.query, status, body)
				}
				var got []string
				for _, e := range body["entries"].([]any) {
					got = append(got, e.(map[string]any)["decision_id"].(string))
				}
				var want []string
				for _, w := range tc.want {
					want = append(want, ids[w])
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
				}
			}
			entry := func(token string) int {
				status, _ := f.do(t, "GET", "/v1/decision-log/"+ids["A"], token, "")
				return status
			}
			if s := entry(f.token); s != 200 {
				t.Errorf("GET entry: %d", s)
			}
			// HLJ-9: a Shantou token sees nothing of Heilongjiang's classification results.
			shantou := mustToken(t, st, "shantou", []string{"440500"}, []string{"*"})
			if s := entry(shantou); s != 404 {
				t.Errorf("a Shantou token read a Heilongjiang entry: %d", s)
			}
			_, body = f.do(t, "GET", "/v1/decision-log", shantou, "")
			if n := len(body["entries"].([]any)); n != 1 {
				t.Errorf("a Shantou token sees %d entries, want its own 1", n)
			}
			if status, body := f.do(t, "GET", "/v1/decision-log?outcome=grade", f.token, ""); status != 422 {
				t.Errorf("bad outcome filter: %d %v", status, body)
			}
		})
	}
}

// A decision made under an older policy tree replays under that tree and the
// current one, with the field that changed.
func TestReplayUnderTheOlderTree(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			_, body := f.do(t, "POST", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":"230000","facts":{"public_credit_score":795}}`)
			id, old := body["decision_id"].(string), body["policy"].(map[string]any)["revision"]
			f.waitLogged(t, 1)

			// The province raises grade B's minimum to 800 points.
			changed := fstest.MapFS{}
			fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					b, _ := fs.ReadFile(policies.FS, p)
					if p == "params/230000/data.json" {
						b = bytes.Replace(b, []byte(`"min": 790`), []byte(`"min": 800`), 1)
					}
					changed[p] = &fstest.MapFile{Data: b}
				}
				return nil
			})
			ps, err := f.engine.Load(context.Background(), changed)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Store.SavePolicyRevision(context.Background(), ps.Revision(), ps.Files()); err != nil {
				t.Fatal(err)
			}
			status, r := f.do(t, "POST", "/v1/decision-log/"+id+"/replay", f.token, "")
			if status != 200 {
				t.Fatalf("replay: %d %v", status, r)
			}
			orig, cur := r["original"].(map[string]any), r["current"].(map[string]any)
			if orig["revision"] != old || orig["result"].(map[string]any)["grade"] != "B" || r["reproduced"] != true {
				t.Errorf("original = %v reproduced %v", orig, r["reproduced"])
			}
			if cur["revision"] != ps.Revision() || cur["result"].(map[string]any)["grade"] != "C" || r["changed"] != true {
				t.Errorf("current = %v", cur)
			}
			d := r["diff"].([]any)
			if len(d) != 1 || d[0].(map[string]any)["path"] != "grade" || d[0].(map[string]any)["original"] != "B" || d[0].(map[string]any)["current"] != "C" {
				t.Errorf("diff = %v", d)
			}
			if status, _ := f.do(t, "POST", "/v1/decision-log/01a1ffae-0000-7000-8000-000000000000/replay", f.token, ""); status != 404 {
				t.Errorf("replay of an unknown id: %d", status)
			}
		})
	}
}

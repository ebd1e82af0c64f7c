package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/storage/storetest"
)

// A plan item's group is the enterprise's risk class: only classification
// scopes see it, and the publication file never carries it (HLJ-9).
// Recording an inspection writes the enterprise's facts, so it needs
// facts:write over where the enterprise is now.
func TestPlansKeepClassesAndFactsInScope(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newPlanFixture(t, st, 40, func(i int) string { return "企业" })
			status, body := f.do(t, "POST", "/v1/sampling-plans", f.token, planRequest("计划", inspectors(4), 2))
			if status != 201 {
				t.Fatalf("draw: %d %v", status, body)
			}
			id := body["id"].(string)
			planOnly := mustToken(t, st, "plans-only", []string{"350505"}, []string{"sampling_plan"})
			withFacts := mustToken(t, st, "plans-facts", []string{"350505"}, []string{"sampling_plan", "facts:write"})

			status, body = f.do(t, "GET", "/v1/sampling-plans/"+id, planOnly, "")
			items, _ := body["items"].([]any)
			if status != 200 || len(items) == 0 {
				t.Fatalf("GET plan: %d %v", status, body)
			}
			for _, it := range items {
				if g, ok := it.(map[string]any)["group"]; ok {
					t.Errorf("a sampling_plan-only token sees the class %v of a plan item", g)
				}
			}
			req, _ := http.NewRequest("GET", f.srv.URL+"/v1/sampling-plans/"+id+"/items.csv", nil)
			req.Header.Set("Authorization", "Bearer "+f.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if header, _, _ := strings.Cut(string(raw), "\n"); strings.Contains(header, "class") {
				t.Errorf("the publication file has a class column: %q", header)
			}

			uscc := items[0].(map[string]any)["uscc"].(string)
			update := `{"inspected_on":"2023-09-01","result":"pass"}`
			if status, body := f.do(t, "PATCH", "/v1/sampling-plans/"+id+"/items/"+uscc, planOnly, update); status != 403 {
				t.Errorf("an inspection recorded without facts:write: %d %v", status, body)
			}
			st.Exec(t, "UPDATE enterprises SET jurisdiction = '440500' WHERE uscc = '"+uscc+"'")
			if status, body := f.do(t, "PATCH", "/v1/sampling-plans/"+id+"/items/"+uscc, withFacts, update); status != 403 {
				t.Errorf("an inspection written into a Shantou enterprise's facts by a 350505 token: %d %v", status, body)
			}
			st.Exec(t, "UPDATE enterprises SET jurisdiction = '350505' WHERE uscc = '"+uscc+"'")
			if status, body := f.do(t, "PATCH", "/v1/sampling-plans/"+id+"/items/"+uscc, withFacts, update); status != 200 {
				t.Errorf("an inspection recorded in scope: %d %v", status, body)
			}
			if status, body := f.do(t, "PATCH", "/v1/sampling-plans/"+id+"/items/"+uscc, planOnly, `{"published":true}`); status != 200 {
				t.Errorf("publishing an item needs no facts scope: %d %v", status, body)
			}
		})
	}
}

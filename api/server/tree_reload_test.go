package server_test

import (
	"bytes"
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// followTheServingTree wires the server as serve does: every holder of the
// jurisdiction tree asks the engine for the serving revision's.
func followTheServingTree(d *server.Deps) {
	reg := d.Engine.Jurisdictions()
	d.Jurisdictions = reg
	d.Decisions.Jurisdictions = reg
	d.Decisions.Validator.KnownJurisdiction = reg.Has
	d.Ingest.Validator.KnownJurisdiction = reg.Has
}

// withXinfu is the shipped tree with 忻府区 (140902) added as a bureau adds
// it: a jurisdictions.json entry, a package and a parameter, and a decision
// title changed in catalogue.json.
func withXinfu(t *testing.T) fstest.MapFS {
	t.Helper()
	tree := fstest.MapFS{}
	fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(policies.FS, p)
			tree[p] = &fstest.MapFile{Data: b}
		}
		return err
	})
	hequ := []byte(`{"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"},`)
	j := tree["jurisdictions.json"].Data
	if !bytes.Contains(j, hequ) {
		t.Fatal("jurisdictions.json no longer lists Hequ as expected")
	}
	tree["jurisdictions.json"].Data = bytes.Replace(j, hequ, append(hequ,
		[]byte("\n    {\"code\": \"140902\", \"name\": \"忻府区\", \"level\": \"district\", \"parent\": \"140900\", \"rule_prefix\": \"XF\"},")...), 1)
	tree["j140902/supervision.rego"] = &fstest.MapFile{Data: []byte(`# 忻府 supervision: Xinzhou's, with its own ratios (XF-1).
package j140902.supervision

import data.j140900.supervision as city

decision := object.union(city.decision, {"reasons": array.concat(city.decision.reasons, [{
	"code": "xinfu_ratio",
	"message": "忻府区按本区比例抽查",
	"basis": "XF-1 忻府市监〔2026〕1号",
}])})
`)}
	tree["params/140902/data.json"] = &fstest.MapFile{Data: []byte(`{"supervision": {"source": "忻府市监〔2026〕1号", "basis": {"ratios": "XF-1 忻府市监〔2026〕1号"}, "ratios": {"source": "XF-1 忻府市监〔2026〕1号", "B": {"min": 0.07, "max": 0.09}}}}`)}
	c := tree["catalogue.json"].Data
	tree["catalogue.json"].Data = bytes.Replace(c, []byte(`"title": "分级分类监管措施"`), []byte(`"title": "分级分类监管措施（修订）"`), 1)
	return tree
}

// A reload that adds a county makes it answerable, storable and listed,
// and a reload that changes the catalogue changes GET /v1/decisions,
// without restarting the server.
func TestAReloadAddsACountyWithoutARestart(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st, followTheServingTree)
	ask := `{"jurisdiction":"140902","facts":{"risk_class":"B"}}`
	if status, body := f.do(t, "POST", "/v1/decisions/supervision", f.token, ask); status != 404 {
		t.Fatalf("140902 before the reload: %d %v", status, body)
	}

	ctx := context.Background()
	ps, err := f.engine.Load(ctx, withXinfu(t))
	if err != nil {
		t.Fatal(err)
	}
	// What serve does on SIGHUP before the revision serves.
	if err := st.Store.SavePolicyRevision(ctx, ps.Revision(), ps.Files()); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.SyncJurisdictions(ctx, ps.Jurisdictions()); err != nil {
		t.Fatal(err)
	}

	status, body := f.do(t, "POST", "/v1/decisions/supervision?explain=true", f.token, ask)
	if status != 200 {
		t.Fatalf("140902 after the reload: %d %v", status, body)
	}
	if src := body["policy"].(map[string]any)["source"]; src != "140902" {
		t.Errorf("source = %v, want 140902", src)
	}
	if ratio := body["result"].(map[string]any)["ratio"].(map[string]any); ratio["min"] != 0.07 {
		t.Errorf("ratio = %v, want the county's", ratio)
	}
	cited := false
	for _, r := range body["explanation"].(map[string]any)["reasons"].([]any) {
		for _, id := range r.(map[string]any)["rules"].([]any) {
			cited = cited || id == "XF-1"
		}
	}
	if !cited {
		t.Errorf("no reason is explained as citing the county's rule XF-1: %v", body["explanation"])
	}

	first17 := "91140902MA0XF7E1K"
	check, err := enterprise.CheckCharacter(first17)
	if err != nil {
		t.Fatal(err)
	}
	uscc := first17 + string(check)
	firm := `{"uscc":"` + uscc + `","name":"忻府测试有限公司","entity_type":"company","jurisdiction":"140902","status":"operating"}`
	if status, body := f.do(t, "PUT", "/v1/enterprises/"+uscc, f.token, firm); status != 200 {
		t.Errorf("storing an enterprise of 140902: %d %v", status, body)
	}

	_, body = f.do(t, "GET", "/v1/jurisdictions", f.token, "")
	listed := false
	for _, j := range body["jurisdictions"].([]any) {
		listed = listed || j.(map[string]any)["code"] == "140902"
	}
	if !listed {
		t.Error("GET /v1/jurisdictions does not list 140902")
	}
	if status, body := f.do(t, "GET", "/v1/jurisdictions/140902/policies", f.token, ""); status != 200 {
		t.Errorf("GET /v1/jurisdictions/140902/policies: %d %v", status, body)
	}
	_, body = f.do(t, "GET", "/v1/decisions", f.token, "")
	for _, d := range body["decisions"].([]any) {
		if d := d.(map[string]any); d["name"] == "supervision" && d["title"] != "分级分类监管措施（修订）" {
			t.Errorf("GET /v1/decisions serves the old catalogue: %v", d["title"])
		}
	}
}

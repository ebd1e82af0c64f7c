package verify_test

import (
	"bytes"
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/policies"
)

// A county a bureau adds with files only — a jurisdictions.json entry and
// parameters — has its decision cases run by the suite, resolved along the
// tree's own jurisdictions, as `credpol test` runs them.
func TestACountysCasesRunAgainstTheTreesOwnJurisdictions(t *testing.T) {
	tree := fstest.MapFS{}
	fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(policies.FS, p)
			tree[p] = &fstest.MapFile{Data: b}
		}
		return err
	})
	hequ := []byte(`{"code": "140930", "name": "河曲县", "level": "county", "parent": "140900"},`)
	if !bytes.Contains(tree["jurisdictions.json"].Data, hequ) {
		t.Fatal("jurisdictions.json no longer lists Hequ as expected")
	}
	tree["jurisdictions.json"].Data = bytes.Replace(tree["jurisdictions.json"].Data, hequ,
		append(hequ, []byte("\n    {\"code\": \"140902\", \"name\": \"忻府区\", \"level\": \"district\", \"parent\": \"140900\", \"rule_prefix\": \"XF\"},")...), 1)
	tree["params/140902/data.json"] = &fstest.MapFile{Data: []byte(`{"supervision": {"source": "忻府市监〔2026〕1号", "basis": {"ratios": "XF-1 忻府市监〔2026〕1号"}, "ratios": {"source": "XF-1 忻府市监〔2026〕1号", "B": {"min": 0.07, "max": 0.09}}}}`)}
	tests := fstest.MapFS{"cases/xinfu.yaml": {Data: []byte(`忻府 class B ratio:
  decision: supervision
  jurisdiction: "140902"
  facts: {risk_class: B}
  expect:
    result: {ratio: {min: 0.07, max: 0.09}}
    source: "140900"
`)}}
	reg, _, err := engine.ReadTreeData(tree)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), verify.Suite{Policies: tree, Tests: tests, Jurisdictions: reg}, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 || rep.Failed() != 0 {
		t.Errorf("results: %+v", rep.Results)
	}
}

package jurisdiction_test

import (
	"strings"
	"testing"

	"github.com/credpol/credpol/jurisdiction"
)

func tree() []jurisdiction.Jurisdiction {
	return []jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "140000", Name: "山西省", Level: "province", Parent: "100000"},
		{Code: "140900", Name: "忻州市", Level: "city", Parent: "140000"},
		{Code: "140930", Name: "河曲县", Level: "county", Parent: "140900"},
	}
}

func TestChainAndWithin(t *testing.T) {
	reg, err := jurisdiction.New(tree())
	if err != nil {
		t.Fatal(err)
	}
	chain, err := reg.Chain("140930")
	if err != nil || strings.Join(chain, ",") != "140930,140900,140000,100000" {
		t.Fatalf("chain = %v, %v", chain, err)
	}
	if !reg.Within("140930", "140000") || !reg.Within("140930", "140930") || reg.Within("140000", "140930") {
		t.Error("Within does not follow the tree")
	}
	if got := strings.Join(reg.Subtree("140900"), ","); got != "140900,140930" {
		t.Errorf("Subtree(140900) = %s", got)
	}
	if _, err := reg.Chain("999999"); err == nil {
		t.Error("chain of an unknown code")
	}
}

func TestInvalidTreesAreRefused(t *testing.T) {
	for name, mutate := range map[string]func([]jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction{
		"missing parent": func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction { n[3].Parent = "149999"; return n },
		"bad code":       func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction { n[3].Code = "14093A"; return n },
		"bad level":      func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction { n[3].Level = "village"; return n },
		"duplicate":      func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction { return append(n, n[3]) },
		"no national":    func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction { return n[1:] },
		"cycle": func(n []jurisdiction.Jurisdiction) []jurisdiction.Jurisdiction {
			n[1].Parent, n[2].Parent = "140900", "140000"
			return n
		},
	} {
		if _, err := jurisdiction.New(mutate(tree())); err == nil {
			t.Errorf("%s: tree accepted", name)
		}
	}
}

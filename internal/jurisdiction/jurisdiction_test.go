package jurisdiction_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/jurisdiction"
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

func TestProblemsNameTheEntryAndField(t *testing.T) {
	nodes := append(tree(),
		jurisdiction.Jurisdiction{Code: "140902", Name: "忻府区", Level: "district", Parent: "350500"},
		jurisdiction.Jurisdiction{Code: "140981", Name: "原平市", Level: "city", Parent: "140900", RulePrefix: "x"},
	)
	_, err := jurisdiction.New(nodes)
	var ps jurisdiction.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := map[string]string{
		"4/parent":      "140902 (忻府区): parent \"350500\" is not in the tree",
		"5/level":       "does not end in 00, so it is a county or district",
		"5/rule_prefix": "a rule prefix is 2 to 6 capital letters",
	}
	for _, p := range ps {
		key := fmt.Sprintf("%d/%s", p.Index, p.Field)
		if w, ok := want[key]; ok && strings.Contains(p.Message, w) {
			delete(want, key)
		}
	}
	for key, msg := range want {
		t.Errorf("no problem at %s saying %q; got %v", key, msg, ps)
	}
}

func TestAFollowerAnswersFromTheCurrentTree(t *testing.T) {
	small, err := jurisdiction.New(tree()[:2])
	if err != nil {
		t.Fatal(err)
	}
	full, err := jurisdiction.New(append(tree(), jurisdiction.Jurisdiction{Code: "140902", Name: "忻府区", Level: "district", Parent: "140900", RulePrefix: "XF"}))
	if err != nil {
		t.Fatal(err)
	}
	var current *jurisdiction.Registry
	reg := jurisdiction.Follow(func() *jurisdiction.Registry { return current })
	if reg.Has(jurisdiction.National) || len(reg.All()) != 0 {
		t.Error("a follower of nothing knows a jurisdiction")
	}
	current = small
	if !reg.Has("140000") || reg.Has("140902") {
		t.Error("the follower does not answer from the small tree")
	}
	snap := reg.Snapshot()
	current = full
	if !reg.Within("140902", "140000") || snap.Has("140902") {
		t.Error("the follower did not move to the new tree, or the snapshot moved with it")
	}
	if got := strings.Join(reg.RuleIDs("XF-1 and XZ-3, HLJ-9"), ","); got != "XF-1" {
		t.Errorf("RuleIDs = %s, want only the prefixes of the tree", got)
	}
}

package decision

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
)

// hideClassificationFacts must clear exactly the fields auth names.
func TestHiddenFactsAreTheClassificationFields(t *testing.T) {
	s, score, class := "x", 800.0, "A"
	yes := true
	f := enterprise.Facts{USCC: &s, Name: &s, EntityType: &s, Jurisdiction: &s, EstablishedOn: &s, Status: &s,
		KeySectors: []string{"food"}, NewFormat: &yes, PublicCreditScore: &score, RiskClass: &class,
		PremisesAbnormal: &yes, Reachable: &yes}
	keys := func(f enterprise.Facts) []string {
		b, _ := json.Marshal(f)
		var m map[string]any
		json.Unmarshal(b, &m)
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	before := keys(f)
	hideClassificationFacts(&f)
	after := keys(f)
	var gone []string
	for _, k := range before {
		if !slices.Contains(after, k) {
			gone = append(gone, k)
		}
	}
	want := slices.Clone(auth.ClassificationFields)
	sort.Strings(want)
	if !slices.Equal(gone, want) {
		t.Errorf("hidden %v, auth names %v", gone, want)
	}
}

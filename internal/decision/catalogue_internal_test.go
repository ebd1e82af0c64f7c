package decision

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/catalogue"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jsonerr"
	"github.com/credpol/credpol/policies"
)

// shippedCatalogue is the decision catalogue of the shipped policy tree.
func shippedCatalogue(t *testing.T) *catalogue.Catalogue {
	t.Helper()
	_, cat, err := engine.ReadTreeData(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// A penalty in a decision's context is a penalty as the facts hold it, and
// policies treat both alike. The catalogue is tree data and spells its
// enumerations out, so they are held here to the one list of each that
// enterprise validates facts against.
func TestContextPenaltiesAreFactPenalties(t *testing.T) {
	enums := map[string]map[string]bool{
		"kinds": enterprise.PenaltyKinds, "sector": enterprise.PenaltySectors, "procedure": enterprise.Procedures}
	fields := jsonerr.FieldNames(reflect.TypeFor[enterprise.Penalty]())
	checked := 0
	for _, def := range shippedCatalogue(t).All() {
		if def.Context == nil || def.Context.Properties["penalty"] == nil {
			continue
		}
		checked++
		penalty := def.Context.Properties["penalty"]
		for name, f := range penalty.Properties {
			if !slices.Contains(fields, name) {
				t.Errorf("%s: context.penalty.%s is not a field of enterprise.Penalty %v", def.Name, name, fields)
			}
			allowed, ok := enums[name]
			if !ok {
				continue
			}
			if f.Items != nil {
				f = f.Items
			}
			if want, got := slices.Sorted(maps.Keys(allowed)), slices.Sorted(slices.Values(f.Enum)); !slices.Equal(want, got) {
				t.Errorf("%s: context.penalty.%s allows %v, the facts %v", def.Name, name, got, want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no decision of the shipped catalogue takes a penalty: nothing was checked")
	}
}

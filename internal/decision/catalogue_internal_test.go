package decision

import (
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/catalogue"
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

package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/credpol/credpol/engine"
)

// A reference to a rule a package of the tree lacks is refused at its line;
// references OPA resolves some other way are not.
func TestReferencesToRulesThatDoNotExist(t *testing.T) {
	const file = "lib/zz_refs.rego"
	for _, c := range []struct {
		name, src, want string
	}{
		{"through data", "package lib.zz_refs\n\nanswer := data.lib.grade.bands\n",
			file + `:3: lib.grade.bands: package lib.grade has no rule bands (did you mean "band"?)`},
		{"in a condition", "package lib.zz_refs\n\nimport data.lib\n\nanswer if {\n\tnot lib.is_listd\n}\n",
			file + ":6: lib.is_listd: package lib has no rule is_listd"},
		{"a rule of this package, by its full name", "package lib.zz_refs\n\nx := 1\n\nanswer := data.lib.zz_refs.y\n",
			file + `:5: lib.zz_refs.y: package lib.zz_refs has no rule y (did you mean "x"?)`},
		{"all is well", "package lib.zz_refs\n\nimport data.lib\nimport data.lib.grade\n\nanswer := [grade.band, lib.params(\"credit_grade\"), data.params, data.lib.grade, " +
			"data.jurisdictions] if {\n\tsome lib in [1]\n\tlib.x == 1\n}\n", ""},
	} {
		_, err := engine.Compile(context.Background(), shippedWith(t, map[string]string{file: c.src}), engine.Options{})
		switch {
		case c.want == "" && err != nil && strings.Contains(err.Error(), "has no rule"):
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v\nwant %s", c.name, err, c.want)
		}
	}
}

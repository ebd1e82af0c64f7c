package engine_test

import (
	"testing"
	"testing/fstest"
)

// A package a file declares that resolution would never ask for is an
// error at its package line, not dead policy.
func TestMisnamedPackagesAreLocated(t *testing.T) {
	for _, tc := range []struct {
		name, file, src string
		row             int
		parts           []string
	}{
		{"copied from the city, package line unchanged", "j140902/supervision.rego",
			"# 忻府 supervision\npackage j140900.supervision\n\nimport data.j100000.supervision as national\n\ndecision := national.decision\n",
			2, []string{"package j140900.supervision is in directory j140902/", "must declare package j140902.<decision>"}},
		{"misspelt decision", "j140902/supervision.rego",
			"package j140902.supervison\n\nimport data.j100000.supervision as national\n\ndecision := national.decision\n",
			1, []string{`"supervison" is not a decision of catalogue.json`, "did you mean supervision?"}},
		{"jurisdiction not in the tree", "j140999/supervision.rego",
			"package j140999.supervision\n\nimport data.j100000.supervision as national\n\ndecision := national.decision\n",
			1, []string{"140999 is not a jurisdiction of jurisdictions.json"}},
		{"one part too many", "j140902/supervision.rego",
			"package j140902.supervision.helpers\n\nx := 1\n",
			1, []string{"declares exactly j140902.<decision>"}},
		{"directory not a six-digit code", "j14092/supervision.rego",
			"package j14092.supervision\n\nx := 1\n",
			1, []string{"directory j14092/ is not named j followed by a six-digit jurisdiction code"}},
		{"decision package outside its directory", "lib/xinfu.rego",
			"package j140902.supervision\n\nimport data.j100000.supervision as national\n\ndecision := national.decision\n",
			1, []string{"move it to j140902/"}},
		{"no decision rule", "j140902/supervision.rego",
			"package j140902.supervision\n\nimport data.j100000.supervision as national\n\ndecison := national.decision\n",
			1, []string{`package j140902.supervision has no rule "decision"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree := shippedCopy(t)
			addXinfu(t, tree)
			delete(tree, "j140902/supervision.rego")
			tree[tc.file] = &fstest.MapFile{Data: []byte(tc.src)}
			wantError(t, compileErrors(t, tree), tc.file, tc.row, tc.parts...)
		})
	}
}

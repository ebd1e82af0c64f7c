// Package enginetest builds small policy trees for tests. A real tree
// carries its jurisdiction tree and decision catalogue (jurisdictions.json,
// catalogue.json) and every package must name a decision of it; a test that
// only cares about one Rego file gets both from here instead of writing them.
package enginetest

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"testing/fstest"

	"github.com/credpol/credpol/policies"
)

var decisionPackage = regexp.MustCompile(`(?m)^package j[0-9]{6}\.([a-z][a-z0-9_]*)\s*$`)

// Tree returns files with the shipped jurisdictions.json and catalogue.json
// added where files has none of its own, the catalogue extended by every
// decision the files' packages name (package j100000.x adds decision x,
// with no context schema), so the tree passes the checks every tree passes.
func Tree(files fstest.MapFS) fstest.MapFS {
	out := fstest.MapFS{}
	for name, f := range files {
		out[name] = f
	}
	if _, ok := out["jurisdictions.json"]; !ok {
		out["jurisdictions.json"] = &fstest.MapFile{Data: shipped("jurisdictions.json")}
	}
	if _, ok := out["catalogue.json"]; ok {
		return out
	}
	var cat struct {
		Decisions []map[string]any `json:"decisions"`
	}
	if err := json.Unmarshal(shipped("catalogue.json"), &cat); err != nil {
		panic(err)
	}
	known := map[string]bool{}
	for _, d := range cat.Decisions {
		known[d["name"].(string)] = true
	}
	for _, f := range files {
		for _, m := range decisionPackage.FindAllSubmatch(f.Data, -1) {
			if name := string(m[1]); !known[name] {
				known[name] = true
				cat.Decisions = append(cat.Decisions, map[string]any{"name": name, "title": name})
			}
		}
	}
	b, err := json.MarshalIndent(cat, "", "  ")
	if err != nil {
		panic(err)
	}
	out["catalogue.json"] = &fstest.MapFile{Data: b}
	return out
}

func shipped(name string) []byte {
	b, err := fs.ReadFile(policies.FS, name)
	if err != nil {
		panic(err)
	}
	return b
}

// Shipped returns the shipped policy tree as files a test may change, with
// files added or replacing the shipped ones, so only those can be wrong.
func Shipped(files map[string]string) fstest.MapFS {
	out := fstest.MapFS{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	for name, src := range files {
		out[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return out
}

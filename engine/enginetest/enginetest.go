// Package enginetest builds small policy trees for tests. A real tree
// carries its jurisdiction tree and decision catalogue (jurisdictions.json,
// catalogue.json) and every package must name a decision of it; a test that
// only cares about one Rego file gets both from here instead of writing them.
package enginetest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"testing"
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

// EveryFileEmbedded checks that every policy, data, test and case file under
// dir on disk is in fsys, byte for byte: a directory added to the source
// tree must never be left out of the binary. name labels dir in messages.
func EveryFileEmbedded(t testing.TB, dir string, fsys fs.FS, name string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(p) {
		case ".rego", ".json", ".yaml", ".yml":
		default:
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		onDisk, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		embedded, err := fs.ReadFile(fsys, rel)
		switch {
		case err != nil:
			t.Errorf("%s/%s is not in the built-in tree: %v", name, rel, err)
		case !bytes.Equal(onDisk, embedded):
			t.Errorf("%s/%s differs from its built-in copy", name, rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("found no file under " + dir)
	}
}

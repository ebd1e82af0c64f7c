package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// National is the root jurisdiction: files shared by every jurisdiction
// (lib/, schemas, the catalogue, the national packages) need its scope.
const National = "100000"

// The tree's two halves, as paths in a draft and in a checkout.
const (
	PoliciesDir = "policies/"
	TestsDir    = "testpolicies/"
	treeFile    = PoliciesDir + "jurisdictions.json"
)

// Limits on what a draft may hold.
const (
	maxFileBytes = 1 << 20
	maxTreeBytes = 32 << 20
	maxFiles     = 4000
)

// Change is one file a draft changes against another tree.
type Change struct {
	Path string `json:"path"`
	Kind string `json:"change"` // added, modified, deleted
}

// Changes lists what to changes against from, by path.
func Changes(from, to map[string][]byte) []Change {
	var out []Change
	for p, b := range to {
		old, ok := from[p]
		switch {
		case !ok:
			out = append(out, Change{p, "added"})
		case !bytes.Equal(old, b):
			out = append(out, Change{p, "modified"})
		}
	}
	for p := range from {
		if _, ok := to[p]; !ok {
			out = append(out, Change{p, "deleted"})
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Path < out[k].Path })
	return out
}

// validPath says what is wrong with a file path a draft is to hold.
func validPath(p string) error {
	bad := func(why string) error {
		return problem.New(problem.Invalid, "invalid_path", fmt.Sprintf("file %q: %s", p, why))
	}
	switch {
	case !utf8.ValidString(p) || strings.ContainsAny(p, "\x00\\"):
		return bad("a path is UTF-8 with '/' separators and no NUL or backslash")
	case len(p) > 300:
		return bad("a path is at most 300 bytes")
	case path.Clean(p) != p || strings.HasPrefix(p, "/") || strings.Contains(p, "/../"):
		return bad("the path must be clean and relative, like policies/j350505/supervision.rego")
	case !strings.HasPrefix(p, PoliciesDir) && !strings.HasPrefix(p, TestsDir):
		return bad("a draft holds files under policies/ and testpolicies/ only")
	}
	switch path.Ext(p) {
	case ".rego", ".json", ".yaml", ".yml":
		return nil
	}
	return bad("only .rego, .json and .yaml files belong to a policy tree")
}

// validContent says what is wrong with a file's content.
func validContent(p string, b []byte) error {
	switch {
	case len(b) > maxFileBytes:
		return problem.New(problem.TooLarge, "file_too_large", fmt.Sprintf("file %q is %d bytes; the limit is %d", p, len(b), maxFileBytes))
	case !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0:
		return problem.New(problem.Invalid, "invalid_content", fmt.Sprintf("file %q must be UTF-8 text without NUL", p))
	}
	return nil
}

// validTree checks the size of a whole working copy.
func validTree(files map[string][]byte) error {
	total := 0
	for _, b := range files {
		total += len(b)
	}
	if len(files) > maxFiles || total > maxTreeBytes {
		return problem.New(problem.TooLarge, "tree_too_large",
			fmt.Sprintf("a draft holds at most %d files and %d bytes; this one would hold %d files, %d bytes", maxFiles, maxTreeBytes, len(files), total))
	}
	return nil
}

// owner is the jurisdiction whose scope covers a file: j<code>/ directories
// and params/<code>/ belong to that jurisdiction, everything else is shared.
func owner(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) >= 3 && parts[0]+"/" == PoliciesDir && parts[1] == "params" && jurisdiction.ValidCode(parts[2]) {
		return parts[2]
	}
	if len(parts) >= 3 && strings.HasPrefix(parts[1], "j") && jurisdiction.ValidCode(parts[1][1:]) {
		return parts[1][1:]
	}
	return National
}

// touched is every jurisdiction a set of changes reaches: a file's owner, and
// for the jurisdiction tree each node added, removed or changed.
type touched struct {
	codes   map[string][]string // code → the files that reach it
	parents map[string]string   // parents of nodes only the new tree knows
}

func touches(changes []Change, from, to map[string][]byte) touched {
	t := touched{codes: map[string][]string{}, parents: map[string]string{}}
	add := func(code, file string) {
		if !slices.Contains(t.codes[code], file) {
			t.codes[code] = append(t.codes[code], file)
		}
	}
	for _, c := range changes {
		if c.Path != treeFile {
			add(owner(c.Path), c.Path)
			continue
		}
		before, errB := treeNodes(from[treeFile])
		after, errA := treeNodes(to[treeFile])
		if errB != nil || errA != nil {
			add(National, c.Path) // unreadable: only national scope may change it
			continue
		}
		for code, n := range after {
			if old, ok := before[code]; !ok || old != n {
				add(code, c.Path)
				t.parents[code] = n.Parent
			}
		}
		for code := range before {
			if _, ok := after[code]; !ok {
				add(code, c.Path)
			}
		}
	}
	return t
}

func treeNodes(b []byte) (map[string]jurisdiction.Jurisdiction, error) {
	if b == nil {
		return map[string]jurisdiction.Jurisdiction{}, nil
	}
	var doc struct {
		Jurisdictions []jurisdiction.Jurisdiction `json:"jurisdictions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	out := make(map[string]jurisdiction.Jurisdiction, len(doc.Jurisdictions))
	for _, n := range doc.Jurisdictions {
		out[n.Code] = n
	}
	return out, nil
}

// within reports whether code lies in root's subtree, for a code the serving
// tree knows or one the changes add under a node it knows.
func (t touched) within(reg *jurisdiction.Registry, code, root string) bool {
	for range 8 { // a tree is at most national, province, city, county: deeper is a loop
		if code == root || reg.Within(code, root) {
			return true
		}
		if reg.Has(code) {
			return false
		}
		parent, ok := t.parents[code]
		if !ok || parent == "" {
			return false
		}
		code = parent
	}
	return false
}

// outside returns the files among t reaching a jurisdiction none of roots
// covers, sorted.
func (t touched) outside(reg *jurisdiction.Registry, roots []string) []string {
	var files []string
	for code, fs := range t.codes {
		if !slices.ContainsFunc(roots, func(root string) bool { return t.within(reg, code, root) }) {
			for _, f := range fs {
				if !slices.Contains(files, f) {
					files = append(files, f)
				}
			}
		}
	}
	sort.Strings(files)
	return files
}

// outOfScope is the 403 naming the files someone may not change.
func outOfScope(who string, files []string) error {
	return problem.New(problem.Forbidden, "file_out_of_scope",
		fmt.Sprintf("%s may not change %s: outside the jurisdiction subtree", who, strings.Join(files, ", "))).
		WithDetails(map[string]any{"files": files})
}

// ReadFiles reads the files of a policy tree or regression suite on disk or
// embedded: Rego, JSON and YAML, by slash-separated path.
func ReadFiles(fsys fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(p) {
		case ".rego", ".json", ".yaml", ".yml":
			b, err := fs.ReadFile(fsys, p)
			files[p] = b
			return err
		}
		return nil
	})
	return files, err
}

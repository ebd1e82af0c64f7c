// Package docs holds the project's documents; its test keeps the README's
// layout table true to the tree.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every path the README's layout table names exists, and every top-level
// directory and every package under internal/ and admin/ is named, so a
// newcomer reading the table finds each responsibility where it says.
func TestReadmeLayoutMatchesTheTree(t *testing.T) {
	root := ".."
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Layout\n")
	if start < 0 {
		t.Fatal("the README has no Layout section")
	}
	section := text[start:]
	if end := strings.Index(section[len("## Layout\n"):], "\n## "); end >= 0 {
		section = section[:end+len("## Layout\n")]
	}
	named := map[string]bool{}
	row := regexp.MustCompile("(?m)^\\| (.+?) \\|")
	path := regexp.MustCompile("`([a-z0-9_./-]+/)`")
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		for _, p := range path.FindAllStringSubmatch(m[1], -1) {
			named[strings.TrimSuffix(p[1], "/")] = true
		}
	}
	if len(named) < 10 {
		t.Fatalf("found only %d paths in the layout table", len(named))
	}
	for p := range named {
		if fi, err := os.Stat(filepath.Join(root, p)); err != nil || !fi.IsDir() {
			t.Errorf("the layout table names %s/, which is not a directory", p)
		}
	}
	ignored := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(root, ".gitignore")); err == nil {
		for _, line := range strings.Fields(string(b)) {
			ignored[strings.Trim(line, "/")] = true
		}
	}
	expectNamed := func(dir string) {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.ToSlash(filepath.Join(dir, e.Name()))
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || ignored[e.Name()] {
				continue
			}
			if !named[p] && !named[strings.TrimPrefix(p, "./")] && !coveredBy(named, p) {
				t.Errorf("%s/ is missing from the README's layout table", strings.TrimPrefix(p, "./"))
			}
		}
	}
	expectNamed(".")
	expectNamed("internal")
	expectNamed("admin")
}

// coveredBy reports whether a parent of p is named and p is not a package
// of its own (a data directory inside a named one).
func coveredBy(named map[string]bool, p string) bool {
	p = strings.TrimPrefix(p, "./")
	if strings.HasPrefix(p, "internal/") || strings.HasPrefix(p, "admin/") {
		return named[p]
	}
	for dir := filepath.Dir(p); dir != "." && dir != "/"; dir = filepath.Dir(dir) {
		if named[dir] {
			return true
		}
	}
	// A directory that only groups named ones (api/ for api/server/).
	for n := range named {
		if strings.HasPrefix(n, p+"/") {
			return true
		}
	}
	return false
}

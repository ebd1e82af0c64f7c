package policies_test

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/policies"
)

// Every policy and data file of the source tree is in the binary, byte for
// byte, whatever directory it sits in: a jurisdiction added as a new
// directory must not be left out of the built-in tree.
func TestEveryFileIsEmbedded(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
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
		embedded, err := fs.ReadFile(policies.FS, rel)
		switch {
		case err != nil:
			t.Errorf("policies/%s is not in the built-in tree: %v", rel, err)
		case !bytes.Equal(onDisk, embedded):
			t.Errorf("policies/%s differs from its built-in copy", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("found no policy file under " + dir)
	}
	disk, err := engine.TreeRevision(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := engine.TreeRevision(policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if disk != builtin {
		t.Errorf("the tree on disk is revision %s, the built-in tree %s", disk, builtin)
	}
}

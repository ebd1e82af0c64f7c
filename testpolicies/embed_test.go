package testpolicies_test

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/credpol/credpol/testpolicies"
)

// Every test, data and case file of the source suite is in the binary, byte for
// byte, whatever directory it sits in: a jurisdiction added as a new
// directory must not be left out of the built-in suite.
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
		embedded, err := fs.ReadFile(testpolicies.FS, rel)
		switch {
		case err != nil:
			t.Errorf("testpolicies/%s is not in the built-in tree: %v", rel, err)
		case !bytes.Equal(onDisk, embedded):
			t.Errorf("testpolicies/%s differs from its built-in copy", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("found no test file under " + dir)
	}
}

package policies_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/policies"
)

// Every policy and data file of the source tree is in the binary, byte for
// byte, whatever directory it sits in: a jurisdiction added as a new
// directory must not be left out of the built-in tree.
func TestEveryFileIsEmbedded(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	enginetest.EveryFileEmbedded(t, dir, policies.FS, "policies")
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

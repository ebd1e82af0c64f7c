package version_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/version"
)

// Under go test the build carries no commit, but Go's and OPA's versions
// are the ones the binary was built with.
func TestReadNamesGoAndOPA(t *testing.T) {
	info := version.Read()
	if info.Go != runtime.Version() || info.OPA == "" || info.Version == "" {
		t.Fatalf("%+v", info)
	}
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "github.com/open-policy-agent/opa v"+info.OPA+"\n") {
		t.Errorf("OPA %s is not the version go.mod requires", info.OPA)
	}
}

// A binary built from a checkout names the commit it was built from.
func TestABuiltBinaryNamesItsCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds credpol")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "credpol")
	if out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "../../cmd/credpol").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("credpol version: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), strings.TrimSpace(string(head))) {
		t.Errorf("credpol version does not name HEAD %s:\n%s", head, out)
	}
}

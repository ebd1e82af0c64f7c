package storage_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The database layer maps rows to business types and nothing more: it must
// build without the policy engine and without the HTTP framework, so a
// change to either never reaches the code that owns the tables.
func TestStorageBuildsWithoutEngineOrHTTP(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/credpol/credpol/internal/storage/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages; expected the storage package's dependencies", len(deps))
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/open-policy-agent/", "github.com/gin-gonic/", "github.com/credpol/credpol/engine", "github.com/credpol/credpol/api/"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("storage depends on %s", d)
			}
		}
	}
}

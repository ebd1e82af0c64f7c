package enginetest

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StockOPA builds OPA at the version go.mod requires, as make opa-check
// does, for tests that hold credpol to what stock OPA answers.
func StockOPA(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "opa")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/open-policy-agent/opa").CombinedOutput(); err != nil {
		t.Fatalf("building OPA: %v\n%s", err, out)
	}
	return bin
}

// ServeOPA runs `opa run --server` with args until the test ends and
// returns its base URL once /health answers 200 (with ?bundles, once every
// configured bundle is activated).
func ServeOPA(t testing.TB, opa string, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(opa, append([]string{"run", "--server", "--addr", addr, "--log-level", "error"}, args...)...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(time.Minute); ; {
		if resp, err := http.Get("http://" + addr + "/health?bundles"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "http://" + addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("OPA did not become healthy within a minute:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/credpol/credpol/storage"
	"github.com/credpol/credpol/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestSIGTERMLosesNoLoggedDecision drives a real server with thousands of
// decisions, sends SIGTERM midway, and checks that every decision a client
// received an answer for is in the decision log exactly once.
func TestSIGTERMLosesNoLoggedDecision(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "credpol")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building credpol: %v\n%s", err, out)
	}
	for _, tc := range []struct{ name, url string }{
		{"sqlite", filepath.Join(t.TempDir(), "credpol.db")},
		{"postgres", storetest.PostgresURL(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answered, logged := shutdownRun(t, bin, tc.url, 12000, 8000)
			t.Logf("%s: %d decisions answered before and during shutdown, %d logged", tc.name, answered, logged)
		})
	}
}

func shutdownRun(t *testing.T, bin, dbURL string, total, termAfter int) (int, int64) {
	t.Helper()
	spill := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--database-url", dbURL, "--dev-token",
		"--decision-log-spill-dir", spill, "--log-level", "warn")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var addr, token string
	sc := bufio.NewScanner(stdout)
	for (addr == "" || token == "") && sc.Scan() {
		line := sc.Text()
		if a, ok := strings.CutPrefix(line, "credpol serving on "); ok {
			addr = a
		}
		if tok, ok := strings.CutPrefix(line, "development token (full scope): "); ok {
			token = tok
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	if addr == "" || token == "" {
		t.Fatal("the server did not print its address and token")
	}

	var (
		mu       sync.Mutex
		ids      = map[string]int{}
		sent     atomic.Int64
		termOnce sync.Once
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := sent.Add(1)
				if n > int64(total) {
					return
				}
				if n == int64(termAfter) {
					termOnce.Do(func() { cmd.Process.Signal(syscall.SIGTERM) })
				}
				body := fmt.Sprintf(`{"jurisdiction":"230000","facts":{"public_credit_score":%d}}`, n%1001)
				req, _ := http.NewRequest("POST", addr+"/v1/decisions/credit_grade", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					continue // the server has stopped listening
				}
				var out struct {
					ID string `json:"decision_id"`
				}
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && out.ID != "" {
					mu.Lock()
					ids[out.ID]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the server did not exit cleanly after SIGTERM: %v", err)
	}
	if len(ids) < termAfter/2 {
		t.Fatalf("only %d decisions answered; the load did not run", len(ids))
	}
	if files, _ := filepath.Glob(filepath.Join(spill, "*")); len(files) > 0 {
		t.Fatalf("entries were spilled with the store up: %v", files)
	}

	ctx := context.Background()
	st, err := storage.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logged, err := st.CountDecisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("decision id %s answered %d times", id, n)
		}
		if _, err := st.DecisionRecord(ctx, id); err != nil {
			t.Fatalf("answered decision %s is not in the log: %v", id, err)
		}
	}
	// Each logged id is unique (primary key); every answered one is there. A
	// decision logged but whose answer was cut off by the shutdown would make
	// logged exceed answered; graceful shutdown lets none be cut.
	if logged != int64(len(ids)) {
		t.Fatalf("%d decisions answered but %d logged", len(ids), logged)
	}
	return len(ids), logged
}

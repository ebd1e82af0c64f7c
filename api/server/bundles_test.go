package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// getBundle GETs the bundle with a token and an If-None-Match.
func getBundle(t *testing.T, f *fixture, token, etag string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+server.BundlePath, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// The bundle service speaks OPA's protocol: a token is needed, the ETag is
// the revision, and an agent that has it gets 304.
func TestBundleServiceAnswersWithETags(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	if resp, _ := getBundle(t, f, "", ""); resp.StatusCode != 401 {
		t.Errorf("without a token: %d", resp.StatusCode)
	}
	resp, body := getBundle(t, f, f.token, "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag != `"`+f.engine.Current().Revision()+`"` || len(body) < 1000 {
		t.Fatalf("the bundle: %d, ETag %s, %d bytes", resp.StatusCode, etag, len(body))
	}
	if resp, body = getBundle(t, f, f.token, etag); resp.StatusCode != 304 || len(body) != 0 {
		t.Errorf("with its ETag: %d, %d bytes", resp.StatusCode, len(body))
	}
}

// Stock OPA configured to poll credpol serves credpol's live revision, and
// follows it when the revision changes: Heilongjiang's 795 points are B,
// then C once a revision moving band B to 800 is served.
func TestStockOPAPollsTheLiveRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds OPA")
	}
	f := newFixture(t, storetest.SQLite(t))
	config := filepath.Join(t.TempDir(), "opa.yaml")
	if err := os.WriteFile(config, []byte(fmt.Sprintf(`services:
  credpol:
    url: %s
    credentials:
      bearer:
        token: %s
bundles:
  credpol:
    service: credpol
    resource: %s
    polling:
      min_delay_seconds: 1
      max_delay_seconds: 2
`, f.srv.URL, f.token, strings.TrimPrefix(server.BundlePath, "/"))), 0o600); err != nil {
		t.Fatal(err)
	}
	opa := enginetest.ServeOPA(t, enginetest.StockOPA(t), "--config-file", config)

	grade := func() string {
		input := `{"input":{"decision":"credit_grade","as_of":"2026-11-01","jurisdiction":{"code":"230000","chain":["230000","100000"]},
			"enterprise":{"public_credit_score":795},"context":{}}}`
		resp, err := http.Post(opa+"/v1/data/j230000/credit_grade/decision", "application/json", strings.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Result struct {
				Grade string `json:"grade"`
			} `json:"result"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		return out.Result.Grade
	}
	if g := grade(); g != "B" {
		t.Fatalf("stock OPA on credpol's bundle grades 795 %q, want B", g)
	}

	data, err := fs.ReadFile(policies.FS, "params/230000/data.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := engine.Compile(context.Background(), enginetest.Shipped(map[string]string{
		"params/230000/data.json": strings.Replace(string(data), `"min": 790`, `"min": 800`, 1)}), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.engine.Use(ps) // as a replica does when a publication arrives
	for deadline := time.Now().Add(30 * time.Second); grade() != "C"; {
		if time.Now().After(deadline) {
			t.Fatalf("stock OPA still grades 795 %q 30 s after the revision changed", grade())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Each agent's fetch of a revision is an export the audit log records, by
// token; a poll answered 304 is not.
func TestBundleFetchesAreAudited(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			auditor := l.login(t, "auditor", []admin.Role{admin.Auditor}, "100000")
			resp, _ := getBundle(t, l.fixture, l.token, "")
			if resp.StatusCode != 200 {
				t.Fatalf("the bundle: %d", resp.StatusCode)
			}
			for range 3 {
				if again, _ := getBundle(t, l.fixture, l.token, resp.Header.Get("ETag")); again.StatusCode != 304 {
					t.Fatalf("a poll: %d", again.StatusCode)
				}
			}
			entries := l.auditEntries(t, auditor, "action="+admin.ActBundleExport)
			if len(entries) != 1 {
				t.Fatalf("%d bundle.export entries, want 1: %v", len(entries), entries)
			}
			e := entries[0]
			if e["actor"] == "" || e["after_hash"] != l.engine.Current().Revision() || !strings.Contains(e["details"].(string), "OPA bundle service") {
				t.Errorf("the entry: %v", e)
			}
		})
	}
}

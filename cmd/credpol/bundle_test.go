package main

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
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/internal/verify"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

// records keeps every decision the cases take, as the log would.
type records struct {
	mu   sync.Mutex
	list []decisionlog.Record
}

func (r *records) Record(_ context.Context, rec decisionlog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, rec)
	return nil
}

// opaDecision asks OPA for data.j<source>.<decision>.decision on input.
func opaDecision(t *testing.T, url string, rec decisionlog.Record) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"input": rec.Input})
	resp, err := http.Post(fmt.Sprintf("%s/v1/data/j%s/%s/decision", url, rec.Source, rec.Decision), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result map[string]any `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("OPA on %s at %s: %d %v", rec.Decision, rec.Source, resp.StatusCode, err)
	}
	return out.Result
}

// plainJSON is v as encoding/json reads it back, so numbers compare alike.
func plainJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The exported bundle served by stock OPA answers every decision case as
// credpol does: the same result and reasons for the input credpol logged,
// asked of the level that decided.
func TestStockOPAServingTheExportedBundleAnswersAsCredpol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds OPA and runs every decision case twice")
	}
	bundlePath := filepath.Join(t.TempDir(), "bundle.tar.gz")
	root := bundleExportCmd()
	root.SetArgs([]string{"--policy-dir", "../../policies", "-o", bundlePath})
	root.SetOut(os.Stderr)
	root.SetErr(os.Stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	url := enginetest.ServeOPA(t, enginetest.StockOPA(t), "--bundle", bundlePath)

	ctx := context.Background()
	ps, err := engine.Compile(ctx, policies.FS, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{}
	eng.Use(ps)
	rec := &records{}
	svc := &decision.Service{Engine: eng, Jurisdictions: ps.Jurisdictions(), Recorder: rec,
		Validator: enterprise.Validator{KnownJurisdiction: ps.Jurisdictions().Has}}
	cases, err := fs.Sub(testpolicies.FS, "cases")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.RunCases(ctx, svc, cases, ""); err != nil {
		t.Fatal(err)
	}
	if len(rec.list) < 100 {
		t.Fatalf("only %d decisions taken by the cases", len(rec.list))
	}
	decisions := map[string]bool{}
	for _, r := range rec.list {
		decisions[r.Decision] = true
		got := opaDecision(t, url, r)
		want := map[string]any{"reasons": r.Reasons}
		for k, v := range r.Result {
			want[k] = v
		}
		if d := cmp.Diff(plainJSON(t, want), plainJSON(t, got)); d != "" {
			t.Errorf("%s in %s (decided at %s), as_of %s: stock OPA differs (-credpol +OPA):\n%s", r.Decision, r.Jurisdiction, r.Source, r.AsOf, d)
		}
	}
	if len(decisions) != len(ps.Catalogue().Names()) {
		t.Errorf("the cases took %d of the %d decisions", len(decisions), len(ps.Catalogue().Names()))
	}
	t.Logf("%d decisions of %d kinds answered alike by stock OPA", len(rec.list), len(decisions))
}

// A bundle exported and imported again is a working copy that compiles;
// importing over a working copy is refused.
func TestBundleImportWritesAWorkingCopy(t *testing.T) {
	dir := t.TempDir()
	bundlePath := filepath.Join(dir, "b.tar.gz")
	run := func(cmd *cobra.Command, args ...string) (string, error) {
		var out bytes.Buffer
		cmd.SetArgs(args)
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	if out, err := run(bundleExportCmd(), "--builtin", "-o", bundlePath); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	into := filepath.Join(dir, "work")
	out, err := run(bundleImportCmd(), bundlePath, "--into", into, "--builtin")
	if err != nil || !strings.Contains(out, "ok: ") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(into, "policies", "params", "230000", "data.json")); err != nil {
		t.Error(err)
	}
	if out, err = run(bundleImportCmd(), bundlePath, "--into", into, "--builtin"); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("importing over a working copy: %v\n%s", err, out)
	}
}

// Exporting a published revision from the store is recorded in the audit
// log, by the shell, with the file it went to.
func TestBundleExportOfARevisionIsAudited(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	adm, err := offlineAdmin(ctx, st.Store)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := engine.Compile(ctx, policies.FS, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := adm.Bootstrap(ctx, ps.Files(), nil, ps.Revision(), "test"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bundle.tar.gz")
	cmd := bundleCmd()
	cmd.SetArgs([]string{"export", "--revision", "1", "--database-url", st.URL, "--log-level", "error", "-o", out})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := st.Store.AuditEntries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var exports []string
	for _, e := range entries {
		if e.Action == admin.ActBundleExport {
			exports = append(exports, e.Actor+" "+e.Object+" "+e.AfterHash+" "+e.Details)
		}
	}
	if len(exports) != 1 || !strings.HasPrefix(exports[0], "shell revision/1 "+ps.Revision()) || !strings.Contains(exports[0], out) {
		t.Errorf("bundle.export entries: %v", exports)
	}
}

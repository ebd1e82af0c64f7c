package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/impact"
)

// CI runs `credpol impact` on two directories and fails the build when more
// than a given share of a decision's outcomes change: raising Heilongjiang's
// grade B from 790 to 800 points moves about 7 % of its grades, so the run
// exits 1 over 5 % and 0 over 50 %, printing the summary, with every changed
// enterprise in the CSV.
func TestImpactExitStatusFollowsFailOver(t *testing.T) {
	bin := buildServer(t)
	base := filepath.Join(sourceRoot(t), "policies")
	workOnCopy(t)
	raiseBandB(t, "policies")
	db := filepath.Join(t.TempDir(), "credpol.db")
	if out, err := exec.Command(bin, "seed", "--enterprises", "1500", "--seed", "5", "--database-url", db).CombinedOutput(); err != nil {
		t.Fatalf("seeding: %v\n%s", err, out)
	}
	impactRun := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"impact", "--base", base, "--head", "policies", "--db", db,
			"--decisions", "credit_grade", "--as-of", "2026-11-01"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}

	stdout, stderr, code := impactRun("--fail-over", "5%", "--csv", "changed.csv")
	if code != 1 || !strings.Contains(stderr, "over --fail-over 5%") {
		t.Fatalf("over 5%%: exit %d, stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "B → C") || !strings.Contains(stdout, "credit_grade") {
		t.Errorf("the summary does not show the transition:\n%s", stdout)
	}

	stdout, stderr, code = impactRun("--fail-over", "50", "--json")
	if code != 0 {
		t.Fatalf("under 50%%: exit %d, stderr:\n%s", code, stderr)
	}
	var rep impact.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	share, name := rep.ChangedShare()
	if name != "credit_grade" || share <= 0.05 || share > 0.5 {
		t.Fatalf("changed share %.3f of %s, want credit_grade's between 5%% and 50%%", share, name)
	}

	f, err := os.Open("changed.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)-1) != rep.Decisions[0].Changed {
		t.Errorf("the CSV lists %d changed enterprises, the report counts %d", len(rows)-1, rep.Decisions[0].Changed)
	}
	if rows[1][0] != "credit_grade" || rows[1][4] != "B" || rows[1][5] != "C" || rows[0][11] != "decision_id" || rows[1][11] != "" {
		t.Errorf("header %q, first changed row %q", rows[0], rows[1])
	}

	// Only the decision log, which seeding leaves empty: nothing changed.
	stdout, stderr, code = impactRun("--log-window", "30d", "--enterprises=false", "--fail-over", "0")
	if code != 0 || !strings.Contains(stdout, "DECISION LOG") || strings.Contains(stdout, "STORED ENTERPRISES") {
		t.Errorf("--enterprises=false --log-window 30d: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if _, stderr, code = impactRun("--enterprises=false"); code != 1 || !strings.Contains(stderr, "--log-window") {
		t.Errorf("--enterprises=false without a window: exit %d, stderr:\n%s", code, stderr)
	}
}

// The decision-log window from the flags: a span back from --log-to (now
// by default), or --log-from to --log-to, times as the log search reads them.
func TestImpactLogWindowFlags(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		window, from, to string
		want             *impact.LogWindow
		err              string
	}{
		{want: nil},
		{window: "30d", want: &impact.LogWindow{From: now.AddDate(0, 0, -30), To: now}},
		{window: "12h", to: "2026-11-01", want: &impact.LogWindow{From: time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}},
		{from: "2026-11-01T08:00:00+08:00", want: &impact.LogWindow{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: now}},
		{from: "2026-11-01", to: "2026-11-15", want: &impact.LogWindow{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}},
		{window: "30d", from: "2026-11-01", err: "give one"},
		{to: "2026-11-01", err: "--log-to ends a window"},
		{window: "-3d", err: "positive span"},
		{window: "soon", err: "positive span"},
		{from: "yesterday", err: "RFC 3339"},
		{from: "2026-11-15", to: "2026-11-01", err: "is empty"},
	} {
		o := &impactOptions{logWindow: c.window, logFrom: c.from, logTo: c.to}
		got, err := o.window(now)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: error %v, want one saying %q", c, err, c.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", c, err)
		case (got == nil) != (c.want == nil) || (got != nil && (!got.From.Equal(c.want.From) || !got.To.Equal(c.want.To))):
			t.Errorf("%+v: window %+v, want %+v", c, got, c.want)
		}
	}
}

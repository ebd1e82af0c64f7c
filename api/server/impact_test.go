package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/impact"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// passingGate passes every draft at once: impact runs do not wait for the
// gate, and these tests leave the real one to the lifecycle's tests.
type passingGate struct{}

func (passingGate) Check(context.Context, map[string][]byte) admin.GateReport {
	return admin.GateReport{Passed: true}
}

// impactLifecycle is the lifecycle over a seeded population, with a job
// client working impact runs as every `credpol serve` does.
func impactLifecycle(t *testing.T, st storetest.Store, enterprises int) *lifecycle {
	t.Helper()
	st.SeedDemo(t, enterprises)
	return newLifecycle(t, st, passingGate{}, func(l *lifecycle, d *server.Deps) {
		runs := &impactrun.Service{Admin: l.adm, Store: st.Store, Watch: 50 * time.Millisecond}
		jobs, err := impactrun.StartJobs(context.Background(), runs, st.Store.NewJobClient, impactrun.WorkerOptions{ID: "server", Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			jobs.StopAndCancel(ctx)
		})
		d.Impact = runs
	})
}

// waitRun polls GET /admin/v1/impact-runs/{id} until the run is closed.
func (l *lifecycle) waitRun(t *testing.T, token, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body := l.do(t, "GET", "/admin/v1/impact-runs/"+id, token, "")
		expect(t, "GET the run", status, body, 200, "")
		switch body["status"] {
		case admin.ImpactDone, admin.ImpactCancelled, admin.ImpactFailed:
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %v after 2 minutes: %v", id, body["status"], body["progress"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// localReport is internal/impact's single-process report comparing revision
// 1 with the draft's current files, as JSON without the trees' names and the
// time taken.
func (l *lifecycle) localReport(t *testing.T, draftID string, opts impact.Options) any {
	t.Helper()
	ctx := context.Background()
	live, err := l.adm.Live(ctx)
	if err != nil {
		t.Fatal(err)
	}
	baseFiles, err := l.store.Store.PolicyFiles(ctx, live.Tree)
	if err != nil {
		t.Fatal(err)
	}
	d, err := l.adm.Store.Draft(ctx, draftID)
	if err != nil {
		t.Fatal(err)
	}
	headFiles, _ := admin.Split(d.Files)
	var sets [2]*engine.PolicySet
	for i, files := range []map[string][]byte{baseFiles, headFiles} {
		if sets[i], err = engine.Compile(ctx, engine.FilesFS(files), engine.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := impact.Local{Store: l.store.Store}.Run(ctx, sets[0], sets[1], opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(rep)
	return comparable(t, b)
}

// comparable is a JSON report as plain values, without what says where the
// trees came from and how long it took.
func comparable(t *testing.T, raw []byte) any {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	delete(r, "elapsed_ms")
	for _, side := range []string{"base", "head"} {
		r[side] = map[string]any{"revision": r[side].(map[string]any)["revision"]}
	}
	return r
}

// text GETs a path and returns its status, content type and body.
func (l *lifecycle) text(t *testing.T, path, token string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", l.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// An impact run through the admin API: started from a draft (202), read
// while and after it runs, its report exactly internal/impact's in one
// process, its CSV, the latest run of the draft's content on the draft's
// status and reviews for the reviewer; two runs at once on one draft both
// complete; out-of-scope, unknown decisions and a draft that does not
// compile are refused.
func TestImpactRunsOverHTTP(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := impactLifecycle(t, st, 1500)
			editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")
			reviewer := l.login(t, "hlj-reviewer", []admin.Role{admin.Reviewer}, "230000")
			quangang := l.login(t, "qg-staff", []admin.Role{admin.Editor, admin.Reviewer}, "350505")
			id, _ := l.draft(t, editor, "230000")
			hash := l.bBand800(t, editor, id)

			status, body := l.do(t, "GET", "/admin/v1/drafts/"+id+"/impact", reviewer, "")
			expect(t, "the impact of a draft never run", status, body, 404, "impact_not_run")

			start := fmt.Sprintf(`{"draft":%q,"decisions":["credit_grade"],"as_of":"2026-11-01","chunk_size":40}`, id)
			status, first := l.do(t, "POST", "/admin/v1/impact-runs", editor, start)
			expect(t, "start a run", status, first, 202, "")
			status, second := l.do(t, "POST", "/admin/v1/impact-runs", reviewer, start)
			expect(t, "start a second run of the same draft at once", status, second, 202, "")
			if first["status"] != admin.ImpactQueued || first["jurisdiction"] != "230000" || first["head"].(map[string]any)["hash"] != hash {
				t.Fatalf("started: %v", first)
			}

			done := l.waitRun(t, editor, first["id"].(string))
			other := l.waitRun(t, reviewer, second["id"].(string))
			if done["status"] != admin.ImpactDone || other["status"] != admin.ImpactDone {
				t.Fatalf("runs ended %v (%v) and %v (%v)", done["status"], done["error"], other["status"], other["error"])
			}
			want := l.localReport(t, id, impact.Options{Jurisdiction: "230000", Decisions: []string{"credit_grade"}, AsOf: "2026-11-01", ChunkSize: 40})
			for _, run := range []map[string]any{done, other} {
				raw, _ := json.Marshal(run["report"])
				if d := cmp.Diff(want, comparable(t, raw)); d != "" {
					t.Errorf("run %v's report differs from impact.Local's (-local +run):\n%s", run["id"], d)
				}
			}
			progress := done["progress"].(map[string]any)
			changed := progress["changed"].(float64)
			if changed == 0 || progress["chunks_done"] != progress["chunks_total"] || progress["chunks_total"].(float64) < 2 {
				t.Fatalf("progress of the finished run: %v", progress)
			}

			runPath := "/admin/v1/impact-runs/" + done["id"].(string)
			code, ctype, csv := l.text(t, runPath+"/changes.csv", reviewer)
			if code != 200 || !strings.HasPrefix(ctype, "text/csv") || float64(strings.Count(csv, "\n")) != changed+1 {
				t.Errorf("changes.csv: %d %s, %d lines for %v changes", code, ctype, strings.Count(csv, "\n"), changed)
			}
			status, body = l.do(t, "GET", "/admin/v1/drafts/"+id+"/impact", reviewer, "")
			expect(t, "the draft's impact", status, body, 200, "")
			if body["id"] != second["id"] {
				t.Errorf("the draft's impact is run %v, want the latest, %v", body["id"], second["id"])
			}
			for _, path := range []string{"/status", "/reviews"} {
				status, body = l.do(t, "GET", "/admin/v1/drafts/"+id+path, reviewer, "")
				expect(t, "the draft's "+path, status, body, 200, "")
				summary, _ := body["impact"].(map[string]any)
				if summary == nil || summary["report"] != nil || summary["progress"].(map[string]any)["changed"] != changed {
					t.Errorf("GET %s shows the impact %v, want the latest run's summary with %v changed", path, body["impact"], changed)
				}
			}

			status, body = l.do(t, "POST", runPath+"/cancel", editor, "")
			expect(t, "cancelling a finished run", status, body, 409, "impact_run_closed")
			status, body = l.do(t, "GET", runPath, quangang, "")
			expect(t, "a run of another subtree", status, body, 404, "impact_run_not_found")
			status, body = l.do(t, "GET", "/admin/v1/impact-runs/%00"+strings.Repeat("a", 3000), editor, "")
			expect(t, "a run id that is no UUID", status, body, 404, "impact_run_not_found")
			if msg := fmt.Sprint(body["error"]); len(msg) > 500 {
				t.Errorf("the refusal of a 3,000-byte id echoes it: %d bytes", len(msg))
			}
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", quangang, `{"head_revision":1,"jurisdiction":"230000"}`)
			expect(t, "a run over a subtree outside the caller's scope", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,"jurisdiction":"100000"}`, id))
			expect(t, "a draft's run over the nation by a provincial editor", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,"decisions":["credit_grades"]}`, id))
			expect(t, "an unknown decision", status, body, 422, "unknown_decision")
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,"sample":-1}`, id))
			expect(t, "a negative sample", status, body, 422, "invalid_sample")
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,"as_of":"2026-13-01"}`, id))
			expect(t, "an impossible as_of", status, body, 422, "invalid_date")

			broken, brokenHash := l.draft(t, editor, "230000")
			l.editOK(t, editor, broken, brokenHash, `{"path":"policies/j230000/credit_grade.rego","content":"package j230000.credit_grade\n\ndecision := {\n"}`)
			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q}`, broken))
			expect(t, "a draft that does not compile", status, body, 422, "draft_does_not_compile")
			details, _ := body["error"].(map[string]any)["details"].(map[string]any)
			checks, _ := details["checks"].([]any)
			if len(checks) != 1 || !strings.Contains(fmt.Sprint(checks[0]), "policies/j230000/credit_grade.rego") {
				t.Errorf("the refusal's checks: %v, want the compile check naming the file", details)
			}
		})
	}
}

// A run cancelled through the API says so, and its remaining chunks are
// never stored.
func TestImpactRunCancelOverHTTP(t *testing.T) {
	st := storetest.Postgres(t)
	l := impactLifecycle(t, st, 1500)
	editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")
	id, _ := l.draft(t, editor, "230000")
	l.bBand800(t, editor, id)
	status, body := l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,"as_of":"2026-11-01","chunk_size":5}`, id))
	expect(t, "start a run", status, body, 202, "")
	runPath := "/admin/v1/impact-runs/" + body["id"].(string)
	status, body = l.do(t, "POST", runPath+"/cancel", editor, "")
	expect(t, "cancel", status, body, 200, "")
	if body["status"] != admin.ImpactCancelled || body["cancelled_by"] != "hlj-editor" {
		t.Fatalf("after cancel: %v", body)
	}
	time.Sleep(2 * time.Second)
	_, after := l.do(t, "GET", runPath, editor, "")
	if after["status"] != admin.ImpactCancelled || after["progress"].(map[string]any)["chunks_done"] != body["progress"].(map[string]any)["chunks_done"] {
		t.Errorf("two seconds after the cancel: %v, %v; at the cancel %v", after["status"], after["progress"], body["progress"])
	}
}

// A run over the decision log through the API: the draft's B band at 800
// moves the logged grades of 795 from B to C and leaves 900's as they were;
// with enterprises false, no stored enterprise is evaluated. Windows that
// cannot be read are refused before anything is queued.
func TestImpactRunOverTheDecisionLogOverHTTP(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := impactLifecycle(t, st, 200)
			editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")
			id, _ := l.draft(t, editor, "230000")
			l.bBand800(t, editor, id)
			for _, score := range []int{795, 795, 900} {
				if grade, _ := l.grade(t, score, 0); grade == "" {
					t.Fatalf("no grade for %d", score)
				}
			}
			l.waitLogged(t, 3)

			status, body := l.do(t, "POST", "/admin/v1/impact-runs", editor,
				fmt.Sprintf(`{"draft":%q,"decisions":["credit_grade"],"log_window":"1h","enterprises":false}`, id))
			expect(t, "start a run over the last hour's log", status, body, 202, "")
			done := l.waitRun(t, editor, body["id"].(string))
			if done["status"] != admin.ImpactDone {
				t.Fatalf("run ended %v: %v", done["status"], done["error"])
			}
			var rep impact.Report
			raw, _ := json.Marshal(done["report"])
			if err := json.Unmarshal(raw, &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Decisions) != 0 && rep.Decisions[0].Evaluated != 0 {
				t.Errorf("enterprises false evaluated stored enterprises: %+v", rep.Decisions)
			}
			if rep.Params.Log == nil || len(rep.Logged) != 1 {
				t.Fatalf("the report's log part: params %+v, logged %+v", rep.Params.Log, rep.Logged)
			}
			grades := rep.Logged[0]
			want := []impact.Transition{{From: "B", To: "C", Count: 2}}
			if grades.Evaluated != 3 || grades.Changed != 2 || grades.Unchanged != 1 || !cmp.Equal(grades.Transitions, want, cmpopts.IgnoreFields(impact.Transition{}, "Jurisdictions", "Examples")) {
				t.Errorf("logged credit_grade: %d evaluated, %d changed, %d unchanged, transitions %+v; want 3, 2, 1, B → C ×2",
					grades.Evaluated, grades.Changed, grades.Unchanged, grades.Transitions)
			}

			for _, c := range []struct{ body, code string }{
				{`"log_window":"soon"`, "invalid_window"},
				{`"log_window":"30d","log_from":"2026-11-01"`, "invalid_window"},
				{`"log_to":"2026-11-01"`, "invalid_window"},
				{`"log_from":"2026-11-15","log_to":"2026-11-01"`, "invalid_window"},
				{`"log_from":"2026-11-01\u0000"`, "invalid_window"},
				{`"log_window":"99999999d"`, "invalid_window"},
				{`"enterprises":false`, "invalid_run"},
			} {
				status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q,%s}`, id, c.body))
				expect(t, c.body, status, body, 422, c.code)
			}
		})
	}
}

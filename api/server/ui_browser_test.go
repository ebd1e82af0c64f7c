package server_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/impactrun"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/demo"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// chromium is Debian's Chromium, which .ci/run installs; without it the
// browser tests are skipped, except under CI, where they must run.
const chromium = "/usr/bin/chromium"

// uiBrowser drives one headless Chromium at 1366×768 against the UI.
type uiBrowser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // where screenshots go
	mu   sync.Mutex
	errs []string // script errors and Content-Security-Policy refusals
}

func newUIBrowser(t *testing.T, base string) *uiBrowser {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: the web UI cannot be tested (.ci/run installs Debian's chromium)", chromium)
		}
		t.Skipf("%s is missing: apt-get install -y chromium chromium-driver to run the web UI's browser tests", chromium)
	}
	dir := os.Getenv("CREDPOL_UI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "credpol-ui-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &uiBrowser{t: t, ctx: ctx, base: base, dir: dir}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
		t.Fatal(err)
	}
	// A script error or a Content-Security-Policy refusal fails the test;
	// error answers of the API (401 before login, 403 four eyes) do not.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Source == "security" || (m.Type == chromedp.ConsoleError && m.Source == "") {
				b.mu.Lock()
				b.errs = append(b.errs, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Logf("screenshots in %s", dir)
	return b
}

func (b *uiBrowser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed")
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves the viewport as name.png.
func (b *uiBrowser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), png, 0o644); err != nil {
		b.t.Error(err)
	}
}

// waitText waits until sel's text contains want, and returns it.
func (b *uiBrowser) waitText(sel, want string) string {
	b.t.Helper()
	// The gate runs the whole regression suite under the race detector;
	// on a busy two-core machine that takes well over a minute.
	deadline := time.Now().Add(240 * time.Second)
	var text string
	for {
		var err error
		text, err = chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.textContent : ""; })()`, sel)))
		if err == nil && strings.Contains(text, want) {
			return text
		}
		if time.Now().After(deadline) {
			b.shot("failed")
			b.t.Fatalf("%s: waited for %q, have %q (err %v)", sel, want, text, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// eval evaluates js in the page (awaiting a promise) and returns its value.
func eval[T any](b *uiBrowser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shot("failed")
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func (b *uiBrowser) open(hash string) {
	b.t.Helper()
	b.run("open "+hash, chromedp.Navigate(b.base+"/admin/"+hash), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *uiBrowser) login(name string) {
	b.t.Helper()
	b.open("")
	b.run("login as "+name, chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), name),
		chromedp.SendKeys(chromedp.ID("login-password"), "correct horse "+name),
		chromedp.Click(chromedp.ID("login-submit")))
	b.waitText("#who-name", name)
}

func (b *uiBrowser) logout() {
	b.t.Helper()
	b.run("logout", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-name")))
}

// setEditor replaces the editor's text as a paste would.
func (b *uiBrowser) setEditor(text string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { const a = document.querySelector(".code textarea"); a.value = %s;
		a.dispatchEvent(new Event("input")); return true; })()`, jsString(text)))
}

func jsString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\n':
			sb.WriteString(`\n`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// TestWebUIInChromium walks the policy staff's main flow through the web UI
// in a real Chromium: an editor of Heilongjiang raises the B band's floor
// from 790 to 800 in the parameter form, sees a syntax error on its line and
// the gate pass, reads the impact (the 795-point enterprises move from B to
// C), cannot approve the own draft; a reviewer approves, a publisher
// publishes, the decision search shows the changed grade, and a rollback
// restores B. A Quangang editor sees Xinzhou's files read-only.
func TestWebUIInChromium(t *testing.T) {
	var st storetest.Store
	for _, s := range storetest.Stores(t) {
		if s.Name == "sqlite" {
			st = s
		}
	}
	if st.Store == nil {
		t.Fatal("no SQLite store")
	}
	ctx := context.Background()
	// The demo population, with its first Heilongjiang enterprises at 795
	// points: B under the shipped bands, C once B starts at 800.
	var facts []enterprise.Facts
	var at795 []string
	if err := demo.Generate(demo.Options{Seed: 7, Count: 300}, func(f enterprise.Facts) error {
		if f.Jurisdiction != nil && *f.Jurisdiction == "230000" && len(at795) < 4 {
			score := 795.0
			f.PublicCreditScore = &score
			at795 = append(at795, *f.USCC)
		}
		facts = append(facts, f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(at795) == 0 {
		t.Fatal("the demo population has no Heilongjiang enterprise")
	}
	if err := st.Store.PutEnterprises(ctx, facts); err != nil {
		t.Fatal(err)
	}
	l := newLifecycle(t, st, sharedGate, func(l *lifecycle, d *server.Deps) {
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
	l.login(t, "hlj-editor", []admin.Role{admin.Editor, admin.Reviewer}, "230000")
	l.login(t, "hlj-reviewer", []admin.Role{admin.Reviewer}, "230000")
	l.login(t, "hlj-publisher", []admin.Role{admin.Publisher}, "230000")
	l.login(t, "qg-editor", []admin.Role{admin.Editor}, "350505")
	l.login(t, "hlj-auditor", []admin.Role{admin.Auditor}, "230000")
	firm := at795[0]
	decide := func() string {
		t.Helper()
		status, body := l.do(t, "POST", "/v1/decisions/credit_grade", l.token, fmt.Sprintf(`{"enterprise_id":%q}`, firm))
		if status != 200 {
			t.Fatalf("credit_grade of %s: %d %v", firm, status, body)
		}
		return body["result"].(map[string]any)["grade"].(string)
	}
	if g := decide(); g != "B" {
		t.Fatalf("before: %s is %s, want B", firm, g)
	}

	resp, err := http.Get(l.srv.URL + "/admin/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("GET /admin/: Content-Security-Policy %q", csp)
	}

	b := newUIBrowser(t, l.srv.URL)
	b.open("")
	b.run("login page", chromedp.WaitVisible(chromedp.ID("login-name")))
	b.shot("01-login")
	b.login("hlj-editor")
	b.waitText("#who-scope", "黑龙江省（230000）")
	if !eval[bool](b, `document.getElementById("nav-audit").hidden`) {
		b.shot("failed")
		t.Fatal("an editor's navigation shows 审计日志")
	}

	// 辖区树: Heilongjiang decides the credit grade itself.
	b.open("#/tree/230000")
	b.waitText(`#providers tr[data-decision="credit_grade"]`, "本级规定")
	b.shot("02-tree")

	// 策略编辑: a draft.
	b.open("#/drafts")
	b.run("new draft", chromedp.WaitVisible(chromedp.ID("new-title")),
		chromedp.SendKeys(chromedp.ID("new-title"), "HLJ-2：B级下限调整为800分"),
		chromedp.Click(chromedp.ID("new-draft")))
	b.waitText("#file-path", "policies/params/230000/data.json")
	hash := eval[string](b, `location.hash`)
	id := strings.Split(strings.TrimPrefix(hash, "#/draft/"), "/")[0]

	// The regression test first: a syntax error shows on its line.
	testFile := "testpolicies/j230000/credit_grade_test.rego"
	b.open("#/draft/" + id + "/files/" + testFile)
	b.waitText("#file-path", testFile)
	original := eval[string](b, `document.querySelector(".code textarea").value`)
	if !strings.Contains(original, `790: "B"`) {
		t.Fatalf("%s does not hold the 790 case this test changes", testFile)
	}
	fixed := strings.Replace(original, `790: "B"`, `790: "C"`, 1)
	lines := strings.Split(fixed, "\n")
	badLine := 6
	broken := strings.Join(append(append(append([]string{}, lines[:badLine-1]...), "broken := {"), lines[badLine-1:]...), "\n")
	b.setEditor(broken)
	b.run("save", chromedp.Click(chromedp.ID("save")))
	b.waitText("#save-status", "检查未通过")
	marked := eval[[]string](b, `[...document.querySelectorAll(".gutter .bad")].map(e => e.dataset.line)`)
	if len(marked) == 0 {
		b.shot("failed")
		t.Fatalf("no line is marked after a syntax error on line %d", badLine)
	}
	b.waitText("#problems", "第 ")
	b.shot("03-editor-syntax-error")
	b.setEditor(fixed)
	b.run("save", chromedp.Click(chromedp.ID("save")))
	b.waitText("#save-status", "已保存，检查")

	// 参数表单: the B band's floor, 790 → 800.
	b.open("#/draft/" + id + "/params")
	band := `input[data-path="credit_grade.bands.1.min"]`
	b.run("B band", chromedp.WaitVisible(chromedp.CSS(band)), chromedp.SetValue(chromedp.CSS(band), ""), chromedp.SendKeys(chromedp.CSS(band), "800"))
	b.run("save params", chromedp.Click(chromedp.ID("params-save")))
	b.waitText("#params-status", "检查通过")
	b.shot("04-params-form")

	// 差异: the draft against the live revision, side by side, with the
	// changed value by its key path.
	b.open("#/diff?draft=" + id)
	paramsDiff := `section.file-diff[data-path="policies/params/230000/data.json"]`
	changed := b.waitText(paramsDiff+" .value-changes", "credit_grade.bands[1].min")
	if !strings.Contains(changed, "credit_grade.bands[1].min：790 → 800") {
		t.Errorf("the draft's value changes read %q, want credit_grade.bands[1].min：790 → 800", changed)
	}
	type sides struct{ Old, New string }
	row := eval[sides](b, `(() => { const r = document.querySelector('`+paramsDiff+` tr.changed'); const t = r.querySelectorAll("td.tx");
		return {Old: t[0].textContent, New: t[1].textContent}; })()`)
	if !strings.Contains(row.Old, "790") || !strings.Contains(row.New, "800") {
		t.Errorf("the changed line reads %+v, want 790 on the left and 800 on the right", row)
	}
	b.waitText(`section.file-diff[data-path="`+testFile+`"] tr.changed`, `790: "C"`)
	b.shot("11-diff")

	// 测试结果.
	b.open("#/draft/" + id + "/gate")
	b.waitText(`#gate tr[data-check="tests"]`, "通过")
	b.shot("05-gate")

	// 影响分析: the 795-point enterprises move from B to C.
	b.open("#/draft/" + id + "/impact")
	b.run("start impact", chromedp.WaitVisible(chromedp.ID("impact-start")), chromedp.Click(chromedp.ID("impact-start")))
	bToC := `table.transitions[data-decision="credit_grade"] tr[data-from="B"][data-to="C"]`
	b.waitText(bToC, "B")
	b.waitText("#impact", "已完成")
	if n := eval[int](b, `Number(document.querySelector('`+bToC+`').dataset.count)`); n < len(at795) {
		t.Errorf("B → C counts %d enterprises, fewer than the %d at 795 points", n, len(at795))
	}
	b.shot("06-impact")

	// 审核与发布: the author cannot approve.
	b.open("#/draft/" + id + "/review")
	b.run("submit", chromedp.WaitVisible(chromedp.ID("submit")), chromedp.Click(chromedp.ID("submit")))
	b.waitText("#flash", "提交成功")
	b.run("self-approve", chromedp.WaitVisible(chromedp.ID("approve")), chromedp.Click(chromedp.ID("approve")))
	b.waitText("#flash", "four_eyes")
	b.shot("07-four-eyes")
	b.logout()

	b.login("hlj-reviewer")
	b.open("#/draft/" + id + "/review")
	b.run("approve", chromedp.WaitVisible(chromedp.ID("review-comment")),
		chromedp.SendKeys(chromedp.ID("review-comment"), "符合HLJ-2"), chromedp.Click(chromedp.ID("approve")))
	b.waitText("#flash", "批准成功")
	b.logout()

	b.login("hlj-publisher")
	b.open("#/draft/" + id + "/review")
	b.run("publish", chromedp.WaitVisible(chromedp.ID("publish")), chromedp.Click(chromedp.ID("publish")))
	b.waitText("#flash", "发布成功")
	if err := l.follower.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if g := decide(); g != "C" {
		t.Fatalf("after publishing: %s is %s, want C", firm, g)
	}
	// An answered decision is durable in the write-ahead log; the log's
	// writer stores it a moment later. The page reads the store once.
	for deadline := time.Now().Add(30 * time.Second); ; {
		_, body := l.do(t, "GET", "/v1/decision-log?decision=credit_grade&limit=1&enterprise="+firm, l.token, "")
		if entries, _ := body["entries"].([]any); len(entries) == 1 {
			if result, _ := entries[0].(map[string]any)["result"].(map[string]any); result["grade"] == "C" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the decision log search does not show the C decision: %v", body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// 决策查询: the newest decision on the firm is C, the one before B.
	b.open("#/log?enterprise=" + firm + "&decision=credit_grade")
	first := b.waitText("#log tbody tr:first-child .result", "grade")
	if !strings.Contains(first, "C") {
		t.Errorf("the newest logged grade reads %q, want C", first)
	}
	b.waitText("#log tbody tr:nth-child(2) .result", "B")
	b.run("open entry", chromedp.Click(chromedp.CSS("#log tbody tr:first-child")))
	b.waitText("#entry-result", `"grade": "C"`)
	b.shot("08-decision-log")

	// 版本历史: roll back to revision 1.
	b.open("#/revisions")
	b.run("rollback", chromedp.WaitVisible(chromedp.ID("rollback-reason")),
		chromedp.SendKeys(chromedp.ID("rollback-reason"), "等待省局正式通知"),
		chromedp.Click(chromedp.CSS(`button[data-rollback="1"]`)))
	b.waitText("#flash", "已回滚")
	b.waitText(`#revisions tr[data-number="3"]`, "回滚")
	b.waitText(`#revisions tr[data-number="2"]`, "hlj-reviewer")
	b.shot("09-revisions")
	if err := l.follower.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if g := decide(); g != "B" {
		t.Fatalf("after the rollback: %s is %s, want B", firm, g)
	}
	b.logout()

	// 审计日志: an auditor finds the editor's draft edits by action and user,
	// and can download the same selection as CSV.
	b.login("hlj-auditor")
	if eval[bool](b, `document.getElementById("nav-audit").hidden`) {
		b.shot("failed")
		t.Fatal("an auditor's navigation does not show 审计日志")
	}
	b.run("audit page", chromedp.Click(chromedp.ID("nav-audit")), chromedp.WaitVisible(chromedp.ID("a-action")),
		chromedp.SetValue(chromedp.ID("a-action"), "draft.edit"), chromedp.SendKeys(chromedp.ID("a-actor"), "hlj-editor"),
		chromedp.Click(chromedp.ID("a-search")))
	edit := b.waitText(`#audit tbody tr[data-action="draft.edit"]`, "hlj-editor")
	for _, want := range []string{"修改草稿", "draft/" + id, "黑龙江省（230000）"} {
		if !strings.Contains(edit, want) {
			t.Errorf("the draft edit's audit row %q lacks %q", edit, want)
		}
	}
	if others := eval[int](b, `document.querySelectorAll('#audit tbody tr:not([data-action="draft.edit"])').length`); others != 0 {
		t.Errorf("filtering by draft.edit shows %d other rows", others)
	}
	csv := eval[string](b, `(async () => (await fetch(document.getElementById("audit-csv").href)).text())()`)
	if !strings.Contains(csv, "draft.edit") || strings.Contains(csv, "draft.create") {
		t.Errorf("the CSV of the same filter reads %q", csv)
	}
	b.run("open details", chromedp.Click(chromedp.CSS(`#audit tbody tr:first-child details summary`)))
	b.shot("12-audit")

	// 差异 between two revisions: the publication changed the band.
	b.open("#/diff?from=1&to=2")
	b.waitText(paramsDiff+" .value-changes", "790 → 800")
	b.logout()

	// A Quangang editor sees Xinzhou's files read-only, and the server
	// refuses an edit sent anyway.
	b.login("qg-editor")
	b.open("#/drafts")
	b.run("Quangang draft", chromedp.WaitVisible(chromedp.ID("new-title")),
		chromedp.SendKeys(chromedp.ID("new-title"), "泉港区参数"), chromedp.Click(chromedp.ID("new-draft")))
	b.waitText("#file-path", "policies/params/350505/data.json")
	hash = eval[string](b, `location.hash`)
	qg := strings.Split(strings.TrimPrefix(hash, "#/draft/"), "/")[0]
	xinzhou := "policies/params/140900/data.json"
	b.open("#/draft/" + qg + "/files/" + xinzhou)
	b.waitText("#file-path", xinzhou)
	type fileState struct {
		ReadOnly bool   `json:"readOnly"`
		Disabled bool   `json:"disabled"`
		Listed   string `json:"listed"`
	}
	state := eval[fileState](b, fmt.Sprintf(`({readOnly: document.querySelector(".code textarea").readOnly, disabled: document.querySelector("#save").disabled,
		listed: document.querySelector('#file-list a[data-path=%q]').className})`, xinzhou))
	if !state.ReadOnly || !state.Disabled || !strings.Contains(state.Listed, "ro") {
		t.Fatalf("Xinzhou's file for a Quangang editor: %+v, want read-only", state)
	}
	b.shot("10-out-of-scope")
	refused := eval[string](b, fmt.Sprintf(`(async () => {
		const d = await (await fetch("/admin/v1/drafts/%s")).json();
		const csrf = document.cookie.match(/credpol_csrf=([^;]+)/)[1];
		const r = await fetch("/admin/v1/drafts/%s/files/%s", {method: "PUT", body: "{}", headers: {"If-Match": '"' + d.hash + '"', "X-CSRF-Token": csrf}});
		return r.status + " " + (await r.json()).error.code;
	})()`, qg, qg, xinzhou))
	if refused != "403 file_out_of_scope" {
		t.Fatalf("a Quangang editor's edit of %s: %s, want 403 file_out_of_scope", xinzhou, refused)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errs) > 0 {
		t.Fatalf("the page reported errors:\n%s", strings.Join(b.errs, "\n"))
	}
}

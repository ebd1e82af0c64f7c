package server_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// auditActions reads every entry an auditor sees, as NDJSON, oldest first.
func (l *lifecycle) auditEntries(t *testing.T, token, query string) []map[string]any {
	t.Helper()
	status, ctype, text := l.text(t, "/admin/v1/audit?format=ndjson&"+query, token)
	if status != 200 || ctype != "application/x-ndjson" {
		t.Fatalf("audit export: %d %s %s", status, ctype, text)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line == "" {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append([]map[string]any{e}, out...)
	}
	return out
}

func countActions(es []map[string]any) map[string]int {
	n := map[string]int{}
	for _, e := range es {
		n[e["action"].(string)]++
	}
	return n
}

// Each administrative action through the HTTP API leaves exactly one audit
// entry with its actor, address and request id; the log is read by
// auditors and admins within their subtrees, paged, as NDJSON and as CSV,
// and its chain verifies.
func TestAuditLogOverHTTP(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			ctx := context.Background()
			editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")
			reviewer := l.login(t, "hlj-reviewer", []admin.Role{admin.Reviewer}, "230000")
			publisher := l.login(t, "hlj-publisher", []admin.Role{admin.Publisher}, "230000")
			boss := l.login(t, "boss", []admin.Role{admin.Admin}, "100000")
			auditor := l.login(t, "auditor", []admin.Role{admin.Auditor}, "100000")
			qgAuditor := l.login(t, "qg-auditor", []admin.Role{admin.Auditor}, "350505")

			status, body := l.do(t, "POST", "/admin/v1/login", "", `{"name":"hlj-editor","password":"wrong password"}`)
			expect(t, "a wrong password", status, body, 401, "login_failed")
			status, body = l.do(t, "POST", "/admin/v1/drafts", reviewer, `{"jurisdiction":"230000","title":"not an editor"}`)
			expect(t, "a reviewer drafting", status, body, 403, "forbidden")

			id, _ := l.draft(t, editor, "230000")
			hash := l.bBand800(t, editor, id)
			l.waitGate(t, editor, id, "passed")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash))
			expect(t, "submit", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/reviews", reviewer, fmt.Sprintf(`{"hash":%q,"verdict":"approved","comment":"HLJ-2"}`, hash))
			expect(t, "approve", status, body, 201, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/publish", publisher, "")
			expect(t, "publish", status, body, 201, "")
			status, body = l.do(t, "POST", "/admin/v1/rollback", publisher, `{"to":1,"reason":"awaiting the provincial notice"}`)
			expect(t, "rollback", status, body, 201, "")
			// The same change again, scheduled for tomorrow and cancelled:
			// its content passed the gate already, so no new verdict.
			id2, _ := l.draft(t, editor, "230000")
			hash2 := l.bBand800(t, editor, id2)
			l.waitGate(t, editor, id2, "passed")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id2+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash2))
			expect(t, "submit again", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id2+"/reviews", reviewer, fmt.Sprintf(`{"hash":%q,"verdict":"approved"}`, hash2))
			expect(t, "approve again", status, body, 201, "")
			tomorrow := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id2+"/publish", publisher, fmt.Sprintf(`{"effective_at":%q}`, tomorrow))
			expect(t, "schedule", status, body, 201, "")
			status, body = l.do(t, "POST", fmt.Sprintf("/admin/v1/revisions/%v/cancel", body["number"]), publisher, `{"reason":"the notice was withdrawn"}`)
			expect(t, "cancel", status, body, 200, "")

			status, body = l.do(t, "POST", "/admin/v1/tokens", boss, `{"name":"upstream","jurisdictions":["230000"],"scopes":["credit_grade"]}`)
			expect(t, "token create", status, body, 201, "")
			status, body = l.do(t, "POST", "/admin/v1/tokens", boss, `{"name":"upstream","jurisdictions":["230000"],"scopes":["credit_grade"]}`)
			expect(t, "token rotate", status, body, 201, "")
			status, body = l.do(t, "DELETE", "/admin/v1/tokens/upstream", boss, "")
			expect(t, "token revoke", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/users", boss, `{"name":"later","password":"a long password","roles":["viewer"],"jurisdictions":["230000"]}`)
			expect(t, "user create", status, body, 201, "")
			status, body = l.do(t, "PATCH", "/admin/v1/users/later", boss, `{"roles":["editor","reviewer"]}`)
			expect(t, "user update", status, body, 200, "")
			status, body = l.do(t, "DELETE", "/admin/v1/users/later", boss, "")
			expect(t, "user disable", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/logout", editor, "")
			expect(t, "logout", status, body, 200, "")

			// The gate's verdict is recorded by its worker, after it is stored.
			var all []map[string]any
			for deadline := time.Now().Add(time.Minute); ; {
				all = l.auditEntries(t, auditor, "")
				if countActions(all)[admin.ActGatePassed] > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			got := countActions(all)
			want := map[string]int{admin.ActUserCreate: 7, admin.ActLogin: 6, admin.ActLoginFailed: 1, admin.ActDraftCreate + admin.ActDeniedSuffix: 1,
				admin.ActDraftCreate: 2, admin.ActDraftEdit: 2, admin.ActGatePassed: 1, admin.ActDraftSubmit: 2, admin.ActDraftApprove: 2,
				admin.ActPublish: 1, admin.ActRollback: 1, admin.ActSchedule: 1, admin.ActCancel: 1, admin.ActTokenCreate: 1,
				admin.ActTokenRotate: 1, admin.ActTokenRevoke: 1, admin.ActUserUpdate: 1, admin.ActUserDisable: 1, admin.ActLogout: 1}
			for action, n := range want {
				if got[action] != n {
					t.Errorf("%s: %d entries, want %d", action, got[action], n)
				}
			}
			if len(got) != len(want) {
				t.Errorf("actions recorded: %v, want %v", got, want)
			}
			for _, e := range all {
				switch e["action"] {
				case admin.ActDraftEdit:
					details := e["details"].(string)
					if !strings.Contains(details, "policies/params/230000/data.json") || e["before_hash"] == "" || e["after_hash"] != hash {
						t.Errorf("edit entry: %v", e)
					}
					if e["source"] != "127.0.0.1" || e["request_id"] == "" || e["actor"] != "hlj-editor" || e["jurisdiction"] != "230000" {
						t.Errorf("edit entry's origin: %v", e)
					}
				case admin.ActPublish:
					if e["object"] != "revision/2" || e["after_hash"] == e["before_hash"] || !strings.Contains(e["details"].(string), `"reviewed_by":"hlj-reviewer"`) {
						t.Errorf("publish entry: %v", e)
					}
				case admin.ActCancel:
					if !strings.Contains(e["details"].(string), "the notice was withdrawn") {
						t.Errorf("cancel entry without its reason: %v", e)
					}
				case admin.ActRollback:
					if !strings.Contains(e["details"].(string), "awaiting the provincial notice") {
						t.Errorf("rollback entry without its reason: %v", e)
					}
				case admin.ActGatePassed:
					if e["jurisdiction"] != "230000" || e["after_hash"] != hash {
						t.Errorf("the gate's verdict is not filed under the draft's jurisdiction: %v", e)
					}
				case admin.ActUserUpdate:
					if e["object"] != "user/later" || !strings.Contains(e["details"].(string), `"before":{"jurisdictions":["230000"],"roles":["viewer"]}`) ||
						!strings.Contains(e["details"].(string), `"roles":["editor","reviewer"]`) {
						t.Errorf("user update entry: %v", e)
					}
				case admin.ActLoginFailed:
					if e["actor"] != "hlj-editor" || !strings.Contains(e["details"].(string), "wrong_password") {
						t.Errorf("failed login entry: %v", e)
					}
				}
			}
			v, err := st.Store.VerifyAudit(ctx)
			if err != nil || v.Found != nil || v.Checked != int64(len(all)) {
				t.Errorf("verify: %+v %v, %d entries read", v, err, len(all))
			}

			// Filters and paging.
			status, body = l.do(t, "GET", "/admin/v1/audit?actor=hlj-publisher&limit=1", boss, "")
			expect(t, "search by actor", status, body, 200, "")
			page := body["entries"].([]any)
			if len(page) != 1 || page[0].(map[string]any)["action"] != admin.ActCancel || body["next_before"] == nil {
				t.Fatalf("first page: %v", body)
			}
			status, body = l.do(t, "GET", fmt.Sprintf("/admin/v1/audit?actor=hlj-publisher&limit=1&before=%v", body["next_before"]), boss, "")
			expect(t, "second page", status, body, 200, "")
			if page := body["entries"].([]any); len(page) != 1 || page[0].(map[string]any)["action"] != admin.ActSchedule {
				t.Fatalf("second page: %v", body)
			}
			status, body = l.do(t, "GET", "/admin/v1/audit?action=draft.edit&object=draft/"+id+"&jurisdiction=230000&from=2000-01-01", auditor, "")
			if expect(t, "search by action and object", status, body, 200, ""); len(body["entries"].([]any)) != 1 {
				t.Fatalf("edit entries: %v", body)
			}
			status, body = l.do(t, "GET", "/admin/v1/audit?to=2000-01-01", auditor, "")
			if expect(t, "search before anything", status, body, 200, ""); len(body["entries"].([]any)) != 0 {
				t.Fatalf("entries before 2000: %v", body)
			}
			status, body = l.do(t, "GET", "/admin/v1/audit?limit=0&before=x&format=xml", auditor, "")
			expect(t, "bad parameters", status, body, 422, "invalid_query")

			// Scope: a Quangang auditor sees Quangang's entries (their own
			// creation and login), nothing of Heilongjiang's or national.
			if es := l.auditEntries(t, qgAuditor, ""); len(es) != 2 || es[0]["jurisdiction"] != "350505" || es[1]["jurisdiction"] != "350505" {
				t.Errorf("a Quangang auditor sees %d entries: %v", len(es), es)
			}
			status, body = l.do(t, "GET", "/admin/v1/audit", publisher, "")
			expect(t, "a publisher reading the audit log", status, body, 403, "forbidden")

			status, ctype, text := l.text(t, "/admin/v1/audit?format=csv&action=revision.rollback", auditor)
			if status != 200 || !strings.HasPrefix(ctype, "text/csv") {
				t.Fatalf("csv: %d %s", status, ctype)
			}
			rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
			if err != nil || len(rows) != 2 || rows[0][0] != "seq" || rows[1][5] != admin.ActRollback {
				t.Fatalf("csv rows %v: %v", rows, err)
			}
		})
	}
}

// Abandoning a draft, sending one back, and starting and cancelling an
// impact run each leave one entry.
func TestAuditRecordsReviewsAbandonsAndImpactRuns(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := impactLifecycle(t, st, 20)
			editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")
			reviewer := l.login(t, "hlj-reviewer", []admin.Role{admin.Reviewer}, "230000")
			auditor := l.login(t, "auditor", []admin.Role{admin.Auditor}, "230000")

			gone, goneHash := l.draft(t, editor, "230000")
			status, body := l.do(t, "DELETE", "/admin/v1/drafts/"+gone+"?hash="+goneHash, editor, "")
			expect(t, "abandon", status, body, 200, "")

			id, _ := l.draft(t, editor, "230000")
			hash := l.bBand800(t, editor, id)
			l.waitGate(t, editor, id, "passed")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash))
			expect(t, "submit", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/reviews", reviewer,
				fmt.Sprintf(`{"hash":%q,"verdict":"changes_requested","comment":"cite the notice"}`, hash))
			expect(t, "request changes", status, body, 201, "")

			status, body = l.do(t, "POST", "/admin/v1/impact-runs", editor, fmt.Sprintf(`{"draft":%q}`, id))
			expect(t, "start a run", status, body, 202, "")
			status, cancelled := l.do(t, "POST", "/admin/v1/impact-runs/"+body["id"].(string)+"/cancel", editor, "")
			wantCancel := 0
			if status == 200 {
				wantCancel = 1
			} else {
				expect(t, "cancel a run that finished first", status, cancelled, 409, "impact_run_closed")
			}

			got := countActions(l.auditEntries(t, auditor, ""))
			for action, n := range map[string]int{admin.ActDraftAbandon: 1, admin.ActDraftReject: 1, admin.ActImpactStart: 1, admin.ActImpactCancel: wantCancel} {
				if got[action] != n {
					t.Errorf("%s: %d entries, want %d (all: %v)", action, got[action], n, got)
				}
			}
		})
	}
}

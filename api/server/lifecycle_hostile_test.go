package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// bBand800 is the shipped tree's Heilongjiang B band moved to 800 points,
// with its boundary test, as TestPolicyLifecycleOverHTTP publishes it: the
// same content, so the gate's verdict is shared.
func (l *lifecycle) bBand800(t *testing.T, token, id string) string {
	t.Helper()
	_, files := l.do(t, "GET", "/admin/v1/drafts/"+id+"/files", token, "")
	text := files["files"].(map[string]any)
	params := text["policies/params/230000/data.json"].(string)
	tests := text["testpolicies/j230000/credit_grade_test.rego"].(string)
	body := l.editOK(t, token, id, files["hash"].(string),
		fmt.Sprintf(`{"path":"policies/params/230000/data.json","content":%s},{"path":"testpolicies/j230000/credit_grade_test.rego","content":%s}`,
			jsonString(strings.Replace(params, `"min": 790`, `"min": 800`, 1)), jsonString(strings.Replace(tests, `790: "B"`, `790: "C"`, 1))))
	return body["hash"].(string)
}

func (l *lifecycle) draft(t *testing.T, token, code string) (string, string) {
	t.Helper()
	status, body := l.do(t, "POST", "/admin/v1/drafts", token, fmt.Sprintf(`{"jurisdiction":%q,"title":"t"}`, code))
	expect(t, "create draft", status, body, 201, "")
	return body["id"].(string), body["hash"].(string)
}

// What a careless or hostile client sends to the lifecycle is refused with
// the error envelope and changes nothing.
func TestLifecycleRefusesBadInput(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			editor := l.login(t, "editor", []admin.Role{admin.Editor}, "230000")
			other := l.login(t, "xz-editor", []admin.Role{admin.Editor, admin.Admin}, "140900")

			status, body := l.do(t, "GET", "/admin/v1/drafts", "", "")
			expect(t, "no session", status, body, 401, "unauthenticated")
			status, body = l.do(t, "GET", "/admin/v1/drafts", "cps_forged", "")
			expect(t, "a forged session", status, body, 401, "invalid_session")
			status, body = l.do(t, "POST", "/admin/v1/login", "", `{"name":"nobody","password":"whatever123"}`)
			expect(t, "an unknown user", status, body, 401, "login_failed")

			id, hash := l.draft(t, editor, "230000")
			for _, tc := range []struct{ what, edit, status, code string }{
				{"a path climbing out", `{"path":"policies/../../etc/passwd.rego","content":"x"}`, "422", "invalid_path"},
				{"a path outside the tree", `{"path":"cmd/evil.rego","content":"x"}`, "422", "invalid_path"},
				{"an absolute path", `{"path":"/policies/j230000/x.rego","content":"x"}`, "422", "invalid_path"},
				{"a binary file type", `{"path":"policies/j230000/x.so","content":"x"}`, "422", "invalid_path"},
				{"NUL in a path", `{"path":"policies/j230000/x\u0000.rego","content":"x"}`, "422", "invalid_path"},
				{"NUL in content", `{"path":"policies/j230000/x.rego","content":"package x\u0000"}`, "422", "invalid_content"},
				{"deleting a file that is not there", `{"path":"policies/j230000/none.rego","delete":true}`, "404", "file_not_found"},
				{"another jurisdiction's files", `{"path":"policies/j350505/supervision.rego","content":"package j350505.supervision\n"}`, "403", "file_out_of_scope"},
				{"another jurisdiction's tree entry", `{"path":"policies/jurisdictions.json","content":"{}"}`, "403", "file_out_of_scope"},
			} {
				status, body := l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", editor, fmt.Sprintf(`{"hash":%q,"edits":[%s]}`, hash, tc.edit))
				expect(t, tc.what, status, body, atoi(tc.status), tc.code)
			}
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", editor, `{"edits":[{"path":"policies/j230000/x.rego","content":"package j230000.x\n"}]}`)
			expect(t, "an edit that names no content hash", status, body, 422, "hash_required")
			status, body = l.do(t, "GET", "/admin/v1/drafts/"+id, other, "")
			expect(t, "another subtree's draft", status, body, 404, "draft_not_found")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", other, fmt.Sprintf(`{"hash":%q,"edits":[{"path":"policies/params/230000/data.json","content":"{}"}]}`, hash))
			expect(t, "another subtree's editor", status, body, 404, "draft_not_found")
			status, body = l.do(t, "POST", "/admin/v1/users", other, `{"name":"sneaky","password":"0123456789ab","roles":["admin"],"jurisdictions":["100000"]}`)
			expect(t, "an admin granting more than their own scope", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", "/admin/v1/tokens", other, `{"name":"hlj-feed","jurisdictions":["230000"],"scopes":["credit_grade"]}`)
			expect(t, "an admin issuing a token outside their scope", status, body, 403, "forbidden")
			for _, n := range []string{"99", "0", "x"} {
				status, body = l.do(t, "GET", "/admin/v1/revisions/"+n, editor, "")
				want, code := 422, "invalid_revision"
				if n == "99" {
					want, code = 404, "revision_not_found"
				}
				expect(t, "revision "+n, status, body, want, code)
			}

			// Two edits of the same content at once: one wins, the other is told.
			var wg sync.WaitGroup
			codes := make([]int, 2)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[i], _ = l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", editor,
						fmt.Sprintf(`{"hash":%q,"edits":[{"path":"policies/j230000/note%d.rego","content":"package j230000.note%d\n"}]}`, hash, i, i))
				}()
			}
			wg.Wait()
			if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
				t.Fatalf("two edits of one content answered %v, want one 200 and one 409", codes)
			}

			// Too many failed logins lock the account, right password or not.
			for i := 0; i < 5; i++ {
				l.do(t, "POST", "/admin/v1/login", "", `{"name":"editor","password":"wrong password"}`)
			}
			status, body = l.do(t, "POST", "/admin/v1/login", "", `{"name":"editor","password":"correct horse editor"}`)
			expect(t, "a login after five failures", status, body, 429, "login_locked")

			status, body = l.do(t, "DELETE", "/admin/v1/users/xz-editor", other, "")
			expect(t, "an admin revoking themselves", status, body, 409, "cannot_revoke_self")

			// Logins racing a revocation cannot undo it.
			victim := l.login(t, "victim", []admin.Role{admin.Viewer}, "140900")
			var racing sync.WaitGroup
			for i := 0; i < 8; i++ {
				racing.Add(1)
				go func() {
					defer racing.Done()
					l.do(t, "POST", "/admin/v1/login", "", `{"name":"victim","password":"correct horse victim"}`)
					l.do(t, "POST", "/admin/v1/login", "", `{"name":"victim","password":"wrong"}`)
				}()
			}
			status, body = l.do(t, "DELETE", "/admin/v1/users/victim", other, "")
			expect(t, "revoke", status, body, 200, "")
			racing.Wait()
			if u, err := st.Store.User(context.Background(), "victim"); err != nil || !u.Disabled {
				t.Fatalf("after logins raced the revocation the user is %+v (%v), want disabled", u, err)
			}
			status, body = l.do(t, "GET", "/admin/v1/me", victim, "")
			expect(t, "a revoked user's session", status, body, 401, "invalid_session")

			// Guesses sent at once are counted as they are checked: the lock
			// stops most of them before their password is even hashed.
			l.login(t, "target", []admin.Role{admin.Viewer}, "140900")
			var guesses sync.WaitGroup
			checked := make(chan int, 20)
			for i := 0; i < 20; i++ {
				guesses.Add(1)
				go func() {
					defer guesses.Done()
					status, _ := l.do(t, "POST", "/admin/v1/login", "", fmt.Sprintf(`{"name":"target","password":"guess %d"}`, i))
					checked <- status
				}()
			}
			guesses.Wait()
			close(checked)
			wrong := 0
			for status := range checked {
				if status == 401 {
					wrong++
				}
			}
			if wrong > 10 {
				t.Fatalf("%d of 20 simultaneous guesses were checked; the lock after 5 failures should stop most", wrong)
			}

			status, body = l.do(t, "POST", "/admin/v1/logout", other, "")
			expect(t, "logout", status, body, 200, "")
			status, body = l.do(t, "GET", "/admin/v1/me", other, "")
			expect(t, "a session after logout", status, body, 401, "invalid_session")
		})
	}
}

// The gate is enforced by the server: a failing draft cannot be submitted;
// an approval is bound to the content it approved; a draft based on an older
// revision must be rebased, and a rebase over the same file is refused with
// the file named.
func TestLifecycleGuards(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			editor := l.login(t, "editor", []admin.Role{admin.Editor}, "230000")
			reviewer := l.login(t, "reviewer", []admin.Role{admin.Reviewer}, "230000")
			publisher := l.login(t, "publisher", []admin.Role{admin.Publisher}, "230000")
			leaving := l.login(t, "leaving", []admin.Role{admin.Reviewer}, "230000")
			hljAdmin := l.login(t, "hlj-admin", []admin.Role{admin.Admin}, "230000")

			broken, hash := l.draft(t, editor, "230000")
			body := l.editOK(t, editor, broken, hash, `{"path":"policies/j230000/credit_grade.rego","content":"package j230000.credit_grade\n\ndecision := {\n"}`)
			l.waitGate(t, editor, broken, admin.GateFailed)
			status, body := l.do(t, "POST", "/admin/v1/drafts/"+broken+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, body["hash"]))
			expect(t, "submitting a draft that fails the gate", status, body, 409, "gate_failed")
			if !strings.Contains(fmt.Sprint(body["error"]), "policies/j230000/credit_grade.rego") {
				t.Errorf("the refusal does not carry the failing check's file: %v", body)
			}

			first, _ := l.draft(t, editor, "230000")
			second, secondHash := l.draft(t, editor, "230000")
			hash = l.bBand800(t, editor, first)
			l.waitGate(t, editor, first, admin.GatePassed)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash))
			expect(t, "submit", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/reviews", reviewer, `{"hash":"0000","verdict":"approved"}`)
			expect(t, "approving content that is not the draft's", status, body, 409, "draft_changed")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/reviews", leaving, fmt.Sprintf(`{"hash":%q,"verdict":"approved"}`, hash))
			expect(t, "approve", status, body, 201, "")

			// The approval of a reviewer revoked since does not hold.
			status, body = l.do(t, "DELETE", "/admin/v1/users/leaving", hljAdmin, "")
			expect(t, "revoke the reviewer", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, "")
			expect(t, "publishing on a revoked reviewer's approval", status, body, 409, "approval_stale")

			// An edit after approval voids it.
			edited := l.editOK(t, editor, first, hash, `{"path":"policies/j230000/note.rego","content":"package j230000.note\n"}`)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, "")
			expect(t, "publishing after an edit voided the approval", status, body, 409, "not_approved")
			body = l.editOK(t, editor, first, edited["hash"].(string), `{"path":"policies/j230000/note.rego","delete":true}`)
			hash = body["hash"].(string)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash))
			expect(t, "submit again", status, body, 200, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, "")
			expect(t, "publishing a resubmitted draft without a new approval", status, body, 409, "not_approved")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/reviews", reviewer, fmt.Sprintf(`{"hash":%q,"verdict":"approved"}`, hash))
			expect(t, "approve again", status, body, 201, "")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, `{"effective_at":"2001-01-01 00:00"}`)
			expect(t, "publishing in the past", status, body, 422, "effective_in_past")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, `{"effective_at":"9999-12-31T23:59:59-23:59"}`)
			expect(t, "publishing in year 10000", status, body, 422, "effective_too_late")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+first+"/publish", publisher, "")
			expect(t, "publish", status, body, 201, "")

			// The second draft changes the same file differently.
			body = l.editOK(t, editor, second, secondHash, `{"path":"policies/params/230000/data.json","content":"{\"credit_grade\": {}}\n"}`)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+second+"/rebase", editor, fmt.Sprintf(`{"hash":%q}`, body["hash"]))
			expect(t, "a rebase over a file both changed", status, body, 409, "rebase_conflict")
			if !strings.Contains(fmt.Sprint(body), "policies/params/230000/data.json") {
				t.Errorf("the conflict does not name the file: %v", body)
			}

			// A scheduled publication (revision 3, the same content as 2) cannot
			// be rolled back to before it served, and is cancelled by name.
			live, err := st.Store.LiveRevision(context.Background(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			tree, err := st.Store.PolicyFiles(context.Background(), live.Tree)
			if err != nil {
				t.Fatal(err)
			}
			tests, err := st.Store.PolicyFiles(context.Background(), live.Tests)
			if err != nil {
				t.Fatal(err)
			}
			later := live
			later.Parent, later.Kind, later.DraftID, later.CreatedAt, later.EffectiveAt = live.Number, admin.Publish, "", time.Now(), time.Now().Add(time.Hour)
			scheduled, err := st.Store.PublishRevision(context.Background(), later, tree, tests, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/admin/v1/revisions/%d/cancel", scheduled.Number)
			status, body = l.do(t, "POST", "/admin/v1/rollback", publisher, fmt.Sprintf(`{"to":%d,"reason":"early"}`, scheduled.Number))
			expect(t, "a rollback to a revision that never served", status, body, 409, "never_live")
			status, body = l.do(t, "POST", path, editor, `{"reason":"x"}`)
			expect(t, "an editor cancelling a publication", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", path, publisher, `{"reason":"the notice was withdrawn"}`)
			expect(t, "cancel", status, body, 200, "")
			if body["cancelled_by"] != "publisher" || body["cancel_reason"] != "the notice was withdrawn" {
				t.Errorf("the cancellation is not recorded: %v", body)
			}
			status, body = l.do(t, "POST", path, publisher, `{"reason":"again"}`)
			expect(t, "cancelling twice", status, body, 409, "not_scheduled")
		})
	}
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

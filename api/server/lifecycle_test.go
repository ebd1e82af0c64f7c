package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/gate"
	"github.com/credpol/credpol/admin/replica"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/testpolicies"
	"github.com/goccy/go-json"
)

// memoGate runs the real gate once per content: the same draft is checked
// on SQLite and on Postgres, and the gate's verdict depends on content only.
type memoGate struct {
	mu    sync.Mutex
	inner admin.Checker
	seen  map[string]admin.GateReport
}

func (m *memoGate) Check(ctx context.Context, files map[string][]byte) admin.GateReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := admin.HashFiles(files)
	if r, ok := m.seen[h]; ok {
		return r
	}
	r := m.inner.Check(ctx, files)
	if ctx.Err() == nil { // a check cut short by its test's end is no verdict on the content
		m.seen[h] = r
	}
	return r
}

// sharedGate serves every lifecycle test of this package: a content checked
// once is not checked again.
var sharedGate = &memoGate{inner: gate.Checker{}, seen: map[string]admin.GateReport{}}

type lifecycle struct {
	*fixture
	adm      *admin.Service
	follower *replica.Follower
}

// newLifecycle serves the lifecycle on st; more adds to the server's
// dependencies once the lifecycle's are set.
func newLifecycle(t *testing.T, st storetest.Store, checker admin.Checker, more ...func(*lifecycle, *server.Deps)) *lifecycle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l := &lifecycle{}
	l.fixture = newFixture(t, st, func(d *server.Deps) {
		tests, err := admin.ReadFiles(testpolicies.FS)
		if err != nil {
			t.Fatal(err)
		}
		ps := d.Engine.Current()
		tree := ps.Files()
		l.adm = &admin.Service{Store: st.Store, Tokens: st.Store, Gate: checker, Jurisdictions: d.Jurisdictions}
		if _, _, err := l.adm.Bootstrap(ctx, tree, tests, ps.Revision(), "test"); err != nil {
			t.Fatal(err)
		}
		l.follower = &replica.Follower{Source: st.Store, Engine: d.Engine}
		if err := l.follower.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		l.adm.Start(ctx, nil)
		d.Admin, d.Follower = l.adm, l.follower
		d.Decisions.RevisionTree = func(ctx context.Context, n int64) (string, error) {
			r, err := l.adm.Revision(ctx, n)
			return r.Tree, err
		}
		for _, m := range more {
			m(l, d)
		}
	})
	return l
}

// login creates a user and returns a session token for them.
func (l *lifecycle) login(t *testing.T, name string, roles []admin.Role, juris ...string) string {
	t.Helper()
	pw := "correct horse " + name
	if _, err := l.adm.CreateUser(context.Background(), nil, admin.NewUser{Name: name, Password: pw, Roles: roles, Jurisdictions: juris}); err != nil {
		t.Fatal(err)
	}
	status, body := l.do(t, "POST", "/admin/v1/login", "", fmt.Sprintf(`{"name":%q,"password":%q}`, name, pw))
	if status != 200 {
		t.Fatalf("login %s: %d %v", name, status, body)
	}
	return body["token"].(string)
}

// expect checks a status and, for errors, the code.
func expect(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || (wantCode != "" && errorCode(body) != wantCode) {
		t.Fatalf("%s: got %d %v, want %d %s", what, status, body, wantStatus, wantCode)
	}
}

// grade asks for Heilongjiang's grade of a score, pinned to a revision when
// revision is not 0, and returns the grade and the revision number answering.
func (l *lifecycle) grade(t *testing.T, score, revision int) (string, int) {
	t.Helper()
	pin := ""
	if revision != 0 {
		pin = fmt.Sprintf(`,"revision":%d`, revision)
	}
	status, body := l.do(t, "POST", "/v1/decisions/credit_grade", l.token,
		fmt.Sprintf(`{"jurisdiction":"230000","facts":{"public_credit_score":%d}%s}`, score, pin))
	if status != 200 {
		t.Fatalf("credit_grade %d: %d %v", score, status, body)
	}
	policy := body["policy"].(map[string]any)
	n, _ := policy["number"].(float64)
	return body["result"].(map[string]any)["grade"].(string), int(n)
}

// The whole lifecycle through the HTTP API: an editor scoped to 230000
// changes the B band, the gate runs, the editor cannot approve it, a
// reviewer does, a publisher publishes it, a decision for 795 moves from B
// to C under revision 2, and a rollback restores B as revision 3. Each step
// by someone outside its scope is refused.
func TestPolicyLifecycleOverHTTP(t *testing.T) {
	checker := sharedGate
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, checker)
			editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor, admin.Reviewer}, "230000")
			reviewer := l.login(t, "hlj-reviewer", []admin.Role{admin.Reviewer}, "230000")
			publisher := l.login(t, "hlj-publisher", []admin.Role{admin.Publisher}, "230000")
			quangang := l.login(t, "qg-staff", []admin.Role{admin.Editor, admin.Reviewer, admin.Publisher}, "350505")

			if g, n := l.grade(t, 795, 0); g != "B" || n != 1 {
				t.Fatalf("before: grade %s under revision %d, want B under 1", g, n)
			}

			status, body := l.do(t, "POST", "/admin/v1/drafts", quangang, `{"jurisdiction":"230000","title":"not mine"}`)
			expect(t, "a Quangang editor drafting for Heilongjiang", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", "/admin/v1/drafts", editor, `{"jurisdiction":"230000","title":"HLJ-2: B starts at 800"}`)
			expect(t, "create draft", status, body, 201, "")
			id, hash := body["id"].(string), body["hash"].(string)
			status, body = l.do(t, "GET", "/admin/v1/drafts/"+id, quangang, "")
			expect(t, "a Quangang user reading a Heilongjiang draft", status, body, 404, "draft_not_found")

			status, files := l.do(t, "GET", "/admin/v1/drafts/"+id+"/files", editor, "")
			expect(t, "draft files", status, files, 200, "")
			text := files["files"].(map[string]any)
			params := text["policies/params/230000/data.json"].(string)
			tests := text["testpolicies/j230000/credit_grade_test.rego"].(string)
			if !strings.Contains(params, `"min": 790`) || !strings.Contains(tests, `790: "B"`) {
				t.Fatal("the shipped B band or its test is not where this test expects it")
			}
			edits := func(p, t string) string {
				return fmt.Sprintf(`{"path":%q,"content":%s}`, p, jsonString(t))
			}

			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", editor, fmt.Sprintf(`{"hash":%q,"edits":[%s]}`, hash,
				edits("policies/lib/credit.rego", "package lib.credit\n")))
			expect(t, "an editor of 230000 changing lib/", status, body, 403, "file_out_of_scope")
			if !strings.Contains(body["error"].(map[string]any)["message"].(string), "policies/lib/credit.rego") {
				t.Errorf("the refusal does not name the file: %v", body)
			}

			body = l.editOK(t, editor, id, hash, edits("policies/params/230000/data.json", strings.Replace(params, `"min": 790`, `"min": 800`, 1))+","+
				edits("testpolicies/j230000/credit_grade_test.rego", strings.Replace(tests, `790: "B"`, `790: "C"`, 1)))
			staleHash := hash
			hash = body["hash"].(string)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", editor, fmt.Sprintf(`{"hash":%q,"edits":[%s]}`, staleHash,
				edits("policies/params/230000/data.json", params)))
			expect(t, "an edit of content that moved on", status, body, 409, "draft_changed")

			l.waitGate(t, editor, id, "passed")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/publish", publisher, "")
			expect(t, "publishing before review", status, body, 409, "not_approved")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/submit", editor, fmt.Sprintf(`{"hash":%q}`, hash))
			expect(t, "submit", status, body, 200, "")

			approve := fmt.Sprintf(`{"hash":%q,"verdict":"approved","comment":"matches HLJ-2"}`, hash)
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/reviews", editor, approve)
			expect(t, "the author approving", status, body, 403, "four_eyes")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/reviews", quangang, approve)
			expect(t, "a Quangang reviewer approving", status, body, 404, "draft_not_found")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/reviews", reviewer, approve)
			expect(t, "approve", status, body, 201, "")

			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/publish", quangang, "")
			expect(t, "a Quangang publisher", status, body, 404, "draft_not_found")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/publish", editor, "")
			expect(t, "publishing without the publisher role", status, body, 403, "forbidden")
			status, body = l.do(t, "POST", "/admin/v1/drafts/"+id+"/publish", publisher, "")
			expect(t, "publish", status, body, 201, "")
			if n := body["number"].(float64); n != 2 {
				t.Fatalf("published as revision %v, want 2", n)
			}
			if err := l.follower.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if g, n := l.grade(t, 795, 0); g != "C" || n != 2 {
				t.Fatalf("after publishing: grade %s under revision %d, want C under 2", g, n)
			}
			if g, n := l.grade(t, 795, 1); g != "B" || n != 1 {
				t.Fatalf("pinned to revision 1: grade %s under %d, want B under 1", g, n)
			}
			status, body = l.do(t, "POST", "/v1/decisions/credit_grade", l.token, `{"jurisdiction":"230000","facts":{"public_credit_score":795},"revision":99}`)
			expect(t, "a decision pinned to a revision that does not exist", status, body, 404, "revision_not_found")

			status, body = l.do(t, "POST", "/admin/v1/rollback", quangang, `{"to":1,"reason":"not ours"}`)
			expect(t, "a Quangang publisher rolling back Heilongjiang", status, body, 403, "file_out_of_scope")
			status, body = l.do(t, "POST", "/admin/v1/rollback", publisher, `{"to":1}`)
			expect(t, "a rollback without a reason", status, body, 422, "invalid_reason")
			status, body = l.do(t, "POST", "/admin/v1/rollback", publisher, `{"to":99,"reason":"x"}`)
			expect(t, "a rollback to a revision that does not exist", status, body, 404, "revision_not_found")
			status, body = l.do(t, "POST", "/admin/v1/rollback", publisher, `{"to":1,"reason":"the band change awaits the provincial notice"}`)
			expect(t, "rollback", status, body, 201, "")
			if n, kind := body["number"].(float64), body["kind"]; n != 3 || kind != "rollback" {
				t.Fatalf("rollback made revision %v (%v), want 3 (rollback)", n, kind)
			}
			if err := l.follower.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			if g, n := l.grade(t, 795, 0); g != "B" || n != 3 {
				t.Fatalf("after the rollback: grade %s under revision %d, want B under 3", g, n)
			}
			status, body = l.do(t, "GET", "/admin/v1/revisions", reviewer, "")
			expect(t, "revisions", status, body, 200, "")
			if live := body["live"].(float64); live != 3 || len(body["revisions"].([]any)) != 3 {
				t.Fatalf("history: live %v with %d revisions, want 3 of 3", live, len(body["revisions"].([]any)))
			}
		})
	}
}

func (l *lifecycle) editOK(t *testing.T, token, id, hash, edits string) map[string]any {
	t.Helper()
	status, body := l.do(t, "POST", "/admin/v1/drafts/"+id+"/edits", token, fmt.Sprintf(`{"hash":%q,"edits":[%s]}`, hash, edits))
	expect(t, "edit", status, body, 200, "")
	return body
}

// waitGate polls the draft's gate until it is no longer pending.
func (l *lifecycle) waitGate(t *testing.T, token, id, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		status, body := l.do(t, "GET", "/admin/v1/drafts/"+id+"/status", token, "")
		expect(t, "status", status, body, 200, "")
		g := body["gate"].(map[string]any)
		if g["state"] != admin.GatePending {
			if g["state"] != want {
				t.Fatalf("gate %v, want %s: %v", g["state"], want, g["report"])
			}
			return g
		}
		if time.Now().After(deadline) {
			t.Fatal("the gate did not finish in 10 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

package server_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"testing"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/evidence"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// An auditor of the decision's jurisdiction downloads its evidence package,
// which verifies against the server's key; an admin elsewhere is told there
// is no such decision, and an editor may not ask.
func TestEvidencePackagesOverHTTP(t *testing.T) {
	st := storetest.SQLite(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	l := newLifecycle(t, st, sharedGate, func(l *lifecycle, d *server.Deps) {
		d.Evidence = &evidence.Service{Sources: st.Store, Key: key, Jurisdictions: d.Jurisdictions}
	})
	status, body := l.do(t, "POST", "/v1/decisions/credit_grade", l.token, `{"jurisdiction":"230000","facts":{"public_credit_score":795}}`)
	expect(t, "a decision", status, body, 200, "")
	id := body["decision_id"].(string)
	l.waitLogged(t, 1)

	hlj := l.login(t, "hlj-auditor", []admin.Role{admin.Auditor}, "230000")
	qg := l.login(t, "qg-admin", []admin.Role{admin.Admin}, "350505")
	editor := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")

	get := func(token, id string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", l.srv.URL+"/admin/v1/evidence/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, pkg := get(hlj, id)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("the package: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), pkg)
	}
	if c, err := evidence.Verify(bytes.NewReader(pkg), int64(len(pkg)), key.Public().(ed25519.PublicKey)); err != nil || c.DecisionID != id {
		t.Errorf("the package does not verify: %+v %v", c, err)
	}
	for _, c := range []struct {
		token, id string
		status    int
	}{
		{qg, id, 404},
		{editor, id, 403},
		{hlj, "not-an-id%00", 404},
		{hlj, "01a202f5-17c2-77cc-abaf-b70c3bcab945", 404},
	} {
		if resp, b := get(c.token, c.id); resp.StatusCode != c.status || !bytes.Contains(b, []byte(`"error"`)) {
			t.Errorf("GET evidence/%s: %d %s, want %d with the error shape", c.id, resp.StatusCode, b, c.status)
		}
	}
}

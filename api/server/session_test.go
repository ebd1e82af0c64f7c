package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/goccy/go-json"
)

// browser is an HTTP client that keeps cookies, as a browser does.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (b *browser) do(method, path, csrf, body string) (int, map[string]any, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set(server.CSRFHeader, csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		b.t.Fatalf("%s %s: response is not JSON: %s", method, path, raw)
	}
	return resp.StatusCode, out, resp.Header
}

// TestBrowserSession: a browser's session lives in an HttpOnly cookie; every
// state-changing request made with it needs the session's CSRF token, while
// bearer sessions work as before.
func TestBrowserSession(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			bearer := l.login(t, "hlj-editor", []admin.Role{admin.Editor}, "230000")

			b := newBrowser(t, l.srv.URL)
			status, body, _ := b.do("POST", "/admin/v1/session", "", `{"name":"hlj-editor","password":"wrong"}`)
			expect(t, "a wrong password", status, body, 401, "login_failed")
			status, body, hdr := b.do("POST", "/admin/v1/session", "", `{"name":"hlj-editor","password":"correct horse hlj-editor"}`)
			expect(t, "browser login", status, body, 200, "")
			if _, leaked := body["token"]; leaked {
				t.Fatalf("the session token is in the answer, where a script could read it: %v", body)
			}
			csrf, _ := body["csrf_token"].(string)
			if csrf == "" {
				t.Fatalf("no csrf_token: %v", body)
			}
			var session, csrfCookie *http.Cookie
			for _, raw := range hdr.Values("Set-Cookie") {
				ck, err := http.ParseSetCookie(raw)
				if err != nil {
					t.Fatal(err)
				}
				switch ck.Name {
				case server.SessionCookie:
					session = ck
				case server.CSRFCookie:
					csrfCookie = ck
				}
			}
			if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", session)
			}
			if csrfCookie == nil || csrfCookie.HttpOnly || csrfCookie.Value != csrf {
				t.Fatalf("csrf cookie %+v: want readable, holding %s", csrfCookie, csrf)
			}

			status, body, _ = b.do("GET", "/admin/v1/me", "", "")
			expect(t, "me by cookie", status, body, 200, "")
			if body["name"] != "hlj-editor" {
				t.Fatalf("me: %v", body)
			}
			status, body, _ = b.do("GET", "/v1/jurisdictions/230000/policies", "", "")
			expect(t, "reading /v1 by cookie", status, body, 200, "")
			status, body, _ = b.do("POST", "/v1/decisions/credit_grade", csrf, `{"jurisdiction":"230000","facts":{"public_credit_score":800}}`)
			expect(t, "deciding by cookie", status, body, 401, "unauthenticated")

			draft := `{"jurisdiction":"230000","title":"by cookie"}`
			status, body, _ = b.do("POST", "/admin/v1/drafts", "", draft)
			expect(t, "a draft without the CSRF token", status, body, 403, "csrf_failed")
			status, body, _ = b.do("POST", "/admin/v1/drafts", "x"+csrf[1:], draft)
			expect(t, "a draft with a wrong CSRF token", status, body, 403, "csrf_failed")
			status, body, _ = b.do("POST", "/admin/v1/drafts", csrf, draft)
			expect(t, "a draft with the CSRF token", status, body, 201, "")

			// Bearer sessions are untouched: no CSRF token asked, none needed.
			status, body = l.do(t, "POST", "/admin/v1/drafts", bearer, `{"jurisdiction":"230000","title":"by bearer"}`)
			expect(t, "a draft by bearer", status, body, 201, "")

			// Another user's session token is no CSRF token for this one.
			other := newBrowser(t, l.srv.URL)
			l.login(t, "hlj-other", []admin.Role{admin.Editor}, "230000")
			_, ob, _ := other.do("POST", "/admin/v1/session", "", `{"name":"hlj-other","password":"correct horse hlj-other"}`)
			status, body, _ = b.do("POST", "/admin/v1/drafts", fmt.Sprint(ob["csrf_token"]), draft)
			expect(t, "a draft with another session's CSRF token", status, body, 403, "csrf_failed")

			status, body, _ = b.do("DELETE", "/admin/v1/session", "", "")
			expect(t, "logout without the CSRF token", status, body, 403, "csrf_failed")
			status, body, _ = b.do("DELETE", "/admin/v1/session", csrf, "")
			expect(t, "logout", status, body, 200, "")
			status, body, _ = b.do("GET", "/admin/v1/me", "", "")
			expect(t, "me after logout", status, body, 401, "")
			status, body = l.do(t, "GET", "/admin/v1/me", bearer, "")
			expect(t, "the bearer session after the browser's logout", status, body, 200, "")
		})
	}
}

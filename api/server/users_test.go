package server_test

import (
	"fmt"
	"testing"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// An admin changes a user's roles and scope within the admin's own
// subtrees, never their own, and the user's session has the new rights at
// its next request.
func TestAnAdminChangesRolesAndScopeWithinTheirSubtree(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			l := newLifecycle(t, st, sharedGate)
			boss := l.login(t, "hlj-admin", []admin.Role{admin.Admin}, "230000")
			ed := l.login(t, "ed", []admin.Role{admin.Editor}, "230000")
			l.login(t, "qg-ed", []admin.Role{admin.Editor}, "350505")

			status, body := l.do(t, "PATCH", "/admin/v1/users/ed", boss, `{"roles":["editor","reviewer"]}`)
			expect(t, "add a role", status, body, 200, "")
			if _, body = l.do(t, "GET", "/admin/v1/me", ed, ""); fmt.Sprint(body["roles"]) != "[editor reviewer]" {
				t.Errorf("ed's session after the change: %v", body)
			}
			status, body = l.do(t, "PATCH", "/admin/v1/users/ed", boss, `{"jurisdictions":["230000"],"roles":["viewer"]}`)
			expect(t, "narrow the roles", status, body, 200, "")
			if _, body = l.do(t, "GET", "/admin/v1/me", ed, ""); fmt.Sprint(body["roles"]) != "[viewer]" {
				t.Errorf("ed's session after narrowing: %v", body)
			}

			for _, c := range []struct {
				what, token, name, body string
				status                  int
				code                    string
			}{
				{"their own rights", boss, "hlj-admin", `{"jurisdictions":["100000"]}`, 403, "forbidden"},
				{"as a non-admin", ed, "ed", `{"roles":["admin"]}`, 403, "forbidden"},
				{"a scope outside the admin's", boss, "ed", `{"jurisdictions":["350505"]}`, 403, "forbidden"},
				{"a user outside the admin's subtrees", boss, "qg-ed", `{"roles":["viewer"]}`, 404, "user_not_found"},
				{"an unknown user", boss, "nobody", `{"roles":["viewer"]}`, 404, "user_not_found"},
				{"nothing to change", boss, "ed", `{}`, 422, "invalid_user"},
				{"no role", boss, "ed", `{"roles":[]}`, 422, "invalid_user"},
				{"an unknown role", boss, "ed", `{"roles":["root"]}`, 422, "invalid_user"},
				{"an unknown jurisdiction", boss, "ed", `{"jurisdictions":["999999"]}`, 422, "unknown_jurisdiction"},
				{"an unknown field", boss, "ed", `{"role":["viewer"]}`, 400, "malformed_body"},
			} {
				status, body := l.do(t, "PATCH", "/admin/v1/users/"+c.name, c.token, c.body)
				expect(t, c.what, status, body, c.status, c.code)
			}
			status, body = l.do(t, "DELETE", "/admin/v1/users/ed", boss, "")
			expect(t, "revoke", status, body, 200, "")
			status, body = l.do(t, "PATCH", "/admin/v1/users/ed", boss, `{"roles":["editor"]}`)
			expect(t, "a revoked user", status, body, 409, "user_disabled")
		})
	}
}

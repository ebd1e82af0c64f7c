package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/problem"
)

// Browser sessions for the web UI. The bearer session of /admin/v1/login
// stays as it is for the CLI; a browser instead logs in at
// POST /admin/v1/session and holds the same session token in an HttpOnly
// cookie it cannot read. Because a browser sends cookies by itself, every
// state-changing request authenticated by that cookie must also carry the
// session's CSRF token in X-CSRF-Token: a value derived from the session
// token, which the page learns from the login answer or from the readable
// CSRF cookie, and which another site can neither read nor compute.

const (
	// SessionCookie holds the session token (HttpOnly).
	SessionCookie = "credpol_session"
	// CSRFCookie holds the CSRF token the page echoes (readable by the page).
	CSRFCookie = "credpol_csrf"
	// CSRFHeader carries the CSRF token on state-changing requests.
	CSRFHeader = "X-CSRF-Token"
)

// csrfToken is the session's CSRF token: a hash of the session token under
// its own label, so it reveals nothing of the session and needs no storage.
func csrfToken(session string) string {
	sum := sha256.Sum256([]byte("credpol csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// setSessionCookies sets (maxAge > 0) or clears (maxAge < 0) both cookies.
// They are sent on / because the UI also reads the /v1 catalogue and the
// decision log; SameSite=Strict keeps other sites' requests from carrying them.
func setSessionCookies(c *gin.Context, session string, maxAge int) {
	secure := c.Request.TLS != nil
	csrf := ""
	if session != "" {
		csrf = csrfToken(session)
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: session, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: CSRFCookie, Value: csrf, Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// startSession logs a browser in: POST /admin/v1/session {"name","password"}.
// The answer carries the user and the CSRF token, never the session token.
func (s *server) startSession(c *gin.Context) {
	_, token, expires, ok := s.passwordLogin(c)
	if !ok {
		return
	}
	u, err := s.Admin.Authenticate(c.Request.Context(), token)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	setSessionCookies(c, token, int(time.Until(expires).Seconds()))
	c.JSON(http.StatusOK, gin.H{"user": viewUser(u), "expires_at": expires, "csrf_token": csrfToken(token)})
}

// endSession logs a browser out: DELETE /admin/v1/session ends the session
// in the store and clears both cookies.
func (s *server) endSession(c *gin.Context) {
	if err := s.Admin.Logout(c.Request.Context(), user(c), bearer(c)); err != nil {
		fail(c, s.Logger, err)
		return
	}
	setSessionCookies(c, "", -1)
	c.JSON(http.StatusOK, gin.H{"logged_out": true})
}

const sessionTokenKey = "credpol.session"

// cookieSession is the session token of the request's cookie, once its CSRF
// token is checked for a state-changing method. ok is false when the request
// has no session cookie; a failed CSRF check answers 403 and aborts.
func (s *server) cookieSession(c *gin.Context) (token string, ok bool) {
	ck, err := c.Request.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return "", false
	}
	if !safeMethod(c.Request.Method) {
		want := csrfToken(ck.Value)
		got := c.GetHeader(CSRFHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			fail(c, s.Logger, problem.New(problem.Forbidden, "csrf_failed",
				"a request authenticated by the session cookie must carry the session's CSRF token in "+CSRFHeader))
			c.Abort()
			return "", false
		}
	}
	c.Set(sessionTokenKey, ck.Value)
	return ck.Value, true
}

// cookiePrincipal lets a browser session read /v1 (GET only: the UI's
// catalogue, jurisdiction tree, decision log and facts) within the user's
// jurisdictions. Deciding and writing facts stay with API tokens.
func (s *server) cookiePrincipal(c *gin.Context) (auth.Principal, bool) {
	if s.Admin == nil || !safeMethod(c.Request.Method) {
		return auth.Principal{}, false
	}
	token, ok := s.cookieSession(c)
	if !ok {
		return auth.Principal{}, false
	}
	u, err := s.Admin.Authenticate(c.Request.Context(), token)
	if err != nil {
		return auth.Principal{}, false
	}
	return userPrincipal(u), true
}

// userPrincipal is what a lifecycle user may read on /v1: every decision and
// the facts of their own subtrees.
func userPrincipal(u admin.User) auth.Principal {
	return auth.Principal{Name: "user:" + u.Name, Jurisdictions: u.Jurisdictions, Decisions: []string{auth.All}}
}

// bearer is the session token the request was authenticated with.
func bearer(c *gin.Context) string {
	tok, _ := c.Get(sessionTokenKey)
	if s, ok := tok.(string); ok && s != "" {
		return s
	}
	v, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	return strings.TrimSpace(v)
}

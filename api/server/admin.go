package server

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/problem"
)

// The policy lifecycle's routes (/admin/v1): they translate HTTP to
// admin.Service and back, with the same error envelope as /v1.

const userKey = "credpol.user"

func (s *server) adminRoutes(r *gin.Engine) {
	a := r.Group("/admin/v1", s.auditOrigin)
	a.POST("/login", s.login)
	a.POST("/session", s.startSession)
	in := a.Group("", s.authenticateUser)
	in.POST("/logout", s.logout)
	in.DELETE("/session", s.endSession)
	in.GET("/me", s.me)
	in.GET("/users", s.listUsers)
	in.POST("/users", s.createUser)
	in.PATCH("/users/:name", s.updateUser)
	in.DELETE("/users/:name", s.revokeUser)
	in.GET("/tokens", s.listTokens)
	in.POST("/tokens", s.createToken)
	in.DELETE("/tokens/:name", s.revokeToken)
	in.GET("/audit", s.searchAudit)
	in.GET("/evidence/:id", s.evidencePackage)
	in.GET("/revisions", s.listRevisions)
	in.GET("/revisions/:number", s.getRevision)
	in.GET("/revisions/:number/files", s.revisionFiles)
	in.POST("/revisions/:number/cancel", s.cancelRevision)
	in.POST("/rollback", s.rollback)
	in.GET("/drafts", s.listDrafts)
	in.POST("/drafts", s.createDraft)
	in.GET("/drafts/:id", s.getDraft)
	in.DELETE("/drafts/:id", s.abandonDraft)
	in.GET("/drafts/:id/files", s.draftFiles)
	in.GET("/drafts/:id/files/*path", s.draftFile)
	in.PUT("/drafts/:id/files/*path", s.putDraftFile)
	in.DELETE("/drafts/:id/files/*path", s.deleteDraftFile)
	in.POST("/drafts/:id/edits", s.editDraft)
	in.POST("/drafts/:id/rebase", s.rebaseDraft)
	in.GET("/drafts/:id/status", s.draftStatus)
	in.GET("/drafts/:id/diff", s.draftDiff)
	in.POST("/drafts/:id/submit", s.submitDraft)
	in.GET("/drafts/:id/reviews", s.listReviews)
	in.POST("/drafts/:id/reviews", s.reviewDraft)
	in.POST("/drafts/:id/publish", s.publishDraft)
	s.impactRoutes(in)
}

// auditOrigin hands the client's address (the peer's, not a header it
// could forge) and the request id to the audit entries of the actions the
// request asks for.
func (s *server) auditOrigin(c *gin.Context) {
	c.Request = c.Request.WithContext(admin.WithOrigin(c.Request.Context(), admin.Origin{Addr: c.RemoteIP(), RequestID: requestID(c)}))
	c.Next()
}

func (s *server) authenticateUser(c *gin.Context) {
	if s.Admin == nil {
		fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "the policy lifecycle is not enabled on this server"))
		c.Abort()
		return
	}
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		token, ok = s.cookieSession(c) // a browser's session (session.go)
	}
	if c.IsAborted() {
		return
	}
	if !ok {
		fail(c, s.Logger, problem.New(problem.Unauthenticated, "unauthenticated", "log in first: POST /admin/v1/login, then send Authorization: Bearer <session token>"))
		c.Abort()
		return
	}
	u, err := s.Admin.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		fail(c, s.Logger, err)
		c.Abort()
		return
	}
	c.Set(userKey, u)
	c.Next()
}

func user(c *gin.Context) admin.User {
	u, _ := c.Get(userKey)
	return u.(admin.User)
}

// answer writes v, or the error.
func (s *server) answer(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	c.JSON(status, v)
}

func (s *server) login(c *gin.Context) {
	name, token, expires, ok := s.passwordLogin(c)
	if ok {
		c.JSON(http.StatusOK, gin.H{"token": token, "expires_at": expires, "user": name})
	}
}

// passwordLogin reads {"name","password"} and starts a session, for the
// bearer login and the browser's alike; ok false when it has answered the
// failure already.
func (s *server) passwordLogin(c *gin.Context) (name, token string, expires time.Time, ok bool) {
	if s.Admin == nil {
		fail(c, s.Logger, problem.New(problem.NotFound, "not_found", "the policy lifecycle is not enabled on this server"))
		return "", "", time.Time{}, false
	}
	var body struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return "", "", time.Time{}, false
	}
	token, expires, err := s.Admin.Login(c.Request.Context(), body.Name, body.Password)
	if err != nil {
		fail(c, s.Logger, err)
		return "", "", time.Time{}, false
	}
	return body.Name, token, expires, true
}

func (s *server) logout(c *gin.Context) {
	err := s.Admin.Logout(c.Request.Context(), user(c), bearer(c))
	s.answer(c, http.StatusOK, gin.H{"logged_out": true}, err)
}

type userView struct {
	Name          string       `json:"name"`
	Roles         []admin.Role `json:"roles"`
	Jurisdictions []string     `json:"jurisdictions"`
	CreatedAt     time.Time    `json:"created_at"`
	CreatedBy     string       `json:"created_by,omitempty"`
	Disabled      bool         `json:"disabled,omitempty"`
}

func viewUser(u admin.User) userView {
	return userView{Name: u.Name, Roles: u.Roles, Jurisdictions: u.Jurisdictions, CreatedAt: u.CreatedAt, CreatedBy: u.CreatedBy, Disabled: u.Disabled}
}

func (s *server) me(c *gin.Context) { c.JSON(http.StatusOK, viewUser(user(c))) }

func (s *server) listUsers(c *gin.Context) {
	us, err := s.Admin.ListUsers(c.Request.Context(), user(c))
	s.answer(c, http.StatusOK, gin.H{"users": views(us, viewUser)}, err)
}

func (s *server) createUser(c *gin.Context) {
	var body struct {
		Name          string       `json:"name"`
		Password      string       `json:"password"`
		Roles         []admin.Role `json:"roles"`
		Jurisdictions []string     `json:"jurisdictions"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	by := user(c)
	u, err := s.Admin.CreateUser(c.Request.Context(), &by, admin.NewUser{Name: body.Name, Password: body.Password,
		Roles: body.Roles, Jurisdictions: body.Jurisdictions})
	s.answer(c, http.StatusCreated, viewUser(u), err)
}

func (s *server) updateUser(c *gin.Context) {
	var body admin.UserChange
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	u, err := s.Admin.UpdateUser(c.Request.Context(), user(c), c.Param("name"), body)
	s.answer(c, http.StatusOK, viewUser(u), err)
}

func (s *server) revokeUser(c *gin.Context) {
	err := s.Admin.RevokeUser(c.Request.Context(), user(c), c.Param("name"))
	s.answer(c, http.StatusOK, gin.H{"revoked": c.Param("name")}, err)
}

type tokenView struct {
	Name          string     `json:"name"`
	Jurisdictions []string   `json:"jurisdictions"`
	Scopes        []string   `json:"scopes"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

func viewToken(t auth.Token) tokenView {
	return tokenView{Name: t.Name, Jurisdictions: t.Jurisdictions, Scopes: t.Decisions, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
}

func (s *server) listTokens(c *gin.Context) {
	ts, err := s.Admin.ListTokens(c.Request.Context(), user(c))
	s.answer(c, http.StatusOK, gin.H{"tokens": views(ts, viewToken)}, err)
}

func (s *server) createToken(c *gin.Context) {
	var body struct {
		Name          string   `json:"name"`
		Jurisdictions []string `json:"jurisdictions"`
		Scopes        []string `json:"scopes"`
		ValidDays     int      `json:"valid_days"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	if body.ValidDays < 0 || body.ValidDays > 3660 {
		fail(c, s.Logger, problem.New(problem.Invalid, "invalid_valid_days", "valid_days is 0 (no expiry) to 3660"))
		return
	}
	secret, t, err := s.Admin.CreateToken(c.Request.Context(), user(c), admin.NewToken{Name: body.Name,
		Jurisdictions: body.Jurisdictions, Scopes: body.Scopes, ValidFor: time.Duration(body.ValidDays) * 24 * time.Hour})
	s.answer(c, http.StatusCreated, gin.H{"token": viewToken(t), "secret": secret}, err)
}

func (s *server) revokeToken(c *gin.Context) {
	err := s.Admin.RevokeToken(c.Request.Context(), user(c), c.Param("name"))
	s.answer(c, http.StatusOK, gin.H{"revoked": c.Param("name")}, err)
}

func (s *server) listRevisions(c *gin.Context) {
	rs, err := s.Admin.Revisions(c.Request.Context())
	if rs == nil {
		rs = []admin.Revision{}
	}
	live, lerr := s.Admin.Live(c.Request.Context())
	if err == nil {
		err = lerr
	}
	s.answer(c, http.StatusOK, gin.H{"live": live.Number, "revisions": rs}, err)
}

// revisionNumber reads the :number parameter ("live" names the live one).
func (s *server) revisionNumber(c *gin.Context) (admin.Revision, bool) {
	raw := c.Param("number")
	var (
		r   admin.Revision
		err error
	)
	if raw == "live" {
		r, err = s.Admin.Live(c.Request.Context())
	} else if n, perr := strconv.ParseInt(raw, 10, 64); perr != nil || n < 1 {
		err = problem.New(problem.Invalid, "invalid_revision", "a revision is a number, 1 or more, or live")
	} else {
		r, err = s.Admin.Revision(c.Request.Context(), n)
	}
	if err != nil {
		fail(c, s.Logger, err)
		return admin.Revision{}, false
	}
	return r, true
}

func (s *server) getRevision(c *gin.Context) {
	if r, ok := s.revisionNumber(c); ok {
		c.JSON(http.StatusOK, r)
	}
}

func (s *server) revisionFiles(c *gin.Context) {
	r, ok := s.revisionNumber(c)
	if !ok {
		return
	}
	files, err := s.Admin.RevisionFiles(c.Request.Context(), r)
	s.answer(c, http.StatusOK, gin.H{"number": r.Number, "files": textFiles(files)}, err)
}

func textFiles(files map[string][]byte) map[string]string {
	out := make(map[string]string, len(files))
	for p, b := range files {
		out[p] = string(b)
	}
	return out
}

func (s *server) cancelRevision(c *gin.Context) {
	r, ok := s.revisionNumber(c)
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	r, err := s.Admin.CancelScheduled(c.Request.Context(), user(c), r.Number, body.Reason)
	s.answer(c, http.StatusOK, r, err)
}

func (s *server) rollback(c *gin.Context) {
	var body struct {
		To     int64  `json:"to"`
		Reason string `json:"reason"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	r, err := s.Admin.Rollback(c.Request.Context(), user(c), body.To, body.Reason)
	s.answer(c, http.StatusCreated, r, err)
}

type draftView struct {
	ID           string         `json:"id"`
	Jurisdiction string         `json:"jurisdiction"`
	Base         int64          `json:"base"`
	Author       string         `json:"author"`
	Title        string         `json:"title"`
	State        admin.State    `json:"state"`
	Hash         string         `json:"hash"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Revision     int64          `json:"revision,omitempty"`
	Changes      []admin.Change `json:"changes,omitempty"`
}

func viewDraft(d admin.Draft) draftView {
	return draftView{ID: d.ID, Jurisdiction: d.Jurisdiction, Base: d.Base, Author: d.Author, Title: d.Title, State: d.State,
		Hash: d.Hash, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Revision: d.Revision}
}

func (s *server) listDrafts(c *gin.Context) {
	ds, err := s.Admin.Drafts(c.Request.Context(), user(c))
	s.answer(c, http.StatusOK, gin.H{"drafts": views(ds, viewDraft)}, err)
}

func (s *server) createDraft(c *gin.Context) {
	var body struct {
		Jurisdiction string `json:"jurisdiction"`
		Title        string `json:"title"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	d, err := s.Admin.CreateDraft(c.Request.Context(), user(c), body.Jurisdiction, body.Title)
	s.answer(c, http.StatusCreated, viewDraft(d), err)
}

func (s *server) getDraft(c *gin.Context) {
	d, _, changes, err := s.Admin.DraftChanges(c.Request.Context(), user(c), c.Param("id"), 0)
	v := viewDraft(d)
	v.Changes = changes
	s.answer(c, http.StatusOK, v, err)
}

func (s *server) draftFiles(c *gin.Context) {
	d, err := s.Admin.Draft(c.Request.Context(), user(c), c.Param("id"))
	s.answer(c, http.StatusOK, gin.H{"hash": d.Hash, "files": textFiles(d.Files)}, err)
}

func filePath(c *gin.Context) string { return strings.TrimPrefix(c.Param("path"), "/") }

func (s *server) draftFile(c *gin.Context) {
	d, err := s.Admin.Draft(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	b, ok := d.Files[filePath(c)]
	if !ok {
		fail(c, s.Logger, problem.New(problem.NotFound, "file_not_found", "the draft has no file "+strconv.Quote(filePath(c))))
		return
	}
	c.Header("ETag", strconv.Quote(d.Hash))
	c.Data(http.StatusOK, "text/plain; charset=utf-8", b)
}

// draftHash is the content the client edited: If-Match, else ?hash=.
func draftHash(c *gin.Context) string {
	if h := strings.Trim(c.GetHeader("If-Match"), `"`); h != "" {
		return h
	}
	return c.Query("hash")
}

func (s *server) putDraftFile(c *gin.Context) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		fail(c, s.Logger, bodyProblem(err))
		return
	}
	s.edit(c, draftHash(c), []admin.Edit{{Path: filePath(c), Content: b}})
}

func (s *server) deleteDraftFile(c *gin.Context) {
	s.edit(c, draftHash(c), []admin.Edit{{Path: filePath(c), Delete: true}})
}

func (s *server) editDraft(c *gin.Context) {
	var body struct {
		Hash  string `json:"hash"`
		Edits []struct {
			Path     string  `json:"path"`
			Content  *string `json:"content"`
			Delete   bool    `json:"delete"`
			RenameTo string  `json:"rename_to"`
		} `json:"edits"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	edits := make([]admin.Edit, len(body.Edits))
	for i, e := range body.Edits {
		edits[i] = admin.Edit{Path: e.Path, Delete: e.Delete, RenameTo: e.RenameTo}
		if e.Content != nil {
			edits[i].Content = []byte(*e.Content)
		} else if !e.Delete && e.RenameTo == "" {
			fail(c, s.Logger, problem.New(problem.Invalid, "invalid_edit", "edit "+strconv.Itoa(i)+" ("+e.Path+") gives no content, delete or rename_to"))
			return
		}
	}
	s.edit(c, cmp.Or(body.Hash, draftHash(c)), edits)
}

func (s *server) edit(c *gin.Context, hash string, edits []admin.Edit) {
	d, err := s.Admin.EditDraft(c.Request.Context(), user(c), c.Param("id"), hash, edits)
	s.answer(c, http.StatusOK, viewDraft(d), err)
}

// hashBody reads {"hash": …} (or If-Match) for the actions on a draft.
func (s *server) hashBody(c *gin.Context) (string, bool) {
	var body struct {
		Hash string `json:"hash"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeText(c, &body); err != nil {
			fail(c, s.Logger, err)
			return "", false
		}
	}
	return cmp.Or(body.Hash, draftHash(c)), true
}

func (s *server) abandonDraft(c *gin.Context) {
	d, err := s.Admin.AbandonDraft(c.Request.Context(), user(c), c.Param("id"), draftHash(c))
	s.answer(c, http.StatusOK, viewDraft(d), err)
}

func (s *server) rebaseDraft(c *gin.Context) {
	if hash, ok := s.hashBody(c); ok {
		d, err := s.Admin.Rebase(c.Request.Context(), user(c), c.Param("id"), hash)
		s.answer(c, http.StatusOK, viewDraft(d), err)
	}
}

func (s *server) submitDraft(c *gin.Context) {
	if hash, ok := s.hashBody(c); ok {
		d, err := s.Admin.Submit(c.Request.Context(), user(c), c.Param("id"), hash)
		s.answer(c, http.StatusOK, viewDraft(d), err)
	}
}

func (s *server) draftStatus(c *gin.Context) {
	d, g, err := s.Admin.Status(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	// The reviewer sees what the content under review would do, when it was run.
	c.JSON(http.StatusOK, gin.H{"draft": d.ID, "hash": d.Hash, "state": d.State, "gate": gin.H{"state": g.State, "report": g.Report,
		"started_at": g.StartedAt, "finished_at": nonZeroTime(g.FinishedAt)}, "impact": s.draftImpactSummary(c, d.ID)})
}

func nonZeroTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *server) draftDiff(c *gin.Context) {
	var against int64
	if raw := c.Query("against"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 {
			fail(c, s.Logger, problem.New(problem.Invalid, "invalid_revision", "against is a revision number, 1 or more"))
			return
		}
		against = n
	}
	d, other, changes, err := s.Admin.DraftChanges(c.Request.Context(), user(c), c.Param("id"), against)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	diffs := make([]gin.H, len(changes))
	for i, ch := range changes {
		diffs[i] = gin.H{"path": ch.Path, "change": ch.Kind, "diff": admin.Diff(ch.Path, other[ch.Path], d.Files[ch.Path])}
	}
	c.JSON(http.StatusOK, gin.H{"draft": d.ID, "hash": d.Hash, "against": cmp.Or(against, d.Base), "files": diffs})
}

func (s *server) listReviews(c *gin.Context) {
	rs, err := s.Admin.Reviews(c.Request.Context(), user(c), c.Param("id"))
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	if rs == nil {
		rs = []admin.Review{}
	}
	c.JSON(http.StatusOK, gin.H{"reviews": rs, "impact": s.draftImpactSummary(c, c.Param("id"))})
}

func (s *server) reviewDraft(c *gin.Context) {
	var body struct {
		Hash     string          `json:"hash"`
		Verdict  string          `json:"verdict"`
		Comment  string          `json:"comment"`
		Comments []admin.Comment `json:"comments"`
	}
	if err := decodeText(c, &body); err != nil {
		fail(c, s.Logger, err)
		return
	}
	r, err := s.Admin.ReviewDraft(c.Request.Context(), user(c), c.Param("id"), cmp.Or(body.Hash, draftHash(c)), body.Verdict, body.Comment, body.Comments)
	s.answer(c, http.StatusCreated, r, err)
}

func (s *server) publishDraft(c *gin.Context) {
	var body struct {
		EffectiveAt string `json:"effective_at"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeText(c, &body); err != nil {
			fail(c, s.Logger, err)
			return
		}
	}
	at, err := s.Admin.ParseTime(body.EffectiveAt)
	if err != nil {
		fail(c, s.Logger, err)
		return
	}
	r, err := s.Admin.Publish(c.Request.Context(), user(c), c.Param("id"), at)
	s.answer(c, http.StatusCreated, r, err)
}

// decodeText is decodeBody for the lifecycle, whose bodies carry policy
// files and the reasons kept in the record: invalid UTF-8, which a JSON
// decoder quietly turns into U+FFFD, is refused instead of stored altered.
func decodeText(c *gin.Context, v any) error {
	raw, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return bodyProblem(err)
	}
	if !utf8.Valid(raw) {
		return problem.New(problem.Malformed, "malformed_body", "the request body is not valid UTF-8")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(raw))
	return decodeBody(c, v)
}

// views maps records to the views the routes answer with.
func views[T, V any](xs []T, view func(T) V) []V {
	out := make([]V, len(xs))
	for i, x := range xs {
		out[i] = view(x)
	}
	return out
}

package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/problem"
)

// Login limits: after maxFailures consecutive failures a user is locked out,
// for a minute and twice as long for each failure after, at most an hour.
// A session lasts sessionTTL unless its user logs out or is revoked.
const (
	maxFailures = 5
	maxLockout  = time.Hour
	sessionTTL  = 12 * time.Hour
	// SessionPrefix starts every login token, as auth.TokenPrefix starts API tokens.
	SessionPrefix = "cps_"
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC hash.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// unknownUserHash is checked when a login names no user, so an unknown name
// costs what a wrong password does and the timing tells nothing.
var unknownUserHash, _ = HashPassword("no such user")

// validPassword says what is wrong with a new password, if anything.
func validPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return problem.New(problem.Invalid, "invalid_password", "the password must be UTF-8 text without NUL")
	case utf8.RuneCountInString(pw) < 10:
		return problem.New(problem.Invalid, "invalid_password", "the password must be at least 10 characters")
	case len(pw) > 256:
		return problem.New(problem.Invalid, "invalid_password", "the password must be at most 256 bytes")
	}
	return nil
}

// NewUser is what creating a user takes.
type NewUser struct {
	Name          string
	Password      string
	Roles         []Role
	Jurisdictions []string
}

// CreateUser adds a user. by is the admin creating it, who can only grant
// subtrees inside their own; nil is the bootstrap path (a shell on the
// server), which may create anyone.
func (s *Service) CreateUser(ctx context.Context, by *User, nu NewUser) (User, error) {
	if by != nil && !by.Has(Admin) {
		return User{}, s.denied(ctx, *by, Record{Action: ActUserCreate, Object: "user/" + actorName(nu.Name)}, forbidden("only an admin can create users"))
	}
	if !validName(nu.Name) {
		return User{}, problem.New(problem.Invalid, "invalid_user", "a user name is 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if err := validPassword(nu.Password); err != nil {
		return User{}, err
	}
	if len(nu.Roles) == 0 {
		return User{}, problem.New(problem.Invalid, "invalid_user", "a user needs at least one role")
	}
	for _, r := range nu.Roles {
		if !slices.Contains(Roles, r) {
			return User{}, problem.New(problem.Invalid, "invalid_user", fmt.Sprintf("unknown role %q: use viewer, editor, reviewer, publisher, auditor or admin", r))
		}
	}
	if err := s.checkRoots(by, nu.Jurisdictions); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Name: nu.Name, PasswordHash: hash, Roles: nu.Roles, Jurisdictions: nu.Jurisdictions, CreatedAt: s.now()}
	if by != nil {
		u.CreatedBy = by.Name
	}
	switch err := s.Store.CreateUser(ctx, u); {
	case errors.Is(err, ErrConflict):
		return User{}, problem.New(problem.Conflict, "user_exists", fmt.Sprintf("a user %q already exists", nu.Name))
	case err != nil:
		return User{}, unavailable(err)
	}
	actor := shellActor
	if by != nil {
		actor = by.Name
	}
	if err := s.Audit(ctx, actor, Record{Action: ActUserCreate, Object: "user/" + u.Name, Jurisdiction: first(u.Jurisdictions),
		Details: map[string]any{"roles": u.Roles, "jurisdictions": u.Jurisdictions}}); err != nil {
		return User{}, err
	}
	return u, nil
}

// checkRoots refuses subtrees that do not exist or lie outside by's own.
func (s *Service) checkRoots(by *User, roots []string) error {
	if len(roots) == 0 {
		return problem.New(problem.Invalid, "invalid_scope", "give at least one jurisdiction subtree")
	}
	for _, code := range roots {
		if !s.Jurisdictions.Has(code) {
			return problem.New(problem.Invalid, "unknown_jurisdiction", fmt.Sprintf("no jurisdiction %q in the serving tree", code))
		}
		if by != nil && !by.Covers(s.Jurisdictions, code) {
			return forbidden(fmt.Sprintf("jurisdiction %s is outside your scope", code))
		}
	}
	return nil
}

func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// hashing bounds the password checks running at once: each holds 19 MiB
// for about 50 ms, so a flood of logins must queue, not grow the heap; and a
// check that starts after others have failed sees their count.
var hashing = make(chan struct{}, 4)

// Login checks name and password and opens a session, returning its token
// (shown once) and when it expires.
func (s *Service) Login(ctx context.Context, name, password string) (token string, expires time.Time, err error) {
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case hashing <- struct{}{}:
		defer func() { <-hashing }()
	case <-wait.Done():
		return "", time.Time{}, problem.New(problem.RateLimited, "login_busy", "too many logins at once; try again in a few seconds")
	}
	fail := problem.New(problem.Unauthenticated, "login_failed", "unknown user or wrong password")
	var known User // filed under the user's first subtree, when the name is a user's
	failed := func(why string) error {
		if err := s.Audit(ctx, actorName(name), Record{Action: ActLoginFailed, Object: "user/" + actorName(name),
			Jurisdiction: first(known.Jurisdictions), Details: map[string]any{"reason": why}}); err != nil {
			return err
		}
		return fail
	}
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, ErrNotFound) {
		checkPassword(unknownUserHash, password)
		return "", time.Time{}, failed("unknown_user")
	}
	if err != nil {
		return "", time.Time{}, unavailable(err)
	}
	known = u
	now := s.now()
	if now.Before(u.LockedUntil) {
		locked := problem.New(problem.RateLimited, "login_locked",
			fmt.Sprintf("too many failed logins; try again after %s", u.LockedUntil.In(s.zone()).Format(time.RFC3339)))
		if err := failed("locked"); !errors.Is(err, fail) {
			return "", time.Time{}, err
		}
		return "", time.Time{}, locked
	}
	if u.Disabled || !checkPassword(u.PasswordHash, password) {
		lock := func(failures int) time.Time {
			return now.Add(min(time.Minute<<min(failures-maxFailures, 6), maxLockout))
		}
		if err := s.Store.LoginFailed(ctx, u.Name, maxFailures, lock); err != nil {
			return "", time.Time{}, unavailable(err)
		}
		why := "wrong_password"
		if u.Disabled {
			why = "disabled"
		}
		return "", time.Time{}, failed(why)
	}
	if u.FailedLogins != 0 {
		if err := s.Store.LoginSucceeded(ctx, u.Name); err != nil {
			return "", time.Time{}, unavailable(err)
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token = SessionPrefix + base64.RawURLEncoding.EncodeToString(raw)
	expires = now.Add(sessionTTL)
	if err := s.Store.CreateSession(ctx, Session{Hash: auth.Hash(token), User: u.Name, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, unavailable(err)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: ActLogin, Object: "user/" + u.Name, Jurisdiction: first(u.Jurisdictions)}); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Authenticate returns the user a session token belongs to. Every call reads
// the store, so a logout or revocation takes effect at once.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	denied := problem.New(problem.Unauthenticated, "invalid_session", "log in again: the session is unknown, expired or revoked")
	if !strings.HasPrefix(token, SessionPrefix) || len(token) > 100 {
		return User{}, denied
	}
	sess, err := s.Store.Session(ctx, auth.Hash(token))
	if errors.Is(err, ErrNotFound) {
		return User{}, denied
	}
	if err != nil {
		return User{}, unavailable(err)
	}
	if sess.RevokedAt != nil || !s.now().Before(sess.ExpiresAt) {
		return User{}, denied
	}
	u, err := s.Store.User(ctx, sess.User)
	if err != nil {
		return User{}, denied
	}
	if u.Disabled {
		return User{}, denied
	}
	return u, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, u User, token string) error {
	if err := s.Store.RevokeSessions(ctx, u.Name, auth.Hash(token), s.now()); err != nil {
		return unavailable(err)
	}
	return s.Audit(ctx, u.Name, Record{Action: ActLogout, Object: "user/" + u.Name, Jurisdiction: first(u.Jurisdictions)})
}

// RevokeUser ends every session of the named user and disables them.
func (s *Service) RevokeUser(ctx context.Context, by User, name string) error {
	if !by.Has(Admin) {
		return s.denied(ctx, by, Record{Action: ActUserDisable, Object: "user/" + actorName(name)}, forbidden("only an admin can revoke users"))
	}
	if name == by.Name {
		return problem.New(problem.Conflict, "cannot_revoke_self", "an admin cannot revoke themselves: another admin must")
	}
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return problem.New(problem.NotFound, "user_not_found", fmt.Sprintf("no user %q", name))
	}
	if err != nil {
		return unavailable(err)
	}
	for _, code := range u.Jurisdictions {
		if !by.Covers(s.Jurisdictions, code) {
			// Users outside the admin's subtrees are not even named.
			return problem.New(problem.NotFound, "user_not_found", fmt.Sprintf("no user %q", name))
		}
	}
	if err := s.Store.DisableUser(ctx, name); err != nil {
		return unavailable(err)
	}
	if err := s.Store.RevokeSessions(ctx, name, "", s.now()); err != nil {
		return unavailable(err)
	}
	return s.Audit(ctx, by.Name, Record{Action: ActUserDisable, Object: "user/" + name, Jurisdiction: first(u.Jurisdictions),
		Details: map[string]any{"jurisdictions": u.Jurisdictions}})
}

// UserChange is what an admin changes of a user: its roles, its
// jurisdiction subtrees, or both (nil leaves one as it is).
type UserChange struct {
	Roles         []Role   `json:"roles"`
	Jurisdictions []string `json:"jurisdictions"`
}

// UpdateUser changes a user's roles or scope. Only an admin may, within the
// admin's subtrees for both the user as it is and as it will be, and never
// their own: no one widens their own rights. The user's sessions take the
// change at their next request, as each request reads the user again.
func (s *Service) UpdateUser(ctx context.Context, by User, name string, ch UserChange) (User, error) {
	rec := Record{Action: ActUserUpdate, Object: "user/" + actorName(name)}
	if !by.Has(Admin) {
		return User{}, s.denied(ctx, by, rec, forbidden("only an admin can change users"))
	}
	if name == by.Name {
		return User{}, s.denied(ctx, by, rec, forbidden("an admin cannot change their own roles or scope: another admin must"))
	}
	if ch.Roles == nil && ch.Jurisdictions == nil {
		return User{}, problem.New(problem.Invalid, "invalid_user", "give the user's new roles, jurisdictions or both")
	}
	u, err := s.Store.User(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return User{}, problem.New(problem.NotFound, "user_not_found", fmt.Sprintf("no user %q", name))
	}
	if err != nil {
		return User{}, unavailable(err)
	}
	for _, code := range u.Jurisdictions {
		if !by.Covers(s.Jurisdictions, code) {
			return User{}, problem.New(problem.NotFound, "user_not_found", fmt.Sprintf("no user %q", name))
		}
	}
	if u.Disabled {
		return User{}, problem.New(problem.Conflict, "user_disabled", fmt.Sprintf("user %q is revoked; create a new user instead", name))
	}
	before := map[string]any{"roles": u.Roles, "jurisdictions": u.Jurisdictions}
	if ch.Roles != nil {
		if len(ch.Roles) == 0 {
			return User{}, problem.New(problem.Invalid, "invalid_user", "a user needs at least one role")
		}
		for _, r := range ch.Roles {
			if !slices.Contains(Roles, r) {
				return User{}, problem.New(problem.Invalid, "invalid_user", fmt.Sprintf("unknown role %q: use viewer, editor, reviewer, publisher, auditor or admin", r))
			}
		}
		u.Roles = ch.Roles
	}
	if ch.Jurisdictions != nil {
		if err := s.checkRoots(&by, ch.Jurisdictions); err != nil {
			return User{}, err
		}
		u.Jurisdictions = ch.Jurisdictions
	}
	if err := s.Store.UpdateUser(ctx, name, u.Roles, u.Jurisdictions); err != nil {
		return User{}, unavailable(err)
	}
	rec.Jurisdiction = first(u.Jurisdictions)
	rec.Details = map[string]any{"before": before, "after": map[string]any{"roles": u.Roles, "jurisdictions": u.Jurisdictions}}
	if err := s.Audit(ctx, by.Name, rec); err != nil {
		return User{}, err
	}
	return u, nil
}

func forbidden(msg string) error { return problem.New(problem.Forbidden, "forbidden", msg) }

func unavailable(err error) error {
	return problem.Wrap(problem.Unavailable, "store_unavailable", "the store is not answering", err)
}

// ListUsers lists the users an admin may manage: those working only inside
// the admin's subtrees.
func (s *Service) ListUsers(ctx context.Context, by User) ([]User, error) {
	if !by.Has(Admin) {
		return nil, forbidden("only an admin lists users")
	}
	all, err := s.Store.Users(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	var out []User
	for _, u := range all {
		if !slices.ContainsFunc(u.Jurisdictions, func(code string) bool { return !by.Covers(s.Jurisdictions, code) }) {
			out = append(out, u)
		}
	}
	return out, nil
}

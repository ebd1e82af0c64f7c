package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/problem"
)

// TokenStore keeps the API tokens of upstream systems.
type TokenStore interface {
	CreateToken(ctx context.Context, t auth.Token) (auth.Token, error)
	Tokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, name string) error
}

// NewToken is what creating an API token takes.
type NewToken struct {
	Name          string
	Jurisdictions []string
	Scopes        []string // decision names, facts:read, facts:write, or *
	ValidFor      time.Duration
}

// CreateToken issues an API token inside the admin's own subtrees and
// returns its secret, shown once. A token with the name of an existing one
// replaces it (rotation).
func (s *Service) CreateToken(ctx context.Context, by User, nt NewToken) (string, auth.Token, error) {
	if !by.Has(Admin) {
		return "", auth.Token{}, s.denied(ctx, by, Record{Action: ActTokenCreate, Object: "token/" + actorName(nt.Name)}, forbidden("only an admin manages API tokens"))
	}
	if !validName(nt.Name) {
		return "", auth.Token{}, problem.New(problem.Invalid, "invalid_token_name", "a token name is 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if err := s.checkRoots(&by, nt.Jurisdictions); err != nil {
		return "", auth.Token{}, err
	}
	if len(nt.Scopes) == 0 || len(nt.Scopes) > 100 {
		return "", auth.Token{}, problem.New(problem.Invalid, "invalid_scopes", "give 1 to 100 scopes: decision names, facts:read, facts:write or *")
	}
	for _, sc := range nt.Scopes {
		if !validScope(sc) {
			return "", auth.Token{}, problem.New(problem.Invalid, "invalid_scopes",
				fmt.Sprintf("scope %q: a decision name (lower case, digits, _), facts:read, facts:write or *", sc))
		}
	}
	action := ActTokenCreate
	if existing, err := s.token(ctx, nt.Name); err == nil {
		if err := s.mayManage(by, existing); err != nil {
			return "", auth.Token{}, err
		}
		action = ActTokenRotate
	}
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return "", auth.Token{}, err
	}
	t := auth.Token{Name: nt.Name, Hash: hash, Jurisdictions: nt.Jurisdictions, Decisions: nt.Scopes}
	if nt.ValidFor > 0 {
		exp := s.now().Add(nt.ValidFor)
		t.ExpiresAt = &exp
	}
	t, err = s.Tokens.CreateToken(ctx, t)
	if err != nil {
		return "", auth.Token{}, unavailable(err)
	}
	if err := s.Audit(ctx, by.Name, Record{Action: action, Object: "token/" + t.Name, Jurisdiction: first(t.Jurisdictions),
		Details: map[string]any{"jurisdictions": t.Jurisdictions, "scopes": t.Decisions, "expires_at": t.ExpiresAt}}); err != nil {
		return "", auth.Token{}, err
	}
	return secret, t, nil
}

// ListTokens lists the tokens whose every subtree lies inside the admin's.
func (s *Service) ListTokens(ctx context.Context, by User) ([]auth.Token, error) {
	if !by.Has(Admin) {
		return nil, forbidden("only an admin manages API tokens")
	}
	all, err := s.Tokens.Tokens(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	var out []auth.Token
	for _, t := range all {
		if s.mayManage(by, t) == nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// RevokeToken revokes a token inside the admin's subtrees; it stops
// working within the authenticator's watch interval (about a second).
func (s *Service) RevokeToken(ctx context.Context, by User, name string) error {
	if !by.Has(Admin) {
		return s.denied(ctx, by, Record{Action: ActTokenRevoke, Object: "token/" + actorName(name)}, forbidden("only an admin manages API tokens"))
	}
	t, err := s.token(ctx, name)
	if err != nil {
		return err
	}
	if s.mayManage(by, t) != nil {
		return problem.New(problem.NotFound, "token_not_found", fmt.Sprintf("no token %q", name))
	}
	if t.RevokedAt != nil {
		return problem.New(problem.Conflict, "already_revoked", fmt.Sprintf("token %s was revoked at %s", name, t.RevokedAt.In(s.zone()).Format(time.RFC3339)))
	}
	if err := s.Tokens.RevokeToken(ctx, name); err != nil {
		return unavailable(err)
	}
	return s.Audit(ctx, by.Name, Record{Action: ActTokenRevoke, Object: "token/" + name, Jurisdiction: first(t.Jurisdictions),
		Details: map[string]any{"jurisdictions": t.Jurisdictions}})
}

func (s *Service) token(ctx context.Context, name string) (auth.Token, error) {
	all, err := s.Tokens.Tokens(ctx)
	if err != nil {
		return auth.Token{}, unavailable(err)
	}
	for _, t := range all {
		if t.Name == name {
			return t, nil
		}
	}
	return auth.Token{}, problem.New(problem.NotFound, "token_not_found", fmt.Sprintf("no token %q", name))
}

func (s *Service) mayManage(by User, t auth.Token) error {
	for _, code := range t.Jurisdictions {
		if !by.Covers(s.Jurisdictions, code) {
			return forbidden(fmt.Sprintf("token %s reaches %s, outside your scope", t.Name, code))
		}
	}
	return nil
}

// validScope accepts what a token's scope can be; the list is stored
// comma-joined, so a comma inside one would split it.
func validScope(sc string) bool {
	if sc == auth.All || sc == auth.FactsRead || sc == auth.FactsWrite {
		return true
	}
	if sc == "" || len(sc) > 64 {
		return false
	}
	for _, r := range sc {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Package auth issues and verifies API tokens and decides what a caller may do.
// Tokens are random secrets shown once; only their SHA-256 is stored.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/credpol/credpol/jurisdiction"
)

// TokenPrefix starts every credpol token, so leaked tokens are easy to spot.
const TokenPrefix = "cpt_"

// All stands for every decision in a token's decision scope.
const All = "*"

// Principal is an authenticated caller and the scope of its token.
type Principal struct {
	Name string
	// Jurisdictions are the roots of the subtrees the caller may ask about.
	Jurisdictions []string
	// Decisions the caller may ask for, or [All].
	Decisions []string
}

// MayDecide reports whether p may ask for decision about jurisdiction code.
// Classification results are for supervision only and never public (HLJ-9),
// so every token is scoped to subtrees and decisions.
func (p Principal) MayDecide(reg *jurisdiction.Registry, code, decision string) bool {
	if !slices.Contains(p.Decisions, All) && !slices.Contains(p.Decisions, decision) {
		return false
	}
	return p.MayRead(reg, code)
}

// MayRead reports whether p may see anything of jurisdiction code.
func (p Principal) MayRead(reg *jurisdiction.Registry, code string) bool {
	for _, root := range p.Jurisdictions {
		if reg.Within(code, root) {
			return true
		}
	}
	return false
}

// Token is a stored token: its hash, never the secret.
type Token struct {
	ID            string
	Name          string
	Hash          string
	Jurisdictions []string
	Decisions     []string
	CreatedAt     time.Time
	ExpiresAt     *time.Time
	RevokedAt     *time.Time
}

// ErrInvalidToken is returned for a missing, unknown, expired or revoked token.
var ErrInvalidToken = errors.New("invalid token")

// TokenStore finds stored tokens by hash. storage implements it.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash string) (Token, error)
}

// NewSecret returns a fresh token secret and its hash.
func NewSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, Hash(secret), nil
}

// Hash is the stored form of a secret. Secrets carry 256 random bits, so a
// plain SHA-256 cannot be reversed by guessing and costs nothing per request.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Authenticator verifies bearer secrets against the store, caching answers
// briefly so the decision path does not query the store on every call. A
// cached token stays usable while the store cannot be reached.
type Authenticator struct {
	store TokenStore
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	token Token
	until time.Time
}

// NewAuthenticator returns an Authenticator whose cached entries live for ttl;
// a revoked token stops working within ttl.
func NewAuthenticator(store TokenStore, ttl time.Duration) *Authenticator {
	return &Authenticator{store: store, ttl: ttl, now: time.Now, cache: map[string]cached{}}
}

// Authenticate returns the principal for secret, or ErrInvalidToken. Other
// errors mean the store could not be asked.
func (a *Authenticator) Authenticate(ctx context.Context, secret string) (Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Principal{}, ErrInvalidToken
	}
	h := Hash(secret)
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[h]
	a.mu.Unlock()
	if !ok || now.After(c.until) {
		t, err := a.store.TokenByHash(ctx, h)
		switch {
		case err != nil && ok && !errors.Is(err, ErrInvalidToken):
			// The store is down: a token verified before keeps working, so
			// decisions on inline facts survive a store outage.
		case err != nil:
			return Principal{}, err
		default:
			c = cached{token: t, until: now.Add(a.ttl)}
			a.mu.Lock()
			if len(a.cache) > 10000 { // bound memory against floods of distinct valid tokens
				clear(a.cache)
			}
			a.cache[h] = c
			a.mu.Unlock()
		}
	}
	t := c.token
	if t.RevokedAt != nil || (t.ExpiresAt != nil && now.After(*t.ExpiresAt)) {
		return Principal{}, ErrInvalidToken
	}
	return Principal{Name: t.Name, Jurisdictions: t.Jurisdictions, Decisions: t.Decisions}, nil
}

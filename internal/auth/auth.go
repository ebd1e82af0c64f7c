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

	"github.com/credpol/credpol/internal/jurisdiction"
)

// TokenPrefix starts every credpol token, so leaked tokens are easy to spot.
const TokenPrefix = "cpt_"

// All stands for every scope: every decision and both facts scopes.
const All = "*"

// Scopes beyond decision names. Reading facts is its own scope because the
// stored record carries classification results (HLJ-9), and writing is apart
// from reading because a system that only asks for decisions must not be able
// to change what other decisions are taken on.
const (
	FactsRead  = "facts:read"
	FactsWrite = "facts:write"
)

// Classification is the decision whose scope lets a caller see
// classification results wherever they appear (stored facts, logged inputs):
// a caller who may ask for the class may see what it is made of.
const Classification = "risk_class"

// ClassificationFields are the enterprise facts that are classification
// results, hidden from callers who do not see classification (HLJ-9).
// risk_class is the official class itself. public_credit_score is one too:
// the class follows from the score by a published mapping (HLJ-3), and
// individual businesses and cooperatives are classed directly from it
// (HLJ-10), so showing the score would show the class.
var ClassificationFields = []string{"risk_class", "public_credit_score"}

// Principal is an authenticated caller and the scope of its token.
type Principal struct {
	Name string
	// Jurisdictions are the roots of the subtrees the caller may ask about.
	Jurisdictions []string
	// Decisions are the token's scopes: decision names, FactsRead,
	// FactsWrite, or [All]. The name predates the facts scopes.
	Decisions []string
}

// May reports whether p holds scope, a decision name or a facts scope.
func (p Principal) May(scope string) bool {
	return slices.Contains(p.Decisions, All) || slices.Contains(p.Decisions, scope)
}

// MayDecide reports whether p may ask for decision about jurisdiction code.
// Classification results are for supervision only and never public (HLJ-9),
// so every token is scoped to subtrees and decisions.
func (p Principal) MayDecide(reg *jurisdiction.Registry, code, decision string) bool {
	return p.May(decision) && p.MayRead(reg, code)
}

// MayRead reports whether code lies inside p's jurisdiction subtrees: the
// condition for seeing anything of that jurisdiction.
func (p Principal) MayRead(reg *jurisdiction.Registry, code string) bool {
	for _, root := range p.Jurisdictions {
		if reg.Within(code, root) {
			return true
		}
	}
	return false
}

// MayReadFacts reports whether p may read stored facts of an enterprise of
// jurisdiction code.
func (p Principal) MayReadFacts(reg *jurisdiction.Registry, code string) bool {
	return p.May(FactsRead) && p.MayRead(reg, code)
}

// MayWriteFacts reports whether p may store facts placing an enterprise in
// jurisdiction code (or replace a record stored there).
func (p Principal) MayWriteFacts(reg *jurisdiction.Registry, code string) bool {
	return p.May(FactsWrite) && p.MayRead(reg, code)
}

// SeesClassification reports whether p may see the ClassificationFields.
func (p Principal) SeesClassification() bool {
	return p.May(Classification)
}

// HideClassification removes the ClassificationFields from an enterprise
// document (facts as JSON keys) unless p sees classification.
func (p Principal) HideClassification(doc map[string]any) {
	if p.SeesClassification() {
		return
	}
	for _, f := range ClassificationFields {
		delete(doc, f)
	}
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
	// TokensVersion is a value that changes whenever a token is created,
	// rotated or revoked; it must be cheap, as Watch asks once a second.
	TokensVersion(ctx context.Context) (string, error)
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

// Bounds of the Authenticator's caches.
const (
	// MissTTL is how long an unknown token is remembered as unknown, so a
	// client retrying a wrong token does not cost a query per request. A
	// token created meanwhile is found at once on a node that Watches (the
	// version changes), else after MissTTL.
	MissTTL = 5 * time.Second
	// PollEvery is how often Watch asks the store for the tokens' version.
	PollEvery = time.Second
	// maxCached bounds each cache against floods of distinct tokens.
	maxCached = 10000
)

// Authenticator verifies bearer secrets against the store, caching answers
// so the decision path does not query the store on every call.
//
// Revocation is effective within about PollEvery on every node that runs
// Watch, and at once in-process through Forget. A cached token is trusted for
// ttl at most: past that, if the store cannot be asked, the answer is an
// error (503), never the stale entry, so a revoked token cannot outlive an
// outage.
type Authenticator struct {
	store TokenStore
	ttl   time.Duration
	now   func() time.Time

	mu     sync.Mutex
	cache  map[string]cached    // by hash
	misses map[string]time.Time // unknown hashes, until when
	// gen counts cache invalidations; an answer read from the store before
	// one is not cached after it, so a revocation seen by Watch cannot be
	// undone by a lookup that was in flight.
	gen uint64
}

type cached struct {
	token Token
	until time.Time
}

// NewAuthenticator returns an Authenticator whose cached entries live for ttl.
// Without Watch a revoked token stops working within ttl.
func NewAuthenticator(store TokenStore, ttl time.Duration) *Authenticator {
	return &Authenticator{store: store, ttl: ttl, now: time.Now, cache: map[string]cached{}, misses: map[string]time.Time{}}
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
	missUntil, missed := a.misses[h]
	gen := a.gen
	a.mu.Unlock()
	if missed && now.Before(missUntil) {
		return Principal{}, ErrInvalidToken
	}
	if !ok || !now.Before(c.until) {
		t, err := a.store.TokenByHash(ctx, h)
		if errors.Is(err, ErrInvalidToken) {
			a.remember(gen, func() {
				delete(a.cache, h)
				if len(a.misses) >= maxCached {
					a.pruneMisses(now)
				}
				a.misses[h] = now.Add(MissTTL)
			})
			return Principal{}, ErrInvalidToken
		}
		if err != nil {
			// Fail closed: the entry, if any, is past its ttl and may
			// have been revoked meanwhile.
			return Principal{}, err
		}
		c = cached{token: t, until: now.Add(a.ttl)}
		a.remember(gen, func() {
			if len(a.cache) >= maxCached {
				clear(a.cache)
			}
			a.cache[h] = c
			delete(a.misses, h)
		})
	}
	t := c.token
	if t.RevokedAt != nil || (t.ExpiresAt != nil && now.After(*t.ExpiresAt)) {
		return Principal{}, ErrInvalidToken
	}
	return Principal{Name: t.Name, Jurisdictions: t.Jurisdictions, Decisions: t.Decisions}, nil
}

// remember applies change to the caches unless they were invalidated since
// generation gen was read.
func (a *Authenticator) remember(gen uint64, change func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen == gen {
		change()
	}
}

// pruneMisses drops expired misses, or all of them if none has expired:
// the cache is an optimisation, its bound is what matters. Called with mu held.
func (a *Authenticator) pruneMisses(now time.Time) {
	for h, until := range a.misses {
		if !now.Before(until) {
			delete(a.misses, h)
		}
	}
	if len(a.misses) >= maxCached {
		clear(a.misses)
	}
}

// Forget drops what is cached about the token whose hash or name is key, so
// a revocation made in this process takes effect on the next request.
func (a *Authenticator) Forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	delete(a.misses, key)
	for h, c := range a.cache {
		if h == key || c.token.Name == key {
			delete(a.cache, h)
		}
	}
}

// invalidate drops every cached answer.
func (a *Authenticator) invalidate() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	clear(a.cache)
	clear(a.misses)
}

// Watch asks the store for the tokens' version every PollEvery until ctx
// ends, and drops every cached answer when it changes: a token created,
// rotated or revoked on any node is seen here within about a second. A failed
// poll changes nothing; cached entries then run out on their ttl.
func (a *Authenticator) Watch(ctx context.Context) {
	go a.watch(ctx, PollEvery)
}

func (a *Authenticator) watch(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	last := ""
	for {
		pollCtx, cancel := context.WithTimeout(ctx, every)
		v, err := a.store.TokensVersion(pollCtx)
		cancel()
		// The first answer invalidates too: entries cached before the
		// watch began were never compared with any version.
		if err == nil && v != last {
			a.invalidate()
			last = v
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

package auth

import (
	"context"
	"testing"
	"time"
)

type noTokens struct{}

func (noTokens) TokenByHash(context.Context, string) (Token, error) { return Token{}, ErrInvalidToken }
func (noTokens) TokensVersion(context.Context) (string, error)      { return "", nil }

// A flood of distinct unknown tokens must not grow the miss cache without bound.
func TestMissCacheIsBounded(t *testing.T) {
	a := NewAuthenticator(noTokens{}, time.Minute)
	ctx := context.Background()
	for i := 0; i < maxCached+500; i++ {
		secret, _, _ := NewSecret()
		a.Authenticate(ctx, secret)
	}
	a.mu.Lock()
	n := len(a.misses)
	a.mu.Unlock()
	if n > maxCached {
		t.Errorf("%d misses cached, bound is %d", n, maxCached)
	}
}

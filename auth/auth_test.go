package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/credpol/credpol/auth"
	"github.com/credpol/credpol/jurisdiction"
)

type memStore map[string]auth.Token

func (m memStore) TokenByHash(_ context.Context, h string) (auth.Token, error) {
	t, ok := m[h]
	if !ok {
		return auth.Token{}, auth.ErrInvalidToken
	}
	return t, nil
}

func TestAuthenticateRefusesUnknownExpiredAndRevoked(t *testing.T) {
	past := time.Now().Add(-time.Minute)
	store := memStore{}
	secrets := map[string]string{}
	for _, tc := range []struct {
		name    string
		expires *time.Time
		revoked *time.Time
	}{{"ok", nil, nil}, {"expired", &past, nil}, {"revoked", nil, &past}} {
		s, h, _ := auth.NewSecret()
		secrets[tc.name] = s
		store[h] = auth.Token{Name: tc.name, Hash: h, ExpiresAt: tc.expires, RevokedAt: tc.revoked}
	}
	a := auth.NewAuthenticator(store, time.Minute)
	ctx := context.Background()
	if p, err := a.Authenticate(ctx, secrets["ok"]); err != nil || p.Name != "ok" {
		t.Errorf("valid token: %v %v", p, err)
	}
	for _, name := range []string{"expired", "revoked"} {
		if _, err := a.Authenticate(ctx, secrets[name]); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("%s token: err = %v", name, err)
		}
	}
	if _, err := a.Authenticate(ctx, "not-a-token"); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("garbage: err = %v", err)
	}
}

func TestScopes(t *testing.T) {
	reg, err := jurisdiction.New([]jurisdiction.Jurisdiction{
		{Code: "100000", Name: "全国", Level: "national"},
		{Code: "350000", Name: "福建省", Level: "province", Parent: "100000"},
		{Code: "350505", Name: "泉港区", Level: "district", Parent: "350000"},
		{Code: "140000", Name: "山西省", Level: "province", Parent: "100000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := auth.Principal{Jurisdictions: []string{"350000"}, Decisions: []string{"supervision"}}
	if !p.MayDecide(reg, "350505", "supervision") {
		t.Error("province token refused for its district")
	}
	if p.MayDecide(reg, "140000", "supervision") || p.MayDecide(reg, "100000", "supervision") {
		t.Error("token allowed outside its subtree")
	}
	if p.MayDecide(reg, "350505", "credit_grade") {
		t.Error("token allowed a decision outside its scope")
	}
	all := auth.Principal{Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}
	if !all.MayDecide(reg, "140000", "credit_grade") {
		t.Error("full-scope token refused")
	}
}

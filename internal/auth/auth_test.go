package auth_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// memStore is a token store whose outages and lookups a test controls.
type memStore struct {
	mu      sync.Mutex
	tokens  map[string]auth.Token
	down    bool
	lookups int
}

func newMemStore() *memStore { return &memStore{tokens: map[string]auth.Token{}} }

func (m *memStore) TokenByHash(_ context.Context, h string) (auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lookups++
	if m.down {
		return auth.Token{}, errors.New("connection refused")
	}
	t, ok := m.tokens[h]
	if !ok {
		return auth.Token{}, auth.ErrInvalidToken
	}
	return t, nil
}

func (m *memStore) TokensVersion(context.Context) (string, error) { return "", nil }

func (m *memStore) add(name string, expires, revoked *time.Time) string {
	s, h, _ := auth.NewSecret()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[h] = auth.Token{Name: name, Hash: h, ExpiresAt: expires, RevokedAt: revoked}
	return s
}

func (m *memStore) revoke(secret string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	t := m.tokens[auth.Hash(secret)]
	t.RevokedAt = &now
	m.tokens[auth.Hash(secret)] = t
}

func (m *memStore) set(down bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.down = down
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookups
}

func TestAuthenticateRefusesUnknownExpiredAndRevoked(t *testing.T) {
	past := time.Now().Add(-time.Minute)
	store := newMemStore()
	secrets := map[string]string{
		"ok":      store.add("ok", nil, nil),
		"expired": store.add("expired", &past, nil),
		"revoked": store.add("revoked", nil, &past),
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

// Past its ttl a cached token is not trusted while the store is down: it may
// have been revoked meanwhile.
func TestAuthenticateFailsClosedWhenTheStoreIsDown(t *testing.T) {
	store := newMemStore()
	secret := store.add("ok", nil, nil)
	a := auth.NewAuthenticator(store, 100*time.Millisecond)
	ctx := context.Background()
	if _, err := a.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	store.set(true)
	if _, err := a.Authenticate(ctx, secret); err != nil {
		t.Errorf("within the ttl a cached token works during an outage: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	_, err := a.Authenticate(ctx, secret)
	if err == nil || errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("past the ttl with the store down: err = %v, want a store error", err)
	}
	store.set(false)
	if _, err := a.Authenticate(ctx, secret); err != nil {
		t.Errorf("after the outage: %v", err)
	}
}

func TestUnknownTokensAreRememberedBriefly(t *testing.T) {
	store := newMemStore()
	a := auth.NewAuthenticator(store, time.Minute)
	ctx := context.Background()
	unknown, _, _ := auth.NewSecret()
	for i := 0; i < 5; i++ {
		if _, err := a.Authenticate(ctx, unknown); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
	}
	if n := store.count(); n != 1 {
		t.Errorf("5 requests with one unknown token cost %d lookups, want 1", n)
	}
}

func TestForgetRevokesAtOnceInProcess(t *testing.T) {
	store := newMemStore()
	secret := store.add("upstream", nil, nil)
	a := auth.NewAuthenticator(store, time.Minute)
	ctx := context.Background()
	if _, err := a.Authenticate(ctx, secret); err != nil {
		t.Fatal(err)
	}
	store.revoke(secret)
	if _, err := a.Authenticate(ctx, secret); err != nil {
		t.Fatalf("cached token refused before Forget: %v", err)
	}
	a.Forget("upstream")
	if _, err := a.Authenticate(ctx, secret); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("revoked token after Forget(name): %v", err)
	}
	other := store.add("other", nil, nil)
	a.Authenticate(ctx, other)
	store.revoke(other)
	a.Forget(auth.Hash(other))
	if _, err := a.Authenticate(ctx, other); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("revoked token after Forget(hash): %v", err)
	}
}

// A token revoked or rotated on another node (here: straight in the store)
// stops working within about a second on a node that watches, though its
// cache entry would live a minute.
func TestWatchSeesRevocationAndRotationWithinASecond(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			create := func(name string) string {
				secret, hash, _ := auth.NewSecret()
				if _, err := st.Store.CreateToken(ctx, auth.Token{Name: name, Hash: hash, Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}); err != nil {
					t.Fatal(err)
				}
				return secret
			}
			revoked, rotated := create("revoked"), create("rotated")
			a := auth.NewAuthenticator(st.Store, time.Minute)
			a.Watch(ctx)
			for _, s := range []string{revoked, rotated} {
				if _, err := a.Authenticate(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(1100 * time.Millisecond) // the watcher has its baseline
			if err := st.Store.RevokeToken(ctx, "revoked"); err != nil {
				t.Fatal(err)
			}
			fresh := create("rotated")
			start := time.Now()
			for _, s := range []string{revoked, rotated} {
				for {
					_, err := a.Authenticate(ctx, s)
					if errors.Is(err, auth.ErrInvalidToken) {
						break
					}
					if time.Since(start) > 2500*time.Millisecond {
						t.Fatalf("a token revoked or rotated in the store still works after %v (err %v)", time.Since(start), err)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			if _, err := a.Authenticate(ctx, fresh); err != nil {
				t.Errorf("the rotated secret: %v", err)
			}
		})
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
	if p.MayReadFacts(reg, "350505") || p.MayWriteFacts(reg, "350505") || p.SeesClassification() {
		t.Error("a decision-only token reaches facts or classification")
	}
	reader := auth.Principal{Jurisdictions: []string{"350000"}, Decisions: []string{auth.FactsRead}}
	if !reader.MayReadFacts(reg, "350505") || reader.MayWriteFacts(reg, "350505") || reader.MayReadFacts(reg, "140000") {
		t.Error("facts:read scope wrong")
	}
	all := auth.Principal{Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}
	if !all.MayDecide(reg, "140000", "credit_grade") || !all.MayWriteFacts(reg, "140000") || !all.SeesClassification() {
		t.Error("full-scope token refused")
	}

	doc := map[string]any{"name": "x", "risk_class": "A", "public_credit_score": 900}
	reader.HideClassification(doc)
	if _, ok := doc["risk_class"]; ok || doc["public_credit_score"] != nil || doc["name"] != "x" {
		t.Errorf("hidden from a facts reader: %v", doc)
	}
	doc = map[string]any{"risk_class": "A"}
	auth.Principal{Decisions: []string{"risk_class"}}.HideClassification(doc)
	if doc["risk_class"] != "A" {
		t.Error("classification hidden from a risk_class token")
	}
	if !slices.Contains(auth.ClassificationFields, "risk_class") {
		t.Error("risk_class is not a classification field")
	}
}

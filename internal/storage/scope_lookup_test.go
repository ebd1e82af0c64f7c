package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestEnterpriseJurisdictionsNamesOnlyStoredRecords(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			quangang := full("91350505MA2Y9N8K4B")
			quangang.Jurisdiction = ptr("350505")
			if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{full("91440500MA4UQ6CX1L"), quangang}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Store.EnterpriseJurisdictions(ctx, []string{"91440500MA4UQ6CX1L", "91350505MA2Y9N8K4B", "91110000600037341L"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got["91440500MA4UQ6CX1L"] != "440500" || got["91350505MA2Y9N8K4B"] != "350505" {
				t.Errorf("got %v", got)
			}
			if got, err := s.Store.EnterpriseJurisdictions(ctx, nil); err != nil || len(got) != 0 {
				t.Errorf("no USCCs: %v %v", got, err)
			}
		})
	}
}

// The tokens' version changes on every create, rotation and revocation, and
// only then.
func TestTokensVersionChangesWithEveryTokenChange(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			version := func() string {
				t.Helper()
				v, err := s.Store.TokensVersion(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			create := func(name string) {
				t.Helper()
				_, hash, _ := auth.NewSecret()
				if _, err := s.Store.CreateToken(ctx, auth.Token{Name: name, Hash: hash, Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}); err != nil {
					t.Fatal(err)
				}
			}
			seen := map[string]string{"empty": version()}
			step := func(what string, change func()) {
				t.Helper()
				time.Sleep(2 * time.Millisecond) // a rotation shows only in the newest created_at
				change()
				v := version()
				for before, old := range seen {
					if v == old {
						t.Errorf("after %s the version is the one after %s: %s", what, before, v)
					}
				}
				if again := version(); again != v {
					t.Errorf("after %s the version changes by itself: %s then %s", what, v, again)
				}
				seen[what] = v
			}
			step("create", func() { create("a") })
			step("second create", func() { create("b") })
			step("rotation", func() { create("a") })
			step("revocation", func() {
				if err := s.Store.RevokeToken(ctx, "b"); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

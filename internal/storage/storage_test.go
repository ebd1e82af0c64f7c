package storage_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestMigrationsAreIdempotentAndSeedTheTenJurisdictions(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			applied, err := s.Store.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing applied", applied, err)
			}
			reg, err := s.Store.Jurisdictions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(reg.All()); got != 10 {
				t.Fatalf("got %d jurisdictions, want 10", got)
			}
			chain, _ := reg.Chain("140930")
			if diff := cmp.Diff([]string{"140930", "140900", "140000", "100000"}, chain); diff != "" {
				t.Errorf("Hequ chain (-want +got):\n%s", diff)
			}
		})
	}
}

// The serving policy tree's jurisdictions are synced into the table the
// foreign keys of enterprises point at; rows it no longer lists stay.
func TestSyncJurisdictionsFollowsThePolicyTree(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			shipped, err := s.Store.Jurisdictions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			nodes := shipped.All()
			for i := range nodes {
				if nodes[i].Code == "140930" {
					nodes[i].Name = "河曲县（改）"
				}
			}
			nodes = append(nodes,
				jurisdiction.Jurisdiction{Code: "140902", Name: "忻府区", Level: "district", Parent: "140900"},
				jurisdiction.Jurisdiction{Code: "130000", Name: "河北省", Level: "province", Parent: "100000"},
				jurisdiction.Jurisdiction{Code: "130100", Name: "石家庄市", Level: "city", Parent: "130000"},
				jurisdiction.Jurisdiction{Code: "130102", Name: "长安区", Level: "district", Parent: "130100"})
			tree, err := jurisdiction.New(nodes)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second sync finds nothing to change
				if err := s.Store.SyncJurisdictions(ctx, tree); err != nil {
					t.Fatal(err)
				}
			}
			reg, err := s.Store.Jurisdictions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !reg.Within("140902", "140000") || !reg.Within("130102", "130000") {
				t.Error("synced counties are not in the table's tree")
			}
			if j, _ := reg.Get("140930"); j.Name != "河曲县（改）" {
				t.Errorf("a changed name was not synced: %+v", j)
			}
			smaller, _ := jurisdiction.New(nodes[:1])
			if err := s.Store.SyncJurisdictions(ctx, smaller); err != nil {
				t.Fatal(err)
			}
			if reg, _ := s.Store.Jurisdictions(ctx); !reg.Has("130102") {
				t.Error("a row the tree no longer lists was deleted")
			}
		})
	}
}

func TestTokensAreStoredHashedAndRevocable(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			secret, hash, err := auth.NewSecret()
			if err != nil {
				t.Fatal(err)
			}
			exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
			want := auth.Token{Name: "quangang-platform", Hash: hash, Jurisdictions: []string{"350505"},
				Decisions: []string{"supervision", "sampling_plan"}, ExpiresAt: &exp}
			if _, err := s.Store.CreateToken(ctx, want); err != nil {
				t.Fatal(err)
			}
			// The column itself, trimmed: Postgres pads CHAR(64), so a secret
			// stored there would come back longer than the secret.
			stored := strings.TrimRight(s.Query(t, "SELECT hash FROM api_tokens WHERE name = 'quangang-platform'"), " ")
			if stored == secret {
				t.Fatal("the secret itself was stored")
			}
			if stored != auth.Hash(secret) {
				t.Fatalf("stored hash %q is not the SHA-256 of the secret (%s)", stored, auth.Hash(secret))
			}
			got, err := s.Store.TokenByHash(ctx, auth.Hash(secret))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Decisions, got.Decisions); diff != "" || got.Name != want.Name || got.Jurisdictions[0] != "350505" {
				t.Errorf("token round trip: got %+v", got)
			}
			if !got.ExpiresAt.Equal(exp) {
				t.Errorf("expires_at = %v, want %v", got.ExpiresAt, exp)
			}
			if err := s.Store.RevokeToken(ctx, "quangang-platform"); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Store.TokenByHash(ctx, hash)
			if got.RevokedAt == nil {
				t.Error("revoked token has no revoked_at")
			}
			if _, err := s.Store.TokenByHash(ctx, auth.Hash("cpt_unknown")); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("unknown token: err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestOpenFailsClearlyWhenPostgresIsDown(t *testing.T) {
	_, err := storage.Open(context.Background(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", nil)
	if err == nil {
		t.Fatal("opening a store on a closed port succeeded")
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/storage"
)

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	cmd.AddCommand(tokenCreateCmd(), tokenListCmd(), tokenRevokeCmd())
	return cmd
}

func tokenCreateCmd() *cobra.Command {
	var o common
	var jurisdictions, scopes []string
	var validFor time.Duration
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create (or rotate) a token and print its secret once",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			// Scopes name jurisdictions and decisions of the policy tree served.
			reg, cat, err := engine.ReadTreeData(o.policyFS())
			if err != nil {
				return err
			}
			for _, code := range jurisdictions {
				if _, err := reg.Get(code); err != nil {
					return err
				}
			}
			for _, sc := range scopes {
				if _, ok := cat.Lookup(sc); !ok && sc != auth.All && sc != auth.FactsRead && sc != auth.FactsWrite {
					return fmt.Errorf("unknown scope %q: a decision name, %s, %s or *", sc, auth.FactsRead, auth.FactsWrite)
				}
			}
			secret, err := createTokenFor(ctx, st, args[0], jurisdictions, scopes, validFor)
			if err != nil {
				return err
			}
			fmt.Println(secret)
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().StringSliceVar(&jurisdictions, "jurisdictions", []string{"100000"}, "roots of the jurisdiction subtrees the token may ask about")
	cmd.Flags().StringSliceVar(&scopes, "scopes", []string{auth.All}, "what the token may do: decision names, "+auth.FactsRead+", "+auth.FactsWrite+", or * for all (--decisions is the older name)")
	// --decisions named this list before it held the facts scopes; scripts keep working.
	cmd.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "decisions" {
			name = "scopes"
		}
		return pflag.NormalizedName(name)
	})
	cmd.Flags().DurationVar(&validFor, "valid-for", 0, "expire the token after this long (0: never)")
	return cmd
}

// watchedAuthenticator verifies the tokens serve is asked with. Cached answers
// live 30 s, but the token table is watched, so a token revoked or rotated
// from any node (or the CLI) stops working within about a second.
func watchedAuthenticator(ctx context.Context, st *storage.Store) *auth.Authenticator {
	a := auth.NewAuthenticator(st, 30*time.Second)
	a.Watch(ctx)
	return a
}

func createTokenFor(ctx context.Context, st *storage.Store, name string, jurisdictions, decisions []string, validFor time.Duration) (string, error) {
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return "", err
	}
	t := auth.Token{Name: name, Hash: hash, Jurisdictions: jurisdictions, Decisions: decisions}
	if validFor > 0 {
		exp := time.Now().Add(validFor).UTC()
		t.ExpiresAt = &exp
	}
	if _, err := st.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return secret, nil
}

func tokenListCmd() *cobra.Command {
	var o common
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List tokens (never their secrets)",
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, _ []string) error {
			tokens, err := st.Tokens(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tJURISDICTIONS\tSCOPES\tCREATED\tSTATE")
			for _, t := range tokens {
				state := "active"
				switch {
				case t.RevokedAt != nil:
					state = "revoked " + t.RevokedAt.Format(time.DateOnly)
				case t.ExpiresAt != nil:
					state = "expires " + t.ExpiresAt.Format(time.DateOnly)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, strings.Join(t.Jurisdictions, ","),
					strings.Join(t.Decisions, ","), t.CreatedAt.Format(time.DateTime), state)
			}
			return w.Flush()
		}),
	}
	o.register(cmd)
	return cmd
}

func tokenRevokeCmd() *cobra.Command {
	var o common
	cmd := &cobra.Command{
		Use:     "revoke NAME",
		Short:   "Revoke a token",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			return st.RevokeToken(ctx, args[0])
		}),
	}
	o.register(cmd)
	return cmd
}

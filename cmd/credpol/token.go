package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/auth"
	"github.com/credpol/credpol/decision"
	"github.com/credpol/credpol/storage"
)

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create, list and revoke API tokens"}
	cmd.AddCommand(tokenCreateCmd(), tokenListCmd(), tokenRevokeCmd())
	return cmd
}

func tokenCreateCmd() *cobra.Command {
	var o common
	var jurisdictions, decisions []string
	var validFor time.Duration
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create (or rotate) a token and print its secret once",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			reg, err := st.Jurisdictions(ctx)
			if err != nil {
				return err
			}
			for _, code := range jurisdictions {
				if _, err := reg.Get(code); err != nil {
					return err
				}
			}
			for _, d := range decisions {
				if _, ok := decision.Lookup(d); !ok && d != auth.All {
					return fmt.Errorf("unknown decision %q", d)
				}
			}
			secret, err := createTokenFor(ctx, st, args[0], jurisdictions, decisions, validFor)
			if err != nil {
				return err
			}
			fmt.Println(secret)
			return nil
		}),
	}
	o.register(cmd)
	cmd.Flags().StringSliceVar(&jurisdictions, "jurisdictions", []string{"100000"}, "roots of the jurisdiction subtrees the token may ask about")
	cmd.Flags().StringSliceVar(&decisions, "decisions", []string{auth.All}, "decisions the token may ask for, or *")
	cmd.Flags().DurationVar(&validFor, "valid-for", 0, "expire the token after this long (0: never)")
	return cmd
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
			fmt.Fprintln(w, "NAME\tJURISDICTIONS\tDECISIONS\tCREATED\tSTATE")
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

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/policies"
)

// userCmd is the bootstrap path for people: a shell on the server creates
// the first admin, who creates everyone else through /admin/v1.
func userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage the people who change policies (the first admin, from a shell on the server)"}
	var o common
	var roles, juris []string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user; the password is read from standard input",
		Long: "Creates a user with roles (viewer, editor, reviewer, publisher, auditor, admin) scoped to jurisdiction\n" +
			"subtrees, reading the password from the first line of standard input, e.g.\n" +
			"  printf '%s\\n' \"$PW\" | credpol user create alice --role admin --jurisdictions 100000",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			pw, err := readPassword()
			if err != nil {
				return err
			}
			adm, err := offlineAdmin(ctx, st)
			if err != nil {
				return err
			}
			rs := make([]admin.Role, len(roles))
			for i, r := range roles {
				rs[i] = admin.Role(r)
			}
			u, err := adm.CreateUser(ctx, nil, admin.NewUser{Name: args[0], Password: pw, Roles: rs, Jurisdictions: juris})
			if err != nil {
				return err
			}
			fmt.Printf("user %s created: roles %s, jurisdictions %s\n", u.Name, strings.Join(roles, ","), strings.Join(juris, ","))
			return nil
		}),
	}
	o.register(create)
	create.Flags().StringSliceVar(&roles, "role", nil, "roles, comma-separated: viewer, editor, reviewer, publisher, auditor, admin")
	create.Flags().StringSliceVar(&juris, "jurisdictions", nil, "roots of the jurisdiction subtrees the user works in, comma-separated")
	create.MarkFlagRequired("role")
	create.MarkFlagRequired("jurisdictions")
	cmd.AddCommand(create)
	return cmd
}

func readPassword() (string, error) {
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// offlineAdmin is the lifecycle over a store without a server: the
// jurisdiction tree is the live revision's, else the one the tools use.
func offlineAdmin(ctx context.Context, st *storage.Store) (*admin.Service, error) {
	reg, err := st.Jurisdictions(ctx)
	if err != nil {
		return nil, err
	}
	if len(reg.All()) == 0 {
		if reg, _, err = engine.ReadTreeData(policies.FS); err != nil {
			return nil, err
		}
	}
	return &admin.Service{Store: st, Tokens: st, Jurisdictions: reg}, nil
}

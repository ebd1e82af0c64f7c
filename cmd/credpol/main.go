// Command credpol is the credit-supervision policy decision server and its
// tools: serve, token management, migrations and policy checks.
package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/storage"
)

func main() {
	root := &cobra.Command{
		Use:           "credpol",
		Short:         "Policy decisions for enterprise credit supervision (企业信用监管)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), tokenCmd(), migrateCmd(), checkCmd(), testCmd(), fmtCmd(), seedCmd(), importCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "credpol:", err)
		os.Exit(1)
	}
}

// common are the settings every command that touches the store or policies shares.
type common struct {
	databaseURL string
	policyDir   string
	logLevel    string
	legacyUSCC  bool
}

func (o *common) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.databaseURL, "database-url", "credpol.db", "postgres://… for Postgres, else a SQLite file path")
	f.StringVar(&o.policyDir, "policy-dir", "", "policy tree to serve (default: the tree built into the binary)")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&o.legacyUSCC, "accept-legacy-uscc", false, "accept USCCs that fail only the check character, with a warning")
}

// envOverrides lets CREDPOL_<FLAG_NAME> set any flag not given on the command
// line, so containers can be configured without arguments.
func envOverrides(cmd *cobra.Command, _ []string) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		env := "CREDPOL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !f.Changed && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
		}
	})
	return err
}

func (o *common) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func (o *common) policyFS() fs.FS {
	if o.policyDir == "" {
		return policies.FS
	}
	return os.DirFS(o.policyDir)
}

// withStore adapts fn into a cobra RunE that opens (and migrates) the store
// first and closes it after.
func (o *common) withStore(fn func(ctx context.Context, st *storage.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := o.openStore(cmd.Context(), o.logger())
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd.Context(), st, args)
	}
}

// openStore opens and migrates the store.
func (o *common) openStore(ctx context.Context, log *slog.Logger) (*storage.Store, error) {
	st, err := storage.Open(ctx, o.databaseURL, log)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	return st, nil
}

// Command credpol is the credit-supervision policy decision server and its
// tools: serve, token management, migrations and policy checks.
//
// The policy tools (check, test, eval, fmt) work on the files on disk, the
// ones their users are editing: ./policies and ./testpolicies, or the
// directories named. The tree built into the binary is used only when asked
// for (--builtin) or when there is no ./policies, and they say so. serve
// keeps its own default, the built-in tree unless --policy-dir names one.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/policies"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "credpol:", err)
		os.Exit(1)
	}
}

// rootCmd is credpol with every command.
func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "credpol",
		Short:         "Policy decisions for enterprise credit supervision (企业信用监管)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), tokenCmd(), userCmd(), loginCmd(), logoutCmd(), policyCmd(), migrateCmd(), checkCmd(), testCmd(), evalCmd(), fmtCmd(), seedCmd(), importCmd(), impactCmd(), versionCmd(), bundleCmd(), decisionLogCmd(), auditCmd(), evidenceCmd())
	root.PersistentFlags().String("config", "", "a YAML file of settings by flag name (also $"+configEnv+"); flags and CREDPOL_* variables win")
	registerLang(root)
	return root
}

// common are the settings every command that touches the store or policies shares.
type common struct {
	databaseURL string
	policyDir   string
	logLevel    string
	legacyUSCC  bool
	builtin     bool // the tools: use the tree built into the binary
}

func (o *common) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.databaseURL, "database-url", "credpol.db", "postgres://… for Postgres, else a SQLite file path")
	f.StringVar(&o.policyDir, "policy-dir", "", "policy tree to serve (default: the tree built into the binary)")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&o.legacyUSCC, "accept-legacy-uscc", false, "accept USCCs that fail only the check character, with a warning")
}

func (o *common) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// policyFS is the tree serve loads: --policy-dir, else the built-in one.
func (o *common) policyFS() fs.FS {
	if o.policyDir == "" {
		return policies.FS
	}
	return os.DirFS(o.policyDir)
}

// registerTree adds --builtin to a policy tool and says, in --policy-dir's
// help, how the tool chooses its tree (which serve does differently).
func (o *common) registerTree(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.builtin, "builtin", false, "use the policy tree built into the binary instead of files on disk")
	f := cmd.Flags().Lookup("policy-dir")
	f.Usage = "policy tree to use (default: ./policies, or the built-in tree when there is none)"
	f.DefValue = "./policies"
}

// policyTree is the tree a tool works on, and how it names it.
type policyTree struct {
	fsys     fs.FS
	path     string // how file names in messages start: "policies", or the directory given
	dir      string // the directory on disk; "" for the built-in tree
	revision string
}

func (t policyTree) builtin() bool { return t.dir == "" }

// defaultPolicyDir is where the tools look for a tree when none is named.
const defaultPolicyDir = "policies"

// toolTree chooses the tree a policy tool works on and names it, with its
// revision, on w: what was checked must never be in doubt.
func (o *common) toolTree(w io.Writer) (policyTree, error) {
	dir := o.policyDir
	switch {
	case o.builtin && dir != "":
		return policyTree{}, fmt.Errorf("--builtin and --policy-dir %s name two different trees: give one", dir)
	case o.builtin:
	case dir != "":
		if err := isDir(dir); err != nil {
			return policyTree{}, fmt.Errorf("policy directory %s: %w", dir, err)
		}
	case isDir(defaultPolicyDir) == nil:
		dir = defaultPolicyDir
	default:
		fmt.Fprintln(w, "no ./policies directory here: using the policy tree built into the binary")
	}
	t := policyTree{fsys: policies.FS, path: defaultPolicyDir}
	if dir != "" {
		dir = filepath.Clean(dir)
		t = policyTree{fsys: os.DirFS(dir), path: filepath.ToSlash(dir), dir: dir}
	}
	rev, err := engine.TreeRevision(t.fsys)
	if err != nil {
		return policyTree{}, err
	}
	t.revision = rev
	if t.builtin() {
		fmt.Fprintf(w, "policy tree: built into the binary, revision %s\n", rev)
	} else {
		fmt.Fprintf(w, "policy tree: %s, revision %s\n", t.path, rev)
	}
	return t, nil
}

// manyDecisionsGC sets the collector for commands that take many decisions:
// a decision allocates tens of kilobytes that die at once; with a small live
// heap, Go's default GOGC=100 collects several times per thousand decisions.
// A higher target halves that work (GOGC overrides).
func manyDecisionsGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// isDir says, in plain words, why path is not a directory.
func isDir(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("does not exist")
	case err != nil:
		return err
	case !info.IsDir():
		return errors.New("is a file, not a directory")
	}
	return nil
}

// withStore adapts fn into a cobra RunE that opens (and migrates) the store
// first and closes it after.
func (o *common) withStore(fn func(ctx context.Context, st *storage.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := o.openStore(cmd.Context(), o.logger(), true)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd.Context(), st, args)
	}
}

// openStore opens the store and migrates it, or with migrate false, checks
// that its schema is current.
func (o *common) openStore(ctx context.Context, log *slog.Logger, migrate bool) (*storage.Store, error) {
	st, err := storage.Open(ctx, o.databaseURL, log)
	if err != nil {
		return nil, err
	}
	if !migrate {
		if err := st.CheckSchema(ctx); err != nil {
			st.Close()
			if errors.Is(err, storage.ErrSchemaNotCurrent) {
				return nil, fmt.Errorf("%w; the database needs `credpol migrate` before serving with --migrate=false", err)
			}
			return nil, err
		}
		return st, nil
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

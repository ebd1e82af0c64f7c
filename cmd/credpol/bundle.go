package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
)

// bundleCmd groups the OPA bundle tools: a bureau that runs stock OPA keeps
// its tools and gets credpol's policies.
func bundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Export a policy tree or a published revision as a standard OPA bundle, or read one into a tree",
	}
	cmd.AddCommand(bundleExportCmd(), bundleImportCmd())
	return cmd
}

func bundleExportCmd() *cobra.Command {
	var (
		o        common
		revision int64
		out      string
	)
	cmd := &cobra.Command{
		Use:   "export [--revision N --database-url URL | --policy-dir DIR | --builtin] -o bundle.tar.gz",
		Short: "Write the tree on disk, or published revision N, as an OPA bundle (.manifest, modules, data.json)",
		Long: "Writes a gzipped tar that stock OPA loads (opa run --server --bundle FILE): every module, one\n" +
			"data.json with the parameters of every level, the jurisdiction tree and the catalogue, and a\n" +
			".manifest naming the revision and its roots. OPA then answers data.j<code>.<decision>.decision\n" +
			"for the level that decides, with the input a credpol decision log entry records.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if out == "" {
				return errors.New("name the bundle file with -o FILE")
			}
			var ps *engine.PolicySet
			var exported func(*engine.PolicySet) error
			if revision != 0 {
				if cmd.Flags().Changed("policy-dir") || o.builtin {
					return errors.New("--revision names a published revision: leave out --policy-dir and --builtin")
				}
				st, err := o.openStore(ctx, o.logger(), false)
				if err != nil {
					return err
				}
				defer st.Close()
				// A published revision leaving the store is an export the
				// audit log records.
				exported = func(ps *engine.PolicySet) error {
					adm, err := offlineAdmin(ctx, st)
					if err != nil {
						return err
					}
					abs, _ := filepath.Abs(out)
					return adm.BundleExported(ctx, "", revision, ps.Revision(), abs)
				}
				r, err := st.Revision(ctx, revision)
				if errors.Is(err, admin.ErrNotFound) {
					return fmt.Errorf("there is no revision %d", revision)
				} else if err != nil {
					return err
				}
				files, err := st.PolicyFiles(ctx, r.Tree)
				if err != nil {
					return err
				}
				if ps, err = engine.Compile(ctx, engine.FilesFS(files), engine.Options{}); err != nil {
					return fmt.Errorf("revision %d: %w", revision, err)
				}
			} else {
				tree, err := o.toolTree(cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if ps, err = engine.Compile(ctx, tree.fsys, engine.Options{Strict: true}); err != nil {
					return err
				}
			}
			if err := writeAtomically(out, func(f *os.File) error { return ps.WriteBundle(ctx, f) }); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: OPA bundle of revision %s\n", out, ps.Revision())
			if exported != nil {
				return exported(ps)
			}
			return nil
		},
	}
	o.register(cmd)
	o.registerTree(cmd)
	cmd.Flags().Int64Var(&revision, "revision", 0, "export published revision N from the store (--database-url) instead of a tree on disk")
	cmd.Flags().StringVarP(&out, "output", "o", "", "the bundle file to write (.tar.gz)")
	return cmd
}

func bundleImportCmd() *cobra.Command {
	var o common
	cmd := &cobra.Command{
		Use:   "import BUNDLE --into DIR [--policy-dir BASE | --builtin]",
		Short: "Read an OPA bundle into DIR/policies, a working copy to check and push to a draft",
		Long: "Reads the bundle's modules (packages lib and j<code> only) and data (params, jurisdictions,\n" +
			"decisions) into DIR/policies, with the schemas of the base tree (./policies or the built-in\n" +
			"one), then checks the result as credpol check does. A bundle reaching outside that layout is\n" +
			"refused. To propose it: credpol policy draft --jurisdiction CODE --title T, then\n" +
			"credpol policy push DRAFT DIR.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			into, _ := cmd.Flags().GetString("into")
			if into == "" {
				return errors.New("name the working copy to write with --into DIR")
			}
			dest := filepath.Join(into, defaultPolicyDir)
			if entries, err := os.ReadDir(dest); err == nil && len(entries) > 0 {
				return fmt.Errorf("%s is not empty: import into a new directory", dest)
			}
			tree, err := o.toolTree(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			base, err := engine.Compile(ctx, tree.fsys, engine.Options{})
			if err != nil {
				return fmt.Errorf("the base tree: %w", err)
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			files, err := engine.FromBundle(f, base.Files())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			for name, content := range files {
				p := filepath.Join(dest, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(p, content, 0o644); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %d files to %s\n", len(files), dest)
			ps, err := engine.Compile(ctx, os.DirFS(dest), engine.Options{Strict: true})
			if err != nil {
				return fmt.Errorf("the imported tree does not compile (credpol check --policy-dir %s):\n%w", dest, err)
			}
			fmt.Fprintf(w, "ok: %d modules, revision %s\n", len(ps.Modules()), ps.Revision())
			return nil
		},
	}
	cmd.Flags().StringVar(&o.policyDir, "policy-dir", "", "")
	o.registerTree(cmd)
	cmd.Flags().String("into", "", "the working copy to write: DIR/policies")
	return cmd
}

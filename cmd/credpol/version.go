package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/version"
)

// versionCmd prints the build (version, commit, Go, OPA) and the revision
// of the policy tree this binary carries, or of --policy-dir.
func versionCmd() *cobra.Command {
	var (
		dir    string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "version [--policy-dir DIR] [--json]",
		Short: "Print credpol's version and commit, the Go and OPA it was built with, and the policy tree's revision",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := common{policyDir: dir}
			revision, err := engine.TreeRevision(o.policyFS())
			if err != nil {
				return fmt.Errorf("the policy tree: %w", err)
			}
			out := struct {
				version.Info
				Policies string `json:"policies"`
			}{version.Read(), revision}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			commit := out.Commit
			switch {
			case commit == "":
				commit = "unknown"
			case out.Modified:
				commit += " (with uncommitted changes)"
			}
			tree := "built in"
			if dir != "" {
				tree = dir
			}
			fmt.Fprintf(w, "credpol %s\ncommit   %s %s\ngo       %s\nopa      %s\npolicies %s (%s)\n",
				out.Version, commit, out.CommitTime, out.Go, out.OPA, revision, tree)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "policy-dir", "", "the policy tree to name (default: the tree built into the binary)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

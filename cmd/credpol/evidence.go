package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/admin/evidence"
	"github.com/credpol/credpol/internal/storage"
)

// defaultSigningKey is where the server's evidence signing key lives unless
// --signing-key says otherwise; it is created on first use.
const defaultSigningKey = "credpol-signing.key"

func evidenceCmd() *cobra.Command {
	var (
		o      common
		out    string
		keyArg string
	)
	cmd := &cobra.Command{
		Use:   "evidence DECISION_ID -o FILE.zip [--database-url URL] [--signing-key FILE]",
		Short: "Write the evidence package of one logged decision, for an administrative review; verify one offline",
		Long: "Writes a ZIP with the decision log entry, the complete policy tree it was made under and who\n" +
			"published it, the entry's place in the tamper-evident log, the decision taken again under that\n" +
			"tree, a report in Chinese (report.html, printable), and a manifest of every file's SHA-256 signed\n" +
			"with the server's Ed25519 key (--signing-key, created on first use). Check a package with\n" +
			"credpol evidence verify FILE.zip; publish the key with credpol evidence key.",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE: o.withStore(func(ctx context.Context, st *storage.Store, args []string) error {
			if out == "" {
				return errors.New("name the package to write with -o FILE.zip")
			}
			key, err := evidence.LoadKey(keyArg)
			if err != nil {
				return err
			}
			return writeAtomically(out, func(f *os.File) error {
				err := evidence.Build(ctx, st, args[0], key, time.Now(), f)
				if errors.Is(err, evidence.ErrNoDecision) {
					return fmt.Errorf("decision %s is not in the decision log", args[0])
				}
				return err
			})
		}),
	}
	o.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "the package to write (.zip)")
	cmd.Flags().StringVar(&keyArg, "signing-key", defaultSigningKey, "the Ed25519 signing key (PKCS #8 PEM), created when missing")
	cmd.AddCommand(evidenceVerifyCmd(), evidenceKeyCmd())
	return cmd
}

func evidenceVerifyCmd() *cobra.Command {
	var pubFile string
	cmd := &cobra.Command{
		Use:   "verify FILE.zip [--public-key FILE]",
		Short: "Check an evidence package offline: the signature and every file's hash",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var trusted ed25519.PublicKey
			if pubFile != "" {
				raw, err := os.ReadFile(pubFile)
				if err != nil {
					return err
				}
				if trusted, err = evidence.ParsePublicPEM(raw); err != nil {
					return fmt.Errorf("%s: %w", pubFile, err)
				}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				return err
			}
			c, err := evidence.Verify(f, info.Size(), trusted)
			if err != nil {
				return fmt.Errorf("%s does not verify: %w", args[0], err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "ok: decision %s, policy revision %s, %d files, made %s\n", c.DecisionID, c.Revision, c.Files, c.CreatedAt.Format(time.RFC3339))
			if trusted == nil {
				fmt.Fprintf(w, "signed by the key with fingerprint %s: compare it with the server's (credpol evidence key), or give --public-key\n", c.KeyFingerprint)
			} else {
				fmt.Fprintf(w, "signed by the key of %s\n", pubFile)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pubFile, "public-key", "", "the server's public key (PEM, from credpol evidence key): the signature must be by it")
	return cmd
}

func evidenceKeyCmd() *cobra.Command {
	var keyArg string
	cmd := &cobra.Command{
		Use:   "key [--signing-key FILE]",
		Short: "Print the public key evidence packages are signed with, and its fingerprint",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := evidence.LoadKey(keyArg)
			if err != nil {
				return err
			}
			pub := key.Public().(ed25519.PublicKey)
			pem, err := evidence.PublicPEM(pub)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%sfingerprint (SHA-256): %s\n", pem, evidence.Fingerprint(pub))
			return nil
		},
	}
	cmd.Flags().StringVar(&keyArg, "signing-key", defaultSigningKey, "the Ed25519 signing key (PKCS #8 PEM), created when missing")
	return cmd
}

// writeAtomically writes a file beside its target and renames it into place,
// so a failure leaves no half-written file.
func writeAtomically(target string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(target), ".credpol-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), target)
}

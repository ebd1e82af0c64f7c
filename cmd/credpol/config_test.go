package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Settings come from the command line, then CREDPOL_* variables, then the
// configuration file; a setting of another command is left alone, and a
// name no command has is refused.
func TestConfigFileUnderEnvironmentAndFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "credpol.yaml")
	write := func(text string) {
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# every replica\ndatabase-url: postgres://db/credpol\nrate-limit: 50\nrate-burst: 70\nimpact-workers: 1\nrevision: 3\n")
	cmd, _, err := rootCmd().Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(configEnv, file)
	t.Setenv("CREDPOL_RATE_BURST", "90")
	if err := cmd.ParseFlags([]string{"--impact-workers", "2"}); err != nil {
		t.Fatal(err)
	}
	if err := envOverrides(cmd, nil); err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"database-url": "postgres://db/credpol", "rate-limit": "50",
		"rate-burst": "90", "impact-workers": "2"} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s = %s, want %s", flag, got, want)
		}
	}

	write("database-url: x\nimpact-wokers: 2\n")
	if err := envOverrides(cmd, nil); err == nil || !strings.Contains(err.Error(), "impact-wokers") {
		t.Errorf("a misspelt setting: %v", err)
	}
	write("rate-limit: fast\n")
	if err := envOverrides(cmd, nil); err == nil || !strings.Contains(err.Error(), "rate-limit") {
		t.Errorf("a setting of the wrong type: %v", err)
	}
	write("database-url: [a\n")
	if err := envOverrides(cmd, nil); err == nil || !strings.Contains(err.Error(), "YAML") {
		t.Errorf("broken YAML: %v", err)
	}
}

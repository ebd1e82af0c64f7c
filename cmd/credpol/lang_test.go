package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// credpol runs the CLI as main builds it: the root command, its
// subcommands, and --lang.
func credpol(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "credpol", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(checkCmd(), testCmd())
	registerLang(root)
	var out bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

const missingBrace = `package j440500.registration_change

import data.j100000.registration_change as national

decision := national.decision if {
	input.context.application.kind == "change"

else := national.decision
`

func TestErrorsSpeakTheChosenLanguage(t *testing.T) {
	dir := shippedCopy(t)
	put(t, dir, "policies/j440500/registration_change.rego", missingBrace)
	policyDir := filepath.Join(dir, "policies")
	const file = "j440500/registration_change.rego:6: "
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	for _, c := range []struct {
		lang, locale string
		want         string
	}{
		{"zh", "en_US.UTF-8", file + "第6行附近缺少右花括号 }：第5行的 { 没有闭合"},
		{"en", "zh_CN.UTF-8", file + "a closing brace } is probably missing near line 6: the { opened on line 5 is never closed"},
		{"", "zh_CN.UTF-8", file + "第6行附近缺少右花括号 }"},
		{"", "C", file + "a closing brace } is probably missing near line 6"},
	} {
		t.Setenv("LANG", c.locale)
		args := []string{"check", "--policy-dir", policyDir}
		if c.lang != "" {
			args = append(args, "--lang", c.lang)
		}
		_, err := credpol(t, args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--lang %q, LANG %s: %v\nwant %s", c.lang, c.locale, err, c.want)
		}
	}
	if _, err := credpol(t, "check", "--policy-dir", policyDir, "--lang", "fr"); err == nil || !strings.Contains(err.Error(), `--lang "fr": use en or zh`) {
		t.Errorf("--lang fr: %v", err)
	}
}

// check and test refuse a tree the corpus finds a conflict in, at its file
// and line; a clean tree says how much the corpus evaluated.
func TestCheckAndTestRunTheCorpus(t *testing.T) {
	dir := shippedCopy(t, "registration_change", "credit_grade")
	policyDir := filepath.Join(dir, "policies")
	out, err := credpol(t, "check", "--policy-dir", policyDir, "--lang", "en")
	if err != nil || !strings.Contains(out, "evaluations of") || !strings.Contains(out, "no conflicts, holes or runtime errors") {
		t.Fatalf("check on the shipped tree: %v\n%s", err, out)
	}
	put(t, dir, "policies/j440500/registration_change.rego", conflicting)
	want := filepath.ToSlash(policyDir) + "/j440500/registration_change.rego:7: registration_change（440500 的策略，在 440500 求值）"
	_, err = credpol(t, "check", "--policy-dir", policyDir, "--lang", "zh")
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "第5行得出") {
		t.Errorf("check: %v\nwant %s", err, want)
	}
	_, err = credpol(t, "test", "--policy-dir", policyDir, "--lang", "zh", "--run", "^cases\\.credit_grade\\.", filepath.Join(dir, "testpolicies"))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("test: %v\nwant %s", err, want)
	}
}

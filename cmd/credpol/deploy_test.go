package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The example settings file is one serve takes: every key a setting, every
// value of its type.
func TestTheExampleSettingsAreValid(t *testing.T) {
	cmd, _, err := rootCmd().Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags([]string{"--config", "../../deploy/credpol.yaml"}); err != nil {
		t.Fatal(err)
	}
	if err := envOverrides(cmd, nil); err != nil {
		t.Fatal(err)
	}
	if got := cmd.Flags().Lookup("impact-workers").Value.String(); got != "3" {
		t.Errorf("impact-workers from the example: %s", got)
	}
}

// The unit starts serve with the settings file, and every flag it names is
// one credpol has.
func TestTheSystemdUnitStartsServe(t *testing.T) {
	f, err := os.Open("../../deploy/credpol.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var execStart string
	for s := bufio.NewScanner(f); s.Scan(); {
		if v, ok := strings.CutPrefix(s.Text(), "ExecStart="); ok {
			execStart = v
		}
	}
	args := strings.Fields(execStart)
	if len(args) < 2 || !strings.HasSuffix(args[0], "/credpol") || args[1] != "serve" {
		t.Fatalf("ExecStart=%s", execStart)
	}
	cmd, _, err := rootCmd().Find(args[1:2])
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.ParseFlags(args[2:]); err != nil {
		t.Errorf("ExecStart=%s: %v", execStart, err)
	}
}

// The image builds where a Docker daemon answers, and its binary runs as
// a user without rights and names its version.
func TestTheImageBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skip("no Docker daemon answers here (docker info failed): the Dockerfile is not built")
	}
	tag := "credpol-test:" + strings.ToLower(t.Name())
	if out, err := exec.Command("docker", "build", "-t", tag, "../..").CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	defer exec.Command("docker", "rmi", "-f", tag).Run()
	out, err := exec.Command("docker", "run", "--rm", tag, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "opa") {
		t.Fatalf("credpol version in the image: %v\n%s", err, out)
	}
	user, err := exec.Command("docker", "image", "inspect", "-f", "{{.Config.User}}", tag).Output()
	if err != nil || strings.TrimSpace(string(user)) != "65532:65532" {
		t.Errorf("the image runs as %q (%v), want 65532:65532", user, err)
	}
}

// Package version says which build of credpol is running: its own version
// and commit, and the Go and OPA it was built with. `credpol version` and
// GET /version print it, so an auditor can name the exact program that took
// a decision.
package version

import (
	"runtime"
	"runtime/debug"

	opaversion "github.com/open-policy-agent/opa/v1/version"
)

// Version is the release, set at link time for a release build
// (-ldflags "-X github.com/credpol/credpol/internal/version.Version=v1.2.0");
// otherwise the module version Go records, "(devel)" for a build from a
// checkout.
var Version = ""

// Info is one build's identity.
type Info struct {
	Version string `json:"version"`
	// Commit is the VCS revision the binary was built from, with Modified
	// set when the work tree had uncommitted changes; empty when Go did not
	// record it (go run, go test, a build outside a checkout).
	Commit     string `json:"commit,omitempty"`
	CommitTime string `json:"commit_time,omitempty"`
	Modified   bool   `json:"modified,omitempty"`
	Go         string `json:"go"`
	OPA        string `json:"opa"`
}

// Read returns the running binary's Info.
func Read() Info {
	info := Info{Version: Version, Go: runtime.Version(), OPA: opaversion.Version}
	b, ok := debug.ReadBuildInfo()
	if !ok {
		if info.Version == "" {
			info.Version = "unknown"
		}
		return info
	}
	if info.Version == "" {
		info.Version = b.Main.Version
	}
	for _, s := range b.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.CommitTime = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

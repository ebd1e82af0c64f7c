// Package testpolicies embeds the Rego regression suite for the shipped policy
// tree, so `go test` and `credpol test` run it without a separate OPA binary.
package testpolicies

import "embed"

// FS holds every Rego test of the suite.
//
//go:embed lib j100000 j230000 j350505 j440500 cases
var FS embed.FS

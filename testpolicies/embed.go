// Package testpolicies embeds the Rego regression suite for the shipped policy
// tree, so `go test` and `credpol test` run it without a separate OPA binary.
package testpolicies

import "embed"

// FS holds every Rego test of the suite.
//
//go:embed j100000 j230000 j440500
var FS embed.FS

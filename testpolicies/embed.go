// Package testpolicies embeds the Rego regression suite for the shipped policy
// tree, so `go test` and `credpol test --builtin` run it without a separate OPA binary.
package testpolicies

import "embed"

// FS holds every file of the suite: Rego tests, their data and the decision
// cases. As in package policies, the pattern names no directory, so a new
// jurisdiction's tests are embedded without editing this file.
//
//go:embed all:*
var FS embed.FS

// Package policies embeds the shipped Rego policy tree, the first revision a
// server loads when no policy directory is configured.
package policies

import "embed"

// FS holds every policy and data file of the shipped tree.
//
//go:embed lib params j100000 j140900 j230000 j350505 j440500
var FS embed.FS

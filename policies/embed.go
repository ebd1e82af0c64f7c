// Package policies embeds the shipped Rego policy tree, the first revision a
// server loads when no policy directory is configured.
package policies

import "embed"

// FS holds every file of the shipped tree. The pattern names no directory:
// a jurisdiction added as a new directory is embedded without editing this
// file, and "all:" keeps files whose names start with "." or "_" too, so the
// built-in tree is exactly what the tools (and stock OPA) load from disk.
//
//go:embed all:*
var FS embed.FS

package decision

import "github.com/credpol/credpol/internal/catalogue"

// Field describes one context field a decision accepts: it validates the
// request's context (Check) and renders as JSON Schema for the catalogue.
// Definitions come from the policy tree, so the type lives with the
// catalogue the engine reads.
type Field = catalogue.Field

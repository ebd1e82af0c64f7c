package decision

import (
	"strings"

	"github.com/credpol/credpol/internal/enterprise"
)

// inputDoc is the policy input document: plain Go maps, which the engine hands
// to OPA as a lazy object, so a policy converts only the parts it reads and a
// decision that looks at one score does not pay for ten penalties.
func inputDoc(name, asOf string, chain []string, facts enterprise.Facts, reqContext map[string]any) map[string]any {
	return inputOf(name, asOf, chain, enterprise.Document(facts), reqContext)
}

// inputOf is inputDoc for facts already made a document.
func inputOf(name, asOf string, chain []string, doc, reqContext map[string]any) map[string]any {
	codes := make([]any, len(chain))
	for i, c := range chain {
		codes[i] = c
	}
	return map[string]any{
		"decision":     name,
		"as_of":        asOf,
		"jurisdiction": map[string]any{"code": chain[0], "chain": codes},
		"enterprise":   doc,
		"context":      reqContext,
	}
}

// valueAt follows a dotted path into an input document.
func valueAt(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

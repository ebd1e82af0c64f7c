// Package jurisdiction holds the tree of administrative divisions (GB/T 2260 codes)
// that policies inherit along: county → city → province → national.
package jurisdiction

import (
	"errors"
	"fmt"
	"sort"
)

// National is the code of the national baseline every chain ends in.
const National = "100000"

// Level names accepted for a jurisdiction.
var levels = map[string]bool{"national": true, "province": true, "city": true, "county": true, "district": true}

// Jurisdiction is one node of the tree. Parent is empty only for the national baseline.
type Jurisdiction struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent,omitempty"`
}

// ErrUnknown is returned for a code the registry does not hold.
var ErrUnknown = errors.New("unknown jurisdiction")

// Registry is an immutable, validated jurisdiction tree.
type Registry struct {
	byCode map[string]Jurisdiction
	chains map[string][]string
}

// ValidCode reports whether code has the shape of a GB/T 2260 division code.
func ValidCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// New validates the nodes (codes, levels, parents that exist, no cycles, one root)
// and precomputes every chain so lookups on the decision path never walk the tree.
func New(nodes []Jurisdiction) (*Registry, error) {
	r := &Registry{byCode: make(map[string]Jurisdiction, len(nodes)), chains: make(map[string][]string, len(nodes))}
	for _, n := range nodes {
		if !ValidCode(n.Code) {
			return nil, fmt.Errorf("jurisdiction %q: code must be six digits", n.Code)
		}
		if !levels[n.Level] {
			return nil, fmt.Errorf("jurisdiction %s: unknown level %q", n.Code, n.Level)
		}
		if _, dup := r.byCode[n.Code]; dup {
			return nil, fmt.Errorf("jurisdiction %s: listed twice", n.Code)
		}
		r.byCode[n.Code] = n
	}
	if _, ok := r.byCode[National]; !ok {
		return nil, fmt.Errorf("jurisdiction tree has no national baseline %s", National)
	}
	for code, n := range r.byCode {
		if code == National {
			if n.Parent != "" {
				return nil, fmt.Errorf("jurisdiction %s: the national baseline has no parent", code)
			}
			continue
		}
		chain := []string{code}
		for cur := n; cur.Code != National; {
			p, ok := r.byCode[cur.Parent]
			if !ok {
				return nil, fmt.Errorf("jurisdiction %s: parent %q does not exist", cur.Code, cur.Parent)
			}
			if len(chain) > len(r.byCode) {
				return nil, fmt.Errorf("jurisdiction %s: parent chain has a cycle", code)
			}
			chain = append(chain, p.Code)
			cur = p
		}
		r.chains[code] = chain
	}
	r.chains[National] = []string{National}
	return r, nil
}

// Get returns the jurisdiction with code.
func (r *Registry) Get(code string) (Jurisdiction, error) {
	j, ok := r.byCode[code]
	if !ok {
		return Jurisdiction{}, fmt.Errorf("%w %q", ErrUnknown, code)
	}
	return j, nil
}

// Has reports whether code is in the tree.
func (r *Registry) Has(code string) bool {
	_, ok := r.byCode[code]
	return ok
}

// Chain returns code followed by its ancestors up to the national baseline.
// The slice is shared: callers must not modify it.
func (r *Registry) Chain(code string) ([]string, error) {
	c, ok := r.chains[code]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknown, code)
	}
	return c, nil
}

// Within reports whether code lies in the subtree rooted at root (root included).
func (r *Registry) Within(code, root string) bool {
	for _, c := range r.chains[code] {
		if c == root {
			return true
		}
	}
	return false
}

// Subtree returns root and every jurisdiction below it, ordered by code.
func (r *Registry) Subtree(root string) []string {
	var out []string
	for _, j := range r.All() {
		if r.Within(j.Code, root) {
			out = append(out, j.Code)
		}
	}
	return out
}

// All returns every jurisdiction ordered by code.
func (r *Registry) All() []Jurisdiction {
	out := make([]Jurisdiction, 0, len(r.byCode))
	for _, j := range r.byCode {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Code < out[k].Code })
	return out
}

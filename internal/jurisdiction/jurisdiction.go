// Package jurisdiction holds the tree of administrative divisions (GB/T 2260 codes)
// that policies inherit along: county → city → province → national. The tree
// is data of the policy tree (jurisdictions.json), so it travels with each
// policy revision; this package only knows what makes a tree valid.
package jurisdiction

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// National is the code of the national baseline every chain ends in.
const National = "100000"

// MaxNameChars is the longest name a jurisdiction may have (what the
// store's jurisdictions table holds).
const MaxNameChars = 100

// Level names accepted for a jurisdiction, by the rank they sit at.
var levels = map[string]int{"national": 0, "province": 1, "city": 2, "county": 3, "district": 3}

// Jurisdiction is one node of the tree. Parent is empty only for the national
// baseline. ValidFrom and ValidTo (YYYY-MM-DD, both optional, both inclusive)
// record when the division exists: a merged county keeps its node, with the
// day it ceased, so its enterprises and logged decisions still resolve.
// RulePrefix is the prefix of the rule IDs the jurisdiction's own documents
// are cited by (XZ for XZ-3); explanations pick rule IDs out of reasons by it.
type Jurisdiction struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	Parent     string `json:"parent,omitempty"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidTo    string `json:"valid_to,omitempty"`
	RulePrefix string `json:"rule_prefix,omitempty"`
}

// ErrUnknown is returned for a code the registry does not hold.
var ErrUnknown = errors.New("unknown jurisdiction")

// Registry is an immutable, validated jurisdiction tree, or a follower that
// answers from whichever tree a function returns at each call (see Follow).
type Registry struct {
	byCode  map[string]Jurisdiction
	chains  map[string][]string
	ruleIDs *regexp.Regexp // nil when no jurisdiction has a rule prefix
	follow  func() *Registry
}

var empty = &Registry{byCode: map[string]Jurisdiction{}, chains: map[string][]string{}}

// Follow returns a registry that answers every call from the tree current
// returns at that moment (an empty tree while it returns nil), so holders of
// one *Registry — scope checks, sampling, fact validation — see the tree of
// the serving policy revision as soon as a reload swaps it in. Code that
// makes several calls that must agree takes a Snapshot first.
func Follow(current func() *Registry) *Registry { return &Registry{follow: current} }

// Snapshot returns the fixed tree the registry answers from now: the
// registry itself unless it follows another.
func (r *Registry) Snapshot() *Registry {
	if r == nil {
		return empty // a nil registry is the empty tree, as before a first load
	}
	if r.follow == nil {
		return r
	}
	if t := r.follow(); t != nil {
		return t.Snapshot()
	}
	return empty
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

// Problem is one reason a tree is invalid: the node at Index (-1 for the
// tree as a whole) and the field at fault, so the file it was read from can
// point at the line.
type Problem struct {
	Index   int
	Field   string
	Message string
}

// Problems lists every reason a tree was refused.
type Problems []Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "\n")
}

var rulePrefix = regexp.MustCompile(`^[A-Z]{2,6}$`)

// New validates the nodes and precomputes every chain so lookups on the
// decision path never walk the tree. The error, if any, is Problems: every
// node's every mistake, not only the first.
func New(nodes []Jurisdiction) (*Registry, error) {
	var ps Problems
	add := func(i int, field, format string, args ...any) {
		ps = append(ps, Problem{Index: i, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	byCode := make(map[string]Jurisdiction, len(nodes))
	index := make(map[string]int, len(nodes))
	prefixes := map[string]string{}
	for i, n := range nodes {
		who := describe(n)
		if !ValidCode(n.Code) {
			add(i, "code", "%s: the code must be six digits (GB/T 2260), got %q", who, n.Code)
			continue
		}
		if first, dup := index[n.Code]; dup {
			add(i, "code", "%s is listed twice (also entry %d); keep one", who, first+1)
			continue
		}
		byCode[n.Code], index[n.Code] = n, i
		if strings.TrimSpace(n.Name) == "" {
			add(i, "name", "%s has no name", n.Code)
		} else if utf8.RuneCountInString(n.Name) > MaxNameChars {
			add(i, "name", "%s: the name holds at most %d characters", n.Code, MaxNameChars)
		}
		if msg := provinceProblem(n.Code); msg != "" {
			add(i, "code", "%s: %s", who, msg)
		}
		if _, ok := levels[n.Level]; !ok {
			add(i, "level", "%s: unknown level %q (use national, province, city, county or district)", who, n.Level)
		} else if rank, why := rankOf(n.Code); levels[n.Level] != rank {
			add(i, "level", "%s: %s, not %s", who, why, n.Level)
		}
		checkDates(i, who, n, add)
		if n.RulePrefix != "" {
			switch other, taken := prefixes[n.RulePrefix]; {
			case !rulePrefix.MatchString(n.RulePrefix):
				add(i, "rule_prefix", "%s: a rule prefix is 2 to 6 capital letters (as in XZ-3), got %q", who, n.RulePrefix)
			case taken:
				add(i, "rule_prefix", "%s: rule prefix %s is already %s's; each jurisdiction needs its own", who, n.RulePrefix, other)
			default:
				prefixes[n.RulePrefix] = n.Code
			}
		}
	}
	national, haveNational := byCode[National]
	if !haveNational {
		add(-1, "", "the tree has no national root: add {\"code\": %q, \"name\": \"全国\", \"level\": \"national\"}", National)
	} else if national.Parent != "" {
		add(index[National], "parent", "%s is the national root and has no parent; remove \"parent\"", describe(national))
	}
	for code, n := range byCode {
		if code != National {
			checkParent(index[code], n, byCode, add)
		}
	}
	reportCycles(nodes, byCode, index, add)
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, k int) bool { return ps[i].Index < ps[k].Index })
		return nil, ps
	}
	r := &Registry{byCode: byCode, chains: make(map[string][]string, len(byCode))}
	for code := range byCode {
		chain := []string{code}
		for cur := code; cur != National; {
			cur = byCode[cur].Parent
			chain = append(chain, cur)
		}
		r.chains[code] = chain
	}
	if len(prefixes) > 0 {
		alts := make([]string, 0, len(prefixes))
		for p := range prefixes {
			alts = append(alts, p)
		}
		sort.Strings(alts)
		r.ruleIDs = regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)-\d+\b`)
	}
	return r, nil
}

func describe(n Jurisdiction) string {
	if n.Name == "" {
		return n.Code
	}
	return n.Code + " (" + n.Name + ")"
}

// rankOf says which rank a code's shape allows, and why in words. GB/T
// 2260 codes are AABBCC: a province ends in 0000, a city (prefecture) in 00,
// a county or district in anything else; 100000 is credpol's national root,
// not a GB/T 2260 division.
func rankOf(code string) (int, string) {
	switch {
	case code == National:
		return levels["national"], "it is the national root: its level must be national"
	case code[2:] == "0000":
		return levels["province"], "the code ends in 0000, so it is a province: its level must be province"
	case code[4:] == "00":
		return levels["city"], "the code ends in 00, so it is a city: its level must be city"
	default:
		return levels["county"], "the code does not end in 00, so it is a county or district: its level must be county or district"
	}
}

// provinces are the first two digits of every province-level division of
// GB/T 2260 (Taiwan, Hong Kong and Macao included).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true, "21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true, "50": true, "51": true,
	"52": true, "53": true, "54": true, "61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}

func provinceProblem(code string) string {
	if code == National || provinces[code[:2]] {
		return ""
	}
	return "no province of GB/T 2260 has codes starting " + code[:2] + " (a typo in the code?)"
}

func checkDates(i int, who string, n Jurisdiction, add func(int, string, string, ...any)) {
	var from, to time.Time
	var err error
	if n.ValidFrom != "" {
		if from, err = time.Parse(time.DateOnly, n.ValidFrom); err != nil {
			add(i, "valid_from", "%s: valid_from must be a date written YYYY-MM-DD, got %q", who, n.ValidFrom)
		}
	}
	if n.ValidTo != "" {
		if to, err = time.Parse(time.DateOnly, n.ValidTo); err != nil {
			add(i, "valid_to", "%s: valid_to must be a date written YYYY-MM-DD, got %q", who, n.ValidTo)
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		add(i, "valid_to", "%s: valid_to %s is before valid_from %s", who, n.ValidTo, n.ValidFrom)
	}
}

// checkParent holds a node's parent to the tree and to the code: a province
// hangs under the national root, a city under its own province (same first
// two digits), a county under its own city (same first four) or directly
// under its province (as 省直辖 counties do). A parent from another branch
// is almost always an entry copied from elsewhere and not corrected.
func checkParent(i int, n Jurisdiction, byCode map[string]Jurisdiction, add func(int, string, string, ...any)) {
	who := describe(n)
	if n.Parent == "" {
		add(i, "parent", "%s has no parent: every jurisdiction but the national root %s names the one above it", who, National)
		return
	}
	p, ok := byCode[n.Parent]
	if !ok {
		add(i, "parent", "%s: parent %q is not in the tree; add it, or correct the parent", who, n.Parent)
		return
	}
	var want []string
	switch rank, _ := rankOf(n.Code); rank {
	case levels["province"]:
		want = []string{National}
	case levels["city"]:
		want = []string{n.Code[:2] + "0000"}
	default:
		want = []string{n.Code[:4] + "00", n.Code[:2] + "0000"}
	}
	for _, w := range want {
		if p.Code == w {
			return
		}
	}
	if len(want) == 1 {
		add(i, "parent", "%s: its parent must be %s, the jurisdiction above it by its code, not %s", who, want[0], describe(p))
	} else {
		add(i, "parent", "%s: its parent must be its city %s or its province %s, by its code, not %s", who, want[0], want[1], describe(p))
	}
}

// reportCycles follows every node's parents; a walk that comes back to a
// node it passed is a cycle, reported once, at the entry listed first.
func reportCycles(nodes []Jurisdiction, byCode map[string]Jurisdiction, index map[string]int, add func(int, string, string, ...any)) {
	reported := map[string]bool{}
	for i, n := range nodes {
		if at, ok := index[n.Code]; !ok || at != i {
			continue
		}
		seen := map[string]int{}
		var path []string
		for cur := n.Code; cur != ""; cur = byCode[cur].Parent {
			if at, again := seen[cur]; again {
				loop := path[at:]
				first := loop[0]
				for _, c := range loop {
					if index[c] < index[first] {
						first = c
					}
				}
				if !reported[first] {
					reported[first] = true
					add(index[first], "parent", "%s: the parents go round in a circle (%s → %s) and never reach %s",
						describe(byCode[first]), strings.Join(rotate(loop, first), " → "), first, National)
				}
				break
			}
			if _, ok := byCode[cur]; !ok {
				break
			}
			seen[cur] = len(path)
			path = append(path, cur)
		}
	}
}

// rotate starts loop at first, so a cycle reads from the entry it is reported at.
func rotate(loop []string, first string) []string {
	for i, c := range loop {
		if c == first {
			return append(append([]string{}, loop[i:]...), loop[:i]...)
		}
	}
	return loop
}

// Get returns the jurisdiction with code.
func (r *Registry) Get(code string) (Jurisdiction, error) {
	j, ok := r.Snapshot().byCode[code]
	if !ok {
		return Jurisdiction{}, fmt.Errorf("%w %q", ErrUnknown, code)
	}
	return j, nil
}

// Has reports whether code is in the tree.
func (r *Registry) Has(code string) bool {
	_, ok := r.Snapshot().byCode[code]
	return ok
}

// Chain returns code followed by its ancestors up to the national baseline.
// The slice is shared: callers must not modify it.
func (r *Registry) Chain(code string) ([]string, error) {
	c, ok := r.Snapshot().chains[code]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknown, code)
	}
	return c, nil
}

// Within reports whether code lies in the subtree rooted at root (root included).
func (r *Registry) Within(code, root string) bool {
	for _, c := range r.Snapshot().chains[code] {
		if c == root {
			return true
		}
	}
	return false
}

// Subtree returns root and every jurisdiction below it, ordered by code.
func (r *Registry) Subtree(root string) []string {
	t := r.Snapshot()
	var out []string
	for _, j := range t.All() {
		if t.Within(j.Code, root) {
			out = append(out, j.Code)
		}
	}
	return out
}

// All returns every jurisdiction ordered by code.
func (r *Registry) All() []Jurisdiction {
	t := r.Snapshot()
	out := make([]Jurisdiction, 0, len(t.byCode))
	for _, j := range t.byCode {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Code < out[k].Code })
	return out
}

// RulePrefixes returns the rule-ID prefixes of the tree, sorted.
func (r *Registry) RulePrefixes() []string {
	var out []string
	for _, j := range r.All() {
		if j.RulePrefix != "" {
			out = append(out, j.RulePrefix)
		}
	}
	sort.Strings(out)
	return out
}

// RuleIDs returns the rule IDs text cites (XZ-3, CN-7): a prefix of the tree,
// a hyphen and a number, in the order they appear.
func (r *Registry) RuleIDs(text string) []string {
	re := r.Snapshot().ruleIDs
	if re == nil {
		return []string{}
	}
	ids := re.FindAllString(text, -1)
	if ids == nil {
		return []string{}
	}
	return ids
}

// HasRulePrefix reports whether some jurisdiction of the tree cites its
// rules under prefix.
func (r *Registry) HasRulePrefix(prefix string) bool {
	for _, j := range r.All() {
		if j.RulePrefix == prefix {
			return true
		}
	}
	return false
}

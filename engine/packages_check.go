package engine

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

var (
	// jurisdictionDir matches a directory meant to hold one jurisdiction's
	// packages (j140902), well named or not.
	jurisdictionDir = regexp.MustCompile(`^j[0-9]`)
	wellNamedDir    = regexp.MustCompile(`^j([0-9]{6})$`)
)

// checkPackages holds every Rego file to the layout resolution relies on: a
// file under j<code>/ declares package j<code>.<decision>, with <code> a
// jurisdiction of jurisdictions.json and <decision> a decision of
// catalogue.json, and some file of each such package defines the rule
// decision. Anything else compiles but is never asked: a copied file whose
// package line still names the jurisdiction it came from, or a misspelt
// decision, would be dead policy that nobody notices.
func checkPackages(t *Tree) Errors {
	td, _ := parseTreeData(t.Files) // problems in the data files are reported by checkTreeData
	names := make([]string, 0, len(t.Modules))
	for name := range t.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs Errors
	decides := map[string]bool{}    // package → some file defines decision
	firstFile := map[string]Error{} // package → where to report it if none does
	for _, name := range names {
		m := t.Modules[name]
		at := func(format string, args ...any) {
			errs = append(errs, Error{File: name, Row: m.Package.Location.Row, Message: fmt.Sprintf(format, args...)})
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		parts, plain := packageParts(m.Package.Path)
		dir := topDir(name)
		if !jurisdictionDir.MatchString(dir) {
			if plain && jurisdictionDir.MatchString(parts[0]) {
				at("package %s is a jurisdiction's decision package, but the file is not in its directory: move it to %s/", pkg, parts[0])
			}
			continue
		}
		dm := wellNamedDir.FindStringSubmatch(dir)
		if dm == nil {
			at("directory %s/ is not named j followed by a six-digit jurisdiction code (as in j140902/), so its policies can never be used", dir)
			continue
		}
		code := dm[1]
		switch {
		case !plain || len(parts) == 0 || parts[0] != dir:
			at("package %s is in directory %s/, where every file must declare package %s.<decision>; as written it is never used for %s (a file copied from another jurisdiction?)", pkg, dir, dir, code)
			continue
		case len(parts) != 2:
			at("package %s: a file in %s/ declares exactly %s.<decision>, one decision of catalogue.json per package", pkg, dir, dir)
			continue
		}
		ok := true
		if td.codes != nil && !td.codes[code] {
			at("package %s: %s is not a jurisdiction of %s; add it there (code, name, level, parent), or no request can reach this package", pkg, code, JurisdictionsFile)
			ok = false
		}
		if decision := parts[1]; td.decisions != nil && !td.decisions[decision] {
			at("package %s: %q is not a decision of %s%s", pkg, decision, CatalogueFile, didYouMean(decision, td.decisions))
			ok = false
		}
		if !ok {
			continue
		}
		if definesDecision(m) {
			decides[pkg] = true
		} else if _, seen := firstFile[pkg]; !seen {
			firstFile[pkg] = Error{File: name, Row: m.Package.Location.Row, Message: fmt.Sprintf(
				"package %s has no rule %q in any of its files, so it never decides anything; define %s := {...}", pkg, DecisionRule, DecisionRule)}
		}
	}
	for pkg, e := range firstFile {
		if !decides[pkg] {
			errs = append(errs, e)
		}
	}
	errs.sort()
	return errs
}

// packageParts returns the parts of a package path after data, and whether
// each is a plain name (package a.b, not package a["b c"]).
func packageParts(ref ast.Ref) ([]string, bool) {
	var out []string
	for _, t := range ref[1:] {
		s, ok := t.Value.(ast.String)
		if !ok || !ast.IsVarCompatibleString(string(s)) {
			return out, false
		}
		out = append(out, string(s))
	}
	return out, true
}

// topDir is the first directory of a tree path, "" for a file at the root.
func topDir(name string) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

func definesDecision(m *ast.Module) bool {
	for _, r := range m.Rules {
		if r.Head.Name.String() == DecisionRule {
			return true
		}
	}
	return false
}

// didYouMean suggests the known name nearest to a misspelt one, if one is
// within two edits; else it lists the known names.
func didYouMean(name string, known map[string]bool) string {
	best, bestDist := "", 3
	all := make([]string, 0, len(known))
	for k := range known {
		all = append(all, k)
	}
	sort.Strings(all)
	for _, k := range all {
		if d := nameDistance(name, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return " (did you mean " + best + "?)"
	}
	return " (known: " + strings.Join(all, ", ") + ")"
}

// nameDistance is the Levenshtein distance between a and b.
func nameDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

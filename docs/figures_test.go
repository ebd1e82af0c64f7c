package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// figure is one labelled value or block of a parameter file: where it is,
// and whether its source is a document or a labelled default or example.
type figure struct {
	code, path, kind string
}

// kindOf reads a source label as policy staff must: anything a document does
// not give says "default" or "example" (RULES.md: "default, not from a
// published document").
func kindOf(source string) string {
	s := strings.ToLower(source)
	switch {
	case strings.HasPrefix(s, "example"):
		return "example"
	case strings.Contains(s, "default"):
		return "default"
	}
	return "document"
}

// shippedFigures walks every params/<code>/data.json for the blocks that
// carry a source and the values labelled by a <key>_source beside them.
func shippedFigures(t *testing.T) []figure {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "policies", "params", "*", "data.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no parameter files: %v", err)
	}
	var out []figure
	for _, f := range files {
		code := filepath.Base(filepath.Dir(f))
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var walk func(v any, path string)
		walk = func(v any, path string) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					s, isText := x.(string)
					switch {
					case k == "source" && isText && path != "":
						out = append(out, figure{code, path, kindOf(s)})
					case strings.HasSuffix(k, "_source") && isText:
						out = append(out, figure{code, join(path, strings.TrimSuffix(k, "_source")), kindOf(s)})
					default:
						walk(x, join(path, k))
					}
				}
			case []any:
				for i, x := range v {
					walk(x, join(path, fmt.Sprint(i)))
				}
			}
		}
		walk(doc, "")
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].code < out[j].code || out[i].code == out[j].code && out[i].path < out[j].path
	})
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "/" + k
}

// docs/policies.md lists, per jurisdiction, every figure the parameter files
// label, and says of each whether a document gives it or it is a labelled
// default or example — the same as the file's own label. A new default, or a
// figure a document now gives, fails here until the table says so.
func TestTheFiguresTableMatchesTheParameterLabels(t *testing.T) {
	text, err := os.ReadFile("policies.md")
	if err != nil {
		t.Fatal(err)
	}
	const heading = "### Figures per jurisdiction: from a document or a labelled default\n"
	start := strings.Index(string(text), heading)
	if start < 0 {
		t.Fatalf("docs/policies.md has no section %q", strings.TrimSpace(heading))
	}
	section := string(text)[start+len(heading):]
	if end := strings.Index(section, "\n#"); end >= 0 {
		section = section[:end]
	}
	row := regexp.MustCompile("(?m)^\\| (\\d{6}) \\| `([^`]+)` \\| (document|default|example)\\b")
	documented := map[figure]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		documented[figure{m[1], m[2], m[3]}] = true
	}
	var missing []string
	shipped := shippedFigures(t)
	for _, f := range shipped {
		if !documented[f] {
			missing = append(missing, fmt.Sprintf("| %s | `%s` | %s … |", f.code, f.path, f.kind))
		}
		delete(documented, f)
	}
	if len(missing) > 0 {
		t.Errorf("the figures table lacks these rows (or says another kind):\n%s", strings.Join(missing, "\n"))
	}
	if len(documented) > 0 {
		var stale []string
		for f := range documented {
			stale = append(stale, fmt.Sprintf("%s %s %s", f.code, f.path, f.kind))
		}
		slices.Sort(stale)
		t.Errorf("the figures table names figures no parameter file labels so: %v", stale)
	}
}

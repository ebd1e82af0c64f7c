package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// SetByKey is the member of input.params that says, for each decision and
// each value of its merged parameters, which jurisdiction set it and the
// basis that jurisdiction's file gives for it. lib.cite reads it, so a reason
// resting on a county's number cites the county's document although the
// rest of the block, and its other bases, come from the city or the nation.
// Without the engine (stock opa test) lib computes the same from data.params.
const SetByKey = "_set_by"

// setBy is {decision: {path: {"code", "basis", "source"}}} for chain (most
// specific first), path being the keys down to a value joined by "/". Each level
// entered in turn from the national one, the most specific level that sets
// a value at a path, or beneath it, is the last to write that path.
func setBy(chain []string, params map[string]any) ast.Object {
	out := map[string]map[string]any{}
	for i := len(chain) - 1; i >= 0; i-- {
		code := chain[i]
		for name, block := range asMap(params[chain[i]]) {
			b := asMap(block)
			if b == nil {
				continue
			}
			if out[name] == nil {
				out[name] = map[string]any{}
			}
			walkValues(b, nil, func(path []string) {
				source, _ := nearestLabel(b, path, "source")
				out[name][strings.Join(path, "/")] = map[string]any{"code": code, "basis": basisOf(b, path, code), "source": source}
			})
		}
	}
	obj := ast.NewObject()
	for _, name := range paramsSortedKeys(out) {
		v, err := ast.InterfaceToValue(out[name])
		if err == nil {
			obj.Insert(ast.StringTerm(name), ast.NewTerm(v))
		}
	}
	return obj
}

// walkValues calls f with the path of every member of obj and of its nested
// objects that holds a value (lists are values as a whole; labels and wording
// describe values and are skipped).
func walkValues(obj map[string]any, at []string, f func([]string)) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if describesValue(k) {
			continue
		}
		path := append(append([]string(nil), at...), k)
		child, isObj := obj[k].(map[string]any)
		if !isObj {
			f(path)
			continue
		}
		if holdsAnyValue(child) {
			f(path)
			walkValues(child, path, f)
		}
	}
}

// describesValue reports keys that describe a value rather than set one: its
// basis, its source, and the wording of texts. lib.label_key is the same rule.
func describesValue(key string) bool {
	return paramLabel(key) || key == "text" || strings.HasSuffix(key, "_text")
}

func holdsAnyValue(obj map[string]any) bool {
	for k, v := range obj {
		if describesValue(k) {
			continue
		}
		if child, ok := v.(map[string]any); !ok || holdsAnyValue(child) {
			return true
		}
	}
	return false
}

// basisOf is the nearest basis above path in one level's block. Where the
// file gives none (the tree check refuses that), its source stands in, so no
// reason is left without a citation.
func basisOf(block map[string]any, path []string, code string) string {
	if b, ok := nearestLabel(block, path, "basis"); ok {
		return b
	}
	source, _ := block["source"].(string)
	return fmt.Sprintf("%s（%s的参数，未注明依据）", source, code)
}

// nearestLabel is the label closest above path: at each object from the
// value up to the block, a string label cites everything beneath it, an
// object label cites the member it names. lib.nearest_label is the same rule.
func nearestLabel(block map[string]any, path []string, label string) (string, bool) {
	for i := len(path); i >= 0; i-- {
		node := block
		for _, k := range path[:i] {
			node = asMap(node[k])
		}
		switch l := node[label].(type) {
		case string:
			return l, true
		case map[string]any:
			if i < len(path) {
				if s, ok := l[path[i]].(string); ok {
					return s, true
				}
			}
		}
	}
	return "", false
}

package engine

import (
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Reads is a query tracer that notes which parts of the input a decision
// read: ground paths under input.enterprise and input.context (directly, via
// the shared data.lib.enterprise, or through object.get with a constant key)
// and input.as_of. It explains decisions; it is not on the normal path.
type Reads struct {
	mu      sync.Mutex
	paths   map[string]bool
	aliases map[ast.Var]string // compiler temporaries bound to an input path
}

var _ topdown.QueryTracer = (*Reads)(nil)

// NewReads returns an empty tracer.
func NewReads() *Reads { return &Reads{paths: map[string]bool{}, aliases: map[ast.Var]string{}} }

func (r *Reads) Enabled() bool               { return true }
func (r *Reads) Config() topdown.TraceConfig { return topdown.TraceConfig{} }
func (r *Reads) TraceEvent(e topdown.Event) {
	if e.Op != topdown.EvalOp {
		return
	}
	expr, ok := e.Node.(*ast.Expr)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	// The compiler binds refs to temporaries (__local3__ = data.lib.enterprise)
	// before using them; remember the binding instead of counting a read of
	// the whole document.
	if expr.IsEquality() || expr.IsAssignment() {
		terms := expr.Operands()
		if v, ok := terms[0].Value.(ast.Var); ok && v.IsGenerated() {
			if ref, ok := terms[1].Value.(ast.Ref); ok {
				if p, ok := r.inputPath(ref); ok {
					r.aliases[v] = p
					if p != "enterprise" && p != "context" {
						r.paths[p] = true
					}
					return
				}
			}
		}
	}
	ast.WalkTerms(expr, func(t *ast.Term) bool {
		switch v := t.Value.(type) {
		case ast.Ref:
			if p, ok := r.inputPath(v); ok {
				r.paths[p] = true
			}
		case ast.Call:
			if p, ok := r.objectGetPath(v); ok {
				r.paths[p] = true
			}
		}
		return false
	})
	if expr.IsCall() {
		if p, ok := r.objectGetPath(ast.Call(expr.Terms.([]*ast.Term))); ok {
			r.paths[p] = true
		}
	}
}

// Paths returns the most specific paths read (a path that is the prefix of
// another is dropped), sorted. A nil Reads has none.
func (r *Reads) Paths() []string {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p := range r.paths {
		covered := false
		for q := range r.paths {
			if q != p && strings.HasPrefix(q, p+".") {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

var libEnterprise = ast.MustParseRef("data.lib.enterprise")

// inputPath turns input.enterprise.x.y or data.lib.enterprise.x.y into
// "enterprise.x.y", keeping the ground string prefix.
func (r *Reads) inputPath(ref ast.Ref) (string, bool) {
	var parts []string
	var rest ast.Ref
	switch head, _ := ref[0].Value.(ast.Var); {
	case r.aliases[head] != "":
		parts, rest = strings.Split(r.aliases[head], "."), ref[1:]
	case ref.HasPrefix(ast.InputRootRef):
		rest = ref[1:]
	case ref.HasPrefix(libEnterprise):
		parts, rest = []string{"enterprise"}, ref[len(libEnterprise):]
	default:
		return "", false
	}
	for _, t := range rest {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		parts = append(parts, string(s))
	}
	if len(parts) == 0 {
		return "", false
	}
	switch parts[0] {
	case "enterprise", "context", "as_of":
		return strings.Join(parts, "."), true
	}
	return "", false
}

// objectGetPath reads object.get(<input path>, "key", default) as a read of
// <input path>.key; compiled calls carry their output as a fifth term.
func (r *Reads) objectGetPath(call ast.Call) (string, bool) {
	if (len(call) != 4 && len(call) != 5) || call[0].String() != "object.get" {
		return "", false
	}
	key, ok := call[2].Value.(ast.String)
	if !ok {
		return "", false
	}
	var p string
	switch base := call[1].Value.(type) {
	case ast.Var:
		p, ok = r.aliases[base], r.aliases[base] != ""
	case ast.Ref:
		p, ok = r.inputPath(base)
	}
	if !ok {
		return "", false
	}
	return p + "." + string(key), true
}

package decision

import (
	"github.com/credpol/credpol/engine"
)

// Explanation says, in terms a caseworker can follow, who decided, which
// rules each reason applies, and which facts the policy read.
type Explanation struct {
	DecidedBy DecidedBy     `json:"decided_by"`
	Reasons   []ReasonRules `json:"reasons"`
	FactsRead []FactRead    `json:"facts_read"`
}

// DecidedBy names the jurisdiction whose policy decided and where it sits on
// the chain asked about.
type DecidedBy struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Level     string `json:"level"`
	Inherited bool   `json:"inherited"` // the policy belongs to an ancestor of the jurisdiction asked about
	Package   string `json:"package"`
}

// ReasonRules lists the rule IDs a reason's basis cites.
type ReasonRules struct {
	Code  string   `json:"code"`
	Rules []string `json:"rules"`
	Basis string   `json:"basis"`
}

// FactRead is one input path the policy read, with its value.
type FactRead struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// RuleIDs lists the rule IDs a reason's basis cites, found by the rule
// prefixes of the serving revision's jurisdiction tree (jurisdictions.json),
// so a county that cites its own documents as XF-1 is recognised without a
// release. Explanations and the policy test cases both read reasons with it.
func (s *Service) RuleIDs(basis string) []string {
	tree := s.Jurisdictions
	if ps := s.Engine.Current(); ps != nil {
		tree = ps.Jurisdictions()
	}
	return tree.RuleIDs(basis)
}

// explain says who decided, the rule IDs each reason cites and the facts read.
func (s *Service) explain(c *call, out *engine.Outcome, reasons []any, reads []string) *Explanation {
	e := &Explanation{Reasons: []ReasonRules{}, FactsRead: []FactRead{}}
	for _, j := range c.place.Chain {
		if j.Code == out.Source {
			e.DecidedBy = DecidedBy{Code: j.Code, Name: j.Name, Level: j.Level, Inherited: j.Code != c.place.Code,
				Package: "j" + j.Code + "." + c.def.Name}
		}
	}
	for _, r := range reasons {
		m, _ := r.(map[string]any)
		code, _ := m["code"].(string)
		basis, _ := m["basis"].(string)
		e.Reasons = append(e.Reasons, ReasonRules{Code: code, Rules: s.RuleIDs(basis), Basis: basis})
	}
	for _, p := range reads {
		if v, ok := valueAt(c.input, p); ok {
			e.FactsRead = append(e.FactsRead, FactRead{Path: "input." + p, Value: v})
		}
	}
	return e
}

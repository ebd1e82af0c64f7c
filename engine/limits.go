package engine

import (
	"fmt"
	"math/big"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// MaxRangeElements bounds the arrays numbers.range and numbers.range_step may
// build in one call. OPA builds them whole before anything can cancel the
// evaluation, so `count(numbers.range(1, 100000000))` would allocate
// gigabytes; a credit rule never needs more than a few thousand numbers.
const MaxRangeElements = 1_000_000

func init() {
	for _, b := range []*ast.Builtin{ast.NumbersRange, ast.NumbersRangeStep} {
		name, original, stepped := b.Name, topdown.GetBuiltin(b.Name), b == ast.NumbersRangeStep
		topdown.RegisterBuiltinFunc(name, func(bctx topdown.BuiltinContext, operands []*ast.Term, iter func(*ast.Term) error) error {
			if n := rangeSize(operands, stepped); n != nil && n.Cmp(big.NewInt(MaxRangeElements)) > 0 {
				return fmt.Errorf("%s: %s numbers is more than the %d one call may produce in credpol", name, n, MaxRangeElements)
			}
			return original(bctx, operands, iter)
		})
	}
}

// rangeSize is how many numbers a range call would produce, or nil when its
// operands are not numbers (the built-in reports that itself). operands may
// end with the call's output term.
func rangeSize(operands []*ast.Term, stepped bool) *big.Int {
	bound := func(i int) *big.Int {
		if i >= len(operands) {
			return nil
		}
		n, ok := operands[i].Value.(ast.Number)
		if !ok {
			return nil
		}
		// Any JSON number form counts: 1e8 and 100000000.0 are the same bound.
		f, ok := new(big.Float).SetString(string(n))
		if !ok || f.IsInf() {
			return nil
		}
		v, _ := f.Int(nil)
		return v
	}
	x, y := bound(0), bound(1)
	if x == nil || y == nil {
		return nil
	}
	span := new(big.Int).Abs(new(big.Int).Sub(y, x))
	step := big.NewInt(1)
	if stepped {
		if step = bound(2); step == nil || step.Sign() <= 0 {
			return nil
		}
	}
	return span.Quo(span, step).Add(span, big.NewInt(1))
}

package engine

import "github.com/open-policy-agent/opa/v1/ast"

// FactsReadByPackage analyses modules the serving compile would refuse, so a
// test can hold the analysis to what it says of them.
func FactsReadByPackage(modules map[string]*ast.Module, pkg string) FactSet {
	c := ast.NewCompiler()
	c.Compile(modules)
	return readersOf(c).reads(pkg)
}

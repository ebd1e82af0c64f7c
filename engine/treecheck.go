package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// Tree is a policy tree as read from disk, before it compiles: what the
// checks below look at.
type Tree struct {
	Files   map[string][]byte      // every policy and data file by path
	Modules map[string]*ast.Module // parsed Rego modules by path
	Docs    map[string]any         // the data documents, merged
}

// treeChecks run on every tree before it compiles, so a mistake a policy
// author can make is reported with its file and line instead of surfacing
// as a wrong answer in production. Each returns the problems it found.
var treeChecks = []func(*Tree) Errors{
	checkInputSchemaFile, checkFieldReads,
	checkTreeData, checkPackages,
	checkParams, checkResultSchemas,
	checkRuleRefs,
}

func checkTree(t *Tree) error {
	var errs Errors
	for _, check := range treeChecks {
		errs = append(errs, check(t)...)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

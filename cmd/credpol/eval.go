package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/verify"
)

type evalOptions struct {
	common
	jurisdiction string
	facts        string
	context      string
	asOf         string
	explain      bool
}

func evalCmd() *cobra.Command {
	o := &evalOptions{}
	cmd := &cobra.Command{
		Use:   "eval DECISION [--jurisdiction CODE] [--facts FILE|-] [--context JSON] [--as-of DATE]",
		Short: "Take one decision offline against the policy tree on disk and print the JSON a server answers",
		Long: "Takes one decision through the same validation, jurisdiction resolution and policy\n" +
			"evaluation as POST /v1/decisions/{name}, without a server or a store, against the policy\n" +
			"tree (default: ./policies). Prints the answer, or the error body a server would send\n" +
			"(and exits non-zero).\n\n" +
			"  credpol eval credit_grade --jurisdiction 230000 --facts facts.json\n" +
			"  echo '{\"public_credit_score\": 795}' | credpol eval credit_grade --jurisdiction 230000 --facts -\n" +
			"  credpol eval registration_change --jurisdiction 440500 --facts f.json --context '{\"application\":{\"kind\":\"change\"}}'",
		Args:    cobra.ExactArgs(1),
		PreRunE: envOverrides,
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	o.register(cmd)
	o.registerTree(cmd)
	f := cmd.Flags()
	f.StringVar(&o.jurisdiction, "jurisdiction", "", "the jurisdiction code to decide in (default: the facts' jurisdiction)")
	f.StringVar(&o.facts, "facts", "", "a JSON file of enterprise facts, or - to read them from standard input")
	f.StringVar(&o.context, "context", "", "the decision's context as JSON, e.g. '{\"trigger\":\"routine\"}'")
	f.StringVar(&o.asOf, "as-of", "", "the decision date YYYY-MM-DD (default: today in Asia/Shanghai)")
	f.BoolVar(&o.explain, "explain", false, "add who decided, the rule IDs of each reason and the facts the policy read, as ?explain=true does")
	return cmd
}

// evalCaller may ask for anything: eval runs on the author's own machine
// against their own files; scopes are the server's business.
var evalCaller = auth.Principal{Name: "credpol eval", Jurisdictions: []string{jurisdiction.National}, Decisions: []string{auth.All}}

func (o *evalOptions) run(cmd *cobra.Command, name string) error {
	ctx := cmd.Context()
	tree, err := o.toolTree(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	facts, err := o.readFacts(cmd.InOrStdin())
	if err != nil {
		return err
	}
	eng := &engine.Engine{}
	if _, err := eng.Load(ctx, tree.fsys); err != nil {
		return fmt.Errorf("the policy tree in %s does not compile:\n%w", tree.path, verify.LocateIn(tree.path, err))
	}
	reg := eng.Jurisdictions() // the tree's own jurisdictions.json
	svc := &decision.Service{Engine: eng, Jurisdictions: reg,
		Validator: enterprise.Validator{KnownJurisdiction: reg.Has, LegacyUSCC: o.legacyUSCC}}
	req := decision.Request{Decision: name, Jurisdiction: o.jurisdiction, AsOf: o.asOf, Facts: facts, Explain: o.explain}
	if o.context != "" {
		req.Context = json.RawMessage(o.context)
	}
	resp, err := svc.Decide(ctx, evalCaller, req)
	out := cmd.OutOrStdout()
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			return err
		}
		// The body a server sends with the error, so a script can read
		// either answer the same way.
		body := map[string]any{"error": evalError{Code: p.Code, Message: p.Message, Details: p.Details}}
		if werr := writeIndented(out, body); werr != nil {
			return werr
		}
		return fmt.Errorf("%s: %s", p.Code, p.Message)
	}
	return writeIndented(out, resp)
}

// evalError is the error body of SPEC §6, without the request id a server adds.
type evalError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func (o *evalOptions) readFacts(stdin io.Reader) (json.RawMessage, error) {
	var raw []byte
	var err error
	switch o.facts {
	case "":
		return nil, nil
	case "-":
		raw, err = io.ReadAll(stdin)
	default:
		raw, err = os.ReadFile(o.facts)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the facts: %w", err)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("the facts in %s are not valid JSON", factsName(o.facts))
	}
	return raw, nil
}

func factsName(f string) string {
	if f == "-" {
		return "standard input"
	}
	return f
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

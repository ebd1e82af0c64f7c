package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// policyCmd is the policy lifecycle from a shell: a draft of the served
// tree, edited as files on disk, checked by the server's gate, reviewed by a
// second person, published, and rolled back. The server does all of it;
// these commands send the requests and show the answers.
func policyCmd() *cobra.Command {
	var o policyOptions
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Change the served policies through a server: drafts, gate, review, publication, rollback",
		Long: "Works with the policy lifecycle of the server logged in to (credpol login):\n" +
			"  id=$(credpol policy draft --jurisdiction 230000 --title \"HLJ-2: B from 800\")\n" +
			"  credpol policy pull live work && $EDITOR work/policies/params/230000/data.json\n" +
			"  credpol policy push $id work && credpol policy status $id --wait 5m\n" +
			"  credpol policy submit $id        # then a reviewer: approve, a publisher: publish\n" +
			"Errors print the server's code and message and exit non-zero.",
	}
	cmd.PersistentFlags().BoolVar(&o.json, "json", false, "print the server's JSON answer as it is")
	cmd.AddCommand(o.draftCmd(), o.pushCmd(), o.statusCmd(), o.diffCmd(), o.submitCmd(), o.reviewCmd(true), o.reviewCmd(false),
		o.publishCmd(), o.rollbackCmd(), o.revisionsCmd(), o.pullCmd(), o.impactCmd())
	return cmd
}

type policyOptions struct {
	json bool
}

// runE adapts fn into a cobra RunE with the session's client. With --json,
// an error the server answered is printed as it came, on standard output.
func (o *policyOptions) runE(fn func(ctx context.Context, c *adminClient, w io.Writer, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := sessionClient()
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		err = fn(cmd.Context(), c, w, args)
		if b := errorBody(err); b != nil && o.json {
			fmt.Fprintf(w, "%s\n", b)
		}
		return err
	}
}

// show prints the server's answer for --json, else what human says.
func (o *policyOptions) show(w io.Writer, raw []byte, human func()) {
	if o.json {
		fmt.Fprintf(w, "%s\n", bytes.TrimSpace(raw))
		return
	}
	human()
}

// The answers these commands read; each field is the server's JSON.
type (
	remoteDraft struct {
		ID           string `json:"id"`
		Jurisdiction string `json:"jurisdiction"`
		Base         int64  `json:"base"`
		Title        string `json:"title"`
		State        string `json:"state"`
		Hash         string `json:"hash"`
	}
	remoteRevision struct {
		Number      int64      `json:"number"`
		Tree        string     `json:"tree"`
		Kind        string     `json:"kind"`
		Author      string     `json:"author"`
		Message     string     `json:"message"`
		DraftID     string     `json:"draft_id"`
		ReviewedBy  string     `json:"reviewed_by"`
		PublishedBy string     `json:"published_by"`
		EffectiveAt time.Time  `json:"effective_at"`
		RollbackOf  int64      `json:"rollback_of"`
		CancelledAt *time.Time `json:"cancelled_at"`
	}
	gateAnswer struct {
		Draft string `json:"draft"`
		Hash  string `json:"hash"`
		State string `json:"state"`
		Gate  struct {
			State  string `json:"state"`
			Report *struct {
				Revision string      `json:"revision"`
				Checks   []gateCheck `json:"checks"`
			} `json:"report"`
		} `json:"gate"`
	}
	gateCheck struct {
		Name     string        `json:"name"`
		Passed   bool          `json:"passed"`
		Ran      int           `json:"ran"`
		Elapsed  time.Duration `json:"elapsed_ns"`
		Problems []gateProblem `json:"problems"`
	}
	gateProblem struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Test    string `json:"test"`
		Message string `json:"message"`
	}
	fileSet struct {
		Hash  string            `json:"hash"`
		Files map[string]string `json:"files"`
	}
)

func draftPath(id string, rest string) string {
	return "/admin/v1/drafts/" + url.PathEscape(id) + rest
}

func (o *policyOptions) draftCmd() *cobra.Command {
	var code, title string
	cmd := &cobra.Command{
		Use:   "draft --jurisdiction CODE --title TITLE",
		Short: "Start a draft from the live revision and print its id",
		Args:  cobra.NoArgs,
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, _ []string) error {
			var d remoteDraft
			raw, err := c.call(ctx, http.MethodPost, "/admin/v1/drafts", map[string]string{"jurisdiction": code, "title": title}, &d)
			if err != nil {
				return err
			}
			o.show(w, raw, func() { fmt.Fprintln(w, d.ID) })
			return nil
		}),
	}
	cmd.Flags().StringVar(&code, "jurisdiction", "", "the jurisdiction subtree the draft changes")
	cmd.Flags().StringVar(&title, "title", "", "what the change is, as the revision's message")
	cmd.MarkFlagRequired("jurisdiction")
	cmd.MarkFlagRequired("title")
	return cmd
}

func (o *policyOptions) pushCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "push DRAFT DIR",
		Short: "Make the draft hold DIR's policies/ and testpolicies/, as one edit",
		Long: "DIR is laid out like a checkout: policies/ and/or testpolicies/ (.rego, .json and .yaml files).\n" +
			"Files whose content differs from the draft's are uploaded; files the draft holds under a\n" +
			"directory DIR has, but DIR lacks, are deleted. A directory DIR lacks is left as it is.",
		Args: cobra.ExactArgs(2),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			id, dir := args[0], args[1]
			local, tops, err := readCheckout(dir)
			if err != nil {
				return err
			}
			var cur fileSet
			raw, err := c.call(ctx, http.MethodGet, draftPath(id, "/files"), nil, &cur)
			if err != nil {
				return err
			}
			edits, written, deleted := pushEdits(cur.Files, local, tops)
			if len(edits) == 0 {
				o.show(w, raw, func() { fmt.Fprintf(w, "nothing to push: draft %s already holds what %s holds\n", id, dir) })
				return nil
			}
			var d remoteDraft
			raw, err = c.call(ctx, http.MethodPost, draftPath(id, "/edits"), map[string]any{"hash": cur.Hash, "edits": edits}, &d)
			if err != nil {
				return err
			}
			o.show(w, raw, func() {
				fmt.Fprintf(w, "draft %s: %d files written, %d deleted; content %s, %s\n", id, written, deleted, short(d.Hash), d.State)
				fmt.Fprintf(w, "the gate checks it now: credpol policy status %s --wait 5m\n", id)
			})
			return nil
		}),
	}
}

// pushEdits turns the draft's files into local's, under the top-level
// directories tops only, in path order.
func pushEdits(draft map[string]string, local map[string][]byte, tops []string) (edits []map[string]any, written, deleted int) {
	paths := make([]string, 0, len(local)+len(draft))
	for p := range local {
		paths = append(paths, p)
	}
	for p := range draft {
		if _, ok := local[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		b, here := local[p]
		old, there := draft[p]
		switch {
		case here && (!there || old != string(b)):
			edits = append(edits, map[string]any{"path": p, "content": string(b)})
			written++
		case !here && slices.ContainsFunc(tops, func(t string) bool { return strings.HasPrefix(p, t) }):
			edits = append(edits, map[string]any{"path": p, "delete": true})
			deleted++
		}
	}
	return edits, written, deleted
}

// treeDirs are the top-level directories a draft holds files under.
var treeDirs = []string{"policies/", "testpolicies/"}

// readCheckout reads the policy files under dir's policies/ and
// testpolicies/ by repository path, and says which of the two dir has.
// Only .rego, .json and .yaml files belong to a tree (Go files beside them
// embed it); hidden files, editors' lock and swap files among them, do not.
func readCheckout(dir string) (map[string][]byte, []string, error) {
	files := map[string][]byte{}
	var tops []string
	for _, top := range treeDirs {
		root := filepath.Join(dir, strings.TrimSuffix(top, "/"))
		if isDir(root) != nil {
			continue
		}
		tops = append(tops, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && p != root {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			switch path.Ext(d.Name()) {
			case ".rego", ".json", ".yaml", ".yml":
			default:
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !utf8.Valid(b) {
				return fmt.Errorf("%s is not UTF-8 text, which a policy file must be", p)
			}
			files[top+filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(tops) == 0 {
		return nil, nil, fmt.Errorf("%s has neither policies/ nor testpolicies/: give the directory that holds them", dir)
	}
	return files, tops, nil
}

func (o *policyOptions) statusCmd() *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "status DRAFT",
		Short: "The gate's verdict on the draft's content; exits non-zero when it failed",
		Args:  cobra.ExactArgs(1),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			deadline := time.Now().Add(wait)
			pause := 200 * time.Millisecond
			for {
				var st gateAnswer
				raw, err := c.call(ctx, http.MethodGet, draftPath(args[0], "/status"), nil, &st)
				if err != nil {
					return err
				}
				if st.Gate.State == "pending" && time.Now().Add(pause).Before(deadline) {
					time.Sleep(pause)
					pause = min(pause*2, 2*time.Second)
					continue
				}
				o.show(w, raw, func() { printGate(w, st) })
				switch {
				case st.Gate.State == "failed":
					return fmt.Errorf("draft %s fails the gate at content %s", args[0], short(st.Hash))
				case st.Gate.State == "pending" && wait > 0:
					return fmt.Errorf("the gate is still checking draft %s after %s", args[0], wait)
				}
				return nil
			}
		}),
	}
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for the gate to finish (e.g. 5m)")
	return cmd
}

func printGate(w io.Writer, st gateAnswer) {
	fmt.Fprintf(w, "draft %s: %s, content %s\n", st.Draft, st.State, short(st.Hash))
	fmt.Fprintf(w, "gate: %s", st.Gate.State)
	r := st.Gate.Report
	if r == nil {
		fmt.Fprintln(w)
		return
	}
	if r.Revision != "" {
		fmt.Fprintf(w, " (policy revision %s)", short(r.Revision))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ch := range r.Checks {
		verdict := "passed"
		if !ch.Passed {
			verdict = "FAILED"
		}
		ran := ""
		if ch.Ran > 0 {
			ran = strconv.Itoa(ch.Ran) + " run"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", ch.Name, verdict, ran, ch.Elapsed.Round(time.Millisecond))
	}
	tw.Flush()
	for _, ch := range r.Checks {
		for _, p := range ch.Problems {
			fmt.Fprintf(w, "  %s: %s\n", ch.Name, p)
		}
	}
}

// String is the problem with its place: file:line, test, message.
func (p gateProblem) String() string {
	var where []string
	if p.File != "" {
		f := p.File
		if p.Line > 0 {
			f += ":" + strconv.Itoa(p.Line)
		}
		where = append(where, f)
	}
	if p.Test != "" {
		where = append(where, p.Test)
	}
	return strings.Join(append(where, p.Message), ": ")
}

func (o *policyOptions) diffCmd() *cobra.Command {
	var against int64
	cmd := &cobra.Command{
		Use:   "diff DRAFT",
		Short: "What the draft changes against its base revision, or --against N",
		Args:  cobra.ExactArgs(1),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			p := draftPath(args[0], "/diff")
			if against != 0 {
				p += "?against=" + strconv.FormatInt(against, 10)
			}
			var out struct {
				Hash    string `json:"hash"`
				Against int64  `json:"against"`
				Files   []struct {
					Path   string `json:"path"`
					Change string `json:"change"`
					Diff   string `json:"diff"`
				} `json:"files"`
			}
			raw, err := c.call(ctx, http.MethodGet, p, nil, &out)
			if err != nil {
				return err
			}
			o.show(w, raw, func() {
				// The hash is what a reviewer approves: approve --hash holds them to it.
				fmt.Fprintf(w, "# draft %s at content %s against revision %d: %d files\n", args[0], out.Hash, out.Against, len(out.Files))
				for _, f := range out.Files {
					fmt.Fprintf(w, "# %s %s\n%s", f.Change, f.Path, f.Diff)
				}
			})
			return nil
		}),
	}
	cmd.Flags().Int64Var(&against, "against", 0, "compare with this revision instead of the draft's base")
	return cmd
}

// contentHash is the hash given, else the draft's current one.
func contentHash(ctx context.Context, c *adminClient, id, given string) (string, error) {
	if given != "" {
		return given, nil
	}
	var d remoteDraft
	if _, err := c.call(ctx, http.MethodGet, draftPath(id, ""), nil, &d); err != nil {
		return "", err
	}
	return d.Hash, nil
}

func (o *policyOptions) submitCmd() *cobra.Command {
	var hash string
	cmd := &cobra.Command{
		Use:   "submit DRAFT",
		Short: "Ask for review of the draft's content (the gate must have passed on it)",
		Args:  cobra.ExactArgs(1),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			h, err := contentHash(ctx, c, args[0], hash)
			if err != nil {
				return err
			}
			var d remoteDraft
			raw, err := c.call(ctx, http.MethodPost, draftPath(args[0], "/submit"), map[string]string{"hash": h}, &d)
			if err != nil {
				return err
			}
			o.show(w, raw, func() { fmt.Fprintf(w, "draft %s %s for review at content %s\n", d.ID, d.State, short(d.Hash)) })
			return nil
		}),
	}
	cmd.Flags().StringVar(&hash, "hash", "", "the content to submit (default: the draft's current content)")
	return cmd
}

// reviewCmd is approve, or with approve false, reject.
func (o *policyOptions) reviewCmd(approve bool) *cobra.Command {
	var hash, comment string
	cmd := &cobra.Command{
		Use:   "approve DRAFT",
		Short: "Approve the submitted draft's content (a reviewer other than its author)",
		Args:  cobra.ExactArgs(1),
	}
	verdict := "approved"
	if !approve {
		cmd.Use, cmd.Short, verdict = "reject DRAFT --comment C", "Send the submitted draft back to its author with a comment", "changes_requested"
	}
	cmd.RunE = o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
		h, err := contentHash(ctx, c, args[0], hash)
		if err != nil {
			return err
		}
		var r struct {
			Reviewer string `json:"reviewer"`
			Verdict  string `json:"verdict"`
			Hash     string `json:"hash"`
		}
		raw, err := c.call(ctx, http.MethodPost, draftPath(args[0], "/reviews"),
			map[string]string{"hash": h, "verdict": verdict, "comment": comment}, &r)
		if err != nil {
			return err
		}
		o.show(w, raw, func() {
			fmt.Fprintf(w, "draft %s: %s by %s at content %s\n", args[0], strings.ReplaceAll(r.Verdict, "_", " "), r.Reviewer, short(r.Hash))
		})
		return nil
	})
	cmd.Flags().StringVar(&hash, "hash", "", "the content reviewed, as diff printed it (default: the draft's current content)")
	cmd.Flags().StringVar(&comment, "comment", "", "what the author should read")
	if !approve {
		cmd.MarkFlagRequired("comment")
	}
	return cmd
}

func (o *policyOptions) publishCmd() *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "publish DRAFT",
		Short: "Publish the approved draft as a new revision, now or --at a time",
		Args:  cobra.ExactArgs(1),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			body := map[string]string{}
			if at != "" {
				body["effective_at"] = at
			}
			var r remoteRevision
			raw, err := c.call(ctx, http.MethodPost, draftPath(args[0], "/publish"), body, &r)
			if err != nil {
				return err
			}
			o.show(w, raw, func() {
				fmt.Fprintf(w, "revision %d published from draft %s (%s): policy revision %s, %s\n",
					r.Number, r.DraftID, r.Message, short(r.Tree), effective(r.EffectiveAt))
			})
			return nil
		}),
	}
	cmd.Flags().StringVar(&at, "at", "", "when it takes effect: RFC 3339, or a date and time in Asia/Shanghai (2026-12-01 00:00); default now")
	return cmd
}

func (o *policyOptions) rollbackCmd() *cobra.Command {
	var to int64
	var reason string
	cmd := &cobra.Command{
		Use:   "rollback --to N --reason R",
		Short: "Serve revision N's content again, as a new revision (no review; publisher role)",
		Args:  cobra.NoArgs,
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, _ []string) error {
			var r remoteRevision
			raw, err := c.call(ctx, http.MethodPost, "/admin/v1/rollback", map[string]any{"to": to, "reason": reason}, &r)
			if err != nil {
				return err
			}
			o.show(w, raw, func() {
				fmt.Fprintf(w, "revision %d: revision %d's content again (%s), %s\n", r.Number, r.RollbackOf, r.Message, effective(r.EffectiveAt))
			})
			return nil
		}),
	}
	cmd.Flags().Int64Var(&to, "to", 0, "the revision whose content serves again")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the record")
	cmd.MarkFlagRequired("to")
	cmd.MarkFlagRequired("reason")
	return cmd
}

func effective(at time.Time) string {
	if at.After(time.Now()) {
		return "takes effect " + at.Local().Format(time.DateTime+" MST")
	}
	return "in effect since " + at.Local().Format(time.DateTime+" MST")
}

func (o *policyOptions) revisionsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revisions",
		Short: "List the revisions, newest first, marking the live one",
		Args:  cobra.NoArgs,
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, _ []string) error {
			var out struct {
				Live      int64            `json:"live"`
				Revisions []remoteRevision `json:"revisions"`
			}
			raw, err := c.call(ctx, http.MethodGet, "/admin/v1/revisions", nil, &out)
			if err != nil {
				return err
			}
			o.show(w, raw, func() {
				slices.SortFunc(out.Revisions, func(a, b remoteRevision) int { return int(b.Number - a.Number) })
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "\tNUMBER\tKIND\tEFFECTIVE\tAUTHOR\tREVIEWED BY\tPUBLISHED BY\tMESSAGE")
				for _, r := range out.Revisions {
					mark := ""
					switch {
					case r.Number == out.Live:
						mark = "live"
					case r.CancelledAt != nil:
						mark = "cancelled"
					case r.EffectiveAt.After(time.Now()):
						mark = "scheduled"
					}
					kind := r.Kind
					if r.RollbackOf != 0 {
						kind += " to " + strconv.FormatInt(r.RollbackOf, 10)
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", mark, r.Number, kind, r.EffectiveAt.Local().Format(time.DateTime),
						r.Author, firstOf(r.ReviewedBy, "-"), r.PublishedBy, oneLine(r.Message))
				}
				tw.Flush()
			})
			return nil
		}),
	}
}

func oneLine(s string) string {
	s, _, cut := strings.Cut(s, "\n")
	if cut || utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		return string(r[:min(len(r), 60)]) + "…"
	}
	return s
}

func (o *policyOptions) pullCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "pull N DIR",
		Short: "Write revision N's files (N a number, or live) to DIR/policies and DIR/testpolicies",
		Long: "Writes every file of the revision under DIR, creating directories. Files already in DIR\n" +
			"that the revision lacks are left there, and named: push would upload them.",
		Args: cobra.ExactArgs(2),
		RunE: o.runE(func(ctx context.Context, c *adminClient, w io.Writer, args []string) error {
			n, dir := args[0], args[1]
			if _, err := strconv.ParseUint(n, 10, 63); err != nil && n != "live" {
				return fmt.Errorf("revision %q: a number, or live", n)
			}
			var out struct {
				Number int64             `json:"number"`
				Files  map[string]string `json:"files"`
			}
			raw, err := c.call(ctx, http.MethodGet, "/admin/v1/revisions/"+n+"/files", nil, &out)
			if err != nil {
				return err
			}
			if err := writeTree(dir, out.Files); err != nil {
				return err
			}
			o.show(w, raw, func() { fmt.Fprintf(w, "revision %d: %d files written to %s\n", out.Number, len(out.Files), dir) })
			local, _, err := readCheckout(dir)
			if err != nil {
				return err
			}
			var extra []string
			for p := range local {
				if _, ok := out.Files[p]; !ok {
					extra = append(extra, p)
				}
			}
			if len(extra) > 0 {
				slices.Sort(extra)
				fmt.Fprintf(os.Stderr, "%s also holds %d files revision %d lacks (push would upload them):\n  %s\n",
					dir, len(extra), out.Number, strings.Join(extra, "\n  "))
			}
			return nil
		}),
	}
}

// writeTree writes files by repository path under dir, refusing any path
// that would land outside policies/ or testpolicies/.
func writeTree(dir string, files map[string]string) error {
	for p, text := range files {
		if !filepath.IsLocal(filepath.FromSlash(p)) || !slices.ContainsFunc(treeDirs, func(t string) bool { return strings.HasPrefix(p, t) }) {
			return fmt.Errorf("the server sent a file outside policies/ and testpolicies/: %q", p)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// short is a content hash as people read it.
func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

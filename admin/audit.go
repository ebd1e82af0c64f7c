package admin

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// Every administrative action the Service carries out is appended to the
// audit log (internal/audit) once it has succeeded. An action whose entry
// cannot be written answers an error: the caller must not believe an
// unrecorded change went through quietly.

// Audit actions.
const (
	ActLogin        = "login"
	ActLoginFailed  = "login.failed"
	ActLogout       = "logout"
	ActUserCreate   = "user.create"
	ActUserDisable  = "user.disable"
	ActUserUpdate   = "user.update"
	ActBundleExport = "bundle.export"
	ActTokenCreate  = "token.create"
	ActTokenRotate  = "token.rotate"
	ActTokenRevoke  = "token.revoke"
	ActDraftCreate  = "draft.create"
	ActDraftEdit    = "draft.edit"
	ActDraftRebase  = "draft.rebase"
	ActDraftAbandon = "draft.abandon"
	ActGatePassed   = "gate.passed"
	ActGateFailed   = "gate.failed"
	ActDraftSubmit  = "draft.submit"
	ActDraftApprove = "draft.approve"
	ActDraftReject  = "draft.request_changes"
	ActPublish      = "revision.publish"
	ActSchedule     = "revision.schedule"
	ActCancel       = "revision.cancel"
	ActRollback     = "revision.rollback"
	ActImpactStart  = "impact.start"
	ActImpactCancel = "impact.cancel"
	// ActRetention records what decision-log retention removed and where the
	// decision log's chain goes on from (written by the store itself).
	ActRetention      = "decision_log.retention"
	ActDeniedSuffix   = ".denied"
	gateActor         = "gate"
	shellActor        = "shell" // a command run on the server itself
	maxAuditActorName = 64
)

// AuditLog appends entries; the store chains them.
type AuditLog interface {
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error)
	SearchAudit(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// Origin is where a request came from, as only the HTTP layer knows it.
type Origin struct {
	Addr      string
	RequestID string
}

type originKey struct{}

// WithOrigin carries the request's origin to the audit entries of the
// actions it asks for.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// Record is one action for the audit log, as the Service describes it.
type Record struct {
	Action       string
	Object       string
	Jurisdiction string
	Before       string // content hash before the action
	After        string // and after
	Details      map[string]any
}

// Audit appends an action done by actor (a user or token name) to the audit
// log, with the request's origin. Packages beside admin that carry out
// actions (admin/impactrun) record them through it.
func (s *Service) Audit(ctx context.Context, actor string, r Record) error {
	e, err := s.auditEntry(ctx, actor, r)
	if err != nil {
		return err
	}
	// The entry is written even when the request was given up: the action
	// it records has happened.
	if _, err := s.Store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		return problem.Wrap(problem.Unavailable, "audit_unavailable",
			fmt.Sprintf("%s was done but its audit entry could not be written; tell an administrator", r.Action), err)
	}
	return nil
}

// auditEntry is the entry of an action, not yet chained.
func (s *Service) auditEntry(ctx context.Context, actor string, r Record) (audit.Entry, error) {
	o, _ := ctx.Value(originKey{}).(Origin)
	e := audit.Entry{At: s.now(), Actor: actor, Source: o.Addr, RequestID: o.RequestID, Action: r.Action,
		Object: r.Object, Jurisdiction: r.Jurisdiction, BeforeHash: r.Before, AfterHash: r.After}
	if len(r.Details) > 0 {
		b, err := json.Marshal(r.Details)
		if err != nil {
			return audit.Entry{}, err
		}
		e.Details = string(b)
	}
	return e, nil
}

// denied records a refusal for want of a permission, and returns it.
func (s *Service) denied(ctx context.Context, u User, r Record, refusal error) error {
	r.Action += ActDeniedSuffix
	if err := s.Audit(ctx, u.Name, r); err != nil {
		return err
	}
	return refusal
}

// auditLogger logs what the background gate could not record.
func auditLogger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}

// actorName is a login's claimed name as it may be recorded: anything that
// is not a valid user name is recorded as such, not stored as given.
func actorName(name string) string {
	if validName(name) {
		return name
	}
	return "(invalid name)"
}

// first is the first subtree of a list, the jurisdiction an entry is filed
// under; its details name them all.
func first(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return codes[0]
}

// fileChanges are the files an action changed, each with its content hash
// before and after ("" where it did not exist): what an auditor compares
// with the revisions' files.
func fileChanges(before, after map[string][]byte) []map[string]string {
	changes := Changes(before, after)
	out := make([]map[string]string, len(changes))
	for i, c := range changes {
		m := map[string]string{"path": c.Path, "change": c.Kind}
		if b, ok := before[c.Path]; ok {
			m["before"] = contentHash(b)
		}
		if b, ok := after[c.Path]; ok {
			m["after"] = contentHash(b)
		}
		out[i] = m
	}
	return out
}

func contentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// validCode is code if it is a jurisdiction code, for filing an entry
// under what a request named.
func validCode(code string) string {
	if jurisdiction.ValidCode(code) {
		return code
	}
	return ""
}

// reach is the jurisdiction an entry about changes is filed under: the one
// subtree root of u's covering every jurisdiction they touch, else national.
func (s *Service) reach(changes []Change, from, to map[string][]byte, u User) string {
	t := touches(changes, from, to)
	for _, root := range u.Jurisdictions {
		if len(t.outside(s.Jurisdictions, []string{root})) == 0 {
			return root
		}
	}
	return National
}

// AuditEntries lists the audit entries q selects that u may read: auditors
// and admins, entries filed under a jurisdiction in their subtrees (and
// those filed under none, such as logins, for the national scope only).
// q.Jurisdictions, when given, narrows to those jurisdictions' subtrees.
func (s *Service) AuditEntries(ctx context.Context, u User, q audit.Query) ([]audit.Entry, error) {
	if !u.Has(Auditor) {
		return nil, forbidden("reading the audit log needs the auditor or admin role")
	}
	within := func(code string) bool {
		for _, root := range q.Jurisdictions {
			if code == root || s.Jurisdictions.Within(code, root) {
				return true
			}
		}
		return len(q.Jurisdictions) == 0
	}
	visible := []string{}
	if u.Covers(s.Jurisdictions, National) && len(q.Jurisdictions) == 0 {
		visible = append(visible, "")
	}
	for _, j := range s.Jurisdictions.All() {
		if u.Covers(s.Jurisdictions, j.Code) && within(j.Code) {
			visible = append(visible, j.Code)
		}
	}
	q.Jurisdictions = visible
	es, err := s.Store.SearchAudit(ctx, q)
	if err != nil {
		return nil, unavailable(err)
	}
	return es, nil
}

// BundleExported records that a revision's policies left as an OPA bundle,
// to an agent polling the bundle service (by names its token) or, with by
// empty, to a file written on the server (to names the destination).
func (s *Service) BundleExported(ctx context.Context, by string, number int64, tree, to string) error {
	object := "tree/" + tree
	if number > 0 {
		object = fmt.Sprintf("revision/%d", number)
	}
	return s.Audit(ctx, cmp.Or(by, shellActor), Record{Action: ActBundleExport, Object: object, After: tree,
		Details: map[string]any{"to": to}})
}

package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/problem"
)

// Submit asks for review of the draft at its current content. The gate must
// have passed on exactly that content, and the draft must change something.
func (s *Service) Submit(ctx context.Context, u User, id, expectHash string) (Draft, error) {
	d, err := s.editable(ctx, u, id, expectHash)
	if err != nil {
		return Draft{}, err
	}
	if d.State != Open && d.State != ChangesRequested {
		return Draft{}, problem.New(problem.Conflict, "draft_not_open", fmt.Sprintf("draft %s is %s, not open", d.ID, d.State))
	}
	if _, err := s.changed(ctx, d); err != nil {
		return Draft{}, err
	}
	if err := s.gatePassed(ctx, d); err != nil {
		return Draft{}, err
	}
	d.State, d.UpdatedAt = Submitted, s.now()
	if err := s.Store.UpdateDraft(ctx, d, d.Hash); err != nil {
		return Draft{}, draftChanged(err, expectHash)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: ActDraftSubmit, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, After: d.Hash}); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// changed returns what the draft changes against its base, refusing a draft
// that changes nothing.
func (s *Service) changed(ctx context.Context, d Draft) (touched, error) {
	base, err := s.baseFiles(ctx, d)
	if err != nil {
		return touched{}, err
	}
	changes := Changes(base, d.Files)
	if len(changes) == 0 {
		return touched{}, problem.New(problem.Conflict, "no_changes", fmt.Sprintf("draft %s changes nothing against revision %d", d.ID, d.Base))
	}
	return touches(changes, base, d.Files), nil
}

// gatePassed refuses a draft whose content has not passed the gate, with the
// failing checks.
func (s *Service) gatePassed(ctx context.Context, d Draft) error {
	g, err := s.gateOf(ctx, d)
	if err != nil {
		return err
	}
	switch g.State {
	case GatePassed:
		return nil
	case GatePending:
		return problem.New(problem.Conflict, "gate_pending", "the gate is still checking this content; try again when its status is passed")
	}
	var failing []GateCheck
	if g.Report != nil {
		for _, c := range g.Report.Checks {
			if !c.Passed {
				failing = append(failing, c)
			}
		}
	}
	names := make([]string, len(failing))
	for i, c := range failing {
		names[i] = c.Name
	}
	return problem.New(problem.Conflict, "gate_failed", "the draft fails the gate: "+strings.Join(names, ", ")).
		WithDetails(map[string]any{"checks": failing})
}

// Verdicts a reviewer gives.
const (
	Approve        = "approved"
	RequestChanges = "changes_requested"
)

// ReviewDraft records a reviewer's verdict on the submitted draft at content
// expectHash. The reviewer must not be its author and must cover every
// jurisdiction the draft changes; an approval holds for that content only.
func (s *Service) ReviewDraft(ctx context.Context, u User, id, expectHash, verdict, comment string, comments []Comment) (Review, error) {
	d, err := s.Draft(ctx, u, id)
	if err != nil {
		return Review{}, err
	}
	denied := Record{Action: ActDraftApprove, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, After: d.Hash}
	if verdict == RequestChanges {
		denied.Action = ActDraftReject
	}
	if !u.Has(Reviewer) {
		return Review{}, s.denied(ctx, u, denied, forbidden("reviewing needs the reviewer role"))
	}
	if u.Name == d.Author {
		return Review{}, s.denied(ctx, u, denied, problem.New(problem.Forbidden, "four_eyes", "the author of a draft cannot review it: a second person must"))
	}
	if verdict != Approve && verdict != RequestChanges {
		return Review{}, problem.New(problem.Invalid, "invalid_verdict", "verdict is approved or changes_requested")
	}
	if err := validText("comment", comment, 10000, verdict == RequestChanges && len(comments) == 0); err != nil {
		return Review{}, err
	}
	if len(comments) > 500 {
		return Review{}, problem.New(problem.TooLarge, "too_many_comments", "at most 500 comments per review")
	}
	for _, c := range comments {
		if _, ok := d.Files[c.Path]; !ok {
			return Review{}, fileNotFound(c.Path)
		}
		if err := validText("comment", c.Body, 10000, true); err != nil {
			return Review{}, err
		}
		if c.Line < 0 || c.Line > strings.Count(string(d.Files[c.Path]), "\n")+1 {
			return Review{}, problem.New(problem.Invalid, "invalid_line", fmt.Sprintf("%s has no line %d", c.Path, c.Line))
		}
	}
	if d.State != Submitted {
		return Review{}, problem.New(problem.Conflict, "draft_not_submitted", fmt.Sprintf("draft %s is %s; only a submitted draft is reviewed", d.ID, d.State))
	}
	if expectHash != d.Hash {
		return Review{}, draftChanged(ErrConflict, expectHash)
	}
	t, err := s.changed(ctx, d)
	if err != nil {
		return Review{}, err
	}
	if out := t.outside(s.Jurisdictions, u.Jurisdictions); len(out) > 0 {
		return Review{}, problem.New(problem.Forbidden, "file_out_of_scope",
			fmt.Sprintf("%s may not review changes to %s: outside their jurisdiction subtree", u.Name, strings.Join(out, ", "))).
			WithDetails(map[string]any{"files": out})
	}
	if verdict == Approve {
		if err := s.gatePassed(ctx, d); err != nil {
			return Review{}, err
		}
	}
	r := Review{ID: uuid.NewString(), DraftID: d.ID, Hash: d.Hash, Reviewer: u.Name, Verdict: verdict,
		Comment: comment, Comments: comments, At: s.now()}
	state := Approved
	if verdict == RequestChanges {
		state = ChangesRequested
	}
	if err := s.Store.AddReview(ctx, r, state, d.Hash); err != nil {
		return Review{}, draftChanged(err, expectHash)
	}
	action := ActDraftApprove
	if verdict == RequestChanges {
		action = ActDraftReject
	}
	if err := s.Audit(ctx, u.Name, Record{Action: action, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, After: d.Hash,
		Details: map[string]any{"review": r.ID, "comment": comment, "comments": comments}}); err != nil {
		return Review{}, err
	}
	return r, nil
}

// Reviews lists a draft's reviews, oldest first.
func (s *Service) Reviews(ctx context.Context, u User, id string) ([]Review, error) {
	if _, err := s.Draft(ctx, u, id); err != nil {
		return nil, err
	}
	rs, err := s.Store.Reviews(ctx, id)
	if err != nil {
		return nil, unavailable(err)
	}
	return rs, nil
}

// Publish makes an approved draft a revision, effective now or at a later
// time. The approval must be for the draft's current content, the gate must
// have passed on it, and the draft must be based on the live revision.
func (s *Service) Publish(ctx context.Context, u User, id string, at *time.Time) (Revision, error) {
	d, err := s.Draft(ctx, u, id)
	if err != nil {
		return Revision{}, err
	}
	if !u.Has(Publisher) {
		return Revision{}, s.denied(ctx, u, Record{Action: ActPublish, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, After: d.Hash},
			forbidden("publishing needs the publisher role"))
	}
	t, err := s.changed(ctx, d)
	if err != nil {
		return Revision{}, err
	}
	if out := t.outside(s.Jurisdictions, u.Jurisdictions); len(out) > 0 {
		return Revision{}, outOfScope(u.Name, out)
	}
	if d.State != Approved {
		return Revision{}, problem.New(problem.Conflict, "not_approved", fmt.Sprintf("draft %s is %s; only an approved draft is published", d.ID, d.State))
	}
	approval, err := s.approval(ctx, d)
	if err != nil {
		return Revision{}, err
	}
	if err := s.gatePassed(ctx, d); err != nil {
		return Revision{}, err
	}
	g, err := s.Store.GateResult(ctx, d.Hash)
	if err != nil || g.Report == nil || g.Report.Revision == "" {
		return Revision{}, problem.Wrap(problem.Internal, "gate_incomplete", "the gate's verdict names no revision", err)
	}
	live, err := s.live(ctx)
	if err != nil {
		return Revision{}, err
	}
	if d.Base != live.Number {
		return Revision{}, problem.New(problem.Conflict, "draft_stale",
			fmt.Sprintf("draft %s is based on revision %d but %d is live; rebase it (the approval will be needed again)", d.ID, d.Base, live.Number))
	}
	now := s.now()
	effective := now
	if at != nil {
		if at.Before(now.Add(-time.Minute)) {
			return Revision{}, problem.New(problem.Invalid, "effective_in_past", "effective_at is in the past; leave it out to publish now")
		}
		if at.After(now.Add(maxSchedule)) {
			return Revision{}, problem.New(problem.Invalid, "effective_too_late",
				fmt.Sprintf("effective_at is more than %d days ahead; schedule nearer, or publish later", int(maxSchedule.Hours()/24)))
		}
		if at.After(now) {
			effective = at.UTC()
		}
	}
	if err := s.noPending(ctx, now); err != nil {
		return Revision{}, err
	}
	tree, tests := Split(d.Files)
	r := Revision{Tree: g.Report.Revision, Tests: HashFiles(tests), Parent: live.Number, Kind: Publish, Author: d.Author,
		Message: d.Title, DraftID: d.ID, DraftHash: d.Hash, ReviewedBy: approval.Reviewer, PublishedBy: u.Name,
		CreatedAt: now, EffectiveAt: effective}
	action := ActPublish
	if effective.After(now) {
		action = ActSchedule
	}
	e, err := s.auditEntry(ctx, u.Name, Record{Action: action, Jurisdiction: d.Jurisdiction,
		Before: live.Tree, After: r.Tree, Details: map[string]any{"draft": d.ID, "draft_hash": d.Hash, "author": d.Author,
			"reviewed_by": approval.Reviewer, "review": approval.ID, "parent": live.Number, "effective_at": r.EffectiveAt, "tests": r.Tests}})
	if err != nil {
		return Revision{}, err
	}
	r.Audit = &e
	return s.publish(ctx, r, tree, tests, nil)
}

// RevisionObject names a numbered revision in the audit log.
func RevisionObject(n int64) string { return fmt.Sprintf("revision/%d", n) }

// maxSchedule is how far ahead a publication may be scheduled: a notice
// takes effect within months, and nothing should wait on a typo's year 9999.
const maxSchedule = 2 * 366 * 24 * time.Hour

// approval returns the review approving the draft's current content.
func (s *Service) approval(ctx context.Context, d Draft) (Review, error) {
	rs, err := s.Store.Reviews(ctx, d.ID)
	if err != nil {
		return Review{}, unavailable(err)
	}
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Verdict != Approve || rs[i].Hash != d.Hash {
			continue
		}
		// An approval holds while its reviewer does: a revoked account's
		// word no longer counts.
		switch u, err := s.Store.User(ctx, rs[i].Reviewer); {
		case err == nil && !u.Disabled:
			return rs[i], nil
		case err != nil && !errors.Is(err, ErrNotFound):
			return Review{}, unavailable(err)
		}
	}
	return Review{}, problem.New(problem.Conflict, "approval_stale",
		"no approval by a current reviewer covers the draft's current content; submit it for review again")
}

func (s *Service) noPending(ctx context.Context, now time.Time) error {
	pending, err := s.Store.PendingRevisions(ctx, now)
	if err != nil {
		return unavailable(err)
	}
	if len(pending) > 0 {
		p := pending[0]
		return problem.New(problem.Conflict, "publication_pending",
			fmt.Sprintf("revision %d is scheduled for %s, and was drafted before this one: publish after it, or cancel it (POST /admin/v1/revisions/%d/cancel)",
				p.Number, p.EffectiveAt.In(s.zone()).Format(time.RFC3339), p.Number))
	}
	return nil
}

func (s *Service) publish(ctx context.Context, r Revision, tree, tests map[string][]byte, cancel []int64) (Revision, error) {
	out, err := s.Store.PublishRevision(ctx, r, tree, tests, cancel)
	switch {
	case errors.Is(err, ErrConflict):
		return Revision{}, problem.New(problem.Conflict, "publication_raced", "another publication or edit came first; load the draft and the live revision again")
	case err != nil:
		return Revision{}, problem.Wrap(problem.Unavailable, "store_unavailable", "the store did not take the publication; nothing changed", err)
	}
	return out, nil
}

// Rollback makes an earlier revision's content live again as a new revision:
// history only grows. It needs a reason and the publisher role over every
// jurisdiction it changes, and no review (it is the emergency path, recorded
// as such). Publications scheduled for later are cancelled.
func (s *Service) Rollback(ctx context.Context, u User, to int64, reason string) (Revision, error) {
	if !u.Has(Publisher) {
		return Revision{}, s.denied(ctx, u, Record{Action: ActRollback, Object: RevisionObject(to)}, forbidden("rolling back needs the publisher role"))
	}
	if err := validText("reason", reason, 2000, true); err != nil {
		return Revision{}, err
	}
	target, err := s.Revision(ctx, to)
	if err != nil {
		return Revision{}, err
	}
	if target.CancelledAt != nil || target.EffectiveAt.After(s.now()) {
		return Revision{}, problem.New(problem.Conflict, "never_live",
			fmt.Sprintf("revision %d has never been live; a rollback returns to a revision that served", to))
	}
	live, err := s.live(ctx)
	if err != nil {
		return Revision{}, err
	}
	from, err := s.RevisionFiles(ctx, live)
	if err != nil {
		return Revision{}, err
	}
	files, err := s.RevisionFiles(ctx, target)
	if err != nil {
		return Revision{}, err
	}
	changes := Changes(from, files)
	if len(changes) == 0 {
		return Revision{}, problem.New(problem.Conflict, "already_live", fmt.Sprintf("revision %d's content is live already (revision %d)", to, live.Number))
	}
	if out := touches(changes, from, files).outside(s.Jurisdictions, u.Jurisdictions); len(out) > 0 {
		return Revision{}, outOfScope(u.Name, out)
	}
	now := s.now()
	pending, err := s.Store.PendingRevisions(ctx, now)
	if err != nil {
		return Revision{}, unavailable(err)
	}
	var cancel []int64
	for _, p := range pending {
		cancel = append(cancel, p.Number)
	}
	tree, tests := Split(files)
	r := Revision{Tree: target.Tree, Tests: target.Tests, Parent: live.Number, Kind: Rollback, Author: u.Name,
		Message: reason, PublishedBy: u.Name, CreatedAt: now, EffectiveAt: now, RollbackOf: to, CancelledBy: u.Name}
	e, err := s.auditEntry(ctx, u.Name, Record{Action: ActRollback, Jurisdiction: s.reach(changes, from, files, u),
		Before: live.Tree, After: r.Tree, Details: map[string]any{"reason": reason, "rollback_of": to, "parent": live.Number,
			"cancelled": cancel, "files": fileChanges(from, files)}})
	if err != nil {
		return Revision{}, err
	}
	r.Audit = &e
	return s.publish(ctx, r, tree, tests, cancel)
}

// CancelScheduled cancels a publication waiting for its effective time. It
// needs the publisher role over every jurisdiction the revision changes,
// and a reason.
func (s *Service) CancelScheduled(ctx context.Context, u User, n int64, reason string) (Revision, error) {
	if !u.Has(Publisher) {
		return Revision{}, s.denied(ctx, u, Record{Action: ActCancel, Object: RevisionObject(n)}, forbidden("cancelling a publication needs the publisher role"))
	}
	if err := validText("reason", reason, 2000, true); err != nil {
		return Revision{}, err
	}
	r, err := s.Revision(ctx, n)
	if err != nil {
		return Revision{}, err
	}
	now := s.now()
	if r.CancelledAt != nil || !r.EffectiveAt.After(now) {
		return Revision{}, problem.New(problem.Conflict, "not_scheduled", fmt.Sprintf("revision %d is not waiting for its time", n))
	}
	parent, err := s.Revision(ctx, r.Parent)
	if err != nil {
		return Revision{}, err
	}
	from, err := s.RevisionFiles(ctx, parent)
	if err != nil {
		return Revision{}, err
	}
	files, err := s.RevisionFiles(ctx, r)
	if err != nil {
		return Revision{}, err
	}
	changes := Changes(from, files)
	if out := touches(changes, from, files).outside(s.Jurisdictions, u.Jurisdictions); len(out) > 0 {
		return Revision{}, outOfScope(u.Name, out)
	}
	switch err := s.Store.CancelRevision(ctx, n, u.Name, reason, now); {
	case errors.Is(err, ErrConflict):
		return Revision{}, problem.New(problem.Conflict, "not_scheduled", fmt.Sprintf("revision %d took effect or was cancelled meanwhile", n))
	case err != nil:
		return Revision{}, unavailable(err)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: ActCancel, Object: RevisionObject(n), Jurisdiction: s.reach(changes, from, files, u),
		After: r.Tree, Details: map[string]any{"reason": reason, "effective_at": r.EffectiveAt}}); err != nil {
		return Revision{}, err
	}
	return s.Revision(ctx, n)
}

// Revisions lists every revision, newest first.
func (s *Service) Revisions(ctx context.Context) ([]Revision, error) {
	rs, err := s.Store.Revisions(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	return rs, nil
}

// Revision returns revision n.
func (s *Service) Revision(ctx context.Context, n int64) (Revision, error) {
	r, err := s.Store.Revision(ctx, n)
	if errors.Is(err, ErrNotFound) {
		return Revision{}, problem.New(problem.NotFound, "revision_not_found", fmt.Sprintf("no revision %d", n))
	}
	if err != nil {
		return Revision{}, unavailable(err)
	}
	return r, nil
}

// Live is the revision serving now.
func (s *Service) Live(ctx context.Context) (Revision, error) { return s.live(ctx) }

func (s *Service) live(ctx context.Context) (Revision, error) {
	r, err := s.Store.LiveRevision(ctx, s.now())
	if errors.Is(err, ErrNotFound) {
		return Revision{}, problem.New(problem.Unavailable, "no_live_revision", "no revision has been published yet")
	}
	if err != nil {
		return Revision{}, unavailable(err)
	}
	return r, nil
}

// Bootstrap makes tree and tests revision 1 of a store that has none, and
// returns the live revision either way. treeRevision is the tree's content
// hash as the engine computes it.
func (s *Service) Bootstrap(ctx context.Context, tree, tests map[string][]byte, treeRevision, author string) (Revision, bool, error) {
	rs, err := s.Store.Revisions(ctx)
	if err != nil {
		return Revision{}, false, unavailable(err)
	}
	if len(rs) > 0 {
		live, err := s.live(ctx)
		return live, false, err
	}
	now := s.now()
	r := Revision{Tree: treeRevision, Tests: HashFiles(tests), Kind: Initial, Author: author,
		Message: "the policy tree this store started from", PublishedBy: author, CreatedAt: now, EffectiveAt: now}
	r, err = s.publish(ctx, r, tree, tests, nil)
	if err != nil {
		// Another replica starting at the same moment made revision 1.
		if live, lerr := s.live(ctx); lerr == nil {
			return live, false, nil
		}
		return Revision{}, false, err
	}
	return r, true, nil
}

// RevisionTree is the tree (content hash) of revision n, for decisions
// pinned to it.
func (s *Service) RevisionTree(ctx context.Context, n int64) (string, error) {
	r, err := s.Revision(ctx, n)
	return r.Tree, err
}

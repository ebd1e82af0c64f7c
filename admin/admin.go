// Package admin is the policy lifecycle: the people who change policies and
// their roles, drafts of the policy tree, the gate every draft passes, review
// by a second person, publication now or on a date, and rollback. It holds
// the rules of that workflow only: HTTP is api/server's, rows are storage's,
// compiling and testing a tree is admin/gate's, and keeping a server on the
// live revision is admin/replica's.
package admin

import (
	"context"
	"errors"
	"time"

	"github.com/credpol/credpol/internal/jurisdiction"
)

// Store keeps the lifecycle's records. Methods that change a draft take the
// content hash the caller last saw and fail with ErrConflict when another
// change came first; PublishRevision writes the revision, its files and the
// draft's new state in one transaction and tells every replica.
type Store interface {
	CreateUser(ctx context.Context, u User) error
	User(ctx context.Context, name string) (User, error)
	Users(ctx context.Context) ([]User, error)
	LoginFailed(ctx context.Context, name string, lockAfter int, lock func(failures int) time.Time) error
	LoginSucceeded(ctx context.Context, name string) error
	DisableUser(ctx context.Context, name string) error
	UpdateUser(ctx context.Context, name string, roles []Role, jurisdictions []string) error
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, hash string) (Session, error)
	RevokeSessions(ctx context.Context, user string, hash string, at time.Time) error

	Revisions(ctx context.Context) ([]Revision, error)
	Revision(ctx context.Context, number int64) (Revision, error)
	// LiveRevision is the published revision with the latest effective time
	// not after now (the higher number on a tie), cancelled ones aside.
	LiveRevision(ctx context.Context, now time.Time) (Revision, error)
	// PendingRevisions are the published revisions effective after now.
	PendingRevisions(ctx context.Context, now time.Time) ([]Revision, error)
	PolicyFiles(ctx context.Context, hash string) (map[string][]byte, error)
	// PublishRevision numbers r (one more than the highest), stores it with
	// its files, cancels the revisions in cancel, and marks the draft (when
	// r.DraftID is set) published, if its content hash is still r.DraftHash;
	// r.Audit, when set, is appended to the audit log in the same transaction.
	PublishRevision(ctx context.Context, r Revision, tree, tests map[string][]byte, cancel []int64) (Revision, error)
	// CancelRevision cancels revision n if it is still scheduled after at.
	CancelRevision(ctx context.Context, n int64, by, reason string, at time.Time) error

	CreateDraft(ctx context.Context, d Draft) error
	Draft(ctx context.Context, id string) (Draft, error)
	// Drafts lists every draft without its files.
	Drafts(ctx context.Context) ([]Draft, error)
	UpdateDraft(ctx context.Context, d Draft, expectHash string) error

	GateResult(ctx context.Context, hash string) (GateResult, error)
	SaveGateResult(ctx context.Context, g GateResult) error

	AddReview(ctx context.Context, r Review, state State, expectHash string) error
	Reviews(ctx context.Context, draftID string) ([]Review, error)

	AuditLog
}

// ErrNotFound and ErrConflict are the store's sentinels: no such record, and
// a change that lost a race (a duplicate key, a content hash that moved on).
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Service runs the lifecycle.
type Service struct {
	Store Store
	// Tokens are the API tokens admins manage.
	Tokens TokenStore
	// Gate checks a draft's files; its verdicts are kept per content hash.
	Gate Checker
	// Jurisdictions is the serving revision's tree, for scope checks.
	Jurisdictions *jurisdiction.Registry
	// Zone is where a publication time without an offset is read
	// (Asia/Shanghai when nil).
	Zone *time.Location
	Now  func() time.Time

	gate *gateRunner
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) zone() *time.Location {
	if s.Zone != nil {
		return s.Zone
	}
	return shanghai
}

// shanghai is China Standard Time. A fixed zone, so servers without the
// tz database read publication times the same way; China keeps no DST.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

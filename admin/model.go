package admin

import (
	"slices"
	"time"

	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/jurisdiction"
)

// Role is what a user may do, within their jurisdiction subtrees.
type Role string

const (
	Viewer    Role = "viewer"    // read drafts, revisions and gate results
	Editor    Role = "editor"    // create and change drafts, submit them
	Reviewer  Role = "reviewer"  // approve or send back another person's draft
	Publisher Role = "publisher" // publish approved drafts, roll back
	Auditor   Role = "auditor"   // read the audit log, revisions and decisions; change nothing
	Admin     Role = "admin"     // all of the above, and users and API tokens
)

// Roles lists every role, in the order of the help text.
var Roles = []Role{Viewer, Editor, Reviewer, Publisher, Auditor, Admin}

// User is a person working on policies.
type User struct {
	Name string
	// PasswordHash is an argon2id hash in PHC form; the password is never kept.
	PasswordHash  string
	Roles         []Role
	Jurisdictions []string // roots of the subtrees the user works in
	CreatedAt     time.Time
	// FailedLogins counts consecutive failures; LockedUntil stops logins after too many.
	FailedLogins int
	LockedUntil  time.Time
	Disabled     bool
	// CreatedBy is the admin who created the user ("" for the shell on the server).
	CreatedBy string
}

// Has reports whether u holds role r; an admin holds every role.
func (u User) Has(r Role) bool {
	return slices.Contains(u.Roles, r) || slices.Contains(u.Roles, Admin)
}

// Covers reports whether code lies in one of u's subtrees.
func (u User) Covers(reg *jurisdiction.Registry, code string) bool {
	for _, root := range u.Jurisdictions {
		if code == root || reg.Within(code, root) {
			return true
		}
	}
	return false
}

// Session is a login. Only the SHA-256 of its token is kept.
type Session struct {
	Hash      string
	User      string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// Revision kinds.
const (
	Initial  = "initial"  // the tree a new store starts from
	Publish  = "publish"  // an approved draft
	Rollback = "rollback" // an earlier revision's content again, without review
)

// Revision is an immutable snapshot of the whole policy tree and its
// regression suite, and the record of its publication.
type Revision struct {
	Number int64  `json:"number"`
	Tree   string `json:"tree"`  // content hash of the policy files: the revision decisions report
	Tests  string `json:"tests"` // content hash of the regression suite
	Parent int64  `json:"parent,omitempty"`
	Kind   string `json:"kind"`
	Author string `json:"author"`
	// Message says what changed; for a rollback it is the reason.
	Message      string     `json:"message"`
	DraftID      string     `json:"draft_id,omitempty"`
	DraftHash    string     `json:"-"`
	ReviewedBy   string     `json:"reviewed_by,omitempty"`
	PublishedBy  string     `json:"published_by"`
	CreatedAt    time.Time  `json:"created_at"`
	EffectiveAt  time.Time  `json:"effective_at"`
	RollbackOf   int64      `json:"rollback_of,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	// Audit is the entry recording the publication, written by the store in
	// its transaction with the object "revision/<its number>".
	Audit *audit.Entry `json:"-"`
}

// State is where a draft stands.
type State string

const (
	Open             State = "open"              // being edited
	Submitted        State = "submitted"         // waiting for review
	Approved         State = "approved"          // approved at its current content
	ChangesRequested State = "changes_requested" // sent back by a reviewer
	Published        State = "published"         // became a revision
	Abandoned        State = "abandoned"         // given up by its author; kept for the record
)

// Draft is a working copy of the tree, based on a live revision and scoped to
// one jurisdiction subtree. Files are whole, by repository path
// (policies/…, testpolicies/…); Hash is their content hash.
type Draft struct {
	ID           string
	Jurisdiction string
	Base         int64
	Author       string
	Title        string
	State        State
	Hash         string
	Files        map[string][]byte
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Revision     int64 // the revision it became, once published
}

// Review is a reviewer's verdict on a draft at one content hash.
type Review struct {
	ID       string    `json:"id"`
	DraftID  string    `json:"draft_id"`
	Hash     string    `json:"hash"`
	Reviewer string    `json:"reviewer"`
	Verdict  string    `json:"verdict"` // approved or changes_requested
	Comment  string    `json:"comment,omitempty"`
	Comments []Comment `json:"comments,omitempty"`
	At       time.Time `json:"at"`
}

// Comment is a remark on one file, and on one line of it where given.
type Comment struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	Body string `json:"body"`
}

package admin

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/problem"
)

// HashFiles is the content hash of a set of files: SHA-256 over each path
// and content in path order, lengths included so no two sets collide by
// concatenation.
func HashFiles(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	var n [8]byte
	for _, name := range names {
		binary.BigEndian.PutUint64(n[:], uint64(len(name)))
		h.Write(n[:])
		h.Write([]byte(name))
		binary.BigEndian.PutUint64(n[:], uint64(len(files[name])))
		h.Write(n[:])
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RevisionFiles returns a revision's whole tree by repository path.
func (s *Service) RevisionFiles(ctx context.Context, r Revision) (map[string][]byte, error) {
	out := map[string][]byte{}
	for prefix, hash := range map[string]string{PoliciesDir: r.Tree, TestsDir: r.Tests} {
		files, err := s.Store.PolicyFiles(ctx, hash)
		if err != nil {
			return nil, unavailable(err)
		}
		for name, b := range files {
			out[prefix+name] = b
		}
	}
	return out, nil
}

// Split separates a working copy into the policy tree and the regression
// suite, each by its own path.
func Split(files map[string][]byte) (tree, tests map[string][]byte) {
	tree, tests = map[string][]byte{}, map[string][]byte{}
	for name, b := range files {
		if rest, ok := strings.CutPrefix(name, PoliciesDir); ok {
			tree[rest] = b
		} else if rest, ok := strings.CutPrefix(name, TestsDir); ok {
			tests[rest] = b
		}
	}
	return tree, tests
}

// CreateDraft starts a draft for a jurisdiction subtree from the live revision.
func (s *Service) CreateDraft(ctx context.Context, u User, code, title string) (Draft, error) {
	if !u.Has(Editor) {
		return Draft{}, s.denied(ctx, u, Record{Action: ActDraftCreate, Jurisdiction: validCode(code)}, forbidden("creating a draft needs the editor role"))
	}
	if !s.Jurisdictions.Has(code) {
		return Draft{}, problem.New(problem.Invalid, "unknown_jurisdiction", fmt.Sprintf("no jurisdiction %q in the serving tree", code))
	}
	if !u.Covers(s.Jurisdictions, code) {
		return Draft{}, s.denied(ctx, u, Record{Action: ActDraftCreate, Jurisdiction: code}, forbidden(fmt.Sprintf("jurisdiction %s is outside your scope", code)))
	}
	if err := validText("title", title, 200, true); err != nil {
		return Draft{}, err
	}
	if err := s.draftQuota(ctx, u); err != nil {
		return Draft{}, err
	}
	live, err := s.live(ctx)
	if err != nil {
		return Draft{}, err
	}
	files, err := s.RevisionFiles(ctx, live)
	if err != nil {
		return Draft{}, err
	}
	now := s.now()
	d := Draft{ID: uuid.NewString(), Jurisdiction: code, Base: live.Number, Author: u.Name, Title: title,
		State: Open, Hash: HashFiles(files), Files: files, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateDraft(ctx, d); err != nil {
		return Draft{}, unavailable(err)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: ActDraftCreate, Object: "draft/" + d.ID, Jurisdiction: code, After: d.Hash,
		Details: map[string]any{"title": title, "base": live.Number}}); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// maxOpenDrafts bounds the unpublished drafts one author keeps: each holds
// a whole tree and is checked by the gate on every save.
const maxOpenDrafts = 20

func (s *Service) draftQuota(ctx context.Context, u User) error {
	all, err := s.Store.Drafts(ctx)
	if err != nil {
		return unavailable(err)
	}
	open := 0
	for _, d := range all {
		if d.Author == u.Name && d.State != Published && d.State != Abandoned {
			open++
		}
	}
	if open >= maxOpenDrafts {
		return problem.New(problem.Conflict, "too_many_drafts",
			fmt.Sprintf("you have %d unpublished drafts, the most one author keeps; finish or publish some first", open))
	}
	return nil
}

// Draft returns a draft the user may see: one of a jurisdiction in their scope.
func (s *Service) Draft(ctx context.Context, u User, id string) (Draft, error) {
	d, err := s.Store.Draft(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Draft{}, draftNotFound(id)
	}
	if err != nil {
		return Draft{}, unavailable(err)
	}
	if !u.Covers(s.Jurisdictions, d.Jurisdiction) {
		return Draft{}, draftNotFound(id) // another subtree's drafts are not even named
	}
	return d, nil
}

// Drafts lists the drafts the user may see, newest first.
func (s *Service) Drafts(ctx context.Context, u User) ([]Draft, error) {
	all, err := s.Store.Drafts(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	var out []Draft
	for _, d := range all {
		if u.Covers(s.Jurisdictions, d.Jurisdiction) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].UpdatedAt.After(out[k].UpdatedAt) })
	return out, nil
}

// Edit is one change to a draft's files: Content is written to Path, or
// Delete removes it, or RenameTo moves it (with Content, to new content).
type Edit struct {
	Path     string
	Content  []byte
	Delete   bool
	RenameTo string
}

// EditDraft applies edits to the draft whose content hash is still
// expectHash, as one change. Only its author edits a draft, and only files of
// jurisdictions inside both the draft's and the author's subtree. Any edit
// voids a submission or approval: the draft is open again.
func (s *Service) EditDraft(ctx context.Context, u User, id, expectHash string, edits []Edit) (Draft, error) {
	d, err := s.editable(ctx, u, id, expectHash)
	if err != nil {
		return Draft{}, err
	}
	if len(edits) == 0 {
		return Draft{}, problem.New(problem.Invalid, "no_edits", "give at least one file to write, delete or rename")
	}
	files := make(map[string][]byte, len(d.Files))
	for p, b := range d.Files {
		files[p] = b
	}
	for _, e := range edits {
		if err := validPath(e.Path); err != nil {
			return Draft{}, err
		}
		switch {
		case e.RenameTo != "":
			if err := validPath(e.RenameTo); err != nil {
				return Draft{}, err
			}
			b, ok := files[e.Path]
			if !ok {
				return Draft{}, fileNotFound(e.Path)
			}
			if _, taken := files[e.RenameTo]; taken {
				return Draft{}, problem.New(problem.Conflict, "file_exists", fmt.Sprintf("file %q already exists", e.RenameTo))
			}
			if e.Content != nil {
				b = e.Content
			}
			delete(files, e.Path)
			files[e.RenameTo] = b
		case e.Delete:
			if _, ok := files[e.Path]; !ok {
				return Draft{}, fileNotFound(e.Path)
			}
			delete(files, e.Path)
		default:
			files[e.Path] = e.Content
		}
		for _, p := range []string{e.Path, e.RenameTo} {
			if b, ok := files[p]; ok && p != "" {
				if err := validContent(p, b); err != nil {
					return Draft{}, err
				}
			}
		}
	}
	if err := validTree(files); err != nil {
		return Draft{}, err
	}
	base, err := s.baseFiles(ctx, d)
	if err != nil {
		return Draft{}, err
	}
	t := touches(Changes(base, files), base, files)
	if out := t.outside(s.Jurisdictions, []string{d.Jurisdiction}); len(out) > 0 {
		return Draft{}, outOfScope("draft for "+d.Jurisdiction, out)
	}
	if out := t.outside(s.Jurisdictions, u.Jurisdictions); len(out) > 0 {
		return Draft{}, s.denied(ctx, u, Record{Action: ActDraftEdit, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction,
			Before: d.Hash, Details: map[string]any{"files": out}}, outOfScope(u.Name, out))
	}
	return s.save(ctx, u, ActDraftEdit, d, files, expectHash)
}

// save stores a draft's new files, open again, records the change and
// queues the gate on them.
func (s *Service) save(ctx context.Context, u User, action string, d Draft, files map[string][]byte, expectHash string) (Draft, error) {
	old, oldFiles := d.Hash, d.Files
	d.Files, d.Hash, d.State, d.UpdatedAt = files, HashFiles(files), Open, s.now()
	if err := s.Store.UpdateDraft(ctx, d, old); err != nil {
		return Draft{}, draftChanged(err, expectHash)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: action, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, Before: old,
		After: d.Hash, Details: map[string]any{"files": fileChanges(oldFiles, files), "base": d.Base}}); err != nil {
		return Draft{}, err
	}
	if _, err := s.gateOf(ctx, d); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// editable returns the draft if u may change it now.
func (s *Service) editable(ctx context.Context, u User, id, expectHash string) (Draft, error) {
	d, err := s.Draft(ctx, u, id)
	if err != nil {
		return Draft{}, err
	}
	switch {
	case !u.Has(Editor):
		return Draft{}, forbidden("changing a draft needs the editor role")
	case d.Author != u.Name:
		return Draft{}, forbidden(fmt.Sprintf("only the draft's author (%s) changes it", d.Author))
	case d.State == Published:
		return Draft{}, problem.New(problem.Conflict, "draft_published", fmt.Sprintf("draft %s is already revision %d; start a new draft", d.ID, d.Revision))
	case d.State == Abandoned:
		return Draft{}, problem.New(problem.Conflict, "draft_abandoned", fmt.Sprintf("draft %s was abandoned; start a new draft", d.ID))
	case expectHash == "":
		return Draft{}, problem.New(problem.Invalid, "hash_required", "say which content you edited: give the draft's hash (If-Match or \"hash\")")
	case expectHash != d.Hash:
		return Draft{}, draftChanged(ErrConflict, expectHash)
	}
	return d, nil
}

func (s *Service) baseFiles(ctx context.Context, d Draft) (map[string][]byte, error) {
	base, err := s.Store.Revision(ctx, d.Base)
	if err != nil {
		return nil, unavailable(err)
	}
	return s.RevisionFiles(ctx, base)
}

// AbandonDraft gives a draft up: it is kept, but no longer edited, reviewed
// or published, and no longer counts against its author's drafts.
func (s *Service) AbandonDraft(ctx context.Context, u User, id, expectHash string) (Draft, error) {
	d, err := s.editable(ctx, u, id, expectHash)
	if err != nil {
		return Draft{}, err
	}
	d.State, d.UpdatedAt = Abandoned, s.now()
	if err := s.Store.UpdateDraft(ctx, d, d.Hash); err != nil {
		return Draft{}, draftChanged(err, expectHash)
	}
	if err := s.Audit(ctx, u.Name, Record{Action: ActDraftAbandon, Object: "draft/" + d.ID, Jurisdiction: d.Jurisdiction, Before: d.Hash}); err != nil {
		return Draft{}, err
	}
	return d, nil
}

// Rebase moves a draft onto the live revision: a file the draft did not
// change takes the live content, one live did not change keeps the draft's;
// a file both changed differently is a conflict and nothing is moved.
func (s *Service) Rebase(ctx context.Context, u User, id, expectHash string) (Draft, error) {
	d, err := s.editable(ctx, u, id, expectHash)
	if err != nil {
		return Draft{}, err
	}
	live, err := s.live(ctx)
	if err != nil {
		return Draft{}, err
	}
	if live.Number == d.Base {
		return d, nil
	}
	base, err := s.baseFiles(ctx, d)
	if err != nil {
		return Draft{}, err
	}
	theirs, err := s.RevisionFiles(ctx, live)
	if err != nil {
		return Draft{}, err
	}
	merged, conflicts := merge(base, d.Files, theirs)
	if len(conflicts) > 0 {
		return Draft{}, problem.New(problem.Conflict, "rebase_conflict",
			fmt.Sprintf("revision %d and this draft both changed %s; resolve them in the draft against revision %d", live.Number, strings.Join(conflicts, ", "), live.Number)).
			WithDetails(map[string]any{"files": conflicts, "live": live.Number})
	}
	d.Base = live.Number
	return s.save(ctx, u, ActDraftRebase, d, merged, expectHash)
}

// merge is a three-way merge by whole file.
func merge(base, ours, theirs map[string][]byte) (map[string][]byte, []string) {
	out := map[string][]byte{}
	var conflicts []string
	seen := map[string]bool{}
	for _, set := range []map[string][]byte{base, ours, theirs} {
		for p := range set {
			if seen[p] {
				continue
			}
			seen[p] = true
			b, inB := base[p]
			o, inO := ours[p]
			t, inT := theirs[p]
			same := func(x []byte, inX bool, y []byte, inY bool) bool { return inX == inY && string(x) == string(y) }
			switch {
			case same(o, inO, b, inB): // we did not change it: take theirs
				if inT {
					out[p] = t
				}
			case same(t, inT, b, inB), same(o, inO, t, inT): // they did not, or both did alike
				if inO {
					out[p] = o
				}
			default:
				conflicts = append(conflicts, p)
			}
		}
	}
	sort.Strings(conflicts)
	return out, conflicts
}

// Status is the gate's verdict on the draft's current content, queueing the
// check if it has not run.
func (s *Service) Status(ctx context.Context, u User, id string) (Draft, GateResult, error) {
	d, err := s.Draft(ctx, u, id)
	if err != nil {
		return Draft{}, GateResult{}, err
	}
	g, err := s.gateOf(ctx, d)
	return d, g, err
}

// DraftChanges lists what the draft changes against a revision (its base when
// against is 0).
func (s *Service) DraftChanges(ctx context.Context, u User, id string, against int64) (Draft, map[string][]byte, []Change, error) {
	d, err := s.Draft(ctx, u, id)
	if err != nil {
		return Draft{}, nil, nil, err
	}
	if against == 0 {
		against = d.Base
	}
	r, err := s.Revision(ctx, against)
	if err != nil {
		return Draft{}, nil, nil, err
	}
	other, err := s.RevisionFiles(ctx, r)
	if err != nil {
		return Draft{}, nil, nil, err
	}
	return d, other, Changes(other, d.Files), nil
}

func draftNotFound(id string) error {
	return problem.New(problem.NotFound, "draft_not_found", fmt.Sprintf("no draft %q", id))
}

func fileNotFound(p string) error {
	return problem.New(problem.NotFound, "file_not_found", fmt.Sprintf("the draft has no file %q", p))
}

func draftChanged(err error, expectHash string) error {
	if !errors.Is(err, ErrConflict) {
		return unavailable(err)
	}
	return problem.New(problem.Conflict, "draft_changed",
		fmt.Sprintf("the draft changed since content %s was read; load it again and redo the edit", short(expectHash)))
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// validText says what is wrong with a free-text field.
func validText(field, v string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return problem.New(problem.Invalid, "invalid_"+field, field+" is required")
	case len(v) > max:
		return problem.New(problem.Invalid, "invalid_"+field, fmt.Sprintf("%s is at most %d bytes", field, max))
	case strings.ContainsRune(v, 0) || !utf8.ValidString(v):
		return problem.New(problem.Invalid, "invalid_"+field, field+" must be UTF-8 text without NUL")
	}
	return nil
}

// Package evidence builds the case file an administrative review (行政复议)
// needs for one decision, and checks one offline: a ZIP holding the decision
// log entry, the complete policy tree it was made under with the record of
// who published that tree, the entry's place in the tamper-evident log, the
// decision taken again under that tree, a report in Chinese for people, and
// a manifest of every file's SHA-256 signed with the server's Ed25519 key.
package evidence

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/problem"
)

// Sources are where a package's parts come from.
type Sources interface {
	DecisionRecord(ctx context.Context, id string) (decisionlog.Record, error)
	PolicyFiles(ctx context.Context, revision string) (map[string][]byte, error)
	Revisions(ctx context.Context) ([]admin.Revision, error)
	// DecisionProof is the row as stored, with its hash, and its batch's
	// record (nil for a row logged before the chain).
	DecisionProof(ctx context.Context, id string) (decisionlog.StoredEntry, *decisionlog.Batch, error)
	SearchAudit(ctx context.Context, q audit.Query) ([]audit.Entry, error)
}

// The files of a package, in the order they are written.
const (
	DecisionFile    = "decision.json"    // the decision log entry as stored
	ReplayFile      = "replay.json"      // the decision taken again under its tree
	PublicationFile = "publication.json" // the numbered revisions that served the tree
	AuditFile       = "audit.json"       // the audit entries that made them: drafting, the gate, review, publication
	ChainFile       = "chain.json"       // the entry's hash and its batch record
	ReportFile      = "report.html"      // for people, in Chinese
	PolicyDir       = "policies/"        // the complete tree
	ManifestFile    = "manifest.json"
	SignatureFile   = "manifest.sig" // Ed25519 over manifest.json, raw bytes
)

// Manifest lists every other file of a package with its SHA-256.
type Manifest struct {
	DecisionID string    `json:"decision_id"`
	CreatedAt  time.Time `json:"created_at"`
	Revision   string    `json:"revision"`
	PublicKey  []byte    `json:"public_key"` // Ed25519, the key that signed it
	Files      []Listed  `json:"files"`
}

// Listed is one file of a package and its hash.
type Listed struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
}

// Replay is the decision taken again under the tree it was made under.
type Replay struct {
	Same       bool                 `json:"same"`
	Evaluation *decision.Evaluation `json:"evaluation,omitempty"`
	Error      string               `json:"error,omitempty"`
}

// Chain is the entry's place in the tamper-evident log.
type Chain struct {
	EntryHash   string             `json:"entry_hash,omitempty"`
	StoredHash  string             `json:"stored_hash,omitempty"`
	EntryIntact bool               `json:"entry_intact"`
	Batch       *decisionlog.Batch `json:"batch,omitempty"`
	Note        string             `json:"note,omitempty"`
}

// ErrNoDecision is returned for an id the log does not hold.
var ErrNoDecision = errors.New("no such decision in the log")

// Build writes the package of decision id to w, signed with key.
func Build(ctx context.Context, src Sources, id string, key ed25519.PrivateKey, now time.Time, w io.Writer) error {
	rec, err := src.DecisionRecord(ctx, id)
	if errors.Is(err, decisionlog.ErrRecordNotFound) {
		return ErrNoDecision
	} else if err != nil {
		return err
	}
	files, err := src.PolicyFiles(ctx, rec.Revision)
	if err != nil {
		return fmt.Errorf("the policy tree %s the decision was made under: %w", rec.Revision, err)
	}
	revisions, err := src.Revisions(ctx)
	if err != nil {
		return err
	}
	var published []admin.Revision
	for _, r := range revisions {
		if r.Tree == rec.Revision {
			published = append(published, r)
		}
	}
	trail, err := auditTrail(ctx, src, published)
	if err != nil {
		return err
	}
	entry, batch, err := src.DecisionProof(ctx, id)
	if err != nil {
		return err
	}
	chain := Chain{EntryHash: entry.Hash(), StoredHash: entry.StoredHash, Batch: batch}
	chain.EntryIntact = chain.StoredHash != "" && chain.EntryHash == chain.StoredHash
	if batch == nil {
		chain.Note = "logged before the decision log was chained: no batch record covers it"
	}
	replay := Replay{}
	if ps, err := engine.Compile(ctx, engine.FilesFS(files), engine.Options{Archived: true}); err != nil {
		replay.Error = "the tree does not compile: " + err.Error()
	} else if ev, err := decision.DecideLogged(ctx, ps, rec); err != nil {
		replay.Error = err.Error()
	} else {
		replay.Evaluation = &ev
		replay.Same = sameJSON(ev.Result, rec.Result) && sameJSON(ev.Reasons, rec.Reasons)
	}

	parts := []part{}
	add := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		parts = append(parts, part{name, append(b, '\n')})
		return err
	}
	if err := errors.Join(add(DecisionFile, rec), add(ReplayFile, replay), add(PublicationFile, published), add(AuditFile, trail), add(ChainFile, chain)); err != nil {
		return err
	}
	report, err := renderReport(reportData{Record: rec, Replay: replay, Published: published, Audit: trail, Chain: chain, Files: len(files), Created: now})
	if err != nil {
		return err
	}
	parts = append(parts, part{ReportFile, report})
	for _, name := range sortedKeys(files) {
		parts = append(parts, part{PolicyDir + name, files[name]})
	}

	m := Manifest{DecisionID: rec.ID, CreatedAt: now.UTC(), Revision: rec.Revision, PublicKey: key.Public().(ed25519.PublicKey)}
	for _, p := range parts {
		sum := sha256.Sum256(p.data)
		m.Files = append(m.Files, Listed{Path: p.name, SHA256: hex.EncodeToString(sum[:]), Size: len(p.data)})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	parts = append(parts, part{ManifestFile, manifest}, part{SignatureFile, ed25519.Sign(key, manifest)})

	zw := zip.NewWriter(w)
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: now.UTC()})
		if err != nil {
			return err
		}
		if _, err := f.Write(p.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// auditTrail is every audit entry about the revisions that served the tree:
// the revision itself, the draft it was published from (creation, edits,
// submission, review, publication) and the gate's verdict on that content,
// in the order they were written.
func auditTrail(ctx context.Context, src Sources, published []admin.Revision) ([]audit.Entry, error) {
	var objects []string
	for _, r := range published {
		objects = append(objects, admin.RevisionObject(r.Number))
		if r.DraftID != "" {
			objects = append(objects, "draft/"+r.DraftID)
		}
		if r.DraftHash != "" {
			objects = append(objects, "content/"+r.DraftHash)
		}
	}
	trail := []audit.Entry{}
	for _, o := range objects {
		entries, err := src.SearchAudit(ctx, audit.Query{Object: o, Limit: 1000})
		if err != nil {
			return nil, err
		}
		trail = append(trail, entries...)
	}
	slices.SortFunc(trail, func(a, b audit.Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	return slices.CompactFunc(trail, func(a, b audit.Entry) bool { return a.Seq == b.Seq }), nil
}

type part struct {
	name string
	data []byte
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sameJSON compares two values as JSON documents.
func sameJSON(a, b any) bool {
	var x, y any
	ab, err1 := json.Marshal(a)
	bb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil || json.Unmarshal(ab, &x) != nil || json.Unmarshal(bb, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// Checked is what Verify found.
type Checked struct {
	DecisionID string    `json:"decision_id"`
	Revision   string    `json:"revision"`
	CreatedAt  time.Time `json:"created_at"`
	// KeyFingerprint is the SHA-256 of the signing public key, hex: compare
	// it with the one the server publishes (credpol evidence key).
	KeyFingerprint string `json:"key_fingerprint"`
	Files          int    `json:"files"`
}

// Fingerprint is a public key's SHA-256, hex.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// Verify checks a package offline: the manifest's signature (by trusted,
// or by the key the manifest names when trusted is nil), every file's hash
// and size, and that no file is missing or added.
func Verify(r io.ReaderAt, size int64, trusted ed25519.PublicKey) (Checked, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return Checked{}, fmt.Errorf("not a ZIP file: %w", err)
	}
	contents := map[string][]byte{}
	for _, f := range zr.File {
		if _, dup := contents[f.Name]; dup {
			return Checked{}, fmt.Errorf("%s is in the package twice", f.Name)
		}
		if f.UncompressedSize64 > 64<<20 {
			return Checked{}, fmt.Errorf("%s is larger than any file a package holds", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			return Checked{}, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20+1))
		rc.Close()
		if err != nil {
			return Checked{}, fmt.Errorf("%s: %w", f.Name, err)
		}
		contents[f.Name] = b
	}
	manifest, sig := contents[ManifestFile], contents[SignatureFile]
	if manifest == nil || sig == nil {
		return Checked{}, errors.New("the package has no signed manifest (manifest.json, manifest.sig)")
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil {
		return Checked{}, fmt.Errorf("manifest.json: %w", err)
	}
	key := trusted
	if key == nil {
		key = ed25519.PublicKey(m.PublicKey)
	}
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, manifest, sig) {
		return Checked{}, errors.New("the manifest's signature does not verify: manifest.json was changed, or signed by another key")
	}
	if !bytes.Equal(key, m.PublicKey) {
		return Checked{}, errors.New("the manifest names another key than the one that signed it")
	}
	listed := map[string]bool{ManifestFile: true, SignatureFile: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		b, ok := contents[f.Path]
		if !ok {
			return Checked{}, fmt.Errorf("%s is listed in the manifest but missing", f.Path)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || len(b) != f.Size {
			return Checked{}, fmt.Errorf("%s was changed: its SHA-256 is not the manifest's", f.Path)
		}
	}
	for name := range contents {
		if !listed[name] || path.Clean(name) != name {
			return Checked{}, fmt.Errorf("%s is in the package but not in the manifest", name)
		}
	}
	return Checked{DecisionID: m.DecisionID, Revision: m.Revision, CreatedAt: m.CreatedAt,
		KeyFingerprint: Fingerprint(key), Files: len(m.Files)}, nil
}

// Service builds packages for people: only auditors and admins, and only
// for decisions taken in their jurisdiction subtree.
type Service struct {
	Sources Sources
	// Key signs the packages; when nil, it is read from KeyFile (created
	// there if missing) at the first package, so a server that never
	// builds one never writes a key.
	Key           ed25519.PrivateKey
	KeyFile       string
	Jurisdictions *jurisdiction.Registry
	Now           func() time.Time

	mu sync.Mutex
}

func (s *Service) key() (ed25519.PrivateKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Key == nil {
		key, err := LoadKey(s.KeyFile)
		if err != nil {
			return nil, err
		}
		s.Key = key
	}
	return s.Key, nil
}

// Package writes decision id's package for u. A decision outside u's scope
// is reported as not found: its existence is not theirs to learn.
func (s *Service) Package(ctx context.Context, u admin.User, id string, w io.Writer) error {
	if !u.Has(admin.Auditor) && !u.Has(admin.Admin) {
		return problem.New(problem.Forbidden, "forbidden", "an evidence package needs the auditor or admin role")
	}
	notFound := problem.New(problem.NotFound, "decision_not_found", "no logged decision with that id in your jurisdictions")
	if uuid.Validate(id) != nil {
		return notFound
	}
	rec, err := s.Sources.DecisionRecord(ctx, id)
	if errors.Is(err, decisionlog.ErrRecordNotFound) || (err == nil && !u.Covers(s.Jurisdictions, rec.Jurisdiction)) {
		return notFound
	} else if err != nil {
		return err
	}
	key, err := s.key()
	if err != nil {
		return err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	return Build(ctx, s.Sources, id, key, now, w)
}

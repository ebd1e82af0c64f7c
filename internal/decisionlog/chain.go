package decisionlog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"time"
)

// The stored log is tamper-evident. Rows are too many to wait each for the
// previous one's hash, so the batches are chained instead: each row carries
// the hash of its own content and the number of the batch it was written
// in; each batch records how many rows it wrote, the root over their hashes
// and the hash of the batch before it. Changing a row, deleting one,
// changing or deleting a batch record, or reordering batches then shows in
// Verify, at its position. Rewriting the whole chain from some point on
// does not: anchor the head elsewhere (the audit log, a printout) for that.

// Entry is a stored row as its hash covers it: every column, the JSON ones
// in the encoding the writer produced (Stored reads them back to it).
type Entry struct {
	ID           string
	LoggedAt     time.Time // to the microsecond, as the store keeps it
	Caller       string
	Decision     string
	Jurisdiction string
	Source       string
	EnterpriseID *string
	AsOf         string
	Revision     string
	RequestID    *string
	Input        string
	Result       string
	Reasons      string
	LatencyUs    int64
}

// Hash is the entry's content hash, hex: SHA-256 over every field, each
// length-prefixed so no two entries encode alike.
func (e Entry) Hash() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	optional := func(s *string) {
		if s == nil {
			h.Write([]byte{0})
			return
		}
		h.Write([]byte{1})
		field(*s)
	}
	field(e.ID)
	field(e.LoggedAt.UTC().Format(time.RFC3339Nano))
	field(e.Caller)
	field(e.Decision)
	field(e.Jurisdiction)
	field(e.Source)
	optional(e.EnterpriseID)
	field(e.AsOf)
	field(e.Revision)
	optional(e.RequestID)
	field(e.Input)
	field(e.Result)
	field(e.Reasons)
	binary.BigEndian.PutUint64(n[:], uint64(e.LatencyUs))
	h.Write(n[:])
	return hex.EncodeToString(h.Sum(nil))
}

// Batch is one write of rows to the store, as recorded in the chain.
type Batch struct {
	Seq       int64     `json:"seq"`
	WrittenAt time.Time `json:"written_at"` // to the microsecond
	Entries   int       `json:"entries"`
	// FirstLogged and LastLogged bound the rows' logged_at, so retention
	// knows which batches it removed whole.
	FirstLogged time.Time `json:"first_logged"`
	LastLogged  time.Time `json:"last_logged"`
	Root        string    `json:"root"` // Root of the rows' hashes
	Prev        string    `json:"prev"` // the previous batch's Hash; "" for the first
	Hash        string    `json:"hash"`
}

// Root is the hash over a batch's entry hashes, in sorted order: the rows
// of a batch have no order of their own in the store.
func Root(entryHashes []string) string {
	sorted := slices.Clone(entryHashes)
	slices.Sort(sorted)
	h := sha256.New()
	for _, e := range sorted {
		h.Write([]byte(e))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ComputeHash is the batch's hash over its other fields.
func (b Batch) ComputeHash() string {
	s := fmt.Sprintf("%d\n%s\n%d\n%s\n%s\n%s\n%s\n", b.Seq, b.WrittenAt.UTC().Format(time.RFC3339Nano), b.Entries,
		b.FirstLogged.UTC().Format(time.RFC3339Nano), b.LastLogged.UTC().Format(time.RFC3339Nano), b.Root, b.Prev)
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// NextBatch chains the entries written now after prev (nil for the first
// batch): their batch record, with every hash set, and each entry's hash.
func NextBatch(prev *Batch, entries []Entry, at time.Time) (Batch, []string) {
	b := Batch{Seq: 1, WrittenAt: at.UTC().Round(time.Microsecond), Entries: len(entries)}
	if prev != nil {
		b.Seq, b.Prev = prev.Seq+1, prev.Hash
	}
	hashes := make([]string, len(entries))
	for i, e := range entries {
		hashes[i] = e.Hash()
		if i == 0 || e.LoggedAt.Before(b.FirstLogged) {
			b.FirstLogged = e.LoggedAt
		}
		if i == 0 || e.LoggedAt.After(b.LastLogged) {
			b.LastLogged = e.LoggedAt
		}
	}
	b.Root = Root(hashes)
	b.Hash = b.ComputeHash()
	return b, hashes
}

// StoredEntry is a row as read back: its content and the hash written with it.
type StoredEntry struct {
	Entry
	StoredHash string
}

// ChainStore reads the chain back for Verify.
type ChainStore interface {
	// DecisionBatches lists batch records with a sequence number above
	// after, in order, at most limit.
	DecisionBatches(ctx context.Context, after int64, limit int) ([]Batch, error)
	// BatchEntries returns the rows written in batch seq.
	BatchEntries(ctx context.Context, seq int64) ([]StoredEntry, error)
	// ChainCut is where retention last cut the log (nil when it never did).
	ChainCut(ctx context.Context) (*Cut, error)
	// UnchainedDecisions counts rows with no batch (logged before the
	// chain existed) and rows naming a batch that has no record.
	UnchainedDecisions(ctx context.Context) (before, orphaned int64, err error)
}

// Cut is what retention removed: every row logged before Before, and the
// batches all of whose rows those were, the last of them LastSeq with hash
// LastHash (0 and "" when no batch went whole). The chain goes on from it.
type Cut struct {
	Before   time.Time
	LastSeq  int64
	LastHash string
}

// Finding is one departure from the chain, at its position.
type Finding struct {
	Batch   int64  `json:"batch"`
	Entry   string `json:"entry,omitempty"` // the row's id, when one row is at fault
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Kinds of finding.
const (
	EntryAltered   = "entry_altered"   // a row's content no longer matches its hash
	EntriesChanged = "entries_changed" // the rows of a batch are not those it wrote: removed, added or rewritten with their hashes
	BatchAltered   = "batch_altered"   // a batch record no longer matches its hash
	ChainBroken    = "chain_broken"    // a batch does not follow the one before it: a batch removed, reordered or rewritten
	Orphaned       = "orphaned"        // rows name a batch that has no record
	Rewritten      = "rewritten"       // a batch's hash is not the one recorded outside the database
	Truncated      = "truncated"       // a batch recorded outside the database is gone
)

// ChainReport is what Verify checked and found.
type ChainReport struct {
	Batches   int64     `json:"batches"`
	Entries   int64     `json:"entries"`
	Pruned    int64     `json:"partly_pruned_batches"` // batches retention removed rows of
	Unchained int64     `json:"unchained_entries"`     // rows logged before the chain existed
	Head      string    `json:"head,omitempty"`        // the last batch's hash
	HeadSeq   int64     `json:"head_seq,omitempty"`
	Findings  []Finding `json:"findings"`
}

// OK says whether nothing was found.
func (r ChainReport) OK() bool { return len(r.Findings) == 0 }

// Verify walks every batch from the start (or retention's cut), checking
// each row against its hash, each batch's rows against its root and count,
// each batch against its hash, and each batch against the one before it.
// Batches written outside [from, to) are checked as links only (zero times
// bound nothing). Anchors are batch hashes (seq → hash) copied outside the
// database earlier: whoever can write to it can rewrite a whole chain, but
// not what was recorded elsewhere.
func Verify(ctx context.Context, st ChainStore, from, to time.Time, anchors map[int64]string) (ChainReport, error) {
	rep := ChainReport{Findings: []Finding{}}
	cut, err := st.ChainCut(ctx)
	if err != nil {
		return rep, err
	}
	var prev *Batch
	if cut != nil && cut.LastSeq > 0 {
		prev = &Batch{Seq: cut.LastSeq, Hash: cut.LastHash}
	}
	for after := int64(0); ; {
		if prev != nil {
			after = prev.Seq
		}
		batches, err := st.DecisionBatches(ctx, after, 500)
		if err != nil {
			return rep, err
		}
		if len(batches) == 0 {
			break
		}
		for i := range batches {
			b := batches[i]
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			rep.Batches++
			rep.Head, rep.HeadSeq = b.Hash, b.Seq
			if b.ComputeHash() != b.Hash {
				rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: BatchAltered,
					Message: fmt.Sprintf("batch %d: its record does not match its hash", b.Seq)})
			}
			switch {
			case prev == nil && (b.Seq != 1 || b.Prev != ""):
				rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: ChainBroken,
					Message: fmt.Sprintf("batch %d is the first one found, but the chain starts at batch 1: the batches before it were removed", b.Seq)})
			case prev != nil && b.Seq != prev.Seq+1:
				rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: ChainBroken,
					Message: fmt.Sprintf("batch %d follows batch %d: batches %d to %d were removed", b.Seq, prev.Seq, prev.Seq+1, b.Seq-1)})
			case prev != nil && b.Prev != prev.Hash:
				rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: ChainBroken,
					Message: fmt.Sprintf("batch %d does not follow the record of batch %d: one of them was rewritten", b.Seq, prev.Seq)})
			}
			if a := anchors[b.Seq]; a != "" && a != b.Hash {
				rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: Rewritten,
					Message: fmt.Sprintf("batch %d's hash is %s, not %s as recorded outside the database: the chain was rewritten at or before batch %d", b.Seq, b.Hash, a, b.Seq)})
			}
			prev = &batches[i]
			if (!from.IsZero() && b.WrittenAt.Before(from)) || (!to.IsZero() && !b.WrittenAt.Before(to)) {
				continue
			}
			if err := verifyEntries(ctx, st, b, cut, &rep); err != nil {
				return rep, err
			}
		}
	}
	for _, seq := range slices.Sorted(maps.Keys(anchors)) {
		if seq > rep.HeadSeq {
			rep.Findings = append(rep.Findings, Finding{Batch: seq, Kind: Truncated,
				Message: fmt.Sprintf("batch %d, recorded outside the database, is gone: the chain ends at batch %d", seq, rep.HeadSeq)})
			break
		}
	}
	before, orphaned, err := st.UnchainedDecisions(ctx)
	if err != nil {
		return rep, err
	}
	rep.Unchained = before
	if orphaned > 0 {
		rep.Findings = append(rep.Findings, Finding{Kind: Orphaned,
			Message: fmt.Sprintf("%d rows name a batch that has no record: the batch record was removed", orphaned)})
	}
	return rep, nil
}

func verifyEntries(ctx context.Context, st ChainStore, b Batch, cut *Cut, rep *ChainReport) error {
	entries, err := st.BatchEntries(ctx, b.Seq)
	if err != nil {
		return err
	}
	rep.Entries += int64(len(entries))
	hashes := make([]string, len(entries))
	altered := false
	for i, e := range entries {
		hashes[i] = e.Hash()
		if hashes[i] != e.StoredHash {
			altered = true
			rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Entry: e.ID, Kind: EntryAltered,
				Message: fmt.Sprintf("decision %s (batch %d): its content no longer matches its hash", e.ID, b.Seq)})
		}
	}
	if len(entries) < b.Entries && cut != nil && b.FirstLogged.Before(cut.Before) {
		rep.Pruned++ // retention removed the rows of this batch logged before its cut
		return nil
	}
	// A row found altered already explains a root that differs.
	if len(entries) != b.Entries || (!altered && Root(hashes) != b.Root) {
		msg := fmt.Sprintf("batch %d wrote %d decisions; %d are there", b.Seq, b.Entries, len(entries))
		if len(entries) == b.Entries {
			msg = fmt.Sprintf("batch %d: its %d decisions are not the ones it wrote (one was rewritten with its hash, or replaced)", b.Seq, b.Entries)
		}
		rep.Findings = append(rep.Findings, Finding{Batch: b.Seq, Kind: EntriesChanged, Message: msg})
	}
	return nil
}

// Package audit owns the audit log's entries and their hash chain: what one
// administrative action records, the canonical hash over it and the entry
// before it, and Verify, which walks a sequence of stored entries and names
// the first one changed, removed or reordered. Rows are storage's; who
// appends is admin's.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Entry is one administrative action.
type Entry struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"` // to the microsecond, as the store keeps it
	Actor        string    `json:"actor"`
	Source       string    `json:"source,omitempty"` // the client's address
	RequestID    string    `json:"request_id,omitempty"`
	Action       string    `json:"action"`
	Object       string    `json:"object,omitempty"`
	Jurisdiction string    `json:"jurisdiction,omitempty"`
	BeforeHash   string    `json:"before_hash,omitempty"`
	AfterHash    string    `json:"after_hash,omitempty"`
	// Details is a JSON object, kept as the writer encoded it.
	Details  string `json:"details,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// ComputeHash is SHA-256 over every field but Hash, each length-prefixed so
// no two entries encode alike, the previous entry's hash included: the chain.
func (e Entry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Source)
	field(e.RequestID)
	field(e.Action)
	field(e.Object)
	field(e.Jurisdiction)
	field(e.BeforeHash)
	field(e.AfterHash)
	field(e.Details)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Chain makes e the entry after prev (nil for the first): its sequence
// number, the previous hash and its own.
func Chain(prev *Entry, e Entry) Entry {
	e.Seq, e.PrevHash = 1, ""
	if prev != nil {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.At = e.At.UTC().Round(time.Microsecond)
	e.Hash = e.ComputeHash()
	return e
}

// Finding kinds.
const (
	Altered   = "altered"   // an entry no longer matches its hash
	Removed   = "removed"   // a sequence number is missing
	Reordered = "reordered" // an entry does not follow the one before it
	Rewritten = "rewritten" // an entry's hash is not the one recorded outside the database
	Truncated = "truncated" // an entry recorded outside the database is gone
)

// Finding is the first departure from the chain.
type Finding struct {
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Verifier checks entries one at a time, in the order they are stored.
//
// A chain proves that no entry was changed without rewriting every hash
// after it, which whoever can write to the database can do. Anchors close
// that gap: head hashes (seq → hash) an operator copied elsewhere earlier,
// from a previous verify. An entry whose hash is not its anchor's shows
// the chain rewritten at or before it.
type Verifier struct {
	Anchors map[int64]string
	prev    *Entry
	Checked int64
	Head    string
	HeadSeq int64
	Found   *Finding
}

// Next checks e against the entry before it; it reports false once
// something was found, after which nothing more is checked.
func (v *Verifier) Next(e Entry) bool {
	if v.Found != nil {
		return false
	}
	v.Checked++
	wantSeq, wantPrev := int64(1), ""
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case e.Hash != e.ComputeHash():
		v.Found = &Finding{Seq: e.Seq, Kind: Altered, Message: fmt.Sprintf("entry %d was changed: its content no longer matches its hash", e.Seq)}
	case e.Seq > wantSeq:
		v.Found = &Finding{Seq: wantSeq, Kind: Removed, Message: fmt.Sprintf("entry %d was removed: entry %d follows entry %d", wantSeq, e.Seq, wantSeq-1)}
	case e.Seq < wantSeq || e.PrevHash != wantPrev:
		v.Found = &Finding{Seq: e.Seq, Kind: Reordered, Message: fmt.Sprintf("entry %d does not follow entry %d: removed, reordered or rewritten before it", e.Seq, wantSeq-1)}
	case v.Anchors[e.Seq] != "" && v.Anchors[e.Seq] != e.Hash:
		v.Found = &Finding{Seq: e.Seq, Kind: Rewritten, Message: fmt.Sprintf("entry %d's hash is %s, not %s as recorded outside the database: the chain was rewritten at or before entry %d", e.Seq, e.Hash, v.Anchors[e.Seq], e.Seq)}
	}
	if v.Found != nil {
		return false
	}
	v.prev, v.Head, v.HeadSeq = &e, e.Hash, e.Seq
	return true
}

// End is called after the last entry: an anchor beyond it was cut off.
func (v *Verifier) End() {
	if v.Found != nil {
		return
	}
	for seq := range v.Anchors {
		if seq > v.HeadSeq && (v.Found == nil || seq < v.Found.Seq) {
			v.Found = &Finding{Seq: seq, Kind: Truncated, Message: fmt.Sprintf("entry %d, recorded outside the database, is gone: the log ends at entry %d", seq, v.HeadSeq)}
		}
	}
}

// Verify walks entries in stored order and returns the first finding (nil
// when the chain holds) and how many entries it checked.
func Verify(entries []Entry) (*Finding, int64) {
	var v Verifier
	for _, e := range entries {
		if !v.Next(e) {
			break
		}
	}
	return v.Found, v.Checked
}

// Query selects entries, newest first. Empty fields select everything;
// Jurisdictions, when not nil, lists the only jurisdictions whose entries
// may be returned ("" for entries filed under none).
type Query struct {
	Actor         string
	Action        string
	Object        string
	Jurisdictions []string
	From, To      time.Time // [From, To)
	Before        int64     // only entries with a lower seq (0: no bound)
	Limit         int
}

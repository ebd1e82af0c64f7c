package decisionlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/goccy/go-json"
)

// segmentEntries bounds a write-ahead segment, so shipped segments can be
// removed while the log keeps running.
const segmentEntries = 10000

// The write-ahead log is a directory of NDJSON segments, one record per
// line, named so that they sort in the order they were written. A segment is
// removed once it is sealed and every entry in it is in the store; whatever a
// process leaves behind is read back by the next one.
type wal struct {
	dir  string
	file *os.File
	buf  bytes.Buffer
	last int64 // the last segment's number, so names stay unique and ordered

	mu  sync.Mutex // guards the segments' counts, shared with the shipper
	cur *segment
}

type segment struct {
	path    string
	written int
	shipped int
	sealed  bool
}

const (
	segmentPrefix = "wal-"
	legacySpill   = "decision-log-spill-" // the files of earlier versions' shutdown spill
)

// openWAL creates dir if needed and reads back the entries earlier runs left
// there. Lines that cannot be read are handed to keep with the reason; a file
// that cannot be read at all is renamed aside. Neither stops the start.
func openWAL(dir string, keep func(id string, raw []byte, reason string)) (*wal, []*entry, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("decision log directory: %w", err)
	}
	w := &wal{dir: dir}
	var names []string
	for _, pattern := range []string{segmentPrefix + "*.ndjson", legacySpill + "*.ndjson"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, nil, err
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	var left []*entry
	for _, name := range names {
		recs, err := readSegment(name, keep)
		if err != nil {
			aside := name + ".unreadable"
			if rerr := os.Rename(name, aside); rerr != nil {
				return nil, nil, fmt.Errorf("decision log segment %s cannot be read (%v) nor set aside: %w", name, err, rerr)
			}
			keep("", []byte(aside), "segment unreadable, renamed aside: "+err.Error())
			continue
		}
		seg := &segment{path: name, written: len(recs), sealed: true}
		if len(recs) == 0 {
			os.Remove(name)
			continue
		}
		for _, r := range recs {
			left = append(left, &entry{rec: r, seg: seg})
		}
		var n int64
		if _, err := fmt.Sscanf(filepath.Base(name), segmentPrefix+"%d.ndjson", &n); err == nil {
			w.last = max(w.last, n)
		}
	}
	return w, left, nil
}

// readSegment reads every record in a segment. A last line without its
// newline is a write cut short by a crash: it was never synced, so never
// answered, and is skipped. Any other line that does not parse is kept aside.
func readSegment(name string, keep func(id string, raw []byte, reason string)) ([]Record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rd := bufio.NewReaderSize(f, 1<<20)
	var out []Record
	for n := 1; ; n++ {
		line, err := rd.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // a torn last line, or none
		}
		if err != nil {
			return out, err
		}
		var r Record
		if uerr := json.Unmarshal(line, &r); uerr != nil || r.ID == "" {
			keep("", line, fmt.Sprintf("%s line %d cannot be read back: %v", filepath.Base(name), n, uerr))
			continue
		}
		out = append(out, r)
	}
}

// walLine is r as the write-ahead log keeps it: its documents as they were
// encoded when the log took it, where they were (read back, they decode
// into the same Record).
func walLine(r Record) any {
	if r.Encoded == nil {
		return r
	}
	return struct {
		Record
		Input   json.RawMessage `json:"input"`
		Result  json.RawMessage `json:"result"`
		Reasons json.RawMessage `json:"reasons"`
	}{r, r.Encoded.Input, r.Encoded.Result, r.Encoded.Reasons}
}

// append writes a group of entries and syncs them to disk.
func (w *wal) append(group []*entry) error {
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	for _, e := range group {
		if err := enc.Encode(walLine(e.rec)); err != nil {
			return fmt.Errorf("encoding decision %s: %w", e.rec.ID, err)
		}
	}
	w.mu.Lock()
	if w.cur == nil || w.cur.written >= segmentEntries {
		if err := w.rotate(); err != nil {
			w.mu.Unlock()
			return err
		}
	}
	seg := w.cur
	w.mu.Unlock()
	if _, err := w.file.Write(w.buf.Bytes()); err != nil {
		w.abandon()
		return err
	}
	if err := w.file.Sync(); err != nil {
		w.abandon()
		return err
	}
	w.mu.Lock()
	for _, e := range group {
		e.seg = seg
	}
	seg.written += len(group)
	w.mu.Unlock()
	return nil
}

// rotate seals the current segment and starts a new one. w.mu is held.
func (w *wal) rotate() error {
	if w.cur != nil {
		w.file.Close()
		w.seal(w.cur)
	}
	n := max(time.Now().UnixNano(), w.last+1)
	w.last = n
	name := filepath.Join(w.dir, fmt.Sprintf("%s%020d.ndjson", segmentPrefix, n))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		w.cur = nil
		return err
	}
	// The new name must survive a crash as well as the lines in it.
	if d, err := os.Open(w.dir); err == nil {
		d.Sync()
		d.Close()
	}
	w.file, w.cur = f, &segment{path: name}
	return nil
}

// abandon gives up the current segment after a failed write: what it holds
// up to the failure stays for the next start; the next group opens a new one.
func (w *wal) abandon() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur != nil {
		w.file.Close()
		w.seal(w.cur)
		w.cur = nil
	}
}

func (w *wal) seal(s *segment) {
	s.sealed = true
	if s.shipped >= s.written {
		os.Remove(s.path)
	}
}

// shipped counts one entry of seg as stored, removing the segment once it is
// sealed and all its entries are stored.
func (w *wal) shipped(seg *segment) {
	if w == nil || seg == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	seg.shipped++
	if seg.sealed && seg.shipped >= seg.written {
		os.Remove(seg.path)
	}
}

// close closes the current segment, removing it when everything is stored.
func (w *wal) close(allShipped bool) error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur == nil {
		return nil
	}
	err := w.file.Close()
	if allShipped {
		os.Remove(w.cur.path)
	}
	w.cur = nil
	return err
}

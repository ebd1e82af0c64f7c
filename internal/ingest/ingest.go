// Package ingest takes enterprise facts in: one record at a time or as a
// streamed NDJSON or CSV import, validated line by line and stored in batches,
// so a bad line is reported with its number while the good ones land.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/jsonerr"
)

// Writer stores complete records, replacing what is stored under each USCC,
// and says where stored records are: replacing a record needs scope over
// the jurisdiction it is in as well as the one it goes to.
type Writer interface {
	PutEnterprises(ctx context.Context, records []enterprise.Facts) error
	// EnterpriseJurisdictions returns the stored jurisdiction of each of
	// usccs that is stored, in one query.
	EnterpriseJurisdictions(ctx context.Context, usccs []string) (map[string]string, error)
}

// Format of an import stream.
type Format string

const (
	NDJSON Format = "ndjson"
	CSV    Format = "csv"
)

// Limits of an import.
const (
	DefaultBatchSize = 1000
	MaxLineBytes     = 1 << 20 // one enterprise record, lists included
	maxReported      = 1000    // line problems listed in a summary; the counts stay exact
)

// Service validates and stores facts.
type Service struct {
	Store     Writer
	Validator enterprise.Validator
	BatchSize int
}

// LineProblem is what was wrong (or worth a warning) on one input line.
type LineProblem struct {
	Line     int                    `json:"line"`
	USCC     string                 `json:"uscc,omitempty"`
	Problems enterprise.FieldErrors `json:"problems"`
}

// Summary reports an import: every line is either accepted or rejected.
type Summary struct {
	Accepted  int           `json:"accepted"`
	Rejected  int           `json:"rejected"`
	Errors    []LineProblem `json:"errors"`
	Warnings  []LineProblem `json:"warnings"`
	Truncated bool          `json:"truncated,omitempty"` // more problems than listed
}

// ErrStore wraps a failure to store a batch; the summary says what landed before it.
var ErrStore = errors.New("storing a batch failed")

// ErrMalformed means a record is not one well-formed JSON value (or nests
// deeper than jsonerr.MaxDepth); the FieldErrors it wraps say where.
var ErrMalformed = errors.New("not a JSON document")

// storeWindow bounds one batch's trip to the store. A batch is stored apart
// from the request's cancellation: its lines were received whole, and a
// client that stops sending (or closes its side once it has sent everything)
// cancels the request before the last batch is stored; those lines still
// land, and the summary says so.
const storeWindow = 30 * time.Second

// ReadError means the import body could not be read from Line on: the lines
// before it are in the summary, none after. Err is the reader's own error,
// for the server's log only: it may name sockets or addresses.
type ReadError struct {
	Line int
	Err  error
	msg  string // what went wrong in words fit for the client
}

func (e *ReadError) Error() string { return fmt.Sprintf("reading line %d: %v", e.Line, e.Err) }

func (e *ReadError) Unwrap() error { return e.Err }

// Message says what went wrong without the reader's own words.
func (e *ReadError) Message() string {
	if e.msg != "" {
		return e.msg
	}
	return fmt.Sprintf("the body could not be read from line %d on", e.Line)
}

// Allow says whether the caller may write facts for a jurisdiction.
type Allow func(jurisdiction string) bool

func outOfScope(code string) enterprise.FieldErrors {
	return enterprise.FieldErrors{{Field: "jurisdiction", Message: fmt.Sprintf("jurisdiction %s is outside this token's scope", code)}}
}

// storedOutOfScope does not name the stored jurisdiction: a caller outside
// it learns that the record exists, which writing cannot hide, but not where.
func storedOutOfScope() enterprise.FieldErrors {
	return enterprise.FieldErrors{{Field: "uscc", Message: "this enterprise is stored under a jurisdiction outside this token's scope"}}
}

// ErrOutOfScope means the record belongs to a jurisdiction the caller may not write.
var ErrOutOfScope = errors.New("outside the caller's jurisdictions")

// Put validates one complete record for uscc and stores it, replacing any
// stored record. The record's own uscc, if given, must match. The caller
// must be allowed both the record's jurisdiction and, if the USCC is
// stored, the stored one, so no token can take over another's enterprise.
func (s *Service) Put(ctx context.Context, uscc string, raw []byte, allow Allow) (enterprise.FieldErrors, error) {
	raw = bytes.TrimPrefix(raw, utf8BOM) // as in an NDJSON or CSV import
	if p, bad := jsonerr.Syntax(raw, "the body"); bad {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, enterprise.FieldErrors{{Field: p.Path, Message: p.Message}})
	}
	f, err := enterprise.Decode(raw, "")
	if err != nil {
		return nil, err
	}
	if f.USCC != nil && *f.USCC != uscc {
		return nil, enterprise.FieldErrors{{Field: "uscc", Message: fmt.Sprintf("%q does not match the USCC in the path %q", *f.USCC, uscc)}}
	}
	f.USCC = &uscc
	warnings, err := s.Validator.Record(f, "")
	if err != nil {
		return warnings, err
	}
	if !allow(*f.Jurisdiction) {
		return warnings, fmt.Errorf("%w: %w", ErrOutOfScope, outOfScope(*f.Jurisdiction))
	}
	stored, err := s.Store.EnterpriseJurisdictions(ctx, []string{uscc})
	if err != nil {
		return warnings, fmt.Errorf("%w: %w", ErrStore, err)
	}
	if code, ok := stored[uscc]; ok && !allow(code) {
		return warnings, fmt.Errorf("%w: %w", ErrOutOfScope, storedOutOfScope())
	}
	if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{f}); err != nil {
		return warnings, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return warnings, nil
}

// Import reads records from r and stores the valid ones in batches. It returns
// an error only when reading or storing fails; invalid lines are in the
// summary. Whatever happens, the summary counts as accepted exactly the lines
// that were stored: what was read before a read error is stored too.
func (s *Service) Import(ctx context.Context, r io.Reader, format Format, allow Allow) (*Summary, error) {
	src := &source{r: r}
	b := &batcher{svc: s, allow: allow, src: src, sum: &Summary{Errors: []LineProblem{}, Warnings: []LineProblem{}}, byUSCC: map[string]int{}}
	var err error
	switch format {
	case NDJSON:
		err = readNDJSON(src, b.add(ctx))
	case CSV:
		err = readCSV(src, b.add(ctx))
	default:
		return nil, fmt.Errorf("unknown import format %q", format)
	}
	var pe *csv.ParseError
	switch {
	case src.failed != nil:
		// Whatever the format reader made of it, the body broke off.
		line := b.stoppedAt
		if line == 0 {
			line = b.lastLine + 1
		}
		err = &ReadError{Line: line, Err: src.failed}
	case errors.As(err, &pe) && !errors.Is(err, ErrCSVHeader):
		err = &ReadError{Line: pe.Line, Err: err, msg: fmt.Sprintf("CSV line %d, column %d: %v", pe.Line, pe.Column, pe.Err)}
	}
	if ferr := b.flush(ctx); ferr != nil {
		err = errors.Join(err, ferr)
	}
	// Lines refused at a flush (a stored record out of scope) come after
	// those refused as they were read; the list reads best in line order.
	sort.SliceStable(b.sum.Errors, func(i, j int) bool { return b.sum.Errors[i].Line < b.sum.Errors[j].Line })
	return b.sum, err
}

// source passes the body through, holding back a read error until the data
// read with it has been consumed, so every complete line before the break is
// processed; after the error is delivered, whatever the format reader still
// emits is a fragment of a line (and encoding/csv, which would go on asking
// a failed reader forever, is stopped).
type source struct {
	r       io.Reader
	pending error
	failed  error // the read error, once delivered
}

func (s *source) Read(p []byte) (int, error) {
	if s.pending != nil {
		s.failed, s.pending = s.pending, nil
		return 0, s.failed
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		if n > 0 {
			s.pending = err
			return n, nil
		}
		s.failed = err
	}
	return n, err
}

// errStopped ends the format reader once the body has broken off.
var errStopped = errors.New("import body broke off")

type batcher struct {
	svc       *Service
	allow     Allow
	src       *source
	sum       *Summary
	pending   []pendingRecord
	byUSCC    map[string]int // position in pending, so a later line for the same USCC replaces an earlier one
	lastLine  int            // the last line handled
	stoppedAt int            // the line being read when the body broke off
}

// pendingRecord is a record waiting for its batch, with every line that gave
// it: all of them are accepted, the last one is what is stored.
type pendingRecord struct {
	facts enterprise.Facts
	lines []int
}

// add returns the function readers call per line: raw is the record as JSON,
// or bad says why the line could not be read as one.
func (b *batcher) add(ctx context.Context) func(line int, raw []byte, bad error) error {
	return func(line int, raw []byte, bad error) error {
		if b.src.failed != nil {
			b.stoppedAt = line
			return errStopped
		}
		b.lastLine = line
		var f enterprise.Facts
		var warnings enterprise.FieldErrors
		err := bad
		if err == nil {
			f, err = enterprise.Decode(raw, "")
		}
		if err == nil {
			warnings, err = b.svc.Validator.Record(f, "")
		}
		if err == nil && !b.allow(*f.Jurisdiction) {
			err = outOfScope(*f.Jurisdiction)
		}
		uscc := ""
		if f.USCC != nil {
			uscc = *f.USCC
		}
		if len(warnings) > 0 {
			b.report(&b.sum.Warnings, LineProblem{Line: line, USCC: uscc, Problems: warnings})
		}
		if err != nil {
			var fe enterprise.FieldErrors
			if !errors.As(err, &fe) {
				fe = enterprise.FieldErrors{{Message: err.Error()}}
			}
			b.sum.Rejected++
			b.report(&b.sum.Errors, LineProblem{Line: line, USCC: uscc, Problems: fe})
			return nil
		}
		b.sum.Accepted++
		if i, dup := b.byUSCC[uscc]; dup {
			b.pending[i].facts = f
			b.pending[i].lines = append(b.pending[i].lines, line)
			return nil
		}
		b.byUSCC[uscc] = len(b.pending)
		b.pending = append(b.pending, pendingRecord{facts: f, lines: []int{line}})
		if len(b.pending) >= b.batchSize() {
			return b.flush(ctx)
		}
		return nil
	}
}

func (b *batcher) batchSize() int {
	if b.svc.BatchSize > 0 {
		return b.svc.BatchSize
	}
	return DefaultBatchSize
}

// flush stores the pending batch, first refusing the records whose stored
// version lies outside the caller's jurisdictions (one query for the batch).
// Lines that do not land are taken back out of the accepted count, so the
// summary always equals what is stored.
func (b *batcher) flush(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeWindow)
	defer cancel()
	defer func() {
		b.pending = b.pending[:0]
		clear(b.byUSCC)
	}()
	usccs := make([]string, len(b.pending))
	for i, p := range b.pending {
		usccs[i] = *p.facts.USCC
	}
	stored, err := b.svc.Store.EnterpriseJurisdictions(ctx, usccs)
	if err != nil {
		b.unaccept(b.pending)
		return b.storeError(err)
	}
	records := make([]enterprise.Facts, 0, len(b.pending))
	kept := make([]pendingRecord, 0, len(b.pending))
	for _, p := range b.pending {
		if code, ok := stored[*p.facts.USCC]; ok && !b.allow(code) {
			b.unaccept([]pendingRecord{p})
			for _, line := range p.lines {
				b.sum.Rejected++
				b.report(&b.sum.Errors, LineProblem{Line: line, USCC: *p.facts.USCC, Problems: storedOutOfScope()})
			}
			continue
		}
		records = append(records, p.facts)
		kept = append(kept, p)
	}
	if len(records) == 0 {
		return nil
	}
	if err := b.svc.Store.PutEnterprises(ctx, records); err != nil {
		// The batch did not land: its lines are not accepted after all.
		b.unaccept(kept)
		return b.storeError(err)
	}
	return nil
}

func (b *batcher) unaccept(ps []pendingRecord) {
	for _, p := range ps {
		b.sum.Accepted -= len(p.lines)
	}
}

func (b *batcher) storeError(err error) error {
	first, last := b.pending[0].lines[0], 0
	for _, p := range b.pending {
		last = max(last, p.lines[len(p.lines)-1])
	}
	return fmt.Errorf("%w (lines %d–%d): %w", ErrStore, first, last, err)
}

func (b *batcher) report(list *[]LineProblem, p LineProblem) {
	if len(b.sum.Errors)+len(b.sum.Warnings) >= maxReported {
		b.sum.Truncated = true
		return
	}
	*list = append(*list, p)
}

// utf8BOM starts files some editors (Excel, Notepad) write; it is not data.
var utf8BOM = []byte("\ufeff")

// readNDJSON calls emit for every non-blank line. A line longer than
// MaxLineBytes fails the import: nothing after it can be trusted to be aligned.
func readNDJSON(r io.Reader, emit func(line int, raw []byte, bad error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if line == 1 {
			raw = bytes.TrimPrefix(raw, utf8BOM)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		if err := emit(line, raw, nil); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		re := &ReadError{Line: line + 1, Err: err}
		if errors.Is(err, bufio.ErrTooLong) {
			re.msg = fmt.Sprintf("line %d is longer than %d bytes; nothing from it on was read", line+1, MaxLineBytes)
		}
		return re
	}
	return nil
}

// Package ingest takes enterprise facts in: one record at a time or as a
// streamed NDJSON or CSV import, validated line by line and stored in batches,
// so a bad line is reported with its number while the good ones land.
package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/credpol/credpol/enterprise"
)

// Writer stores complete records, replacing what is stored under each USCC.
type Writer interface {
	PutEnterprises(ctx context.Context, records []enterprise.Facts) error
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

// Allow says whether the caller may write facts for a jurisdiction.
type Allow func(jurisdiction string) bool

func outOfScope(code string) enterprise.FieldErrors {
	return enterprise.FieldErrors{{Field: "jurisdiction", Message: fmt.Sprintf("jurisdiction %s is outside this token's scope", code)}}
}

// ErrOutOfScope means the record belongs to a jurisdiction the caller may not write.
var ErrOutOfScope = errors.New("outside the caller's jurisdictions")

// Put validates one complete record for uscc and stores it, replacing any
// stored record. The record's own uscc, if given, must match.
func (s *Service) Put(ctx context.Context, uscc string, raw []byte, allow Allow) (enterprise.FieldErrors, error) {
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
	if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{f}); err != nil {
		return warnings, fmt.Errorf("%w: %w", ErrStore, err)
	}
	return warnings, nil
}

// Import reads records from r and stores the valid ones in batches. It returns
// an error only when reading or storing fails; invalid lines are in the summary.
func (s *Service) Import(ctx context.Context, r io.Reader, format Format, allow Allow) (*Summary, error) {
	b := &batcher{svc: s, allow: allow, sum: &Summary{Errors: []LineProblem{}, Warnings: []LineProblem{}}, byUSCC: map[string]int{}}
	var err error
	switch format {
	case NDJSON:
		err = readNDJSON(r, b.add(ctx))
	case CSV:
		err = readCSV(r, b.add(ctx))
	default:
		return nil, fmt.Errorf("unknown import format %q", format)
	}
	if err == nil {
		err = b.flush(ctx)
	}
	return b.sum, err
}

type batcher struct {
	svc     *Service
	allow   Allow
	sum     *Summary
	pending []enterprise.Facts
	lines   []int
	byUSCC  map[string]int // position in pending, so a later line for the same USCC replaces an earlier one
}

// add returns the function readers call per line: raw is the record as JSON,
// or bad says why the line could not be read as one.
func (b *batcher) add(ctx context.Context) func(line int, raw []byte, bad error) error {
	return func(line int, raw []byte, bad error) error {
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
		if i, dup := b.byUSCC[uscc]; dup {
			b.pending[i], b.lines[i] = f, line
			b.sum.Accepted++ // both lines are accepted; the later one is what is stored
			return nil
		}
		b.byUSCC[uscc] = len(b.pending)
		b.pending = append(b.pending, f)
		b.lines = append(b.lines, line)
		b.sum.Accepted++
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

func (b *batcher) flush(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	if err := b.svc.Store.PutEnterprises(ctx, b.pending); err != nil {
		// The batch did not land: its lines are not accepted after all.
		b.sum.Accepted -= len(b.pending)
		return fmt.Errorf("%w (lines %d–%d): %w", ErrStore, b.lines[0], b.lines[len(b.lines)-1], err)
	}
	b.pending, b.lines = b.pending[:0], b.lines[:0]
	clear(b.byUSCC)
	return nil
}

func (b *batcher) report(list *[]LineProblem, p LineProblem) {
	if len(b.sum.Errors)+len(b.sum.Warnings) >= maxReported {
		b.sum.Truncated = true
		return
	}
	*list = append(*list, p)
}

// readNDJSON calls emit for every non-blank line. A line longer than
// MaxLineBytes fails the import: nothing after it can be trusted to be aligned.
func readNDJSON(r io.Reader, emit func(line int, raw []byte, bad error) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		if err := emit(line, raw, nil); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading line %d: %w", line+1, err)
	}
	return nil
}

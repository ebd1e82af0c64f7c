package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/credpol/credpol/internal/enterprise"
)

// cellKind is how the cells of a column are read.
type cellKind int

const (
	textCell   cellKind = iota // a string as it is
	boolCell                   // true or false
	numberCell                 // a number
	splitCell                  // a ";"-separated list of strings
	jsonCell                   // a JSON array of records
)

// CSV flattening: one row per enterprise, a header naming the columns in any
// order, one column per fact under its JSON name. Scalars are plain cells;
// key_sectors is a ";"-separated list; each list of records (penalties,
// listings, …) is a JSON array in its cell, with the same fields as in
// NDJSON. An empty cell is an absent fact.
//
// csvColumns reads each column as the type of its fact in enterprise.Facts
// says, so a new fact is a CSV column with nothing to add here; CSVColumns
// lists them in the order of Facts, for documentation and errors.
var csvColumns, CSVColumns = columnsOf(reflect.TypeFor[enterprise.Facts]())

func columnsOf(facts reflect.Type) (map[string]cellKind, string) {
	kinds := map[string]cellKind{}
	var names []string
	for f := range facts.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case t.Kind() == reflect.String:
			kinds[name] = textCell
		case t.Kind() == reflect.Bool:
			kinds[name] = boolCell
		case t.Kind() == reflect.Float64:
			kinds[name] = numberCell
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
			kinds[name] = splitCell
		case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
			kinds[name] = jsonCell
		default:
			panic(fmt.Sprintf("ingest: no CSV form for the fact %s of type %s", name, f.Type))
		}
		names = append(names, name)
	}
	return kinds, strings.Join(names, ", ")
}

// ErrCSVHeader means the header row cannot be used; nothing is imported.
var ErrCSVHeader = errors.New("bad CSV header")

// readCSV calls emit for every row after the header. Rows are cut from the
// stream before they are parsed, so a row over MaxLineBytes (1 MiB, like an
// NDJSON line) is skipped without being held in memory and reported on its
// line; the import goes on from the next row. A row the parser cannot read
// (a stray quote) fails the import with its line, since the rows after it
// cannot be trusted to be aligned.
func readCSV(r io.Reader, emit func(line int, raw []byte, bad error) error) error {
	rows := newCSVRows(r)
	header, line, err := rows.next()
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: the body is empty; the first row must name the columns (%s)", ErrCSVHeader, CSVColumns)
	case errors.Is(err, errRowTooLong):
		return fmt.Errorf("%w: line %d: %w", ErrCSVHeader, line, err)
	case err != nil:
		return fmt.Errorf("%w: %w", ErrCSVHeader, err)
	}
	header = append([]string(nil), header...)
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // Excel writes a BOM
		header[i] = h
		if _, ok := csvColumns[h]; !ok {
			return fmt.Errorf("%w: unknown column %q (columns: %s)", ErrCSVHeader, h, CSVColumns)
		}
		if seen[h] {
			return fmt.Errorf("%w: column %q twice", ErrCSVHeader, h)
		}
		seen[h] = true
	}
	for {
		rec, line, err := rows.next()
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, errRowTooLong):
			if err := emit(line, nil, err); err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		if len(rec) != len(header) {
			if err := emit(line, nil, fmt.Errorf("row has %d cells, the header has %d", len(rec), len(header))); err != nil {
				return err
			}
			continue
		}
		raw, bad := rowJSON(header, rec)
		if err := emit(line, raw, bad); err != nil {
			return err
		}
	}
}

var errRowTooLong = fmt.Errorf("row is longer than %d bytes (1 MiB)", MaxLineBytes)

// csvRows cuts a CSV stream into rows (a line break inside quotes stays in its
// row) and parses each with encoding/csv, keeping line numbers.
type csvRows struct {
	in   *bufio.Reader
	line int    // lines read so far
	row  []byte // the current row, up to MaxLineBytes
	// parse reads one row; its bufio.Reader is reset onto each row rather than
	// allocated per row (csv.NewReader reuses a large enough bufio.Reader).
	src *bytes.Reader
	buf *bufio.Reader
}

func newCSVRows(r io.Reader) *csvRows {
	src := bytes.NewReader(nil)
	return &csvRows{in: bufio.NewReaderSize(r, 64<<10), src: src, buf: bufio.NewReader(src)}
}

// next returns the next non-empty row's cells and the line it starts on;
// errRowTooLong for a row over the limit, io.EOF after the last row.
func (c *csvRows) next() ([]string, int, error) {
	for {
		raw, line, err := c.cut()
		if err != nil {
			return nil, line, err
		}
		if len(bytes.TrimRight(raw, "\r\n")) == 0 {
			continue // encoding/csv skips empty lines too
		}
		c.src.Reset(raw)
		c.buf.Reset(c.src)
		rec, err := csv.NewReader(c.buf).Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) { // lines counted from the row, made lines of the body
			return nil, line, &csv.ParseError{StartLine: line + pe.StartLine - 1, Line: line + pe.Line - 1, Column: pe.Column, Err: pe.Err}
		}
		return rec, line, err
	}
}

// cut reads one row's bytes: up to a line break outside quotes. Counting
// quotes is enough to tell (an escaped quote is two); in malformed input
// where it is not, the parser reports the row. Past MaxLineBytes the row is
// read on but not kept.
func (c *csvRows) cut() ([]byte, int, error) {
	c.row = c.row[:0]
	start := c.line + 1
	size, quoted := 0, false
	for {
		part, err := c.in.ReadSlice('\n')
		size += len(part)
		if size <= MaxLineBytes {
			c.row = append(c.row, part...)
		}
		if bytes.Count(part, []byte{'"'})%2 == 1 {
			quoted = !quoted
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && size == 0:
			return nil, start, io.EOF
		case err != nil && err != io.EOF:
			return nil, start, fmt.Errorf("reading line %d: %w", c.line+1, err)
		}
		if err == nil {
			c.line++
			if quoted {
				continue
			}
		}
		if size > MaxLineBytes {
			return nil, start, errRowTooLong
		}
		return c.row, start, nil
	}
}

// rowJSON turns one CSV row into the NDJSON form of the same record, so both
// formats share one decoder and one validator.
func rowJSON(header, rec []string) ([]byte, error) {
	obj := make(map[string]json.RawMessage, len(header))
	for i, h := range header {
		cell := strings.TrimSpace(rec[i])
		if cell == "" {
			continue
		}
		var v any = cell
		switch csvColumns[h] {
		case splitCell:
			parts := strings.Split(cell, ";")
			for k := range parts {
				parts[k] = strings.TrimSpace(parts[k])
			}
			v = parts
		case boolCell:
			b, err := strconv.ParseBool(cell)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not true or false", h, cell)
			}
			v = b
		case numberCell:
			n, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a number", h, cell)
			}
			v = n
		case jsonCell:
			if !json.Valid([]byte(cell)) {
				return nil, fmt.Errorf("%s: cell is not a JSON array", h)
			}
			obj[h] = json.RawMessage(cell)
			continue
		}
		b, _ := json.Marshal(v)
		obj[h] = b
	}
	return json.Marshal(obj)
}

package ingest

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSV flattening: one row per enterprise, a header naming the columns in any
// order. Scalars are plain cells; key_sectors is a ";"-separated list; each
// list of records (penalties, listings, …) is a JSON array in its cell, with
// the same fields as in NDJSON. An empty cell is an absent fact.
var (
	csvStrings = map[string]bool{"uscc": true, "name": true, "entity_type": true, "jurisdiction": true,
		"established_on": true, "status": true, "risk_class": true}
	csvBools   = map[string]bool{"new_format": true, "premises_abnormal": true, "reachable": true}
	csvNumbers = map[string]bool{"public_credit_score": true}
	csvLists   = map[string]bool{"penalties": true, "listings": true, "licenses": true, "inspections": true,
		"complaints": true, "commitments": true, "annual_reports": true}
)

// CSVColumns lists every column a CSV import may have, for documentation and errors.
const CSVColumns = "uscc, name, entity_type, jurisdiction, established_on, status, key_sectors, new_format, " +
	"public_credit_score, risk_class, premises_abnormal, reachable, penalties, listings, licenses, " +
	"inspections, complaints, commitments, annual_reports"

// ErrCSVHeader means the header row cannot be used; nothing is imported.
var ErrCSVHeader = errors.New("bad CSV header")

func readCSV(r io.Reader, emit func(line int, raw []byte, bad error) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCSVHeader, err)
	}
	header = append([]string(nil), header...)
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // Excel writes a BOM
		header[i] = h
		if !csvStrings[h] && !csvBools[h] && !csvNumbers[h] && !csvLists[h] && h != "key_sectors" {
			return fmt.Errorf("%w: unknown column %q (columns: %s)", ErrCSVHeader, h, CSVColumns)
		}
		if seen[h] {
			return fmt.Errorf("%w: column %q twice", ErrCSVHeader, h)
		}
		seen[h] = true
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
				return fmt.Errorf("CSV line %d: %w", pe.Line, err)
			}
			if errors.As(err, &pe) {
				line = pe.Line
			}
			bad := fmt.Errorf("row has %d cells, the header has %d", len(rec), len(header))
			if err := emit(line, nil, bad); err != nil {
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
		switch {
		case h == "key_sectors":
			parts := strings.Split(cell, ";")
			for k := range parts {
				parts[k] = strings.TrimSpace(parts[k])
			}
			v = parts
		case csvBools[h]:
			b, err := strconv.ParseBool(cell)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not true or false", h, cell)
			}
			v = b
		case csvNumbers[h]:
			n, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a number", h, cell)
			}
			v = n
		case csvLists[h]:
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

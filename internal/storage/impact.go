package storage

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/credpol/credpol/internal/enterprise"
)

// EnterpriseKeys returns, in USCC order, the USCCs of the enterprises stored
// in jurisdictions that come after after (all when ""), up to and including
// through (no bound when ""), at most limit of them (no limit when 0). An
// impact run walks a population in such key ranges, a chunk at a time,
// without ever holding it whole.
func (s *Store) EnterpriseKeys(ctx context.Context, jurisdictions []string, after, through string, limit int) ([]string, error) {
	out := []string{}
	if len(jurisdictions) == 0 {
		return out, nil
	}
	q := s.db.WithContext(ctx).Model(&enterpriseRow{}).Where("jurisdiction IN ?", jurisdictions).Order("uscc")
	if after != "" {
		q = q.Where("uscc > ?", after)
	}
	if through != "" {
		q = q.Where("uscc <= ?", through)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Pluck("uscc", &out).Error; err != nil {
		return nil, fmt.Errorf("listing enterprises: %w", err)
	}
	return out, nil
}

// EnterpriseCounts returns how many enterprises each of jurisdictions holds
// (those holding none are absent).
func (s *Store) EnterpriseCounts(ctx context.Context, jurisdictions []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(jurisdictions) == 0 {
		return out, nil
	}
	var rows []struct {
		Jurisdiction string
		N            int64
	}
	if err := s.db.WithContext(ctx).Model(&enterpriseRow{}).Select("jurisdiction, COUNT(*) AS n").
		Where("jurisdiction IN ?", jurisdictions).Group("jurisdiction").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("counting enterprises: %w", err)
	}
	for _, r := range rows {
		out[r.Jurisdiction] = r.N
	}
	return out, nil
}

// FactsRange returns, in USCC order, the stored facts of the enterprises of
// jurisdictions whose USCC comes after after and up to through, with only
// the lists among fields, named by their keys in the policy input document
// ("penalties", "annual_reports", …; nil for every list; other names are
// ignored): an impact run loads what the decisions it compares can read, a
// chunk of the population at a time. Lists not named stay nil.
// On Postgres it reads each table once over the key range, without GORM's
// reflection per row; elsewhere it lists the keys and loads them.
func (s *Store) FactsRange(ctx context.Context, jurisdictions []string, after, through string, fields []string) ([]enterprise.Facts, error) {
	var lists []string
	if fields != nil {
		lists = []string{}
		for _, name := range fields {
			if _, ok := listLoaders[name]; ok {
				lists = append(lists, name)
			}
		}
	}
	if len(jurisdictions) == 0 {
		return []enterprise.Facts{}, nil
	}
	if s.dialect != "postgres" {
		keys, err := s.EnterpriseKeys(ctx, jurisdictions, after, through, 0)
		if err != nil {
			return nil, err
		}
		byKey, err := s.factsMany(ctx, keys, listsAmong(lists))
		if err != nil {
			return nil, err
		}
		out := make([]enterprise.Facts, 0, len(byKey))
		for _, k := range keys {
			if f, ok := byKey[k]; ok {
				out = append(out, f)
			}
		}
		return out, nil
	}
	var out []enterprise.Facts
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		var err error
		out, err = factsRangePostgres(ctx, c, jurisdictions, after, through, lists)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loading enterprises: %w", err)
	}
	return out, nil
}

// rangeWhere selects the enterprises of a key range in jurisdictions ($1),
// after $2 and up to $3 (with through), on the enterprise table e and, on
// the same keys, the list table t. The statement has no bound rather than
// an empty one, so the plan Postgres keeps for it is a range scan.
func rangeWhere(through, list bool) string {
	w := "e.jurisdiction = ANY($1) AND e.uscc > $2"
	if through {
		w += " AND e.uscc <= $3"
	}
	if list {
		w += " AND t.uscc > $2"
		if through {
			w += " AND t.uscc <= $3"
		}
	}
	return w
}

// listLoaders fill one list of the facts from its table's rows, by the
// list's key in the policy input document.
var listLoaders = map[string]func(ctx context.Context, c *pgx.Conn, args []any, byUSCC map[string]*enterprise.Facts) error{
	"penalties": loadList(listTables[0], func(f *enterprise.Facts, r *penaltyRow) { f.Penalties = append(f.Penalties, r.penalty()) },
		func(f *enterprise.Facts) { f.Penalties = []enterprise.Penalty{} }),
	"listings": loadList(listTables[1], func(f *enterprise.Facts, r *listingRow) { f.Listings = append(f.Listings, r.listing()) },
		func(f *enterprise.Facts) { f.Listings = []enterprise.Listing{} }),
	"licenses": loadList(listTables[2], func(f *enterprise.Facts, r *licenseRow) { f.Licenses = append(f.Licenses, r.license()) },
		func(f *enterprise.Facts) { f.Licenses = []enterprise.License{} }),
	"inspections": loadList(listTables[3], func(f *enterprise.Facts, r *inspectionRow) { f.Inspections = append(f.Inspections, r.inspection()) },
		func(f *enterprise.Facts) { f.Inspections = []enterprise.Inspection{} }),
	"complaints": loadList(listTables[4], func(f *enterprise.Facts, r *complaintRow) { f.Complaints = append(f.Complaints, r.complaint()) },
		func(f *enterprise.Facts) { f.Complaints = []enterprise.Complaint{} }),
	"commitments": loadList(listTables[5], func(f *enterprise.Facts, r *commitmentRow) { f.Commitments = append(f.Commitments, r.commitment()) },
		func(f *enterprise.Facts) { f.Commitments = []enterprise.Commitment{} }),
	"annual_reports": loadList(listTables[6], func(f *enterprise.Facts, r *annualReportRow) { f.AnnualReports = append(f.AnnualReports, r.report()) },
		func(f *enterprise.Facts) { f.AnnualReports = []enterprise.AnnualReport{} }),
	"registration_changes": loadList(listTables[7], func(f *enterprise.Facts, r *registrationChangeRow) {
		f.RegistrationChanges = append(f.RegistrationChanges, r.change())
	}, func(f *enterprise.Facts) { f.RegistrationChanges = []enterprise.RegistrationChange{} }),
}

// onlyLists leaves out the lists not named (none when lists is nil).
func onlyLists(f enterprise.Facts, lists []int) enterprise.Facts {
	if lists == nil {
		return f
	}
	keep := func(name string) bool { return slices.Contains(lists, slices.Index(listFields, name)) }
	if !keep("penalties") {
		f.Penalties = nil
	}
	if !keep("listings") {
		f.Listings = nil
	}
	if !keep("licenses") {
		f.Licenses = nil
	}
	if !keep("inspections") {
		f.Inspections = nil
	}
	if !keep("complaints") {
		f.Complaints = nil
	}
	if !keep("commitments") {
		f.Commitments = nil
	}
	if !keep("annual_reports") {
		f.AnnualReports = nil
	}
	if !keep("registration_changes") {
		f.RegistrationChanges = nil
	}
	return f
}

// listKeys are the document keys of the lists FactsRange can load.
func listKeys() []string { return slices.Sorted(maps.Keys(listLoaders)) }

func factsRangePostgres(ctx context.Context, c *pgx.Conn, jurisdictions []string, after, through string, lists []string) ([]enterprise.Facts, error) {
	args := []any{jurisdictions, after}
	if through != "" {
		args = append(args, through)
	}
	cols := make([]string, len(enterpriseTable.columns))
	for i, col := range enterpriseTable.columns {
		cols[i] = "e." + col
	}
	rows, err := c.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+enterpriseTable.name+" e WHERE "+rangeWhere(through != "", false)+" ORDER BY e.uscc", args...)
	if err != nil {
		return nil, err
	}
	var out []enterprise.Facts
	var e enterpriseRow
	dest := enterpriseTable.pointers(reflect.ValueOf(&e).Elem())
	for rows.Next() {
		e = enterpriseRow{}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, e.facts())
	}
	if rows.Close(); rows.Err() != nil {
		return nil, rows.Err()
	}
	byUSCC := make(map[string]*enterprise.Facts, len(out))
	for i := range out {
		byUSCC[*out[i].USCC] = &out[i]
	}
	if lists == nil {
		lists = listKeys()
	}
	for _, name := range lists {
		if err := listLoaders[name](ctx, c, args, byUSCC); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadList reads one list table over a key range, joined to the
// enterprises so only those of the jurisdictions are read; every enterprise
// gets the list, empty when it has none, as FactsMany gives it.
func loadList[R any](t rowTable, add func(*enterprise.Facts, *R), empty func(*enterprise.Facts)) func(context.Context, *pgx.Conn, []any, map[string]*enterprise.Facts) error {
	cols := make([]string, len(t.columns))
	for i, col := range t.columns {
		cols[i] = "t." + col
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + t.name + " t JOIN " + enterpriseTable.name + " e ON e.uscc = t.uscc WHERE "
	key := slices.Index(t.columns, "uscc")
	return func(ctx context.Context, c *pgx.Conn, args []any, byUSCC map[string]*enterprise.Facts) error {
		for _, f := range byUSCC {
			empty(f)
		}
		rows, err := c.Query(ctx, q+rangeWhere(len(args) == 3, true)+" ORDER BY t.uscc, t.seq", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var r R
		rv := reflect.ValueOf(&r).Elem()
		dest := t.pointers(rv)
		uscc := rv.FieldByIndex(t.fields[key]).Addr().Interface().(*string)
		for rows.Next() {
			var zero R
			r = zero // no pointer of the last row is scanned into again
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if f, ok := byUSCC[*uscc]; ok {
				add(f, &r)
			}
		}
		return rows.Err()
	}
}

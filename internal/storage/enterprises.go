package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/credpol/credpol/internal/enterprise"
)

type enterpriseRow struct {
	USCC              string `gorm:"column:uscc;primaryKey"`
	Name              string
	EntityType        string
	Jurisdiction      string
	EstablishedOn     *string
	Status            string
	KeySectors        string
	ProductionSectors string
	NewFormat         *bool
	PublicCreditScore *float64
	RiskClass         *string
	PremisesAbnormal  *bool
	Reachable         *bool
	UpdatedAt         time.Time
}

func (enterpriseRow) TableName() string { return "enterprises" }

type penaltyRow struct {
	USCC            string  `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq             int     `gorm:"primaryKey" json:"seq"`
	DecisionNo      string  `json:"decision_no"`
	DecidedOn       string  `json:"decided_on"`
	PublishedOn     *string `json:"published_on"`
	Kinds           string  `json:"kinds"`
	FineAmount      float64 `json:"fine_amount"`
	Sector          string  `json:"sector"`
	Procedure       string  `json:"procedure"`
	DutiesFulfilled bool    `json:"duties_fulfilled"`
	HarmRemoved     bool    `json:"harm_removed"`
	BanMonths       *int    `json:"ban_months"`
}

func (penaltyRow) TableName() string { return "enterprise_penalties" }

type listingRow struct {
	USCC      string  `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq       int     `gorm:"primaryKey" json:"seq"`
	List      string  `json:"list"`
	Cause     string  `json:"cause"`
	ListedOn  string  `json:"listed_on"`
	RemovedOn *string `json:"removed_on"`
}

func (listingRow) TableName() string { return "enterprise_listings" }

type licenseRow struct {
	USCC      string `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq       int    `gorm:"primaryKey" json:"seq"`
	Kind      string `json:"kind"`
	Number    string `json:"number"`
	ExpiresOn string `json:"expires_on"`
}

func (licenseRow) TableName() string { return "enterprise_licenses" }

type inspectionRow struct {
	USCC        string `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq         int    `gorm:"primaryKey" json:"seq"`
	Task        string `json:"task"`
	InspectedOn string `json:"inspected_on"`
	Result      string `json:"result"`
}

func (inspectionRow) TableName() string { return "enterprise_inspections" }

type complaintRow struct {
	USCC       string `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq        int    `gorm:"primaryKey" json:"seq"`
	ReceivedOn string `json:"received_on"`
	Kind       string `json:"kind"`
}

func (complaintRow) TableName() string { return "enterprise_complaints" }

type commitmentRow struct {
	USCC   string `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq    int    `gorm:"primaryKey" json:"seq"`
	Item   string `json:"item"`
	MadeOn string `json:"made_on"`
	Status string `json:"status"`
}

func (commitmentRow) TableName() string { return "enterprise_commitments" }

type annualReportRow struct {
	USCC       string  `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq        int     `gorm:"primaryKey" json:"seq"`
	Year       int     `json:"year"`
	FiledOn    *string `json:"filed_on"`
	Amendments int     `json:"amendments"`
}

func (annualReportRow) TableName() string { return "enterprise_annual_reports" }

type registrationChangeRow struct {
	USCC      string `gorm:"column:uscc;primaryKey" json:"uscc"`
	Seq       int    `gorm:"primaryKey" json:"seq"`
	Item      string `json:"item"`
	ChangedOn string `json:"changed_on"`
}

func (registrationChangeRow) TableName() string { return "enterprise_registration_changes" }

// The enterprise table and its list tables, in rowSet.lists order, as GORM
// maps their row structs.
var (
	enterpriseTable = tableOf(reflect.TypeFor[enterpriseRow]())
	listTables      = func() []rowTable {
		var rs rowSet
		var out []rowTable
		for _, l := range rs.lists() {
			out = append(out, tableOf(reflect.TypeOf(l).Elem().Elem()))
		}
		return out
	}()
)

// Facts loads one enterprise with every list: one query per table, never one
// per child row. Lists come back empty, not absent, because what is stored is
// the whole record.
func (s *Store) Facts(ctx context.Context, uscc string) (enterprise.Facts, error) {
	return s.FactsReading(ctx, uscc, nil)
}

// FactsReading is Facts with only the lists among fields, named by their keys
// in the policy input document (nil for every list): a decision loads the
// history it can read and no other. Lists not named stay nil.
func (s *Store) FactsReading(ctx context.Context, uscc string, fields []string) (enterprise.Facts, error) {
	found, err := s.factsMany(ctx, []string{uscc}, listsAmong(fields))
	if err != nil {
		return enterprise.Facts{}, err
	}
	f, ok := found[uscc]
	if !ok {
		return enterprise.Facts{}, enterprise.ErrNotFound
	}
	return f, nil
}

// oneRoundTrip is the most enterprises FactsMany loads on Postgres with the
// single query that builds every list as JSON. That query answers a decision
// by id fastest, but Postgres runs its correlated list subqueries worse as
// the set grows: for 1,000 of 100,000 stored enterprises on 2 cores it took
// about 200 ms where a query per table took 95 ms (from 100 enterprises up
// the per-table queries won every time, at 50 and below the single query).
const oneRoundTrip = 50

// FactsMany loads several enterprises in nine queries whatever their number
// (one on Postgres for a few); unknown USCCs are simply absent from the map.
func (s *Store) FactsMany(ctx context.Context, usccs []string) (map[string]enterprise.Facts, error) {
	return s.factsMany(ctx, usccs, nil)
}

// factsMany loads the enterprises with the lists whose listFields index
// lists holds (nil: every list).
func (s *Store) factsMany(ctx context.Context, usccs []string, lists []int) (map[string]enterprise.Facts, error) {
	if s.dialect == "postgres" && len(usccs) <= oneRoundTrip {
		return s.factsPostgres(ctx, usccs, lists)
	}
	db := s.db.WithContext(ctx)
	var es []enterpriseRow
	if err := db.Where("uscc IN ?", usccs).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("loading enterprises: %w", err)
	}
	var rs rowSet
	for i, dst := range rs.lists() {
		if lists != nil && !slices.Contains(lists, i) {
			continue
		}
		if err := db.Where("uscc IN ?", usccs).Order("uscc, seq").Find(dst).Error; err != nil {
			return nil, fmt.Errorf("loading enterprise lists: %w", err)
		}
	}
	out := make(map[string]enterprise.Facts, len(es))
	for _, e := range es {
		f := e.facts()
		f.Penalties, f.Listings, f.Licenses = []enterprise.Penalty{}, []enterprise.Listing{}, []enterprise.License{}
		f.Inspections, f.Complaints = []enterprise.Inspection{}, []enterprise.Complaint{}
		f.Commitments, f.AnnualReports = []enterprise.Commitment{}, []enterprise.AnnualReport{}
		f.RegistrationChanges = []enterprise.RegistrationChange{}
		out[e.USCC] = f
	}
	group(out, rs.penalties, func(r penaltyRow) string { return r.USCC }, func(f *enterprise.Facts, r penaltyRow) { f.Penalties = append(f.Penalties, r.penalty()) })
	group(out, rs.listings, func(r listingRow) string { return r.USCC }, func(f *enterprise.Facts, r listingRow) { f.Listings = append(f.Listings, r.listing()) })
	group(out, rs.licenses, func(r licenseRow) string { return r.USCC }, func(f *enterprise.Facts, r licenseRow) { f.Licenses = append(f.Licenses, r.license()) })
	group(out, rs.inspections, func(r inspectionRow) string { return r.USCC }, func(f *enterprise.Facts, r inspectionRow) { f.Inspections = append(f.Inspections, r.inspection()) })
	group(out, rs.complaints, func(r complaintRow) string { return r.USCC }, func(f *enterprise.Facts, r complaintRow) { f.Complaints = append(f.Complaints, r.complaint()) })
	group(out, rs.commitments, func(r commitmentRow) string { return r.USCC }, func(f *enterprise.Facts, r commitmentRow) { f.Commitments = append(f.Commitments, r.commitment()) })
	group(out, rs.reports, func(r annualReportRow) string { return r.USCC }, func(f *enterprise.Facts, r annualReportRow) { f.AnnualReports = append(f.AnnualReports, r.report()) })
	group(out, rs.changes, func(r registrationChangeRow) string { return r.USCC }, func(f *enterprise.Facts, r registrationChangeRow) {
		f.RegistrationChanges = append(f.RegistrationChanges, r.change())
	})
	if lists != nil {
		for k, f := range out {
			out[k] = onlyLists(f, lists)
		}
	}
	return out, nil
}

// listFields are the lists' keys in the policy input document, in
// rowSet.lists order.
var listFields = []string{"penalties", "listings", "licenses", "inspections", "complaints", "commitments", "annual_reports", "registration_changes"}

// listsAmong is the listFields indexes of the lists among fields; nil for
// nil (every list).
func listsAmong(fields []string) []int {
	if fields == nil {
		return nil
	}
	out := []int{}
	for i, name := range listFields {
		if slices.Contains(fields, name) {
			out = append(out, i)
		}
	}
	return out
}

// factsPostgresSQL loads enterprises with the lists named by listFields
// index in one round trip: each list comes back as a JSON array built by
// Postgres, whose keys are the columns (the list rows' json tags). On the
// by-id decision path this replaces nine queries with one. The statement of
// each set of lists is built once.
func factsPostgresSQL(lists []int) string {
	key := fmt.Sprint(lists)
	if q, ok := factsStatements.Load(key); ok {
		return q.(string)
	}
	var cols []string
	for _, c := range enterpriseTable.columns {
		cols = append(cols, "e."+c)
	}
	for _, i := range lists {
		t := listTables[i]
		cols = append(cols, "(SELECT COALESCE(json_agg(t ORDER BY t.seq), '[]') FROM "+t.name+" t WHERE t.uscc = e.uscc)")
	}
	q := "SELECT " + strings.Join(cols, ",\n\t") + "\nFROM " + enterpriseTable.name + " e WHERE e.uscc IN ?"
	factsStatements.Store(key, q)
	return q
}

var factsStatements sync.Map // fmt.Sprint(lists) → statement

// everyList is every listFields index.
var everyList = []int{0, 1, 2, 3, 4, 5, 6, 7}

func (s *Store) factsPostgres(ctx context.Context, usccs []string, lists []int) (map[string]enterprise.Facts, error) {
	if lists == nil {
		lists = everyList
	}
	rows, err := s.db.WithContext(ctx).Raw(factsPostgresSQL(lists), usccs).Rows()
	if err != nil {
		return nil, fmt.Errorf("loading enterprises: %w", err)
	}
	defer rows.Close()
	out := make(map[string]enterprise.Facts, len(usccs))
	for rows.Next() {
		var e enterpriseRow
		raw := make([][]byte, len(lists))
		dest := enterpriseTable.pointers(reflect.ValueOf(&e).Elem())
		for i := range raw {
			dest = append(dest, &raw[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		var rs rowSet
		all := rs.lists()
		for i, l := range lists {
			if err := json.Unmarshal(raw[i], all[l]); err != nil {
				return nil, fmt.Errorf("decoding lists of %s: %w", e.USCC, err)
			}
		}
		f := e.facts()
		f.Penalties = convert(rs.penalties, penaltyRow.penalty)
		f.Listings = convert(rs.listings, listingRow.listing)
		f.Licenses = convert(rs.licenses, licenseRow.license)
		f.Inspections = convert(rs.inspections, inspectionRow.inspection)
		f.Complaints = convert(rs.complaints, complaintRow.complaint)
		f.Commitments = convert(rs.commitments, commitmentRow.commitment)
		f.AnnualReports = convert(rs.reports, annualReportRow.report)
		f.RegistrationChanges = convert(rs.changes, registrationChangeRow.change)
		out[e.USCC] = onlyLists(f, lists)
	}
	return out, rows.Err()
}

// convert maps rows to business values, returning an empty (not nil) slice.
func convert[R, T any](rows []R, f func(R) T) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}

func group[R any](out map[string]enterprise.Facts, rows []R, key func(R) string, add func(*enterprise.Facts, R)) {
	for _, r := range rows {
		if f, ok := out[key(r)]; ok {
			add(&f, r)
			out[key(r)] = f
		}
	}
}

// PutEnterprises stores complete records, replacing any stored under the same
// USCC, all in one transaction: either every record lands or none does.
func (s *Store) PutEnterprises(ctx context.Context, records []enterprise.Facts) error {
	if len(records) == 0 {
		return nil
	}
	rows := rowsOf(records)
	if s.dialect == "postgres" {
		return s.putPostgres(ctx, rows)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(rows.enterprises, 500).Error; err != nil {
			return fmt.Errorf("storing enterprises: %w", err)
		}
		for _, t := range listTables {
			if err := tx.Exec("DELETE FROM "+t.name+" WHERE uscc IN ?", rows.usccs).Error; err != nil {
				return fmt.Errorf("replacing %s: %w", t.name, err)
			}
		}
		for _, list := range rows.lists() {
			if err := createIfAny(tx, list); err != nil {
				return fmt.Errorf("storing enterprise lists: %w", err)
			}
		}
		return nil
	})
}

// EnterpriseJurisdictions returns the stored jurisdiction of each of usccs
// that is stored, in one query: writing a record needs scope over where it is
// now as well as where it goes, and an import asks this once per batch.
func (s *Store) EnterpriseJurisdictions(ctx context.Context, usccs []string) (map[string]string, error) {
	out := make(map[string]string, len(usccs))
	if len(usccs) == 0 {
		return out, nil
	}
	var rows []struct {
		USCC         string `gorm:"column:uscc"`
		Jurisdiction string
	}
	if err := s.db.WithContext(ctx).Model(&enterpriseRow{}).Select("uscc, jurisdiction").
		Where("uscc IN ?", usccs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("loading enterprise jurisdictions: %w", err)
	}
	for _, r := range rows {
		out[r.USCC] = r.Jurisdiction
	}
	return out, nil
}

// CountEnterprises returns how many enterprises are stored.
func (s *Store) CountEnterprises(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&enterpriseRow{}).Count(&n).Error
	return n, err
}

// SampleEnterprises returns up to limit stored USCCs in jurisdiction (any when
// empty), for examples in docs and demos.
func (s *Store) SampleEnterprises(ctx context.Context, jurisdiction string, limit int) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&enterpriseRow{}).Order("uscc").Limit(limit)
	if jurisdiction != "" {
		q = q.Where("jurisdiction = ?", jurisdiction)
	}
	var out []string
	return out, q.Pluck("uscc", &out).Error
}

// createIfAny inserts rows, a slice of row structs or a pointer to one.
func createIfAny(tx *gorm.DB, rows any) error {
	if reflect.Indirect(reflect.ValueOf(rows)).Len() == 0 {
		return nil
	}
	// 500 rows of at most 11 columns stays under both drivers' parameter limits.
	return tx.CreateInBatches(rows, 500).Error
}

// rowSet is records as rows, one slice per table.
type rowSet struct {
	usccs       []string
	enterprises []enterpriseRow
	penalties   []penaltyRow
	listings    []listingRow
	licenses    []licenseRow
	inspections []inspectionRow
	complaints  []complaintRow
	commitments []commitmentRow
	reports     []annualReportRow
	changes     []registrationChangeRow
}

// lists points at the list tables' row slices, in the one order the loads
// and writes that walk every list (and listTables) follow.
func (rs *rowSet) lists() []any {
	return []any{&rs.penalties, &rs.listings, &rs.licenses, &rs.inspections, &rs.complaints, &rs.commitments, &rs.reports, &rs.changes}
}

func rowsOf(records []enterprise.Facts) rowSet {
	now := time.Now().UTC()
	var rs rowSet
	for _, f := range records {
		u := enterprise.Value(f.USCC)
		rs.usccs = append(rs.usccs, u)
		rs.enterprises = append(rs.enterprises, enterpriseRow{
			USCC: u, Name: enterprise.Value(f.Name), EntityType: enterprise.Value(f.EntityType), Jurisdiction: enterprise.Value(f.Jurisdiction),
			EstablishedOn: f.EstablishedOn, Status: enterprise.Value(f.Status), KeySectors: strings.Join(f.KeySectors, ","),
			ProductionSectors: strings.Join(f.ProductionSectors, ","),
			NewFormat:         f.NewFormat, PublicCreditScore: f.PublicCreditScore, RiskClass: f.RiskClass,
			PremisesAbnormal: f.PremisesAbnormal, Reachable: f.Reachable, UpdatedAt: now,
		})
		for i, p := range f.Penalties {
			rs.penalties = append(rs.penalties, penaltyRow{USCC: u, Seq: i, DecisionNo: p.DecisionNo, DecidedOn: p.DecidedOn,
				PublishedOn: p.PublishedOn, Kinds: strings.Join(p.Kinds, ","), FineAmount: p.FineAmount, Sector: p.Sector,
				Procedure: p.Procedure, DutiesFulfilled: p.DutiesFulfilled, HarmRemoved: p.HarmRemoved, BanMonths: p.BanMonths})
		}
		for i, l := range f.Listings {
			rs.listings = append(rs.listings, listingRow{USCC: u, Seq: i, List: l.List, Cause: l.Cause, ListedOn: l.ListedOn, RemovedOn: l.RemovedOn})
		}
		for i, l := range f.Licenses {
			rs.licenses = append(rs.licenses, licenseRow{USCC: u, Seq: i, Kind: l.Kind, Number: l.Number, ExpiresOn: l.ExpiresOn})
		}
		for i, x := range f.Inspections {
			rs.inspections = append(rs.inspections, inspectionRow{USCC: u, Seq: i, Task: x.Task, InspectedOn: x.InspectedOn, Result: x.Result})
		}
		for i, c := range f.Complaints {
			rs.complaints = append(rs.complaints, complaintRow{USCC: u, Seq: i, ReceivedOn: c.ReceivedOn, Kind: c.Kind})
		}
		for i, c := range f.Commitments {
			rs.commitments = append(rs.commitments, commitmentRow{USCC: u, Seq: i, Item: c.Item, MadeOn: c.MadeOn, Status: c.Status})
		}
		for i, r := range f.AnnualReports {
			row := annualReportRow{USCC: u, Seq: i, Year: r.Year, Amendments: r.Amendments}
			if r.FiledOn != "" {
				row.FiledOn = &r.FiledOn
			}
			rs.reports = append(rs.reports, row)
		}
		for i, c := range f.RegistrationChanges {
			rs.changes = append(rs.changes, registrationChangeRow{USCC: u, Seq: i, Item: c.Item, ChangedOn: c.ChangedOn})
		}
	}
	return rs
}

func (r enterpriseRow) facts() enterprise.Facts {
	u, name, typ, jur, status := r.USCC, r.Name, r.EntityType, r.Jurisdiction, r.Status
	return enterprise.Facts{
		USCC: &u, Name: &name, EntityType: &typ, Jurisdiction: &jur, EstablishedOn: r.EstablishedOn, Status: &status,
		KeySectors: splitList(r.KeySectors), ProductionSectors: splitList(r.ProductionSectors), NewFormat: r.NewFormat, PublicCreditScore: r.PublicCreditScore,
		RiskClass: r.RiskClass, PremisesAbnormal: r.PremisesAbnormal, Reachable: r.Reachable,
	}
}

func (r penaltyRow) penalty() enterprise.Penalty {
	return enterprise.Penalty{DecisionNo: r.DecisionNo, DecidedOn: r.DecidedOn, PublishedOn: r.PublishedOn,
		Kinds: splitList(r.Kinds), FineAmount: r.FineAmount, Sector: r.Sector, Procedure: r.Procedure,
		DutiesFulfilled: r.DutiesFulfilled, HarmRemoved: r.HarmRemoved, BanMonths: r.BanMonths}
}

func (r listingRow) listing() enterprise.Listing {
	return enterprise.Listing{List: r.List, Cause: r.Cause, ListedOn: r.ListedOn, RemovedOn: r.RemovedOn}
}

func (r licenseRow) license() enterprise.License {
	return enterprise.License{Kind: r.Kind, Number: r.Number, ExpiresOn: r.ExpiresOn}
}

func (r inspectionRow) inspection() enterprise.Inspection {
	return enterprise.Inspection{Task: r.Task, InspectedOn: r.InspectedOn, Result: r.Result}
}

func (r complaintRow) complaint() enterprise.Complaint {
	return enterprise.Complaint{ReceivedOn: r.ReceivedOn, Kind: r.Kind}
}

func (r commitmentRow) commitment() enterprise.Commitment {
	return enterprise.Commitment{Item: r.Item, MadeOn: r.MadeOn, Status: r.Status}
}

func (r annualReportRow) report() enterprise.AnnualReport {
	return enterprise.AnnualReport{Year: r.Year, FiledOn: enterprise.Value(r.FiledOn), Amendments: r.Amendments}
}

func (r registrationChangeRow) change() enterprise.RegistrationChange {
	return enterprise.RegistrationChange{Item: r.Item, ChangedOn: r.ChangedOn}
}

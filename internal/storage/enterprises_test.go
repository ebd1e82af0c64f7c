package storage_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func ptr[T any](v T) *T { return &v }

// full sets every fact and every list, so a round trip checks every column.
func full(uscc string) enterprise.Facts {
	return enterprise.Facts{
		USCC: ptr(uscc), Name: ptr("汕头市鑫源食品有限公司"), EntityType: ptr("company"), Jurisdiction: ptr("440500"),
		EstablishedOn: ptr("2015-03-02"), Status: ptr("operating"), KeySectors: []string{"food", "special_equipment"},
		ProductionSectors: []string{"food"},
		NewFormat:         ptr(true), PublicCreditScore: ptr(812.5), RiskClass: ptr("C"), PremisesAbnormal: ptr(false), Reachable: ptr(true),
		Penalties: []enterprise.Penalty{
			{DecisionNo: "汕市监罚〔2024〕12号", DecidedOn: "2024-05-06", PublishedOn: ptr("2024-05-20"), Kinds: []string{"fine", "confiscation"},
				FineAmount: 30000, Sector: "food", Procedure: "ordinary", DutiesFulfilled: true, HarmRemoved: false, BanMonths: ptr(60)},
			{DecisionNo: "汕市监罚〔2025〕3号", DecidedOn: "2025-01-10", Kinds: []string{"warning"}, Sector: "general", Procedure: "simplified",
				HarmRemoved: true},
		},
		Listings: []enterprise.Listing{
			{List: "abnormal", Cause: "annual_report_not_filed", ListedOn: "2023-07-01", RemovedOn: ptr("2023-09-01")},
			{List: "serious_dishonest", Cause: "serious_violation", ListedOn: "2025-02-01"},
			{List: "abnormal_mark", Cause: "annual_report_not_filed", ListedOn: "2025-07-01"},
		},
		Licenses:            []enterprise.License{{Kind: "食品生产许可证", Number: "SC123", ExpiresOn: "2027-01-01"}},
		Inspections:         []enterprise.Inspection{{Task: "2025双随机", InspectedOn: "2025-06-01", Result: "problem"}},
		Complaints:          []enterprise.Complaint{{ReceivedOn: "2026-01-02", Kind: "food_safety"}},
		Commitments:         []enterprise.Commitment{{Item: "告知承诺制审批", MadeOn: "2024-01-01", Status: "false"}},
		AnnualReports:       []enterprise.AnnualReport{{Year: 2024, FiledOn: "2025-03-01", Amendments: 1}, {Year: 2025}},
		RegistrationChanges: []enterprise.RegistrationChange{{Item: "legal_representative", ChangedOn: "2025-11-03"}, {Item: "domicile", ChangedOn: "2025-12-01"}},
	}
}

func TestEveryFactRoundTrips(t *testing.T) {
	if unset := unsetFields(reflect.ValueOf(full("91110000600037341L")), "facts"); len(unset) > 0 {
		t.Fatalf("full leaves %v unset, so the round trip would not check them", unset)
	}
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			want := full("91110000600037341L")
			if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{want}); err != nil {
				t.Fatal(err)
			}
			got, err := s.Store.Facts(ctx, "91110000600037341L")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPutReplacesTheWholeRecord(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			first := full("91110000600037341L")
			if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{first}); err != nil {
				t.Fatal(err)
			}
			second := full("91110000600037341L")
			second.Name = ptr("更名后的公司")
			second.Penalties, second.Listings, second.RiskClass = []enterprise.Penalty{}, []enterprise.Listing{}, nil
			for i := 0; i < 2; i++ { // idempotent
				if err := s.Store.PutEnterprises(ctx, []enterprise.Facts{second}); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := s.Store.Facts(ctx, "91110000600037341L")
			if diff := cmp.Diff(second, got); diff != "" {
				t.Errorf("after replace (-want +got):\n%s", diff)
			}
			if n, _ := s.Store.CountEnterprises(ctx); n != 1 {
				t.Errorf("%d enterprises stored, want 1", n)
			}
		})
	}
}

func TestUnknownEnterpriseIsASentinel(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			if _, err := s.Store.Facts(context.Background(), "91110000600037341L"); !errors.Is(err, enterprise.ErrNotFound) {
				t.Errorf("err = %v, want ErrEnterpriseNotFound", err)
			}
		})
	}
}

// unsetFields lists the fields of v that are zero: of a list, the fields no
// item sets.
func unsetFields(v reflect.Value, at string) []string {
	switch v.Kind() {
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			out = append(out, unsetFields(v.Field(i), at+"."+v.Type().Field(i).Name)...)
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{at}
		}
		if v.Type().Elem().Kind() != reflect.Struct {
			return nil
		}
		unset := unsetFields(v.Index(0), at+"[]")
		for i := 1; i < v.Len(); i++ {
			unset = slices.DeleteFunc(unset, func(f string) bool { return !slices.Contains(unsetFields(v.Index(i), at+"[]"), f) })
		}
		return unset
	}
	if v.IsZero() {
		return []string{at}
	}
	return nil
}

// The migrations create each enterprise table with exactly the columns its
// row struct has: COPY and the one-query load name the struct's columns.
func TestRowStructsMatchTheMigratedTables(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			for table, want := range storage.EnterpriseTables() {
				q := "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '" + table + "'"
				if s.Name == "sqlite" {
					q = "SELECT group_concat(name, ',') FROM pragma_table_info('" + table + "')"
				}
				got := strings.Split(s.Query(t, q), ",")
				slices.Sort(got)
				slices.Sort(want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: the row struct's columns (-) and the table's (+):\n%s", table, diff)
				}
			}
		})
	}
}

package ingest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/ingest"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func all(string) bool { return true }

const ndjson = `{"uscc":"91110000600037341L","name":"甲公司","entity_type":"company","jurisdiction":"440500","status":"operating","penalties":[{"decision_no":"罚1","decided_on":"2024-01-02","kinds":["fine"],"fine_amount":5000,"sector":"food","procedure":"ordinary"}]}

{"uscc":"91110000600037341M","name":"校验位错","entity_type":"company","jurisdiction":"440500","status":"operating"}
{"uscc":"91440500MA4UQ6CX1L","name":"缺状态","entity_type":"company","jurisdiction":"440500"}
not json at all
{"uscc":"91440500739876998H","name":"乙个体","entity_type":"individual_business","jurisdiction":"999999","status":"operating"}
{"uscc":"92440500MA4UQ6CX0E","name":"丙个体","entity_type":"individual_business","jurisdiction":"440500","status":"operating","listings":[{"list":"abnormal","cause":"unreachable_at_domicile","listed_on":"2025-01-01"}]}
`

func TestImportNDJSONKeepsGoodLinesAndNumbersBadOnes(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			reg, _ := s.Store.Jurisdictions(ctx)
			svc := &ingest.Service{Store: s.Store, Validator: enterprise.Validator{KnownJurisdiction: reg.Has}, BatchSize: 1}
			sum, err := svc.Import(ctx, strings.NewReader(ndjson), ingest.NDJSON, all)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Accepted != 2 || sum.Rejected != 4 {
				t.Fatalf("accepted %d rejected %d, want 2 and 4: %+v", sum.Accepted, sum.Rejected, sum.Errors)
			}
			wantLines := []int{3, 4, 5, 6}
			for i, e := range sum.Errors {
				if e.Line != wantLines[i] {
					t.Errorf("error %d on line %d, want %d (%v)", i, e.Line, wantLines[i], e.Problems)
				}
			}
			if !strings.Contains(sum.Errors[0].Problems[0].Message, "应为L") || sum.Errors[1].Problems[0].Field != "status" {
				t.Errorf("problems do not say what is wrong: %+v", sum.Errors)
			}
			got, err := s.Store.Facts(ctx, "92440500MA4UQ6CX0E")
			if err != nil || len(got.Listings) != 1 {
				t.Errorf("good line not stored: %+v %v", got, err)
			}
		})
	}
}

func TestLegacyUSCCIsAWarningWhenAllowed(t *testing.T) {
	s := storetest.SQLite(t)
	svc := &ingest.Service{Store: s.Store, Validator: enterprise.Validator{LegacyUSCC: true}}
	line := `{"uscc":"91110000600037341M","name":"旧码","entity_type":"company","jurisdiction":"440500","status":"operating"}`
	sum, err := svc.Import(context.Background(), strings.NewReader(line), ingest.NDJSON, all)
	if err != nil || sum.Accepted != 1 || len(sum.Warnings) != 1 {
		t.Fatalf("sum %+v err %v, want one accepted line with a warning", sum, err)
	}
}

const csvFile = "\ufeffuscc,name,entity_type,jurisdiction,status,key_sectors,public_credit_score,new_format,penalties\n" +
	`91110000600037341L,甲公司,company,230000,operating,food;drug,812,true,"[{""decision_no"":""罚1"",""decided_on"":""2024-01-02"",""kinds"":[""fine""],""fine_amount"":500,""sector"":""food"",""procedure"":""ordinary""}]"` + "\n" +
	"92440500MA4UQ6CX0E,乙,individual_business,440500,operating,,abc,,\n" +
	"92440500MA4UQ6CX0E,乙,individual_business\n" +
	"92440500MA4UQ6CX0E,乙,individual_business,440500,operating,,,maybe,\n" +
	"92440500MA4UQ6CX0E,乙,individual_business,440500,operating,,,,\n"

func TestImportCSV(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := &ingest.Service{Store: s.Store}
			sum, err := svc.Import(ctx, strings.NewReader(csvFile), ingest.CSV, all)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Accepted != 2 || sum.Rejected != 3 {
				t.Fatalf("accepted %d rejected %d: %+v", sum.Accepted, sum.Rejected, sum.Errors)
			}
			for i, want := range []int{3, 4, 5} {
				if sum.Errors[i].Line != want {
					t.Errorf("error %d on line %d, want %d", i, sum.Errors[i].Line, want)
				}
			}
			f, err := s.Store.Facts(ctx, "91110000600037341L")
			if err != nil || *f.PublicCreditScore != 812 || len(f.KeySectors) != 2 || f.Penalties[0].FineAmount != 500 || !*f.NewFormat {
				t.Errorf("CSV row stored as %+v (%v)", f, err)
			}
		})
	}
}

func TestImportRefusesAnUnknownCSVColumn(t *testing.T) {
	s := storetest.SQLite(t)
	svc := &ingest.Service{Store: s.Store}
	_, err := svc.Import(context.Background(), strings.NewReader("uscc,colour\n"), ingest.CSV, all)
	if err == nil || !strings.Contains(err.Error(), `unknown column "colour"`) {
		t.Errorf("err = %v", err)
	}
}

func TestImportRejectsLinesOutsideTheCallersScope(t *testing.T) {
	s := storetest.SQLite(t)
	svc := &ingest.Service{Store: s.Store}
	sum, err := svc.Import(context.Background(), strings.NewReader(ndjson), ingest.NDJSON, func(code string) bool { return code == "230000" })
	if err != nil || sum.Accepted != 0 {
		t.Errorf("accepted %d (err %v), want none outside scope", sum.Accepted, err)
	}
}

func FuzzDecodeFacts(f *testing.F) {
	for _, line := range strings.Split(ndjson, "\n") {
		f.Add([]byte(line))
	}
	f.Add([]byte(`{"penalties":[{"kinds":null}],"listings":[{"removed_on":"2020-02-30"}]}`))
	v := enterprise.Validator{}
	f.Fuzz(func(t *testing.T, raw []byte) {
		facts, err := enterprise.Decode(raw, "facts")
		if err != nil {
			return
		}
		v.Check(facts, "facts")
		v.Record(facts, "")
	})
}

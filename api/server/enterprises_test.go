package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/storage/storetest"
)

const shantouFirm = `{"name":"汕头市鑫源食品有限公司","entity_type":"company","jurisdiction":"440500","status":"operating",
 "key_sectors":["food"],"public_credit_score":700,
 "listings":[{"list":"abnormal","cause":"annual_report_not_filed","listed_on":"2025-07-01","removed_on":null}]}`

func TestEnterprisesAndDecisionsByID(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			const uscc = "91110000600037341L"
			for i := 0; i < 2; i++ { // PUT is idempotent
				if status, body := f.do(t, "PUT", "/v1/enterprises/"+uscc, f.token, shantouFirm); status != 200 {
					t.Fatalf("PUT: %d %v", status, body)
				}
			}
			status, body := f.do(t, "GET", "/v1/enterprises/"+uscc, f.token, "")
			if status != 200 || body["name"] != "汕头市鑫源食品有限公司" || len(body["listings"].([]any)) != 1 {
				t.Fatalf("GET: %d %v", status, body)
			}

			// By id: jurisdiction comes from the stored facts; Shantou refuses (ST-4).
			status, body = f.do(t, "POST", "/v1/decisions/registration_change", f.token,
				`{"enterprise_id":"`+uscc+`","context":{"application":{"kind":"change"}},"as_of":"2026-11-21"}`)
			if status != 200 || body["result"].(map[string]any)["accept"] != false || body["jurisdiction"].(map[string]any)["code"] != "440500" {
				t.Fatalf("by id: %d %v", status, body)
			}
			// Inline facts win over stored ones: without the listing the change is accepted.
			status, body = f.do(t, "POST", "/v1/decisions/registration_change", f.token,
				`{"enterprise_id":"`+uscc+`","facts":{"listings":[]},"context":{"application":{"kind":"change"}},"as_of":"2026-11-21"}`)
			if status != 200 || body["result"].(map[string]any)["accept"] != true {
				t.Fatalf("inline over stored: %d %v", status, body)
			}
			// An explicit jurisdiction overrides the enterprise's own.
			status, body = f.do(t, "POST", "/v1/decisions/registration_change", f.token,
				`{"enterprise_id":"`+uscc+`","jurisdiction":"440000","context":{"application":{"kind":"change"}},"as_of":"2026-11-21"}`)
			if status != 200 || body["policy"].(map[string]any)["source"] != "100000" {
				t.Fatalf("explicit jurisdiction: %d %v", status, body)
			}

			for _, tc := range []struct {
				name, method, path, body string
				status                   int
				code                     string
			}{
				{"unknown enterprise", "POST", "/v1/decisions/registration_change", `{"enterprise_id":"91440500MA4UQ6CX1L","context":{"application":{"kind":"change"}}}`, 404, "enterprise_not_found"},
				{"bad enterprise id", "POST", "/v1/decisions/registration_change", `{"enterprise_id":"91440500MA4UQ6CX1M","context":{"application":{"kind":"change"}}}`, 422, "invalid_uscc"},
				{"GET unknown", "GET", "/v1/enterprises/91440500MA4UQ6CX1L", ``, 404, "enterprise_not_found"},
				{"GET bad USCC", "GET", "/v1/enterprises/123", ``, 422, "invalid_uscc"},
				{"PUT mismatched USCC", "PUT", "/v1/enterprises/" + uscc, `{"uscc":"91440500MA4UQ6CX1L","name":"x","entity_type":"company","jurisdiction":"440500","status":"operating"}`, 422, "invalid_uscc"},
				{"PUT missing facts", "PUT", "/v1/enterprises/" + uscc, `{"name":"x"}`, 422, "invalid_facts"},
				{"PUT bad enum", "PUT", "/v1/enterprises/" + uscc, strings.Replace(shantouFirm, `"company"`, `"corporation"`, 1), 422, "invalid_facts"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					status, body := f.do(t, tc.method, tc.path, f.token, tc.body)
					if status != tc.status || errorCode(body) != tc.code {
						t.Errorf("%d %q, want %d %q: %v", status, errorCode(body), tc.status, tc.code, body)
					}
				})
			}
			// A failed PUT changed nothing.
			if _, body := f.do(t, "GET", "/v1/enterprises/"+uscc, f.token, ""); body["entity_type"] != "company" {
				t.Errorf("a rejected PUT changed the stored record: %v", body)
			}

			hequ := mustToken(t, st, "hequ-reader", []string{"140930"}, []string{"registration_change", "facts:read", "facts:write"})
			if status, body := f.do(t, "GET", "/v1/enterprises/"+uscc, hequ, ""); status != 404 || errorCode(body) != "enterprise_not_found" {
				t.Errorf("a Hequ token read a Shantou enterprise: %d %v", status, body)
			}
			if status, body := f.do(t, "PUT", "/v1/enterprises/"+uscc, hequ, shantouFirm); status != 403 {
				t.Errorf("a Hequ token wrote a Shantou enterprise: %d %v", status, body)
			}
		})
	}
}

func TestImportEndpoint(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			lines := `{"uscc":"91110000600037341L","name":"甲","entity_type":"company","jurisdiction":"350505","status":"operating"}
{"uscc":"91110000600037341M","name":"乙","entity_type":"company","jurisdiction":"350505","status":"operating"}
`
			status, body := f.send(t, "POST", "/v1/enterprises/import", f.token, "application/x-ndjson", lines)
			if status != 200 || body["accepted"] != 1.0 || body["rejected"] != 1.0 {
				t.Fatalf("NDJSON import: %d %v", status, body)
			}
			if line := body["errors"].([]any)[0].(map[string]any)["line"]; line != 2.0 {
				t.Errorf("error reported on line %v, want 2", line)
			}
			csv := "uscc,name,entity_type,jurisdiction,status\n91440500MA4UQ6CX1L,丙,company,440500,operating\n"
			status, body = f.send(t, "POST", "/v1/enterprises/import?format=csv", f.token, "text/plain", csv)
			if status != 200 || body["accepted"] != 1.0 {
				t.Fatalf("CSV import: %d %v", status, body)
			}
			if status, body = f.send(t, "POST", "/v1/enterprises/import", f.token, "text/plain", csv); status != 422 {
				t.Errorf("import without a format: %d %v", status, body)
			}
			if status, body = f.send(t, "POST", "/v1/enterprises/import?format=csv", f.token, "text/csv", "uscc,colour\n"); status != 422 || errorCode(body) != "invalid_import" {
				t.Errorf("CSV with an unknown column: %d %v", status, body)
			}
		})
	}
}

// While the store is down, decisions that need it answer 503 and decisions on
// inline facts keep working as long as the caller's token is freshly
// verified. Past the cache's ttl (1 s in the fixture) the token cannot be
// checked, and is not trusted: it may have been revoked meanwhile.
func TestStoreOutage(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			revoked := mustToken(t, st, "revoked", []string{"100000"}, []string{"*"})
			for _, token := range []string{f.token, revoked} { // verified before the outage
				if status, body := f.do(t, "GET", "/v1/decisions", token, ""); status != 200 {
					t.Fatalf("%d %v", status, body)
				}
			}
			if err := st.Store.RevokeToken(context.Background(), "revoked"); err != nil {
				t.Fatal(err)
			}
			verified := time.Now()
			st.Store.Close()
			status, body := f.do(t, "POST", "/v1/decisions/registration_change", f.token,
				`{"enterprise_id":"91110000600037341L","context":{"application":{"kind":"change"}}}`)
			if status != 503 || errorCode(body) != "store_unavailable" {
				t.Errorf("by id during an outage: %d %v", status, body)
			}
			inline := `{"jurisdiction":"230000","facts":{"public_credit_score":851}}`
			status, body = f.do(t, "POST", "/v1/decisions/credit_grade", f.token, inline)
			if time.Since(verified) < 900*time.Millisecond && (status != 200 || body["result"].(map[string]any)["grade"] != "A") {
				t.Errorf("inline facts during an outage: %d %v", status, body)
			}
			time.Sleep(time.Until(verified.Add(1100 * time.Millisecond)))
			for name, token := range map[string]string{"valid": f.token, "revoked": revoked} {
				status, body = f.do(t, "POST", "/v1/decisions/credit_grade", token, inline)
				if status != 503 || errorCode(body) != "store_unavailable" {
					t.Errorf("%s token past the ttl during an outage: %d %v, want 503", name, status, body)
				}
			}
		})
	}
}

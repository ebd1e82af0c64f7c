package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// Two valid USCCs: one stored in Shantou (440500), one never stored.
const (
	shantouUSCC = "91440500MA4UQ6CX1L"
	unknownUSCC = "91110000600037341L"
)

const shantouClassified = `{"name":"汕头市鑫源食品有限公司","entity_type":"company","jurisdiction":"440500","status":"operating",
 "public_credit_score":700,"risk_class":"C"}`

func errorMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// storeShantou stores the Shantou enterprise with the full-scope token.
func (f *fixture) storeShantou(t *testing.T) {
	t.Helper()
	if status, body := f.do(t, "PUT", "/v1/enterprises/"+shantouUSCC, f.token, shantouClassified); status != 200 {
		t.Fatalf("PUT: %d %v", status, body)
	}
}

// sameAsUnknown checks that an answer about the Shantou enterprise is the
// answer about an unknown USCC: 404 enterprise_not_found, the same message.
func sameAsUnknown(t *testing.T, what string, status int, body map[string]any, unknownStatus int, unknown map[string]any) {
	t.Helper()
	if status != 404 || errorCode(body) != "enterprise_not_found" {
		t.Errorf("%s: %d %v, want 404 enterprise_not_found", what, status, body)
	}
	if status != unknownStatus || strings.ReplaceAll(errorMessage(body), shantouUSCC, "X") != strings.ReplaceAll(errorMessage(unknown), unknownUSCC, "X") {
		t.Errorf("%s: %d %q differs from the answer for an unknown USCC: %d %q", what, status, errorMessage(body), unknownStatus, errorMessage(unknown))
	}
}

// A Quangang token cannot reach a Shantou enterprise by naming its own
// jurisdiction: not by decision, batch, GET or the decision log.
func TestJurisdictionScopeFollowsTheEnterprise(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.storeShantou(t)
			quangang := mustToken(t, st, "quangang", []string{"350505"}, []string{"*"})
			byID := func(token, uscc, extra string) (int, map[string]any) {
				return f.do(t, "POST", "/v1/decisions/risk_class", token, `{"enterprise_id":"`+uscc+`"`+extra+`}`)
			}

			us, ub := byID(quangang, unknownUSCC, `,"jurisdiction":"350505"`)
			s, b := byID(quangang, shantouUSCC, `,"jurisdiction":"350505"`)
			sameAsUnknown(t, "decision naming its own jurisdiction", s, b, us, ub)
			s, b = byID(quangang, shantouUSCC, "")
			sameAsUnknown(t, "decision by id", s, b, us, ub)
			s, b = byID(quangang, shantouUSCC, `,"jurisdiction":"350505","facts":{"jurisdiction":"350505"}`)
			sameAsUnknown(t, "decision relocating the enterprise inline", s, b, us, ub)

			us, ub = f.do(t, "GET", "/v1/enterprises/"+unknownUSCC, quangang, "")
			s, b = f.do(t, "GET", "/v1/enterprises/"+shantouUSCC, quangang, "")
			sameAsUnknown(t, "GET", s, b, us, ub)

			s, b = f.do(t, "POST", "/v1/decisions/risk_class/batch", quangang, `{"items":[
				{"enterprise_id":"`+shantouUSCC+`","jurisdiction":"350505"},{"enterprise_id":"`+unknownUSCC+`"}]}`)
			if s != 200 {
				t.Fatalf("batch: %d %v", s, b)
			}
			items := b["items"].([]any)
			for i, it := range items {
				e, _ := it.(map[string]any)["error"].(map[string]any)
				if e == nil || e["code"] != "enterprise_not_found" {
					t.Errorf("batch item %d: %v", i, it)
				}
			}

			// Inline facts placing an enterprise outside the token's scope are refused too.
			if s, b := f.do(t, "POST", "/v1/decisions/risk_class", quangang,
				`{"jurisdiction":"350505","facts":{"jurisdiction":"440500","public_credit_score":700}}`); s != 403 || errorCode(b) != "forbidden" {
				t.Errorf("inline facts of another jurisdiction: %d %v", s, b)
			}
			// A Shantou token may not ask in Quangang about its enterprise.
			guangdong := mustToken(t, st, "guangdong", []string{"440000"}, []string{"*"})
			if s, b := byID(guangdong, shantouUSCC, `,"jurisdiction":"350505"`); s != 403 || errorCode(b) != "forbidden" {
				t.Errorf("enterprise in scope, jurisdiction not: %d %v", s, b)
			}
			if _, b := byID(guangdong, shantouUSCC, ""); b["warnings"] != nil {
				t.Errorf("warnings on an ordinary decision: %v", b["warnings"])
			}

			// A token over both may ask, and is told.
			south := mustToken(t, st, "south", []string{"350000", "440000"}, []string{"*"})
			s, b = byID(south, shantouUSCC, `,"jurisdiction":"350505"`)
			if s != 200 {
				t.Fatalf("token over both jurisdictions: %d %v", s, b)
			}
			ws, _ := b["warnings"].([]any)
			if len(ws) != 1 {
				t.Fatalf("warnings = %v, want one", b["warnings"])
			}
			w := ws[0].(map[string]any)
			msg, _ := w["message"].(string)
			if w["code"] != "jurisdiction_differs" || !strings.Contains(msg, "350505") || !strings.Contains(msg, "440500") {
				t.Errorf("warning = %v", w)
			}
			id := b["decision_id"].(string)
			s, b = f.do(t, "POST", "/v1/decisions/risk_class/batch", south, `{"items":[{"enterprise_id":"`+shantouUSCC+`","jurisdiction":"350505"}]}`)
			if item := b["items"].([]any)[0].(map[string]any); s != 200 || item["warnings"] == nil {
				t.Errorf("batch item without its warning: %d %v", s, b)
			}

			// The log entry is about a Shantou enterprise: Quangang cannot read it.
			f.waitLogged(t, 3)
			if s, b := f.do(t, "GET", "/v1/decision-log/"+id, quangang, ""); s != 404 {
				t.Errorf("Quangang read the entry of a Shantou enterprise: %d %v", s, b)
			}
			if s, b := f.do(t, "POST", "/v1/decision-log/"+id+"/replay", quangang, ""); s != 404 {
				t.Errorf("Quangang replayed the entry of a Shantou enterprise: %d %v", s, b)
			}
			if s, b := f.do(t, "GET", "/v1/decision-log", quangang, ""); s != 200 || len(b["entries"].([]any)) != 0 {
				t.Errorf("Quangang's search shows Shantou entries: %d %v", s, b)
			}
			if s, b := f.do(t, "GET", "/v1/decision-log/"+id, south, ""); s != 200 {
				t.Errorf("the token over both cannot read its entry: %d %v", s, b)
			}
		})
	}
}

// Facts need the facts scopes, and classification results are shown only to
// callers who may ask for the class (HLJ-9).
func TestFactsScopesAndClassification(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.storeShantou(t)
			tok := func(name string, scopes ...string) string {
				return mustToken(t, st, name, []string{"440500"}, scopes)
			}
			change := tok("change", "registration_change")
			supervision := tok("supervision", "supervision")
			reader := tok("reader", "facts:read")
			classReader := tok("class-reader", "facts:read", "risk_class")
			writer := tok("writer", "facts:write")

			for _, tc := range []struct {
				name, token, method string
				status              int
			}{
				{"decision-only GET", change, "GET", 403},
				{"decision-only PUT", supervision, "PUT", 403},
				{"reader PUT", reader, "PUT", 403},
				{"writer GET", writer, "GET", 403},
				{"writer PUT", writer, "PUT", 200},
				{"reader GET", reader, "GET", 200},
			} {
				status, body := f.do(t, tc.method, "/v1/enterprises/"+shantouUSCC, tc.token, shantouClassified)
				if status != tc.status {
					t.Errorf("%s: %d %v, want %d", tc.name, status, body, tc.status)
				}
				if tc.status == 403 && errorCode(body) != "forbidden" {
					t.Errorf("%s: code %q", tc.name, errorCode(body))
				}
			}
			ndjson := `{"uscc":"` + shantouUSCC + `","name":"x","entity_type":"company","jurisdiction":"440500","status":"operating"}`
			if s, b := f.send(t, "POST", "/v1/enterprises/import", supervision, "application/x-ndjson", ndjson); s != 403 {
				t.Errorf("decision-only import: %d %v", s, b)
			}
			f.storeShantou(t)

			_, body := f.do(t, "GET", "/v1/enterprises/"+shantouUSCC, reader, "")
			if _, ok := body["risk_class"]; ok || body["public_credit_score"] != nil || body["name"] == nil {
				t.Errorf("a reader without risk_class sees %v", body)
			}
			_, body = f.do(t, "GET", "/v1/enterprises/"+shantouUSCC, classReader, "")
			if body["risk_class"] != "C" || body["public_credit_score"] != 700.0 {
				t.Errorf("a reader with risk_class sees %v", body)
			}

			// The log holds the facts a decision read; they are hidden alike.
			s, body := f.do(t, "POST", "/v1/decisions/registration_change", change,
				`{"enterprise_id":"`+shantouUSCC+`","context":{"application":{"kind":"change"}}}`)
			if s != 200 {
				t.Fatalf("registration_change: %d %v", s, body)
			}
			id := body["decision_id"].(string)
			f.waitLogged(t, 1)
			enterpriseOf := func(entry map[string]any) map[string]any {
				return entry["input"].(map[string]any)["enterprise"].(map[string]any)
			}
			_, body = f.do(t, "GET", "/v1/decision-log/"+id, change, "")
			// Without facts:read it sees which enterprise, not its facts.
			if e := enterpriseOf(body); e["risk_class"] != nil || e["public_credit_score"] != nil || e["name"] != nil {
				t.Errorf("a registration_change token sees the logged facts or classification: %v", e)
			}
			_, body = f.do(t, "GET", "/v1/decision-log", change, "")
			entries := body["entries"].([]any)
			if len(entries) != 1 || enterpriseOf(entries[0].(map[string]any))["risk_class"] != nil {
				t.Errorf("search shows the logged classification: %v", entries)
			}
			// A full-scope token sees all that was logged: the facts the
			// decision read (registration_change reads the listings, not the
			// class) and, where a decision read it, the class.
			_, body = f.do(t, "GET", "/v1/decision-log/"+id, f.token, "")
			if e := enterpriseOf(body); e["name"] == nil || e["listings"] == nil || e["risk_class"] != nil {
				t.Errorf("registration_change logged %v, want the listings it read and the enterprise's names", e)
			}
			if s, body = f.do(t, "POST", "/v1/decisions/supervision", f.token, `{"enterprise_id":"`+shantouUSCC+`"}`); s != 200 {
				t.Fatalf("supervision: %d %v", s, body)
			}
			f.waitLogged(t, 2)
			_, body = f.do(t, "GET", "/v1/decision-log/"+body["decision_id"].(string), f.token, "")
			if e := enterpriseOf(body); e["risk_class"] != "C" {
				t.Errorf("a full-scope token does not see the logged class: %v", e)
			}
			// An explanation shows the facts the policy read: not the class to
			// a token that may only ask for supervision.
			readsClass := func(token string) bool {
				s, body := f.do(t, "POST", "/v1/decisions/supervision?explain=true", token, `{"enterprise_id":"`+shantouUSCC+`"}`)
				if s != 200 {
					t.Fatalf("supervision: %d %v", s, body)
				}
				for _, r := range body["explanation"].(map[string]any)["facts_read"].([]any) {
					path := r.(map[string]any)["path"].(string)
					if strings.Contains(path, "risk_class") || strings.Contains(path, "public_credit_score") {
						return true
					}
				}
				return false
			}
			if !readsClass(f.token) {
				t.Fatal("supervision no longer reads the class; this check needs another decision")
			}
			if readsClass(supervision) {
				t.Error("the explanation shows a supervision-only token the classification facts")
			}

			// A replay still evaluates the whole logged input.
			if s, body := f.do(t, "POST", "/v1/decision-log/"+id+"/replay", change, ""); s != 200 || body["reproduced"] != true {
				t.Errorf("replay: %d %v", s, body)
			}
		})
	}
}

// A Quangang writer cannot take a Shantou enterprise over by writing it
// under its own jurisdiction, by PUT or by import.
func TestWritingNeedsScopeOverTheStoredRecord(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			f.storeShantou(t)
			quangang := mustToken(t, st, "quangang", []string{"350505"}, []string{"facts:read", "facts:write"})
			hijack := strings.Replace(shantouClassified, `"440500"`, `"350505"`, 1)
			if s, b := f.do(t, "PUT", "/v1/enterprises/"+shantouUSCC, quangang, hijack); s != 403 || errorCode(b) != "forbidden" {
				t.Errorf("PUT over a Shantou record: %d %v", s, b)
			}
			own := `{"uscc":"` + unknownUSCC + `","name":"泉港企业","entity_type":"company","jurisdiction":"350505","status":"operating"}`
			lines := own + "\n" + `{"uscc":"` + shantouUSCC + `","name":"x","entity_type":"company","jurisdiction":"350505","status":"operating"}` + "\n"
			s, b := f.send(t, "POST", "/v1/enterprises/import", quangang, "application/x-ndjson", lines)
			if s != 200 || b["accepted"] != 1.0 || b["rejected"] != 1.0 {
				t.Fatalf("import: %d %v", s, b)
			}
			if e := b["errors"].([]any)[0].(map[string]any); e["line"] != 2.0 || e["uscc"] != shantouUSCC {
				t.Errorf("the refused line: %v", e)
			}
			_, b = f.do(t, "GET", "/v1/enterprises/"+shantouUSCC, f.token, "")
			if b["jurisdiction"] != "440500" || b["name"] != "汕头市鑫源食品有限公司" {
				t.Errorf("the Shantou record changed: %v", b)
			}
		})
	}
}

// The server's ReadTimeout is for ordinary bodies: an import may take as long
// as it keeps sending, and its answer still gets out.
func TestSlowImportOutlivesTheReadTimeout(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	srv := httptest.NewUnstartedServer(f.srv.Config.Handler)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()

	pr, pw := io.Pipe()
	const n = 8
	go func() {
		for i := 0; i < n; i++ {
			first := fmt.Sprintf("9135050500000%04d", i)
			c := checkChar(t, first)
			fmt.Fprintf(pw, `{"uscc":"%s%c","name":"慢%d","entity_type":"company","jurisdiction":"350505","status":"operating"}`+"\n", first, c, i)
			time.Sleep(120 * time.Millisecond) // about a second in all, three ReadTimeouts
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/v1/enterprises/import", pr)
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the slow import was cut off: %v", err)
	}
	defer resp.Body.Close()
	var sum map[string]any
	raw, _ := io.ReadAll(resp.Body)
	json.Unmarshal(raw, &sum)
	if resp.StatusCode != 200 || sum["accepted"] != float64(n) {
		t.Fatalf("slow import: %d %s", resp.StatusCode, raw)
	}
	if got, _ := f.store.Store.CountEnterprises(context.Background()); got != n {
		t.Errorf("%d stored, want %d", got, n)
	}
}

func checkChar(t *testing.T, first17 string) byte {
	c, err := enterprise.CheckCharacter(first17)
	if err != nil {
		t.Error(err)
	}
	return c
}

package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func withBodyLimit(n int64) func(*server.Deps) {
	return func(d *server.Deps) { d.BodyLimit = n }
}

// brackets is n arrays, one inside the other: 2n bytes.
func brackets(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// A small body of deeply nested brackets is refused by its depth before it
// is decoded or explained, on every route that takes JSON.
func TestDeeplyNestedBodiesAreRefusedBeforeDecoding(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), withBodyLimit(1<<20))
	deep := `{"jurisdiction":"440500","context":{"deep":` + brackets(60000) + `}}` // 120 KB

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	status, body := f.do(t, "POST", "/v1/decisions/registration_change", f.token, deep)
	runtime.ReadMemStats(&after)
	msg, _ := errorParts(body)
	if status != 400 || errorCode(body) != "malformed_body" ||
		msg != "the request body is refused: objects and arrays in the body nest deeper than the limit of 64 levels (at byte 105)" {
		t.Fatalf("deep decision body: %d %v", status, body)
	}
	// Reading the body and refusing it costs about its size, not a walk
	// that builds a path per level (gigabytes for this body).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("refusing a 120 KB body allocated %d MB", alloc>>20)
	}

	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/v1/decisions/credit_grade/batch", `{"items":[{"jurisdiction":"230000","facts":{"penalties":` + brackets(70) + `}}]}`},
		{"POST", "/v1/sampling-plans", `{"jurisdiction":"350505","name":` + brackets(100) + `}`},
		{"PATCH", "/v1/sampling-plans/01a1ffae-0000-7000-8000-000000000000/items/91110000600037341L", `{"result":` + brackets(64) + `}`},
		{"PUT", "/v1/enterprises/91110000600037341L", `{"name":"甲","penalties":` + brackets(64) + `}`},
	} {
		status, body := f.do(t, tc.method, tc.path, f.token, tc.body)
		msg, _ := errorParts(body)
		if status != 400 || errorCode(body) != "malformed_body" || !strings.Contains(msg, "deeper than the limit of 64 levels (at byte ") {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, status, body)
		}
	}

	// An import line nested too deep is refused on its line; the rest land.
	lines := fmt.Sprintf(`{"uscc":"91110000600037341L","name":"甲","entity_type":"company","jurisdiction":"350505","status":"operating"}
{"uscc":"91440500MA4UQ6CX1L","name":"乙","penalties":%s}
`, brackets(60000))
	status, body = f.send(t, "POST", "/v1/enterprises/import", f.token, "application/x-ndjson", lines)
	if status != 200 || body["accepted"] != 1.0 || body["rejected"] != 1.0 {
		t.Fatalf("import with a deep line: %d %v", status, body)
	}
	problems := body["errors"].([]any)[0].(map[string]any)["problems"].([]any)
	if m := problems[0].(map[string]any)["message"].(string); !strings.Contains(m, "objects and arrays in the facts nest deeper than the limit of 64 levels") {
		t.Errorf("the deep line's problem: %v", problems)
	}
}

// A body that breaks off is answered in fixed words: the reader's own error
// names the server's and the client's sockets. The detail is logged with
// the request's id.
func TestAnUnreadableBodyIsAnsweredWithoutSocketAddresses(t *testing.T) {
	logs := &syncBuffer{}
	f := newFixture(t, storetest.SQLite(t), withLogs(logs))
	srv := httptest.NewUnstartedServer(f.srv.Config.Handler)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()

	for i, path := range []string{"/v1/decisions/credit_grade", "/v1/enterprises/91110000600037341L"} {
		method := map[bool]string{true: "POST", false: "PUT"}[i == 0]
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("stalled-%d", i)
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: credpol\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nX-Request-ID: %s\r\nContent-Length: 100\r\n\r\n{\"jurisd", method, path, f.token, id)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		var raw strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&raw)
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(raw.String(), `"message":"the request body could not be read completely"`) {
			t.Errorf("%s %s stalled: %d %s", method, path, resp.StatusCode, raw.String())
		}
		for _, leak := range []string{"127.0.0.1", "tcp", "timeout"} {
			if strings.Contains(raw.String(), leak) {
				t.Errorf("%s %s: the answer says %q: %s", method, path, leak, raw.String())
			}
		}
		logged := false
		for _, l := range logs.lines(t) {
			if l["msg"] == "request body unreadable" && l["request_id"] == id && strings.Contains(fmt.Sprint(l["err"]), "i/o timeout") {
				logged = true
			}
		}
		if !logged {
			t.Errorf("%s %s: no log line with the reader's error and the request id:\n%s", method, path, logs)
		}
	}
}

// PUT takes a facts document like an import line: not JSON at all is 400
// malformed_body as on every route, and a leading UTF-8 BOM is no error.
func TestPutEnterpriseBodies(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	const path = "/v1/enterprises/91110000600037341L"
	status, body := f.do(t, "PUT", path, f.token, `{"name":"甲","entity_type":"company",`)
	msg, fields := errorParts(body)
	if status != 400 || errorCode(body) != "malformed_body" || msg != "the request body is not valid JSON: unexpected end of the body at byte 38" {
		t.Errorf("truncated PUT: %d %v", status, body)
	}
	if _, ok := fields[""]; !ok {
		t.Errorf("truncated PUT details: %v", fields)
	}
	status, body = f.do(t, "PUT", path, f.token, `{"name":"甲","entity_type":company}`)
	if msg, fields := errorParts(body); status != 400 || errorCode(body) != "malformed_body" || !strings.HasPrefix(msg, "the request body is not valid JSON: entity_type: invalid character 'c'") || fields["entity_type"] == "" {
		t.Errorf("bad syntax in PUT: %d %s %v", status, msg, fields)
	}
	// Well-formed but wrong facts stay facts problems.
	status, body = f.do(t, "PUT", path, f.token, `{"name":"甲","public_credit_score":"800"}`)
	if status != 422 || errorCode(body) != "invalid_facts" {
		t.Errorf("wrong type in PUT: %d %v", status, body)
	}
	status, body = f.do(t, "PUT", path, f.token, "\ufeff"+`{"name":"甲","entity_type":"company","jurisdiction":"440500","status":"operating"}`)
	if status != 200 || body["stored"] != true {
		t.Errorf("PUT with a BOM: %d %v", status, body)
	}
	status, body = f.do(t, "PUT", path, f.token, `{"name":"甲","jurisdiction":"440500"}`)
	if _, fields := errorParts(body); status != 422 ||
		fields["entity_type"] != "is required (one of company, farmer_cooperative, individual_business)" ||
		fields["status"] != "is required (one of deregistered, operating, revoked, suspended)" {
		t.Errorf("PUT without entity_type and status: %d %v", status, body)
	}
}

package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// syncBuffer collects log output written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log records written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func withLogs(buf *syncBuffer) func(*server.Deps) {
	return func(d *server.Deps) {
		d.Logger = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
}

// raw sends a request and returns the response with its body read.
func (f *fixture) raw(t *testing.T, method, path, token, body string, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp, out
}

func requestIDOf(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	id, _ := e["request_id"].(string)
	return id
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t))
	for _, tc := range []struct {
		method, path, token string
		status              int
		noStore             bool
	}{
		{"GET", "/health", "", 200, false},
		{"GET", "/metrics", "", 200, false},
		{"GET", "/nowhere", "", 404, false},
		{"GET", "/v1/decisions", f.token, 200, true},
		{"GET", "/v1/decisions", "", 401, true},
		{"GET", "/v1/nothing", f.token, 404, true},
		{"DELETE", "/v1/decisions", f.token, 405, true},
		{"POST", "/v1/decisions/credit_grade", f.token, 200, true},
	} {
		resp, _ := f.raw(t, tc.method, tc.path, tc.token, `{"jurisdiction":"230000","facts":{"public_credit_score":800}}`, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", tc.method, tc.path, got)
		}
		if got := resp.Header.Get("Cache-Control"); (got == "no-store") != tc.noStore {
			t.Errorf("%s %s: Cache-Control %q, want no-store: %v", tc.method, tc.path, got, tc.noStore)
		}
	}
}

func TestRequestIDs(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			ok := `{"jurisdiction":"230000","facts":{"public_credit_score":800}}`

			t.Run("a valid client id is kept and logged with the decision", func(t *testing.T) {
				resp, body := f.raw(t, "POST", "/v1/decisions/credit_grade", f.token, ok, map[string]string{"X-Request-ID": "upstream-42_a.B"})
				if got := resp.Header.Get("X-Request-ID"); got != "upstream-42_a.B" {
					t.Fatalf("X-Request-ID = %q", got)
				}
				f.waitLogged(t, 1)
				status, rec := f.do(t, "GET", "/v1/decision-log/"+body["decision_id"].(string), f.token, "")
				if status != 200 || rec["request_id"] != "upstream-42_a.B" {
					t.Errorf("logged entry: %d request_id %v", status, rec["request_id"])
				}
			})

			t.Run("every batch item is logged with the batch's id", func(t *testing.T) {
				resp, body := f.raw(t, "POST", "/v1/decisions/credit_grade/batch", f.token,
					`{"items":[`+ok+`,`+ok+`]}`, map[string]string{"X-Request-ID": "batch-7"})
				if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") != "batch-7" {
					t.Fatalf("batch: %d %q %v", resp.StatusCode, resp.Header.Get("X-Request-ID"), body)
				}
				f.waitLogged(t, 3)
				for _, it := range body["items"].([]any) {
					id := it.(map[string]any)["decision_id"].(string)
					if _, rec := f.do(t, "GET", "/v1/decision-log/"+id, f.token, ""); rec["request_id"] != "batch-7" {
						t.Errorf("batch item %s logged with request_id %v", id, rec["request_id"])
					}
				}
			})

			for name, sent := range map[string]string{
				"none":          "",
				"too long":      strings.Repeat("a", 129),
				"bad character": "abc def",
				"header inject": "abc\u00e9",
			} {
				t.Run("generated when the client's is "+name, func(t *testing.T) {
					resp, _ := f.raw(t, "POST", "/v1/decisions/credit_grade", f.token, ok, map[string]string{"X-Request-ID": sent})
					got := resp.Header.Get("X-Request-ID")
					u, err := uuid.Parse(got)
					if err != nil || u.Version() != 7 {
						t.Errorf("X-Request-ID %q for a sent %q, want a UUIDv7", got, sent)
					}
				})
			}
			t.Run("128 characters are accepted", func(t *testing.T) {
				id := strings.Repeat("x", 128)
				if resp, _ := f.raw(t, "GET", "/health", "", "", map[string]string{"X-Request-ID": id}); resp.Header.Get("X-Request-ID") != id {
					t.Errorf("X-Request-ID = %q", resp.Header.Get("X-Request-ID"))
				}
			})

			t.Run("every error body carries it", func(t *testing.T) {
				for _, tc := range []struct{ method, path, token, body string }{
					{"POST", "/v1/decisions/credit_grade", "", ok},
					{"POST", "/v1/decisions/credit_grade", f.token, `{"jurisdiction":`},
					{"GET", "/v1/nothing", f.token, ""},
					{"DELETE", "/v1/decisions", f.token, ""},
					{"GET", "/v1/decision-log?outcome=GRADE:B", f.token, ""},
				} {
					resp, body := f.raw(t, tc.method, tc.path, tc.token, tc.body, nil)
					if resp.StatusCode < 400 || requestIDOf(body) == "" || requestIDOf(body) != resp.Header.Get("X-Request-ID") {
						t.Errorf("%s %s: %d, body request_id %q, header %q", tc.method, tc.path, resp.StatusCode,
							requestIDOf(body), resp.Header.Get("X-Request-ID"))
					}
				}
			})
		})
	}
}

func TestOneLogLinePerRequest(t *testing.T) {
	st := storetest.SQLite(t)
	logs := &syncBuffer{}
	f := newFixture(t, st, withLogs(logs))
	resp, _ := f.raw(t, "POST", "/v1/decisions/credit_grade", f.token,
		`{"jurisdiction":"230000","facts":{"name":"秘密企业","public_credit_score":800}}`, map[string]string{"X-Request-ID": "req-1"})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	f.raw(t, "GET", "/v1/decisions", "cpt_wrong", "", map[string]string{"X-Request-ID": "req-2"})

	var got []map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "request" {
			got = append(got, l)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d request lines, want 2:\n%s", len(got), logs)
	}
	want := []map[string]any{
		{"level": "INFO", "method": "POST", "route": "/v1/decisions/:name", "status": 200.0, "caller": "all", "request_id": "req-1"},
		{"level": "INFO", "method": "GET", "route": "/v1/decisions", "status": 401.0, "caller": "", "request_id": "req-2"},
	}
	for i, w := range want {
		for k, v := range w {
			if got[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%v)", i, k, got[i][k], v, got[i])
			}
		}
		if _, ok := got[i]["latency"]; !ok {
			t.Errorf("line %d has no latency: %v", i, got[i])
		}
	}
	for _, secret := range []string{f.token, "cpt_wrong", "秘密企业", "public_credit_score"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

func TestServerErrorLogsNameTheRequest(t *testing.T) {
	st := storetest.SQLite(t)
	logs := &syncBuffer{}
	f := newFixture(t, st, withLogs(logs))
	st.Store.Close()
	resp, body := f.raw(t, "GET", "/v1/decisions", f.token, "", map[string]string{"X-Request-ID": "outage-1"})
	if resp.StatusCode != 503 || requestIDOf(body) != "outage-1" {
		t.Fatalf("with the store closed: %d %v", resp.StatusCode, body)
	}
	for _, l := range logs.lines(t) {
		if l["level"] == "ERROR" && l["request_id"] != "outage-1" {
			t.Errorf("error line without the request id: %v", l)
		}
	}
}

func TestRateLimitPerToken(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st, func(d *server.Deps) { d.RateLimit, d.RateBurst = 0.5, 3 })
	other := mustToken(t, st, "other", []string{"100000"}, []string{auth.All})
	for i := 0; i < 3; i++ {
		if status, body := f.do(t, "GET", "/v1/decisions", f.token, ""); status != 200 {
			t.Fatalf("request %d within the burst: %d %v", i, status, body)
		}
	}
	resp, body := f.raw(t, "GET", "/v1/decisions", f.token, "", nil)
	if resp.StatusCode != 429 || errorCode(body) != "rate_limited" {
		t.Fatalf("over the burst: %d %v", resp.StatusCode, body)
	}
	// One request every 2 s: the next is at most 2 s away.
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if status, _ := f.do(t, "GET", "/v1/decisions", other, ""); status != 200 {
		t.Errorf("another token is limited by the first one's requests: %d", status)
	}
	if status, _ := f.do(t, "GET", "/health", "", ""); status != 200 {
		t.Errorf("/health is rate limited: %d", status)
	}
}

func TestRateLimitOff(t *testing.T) {
	f := newFixture(t, storetest.SQLite(t), func(d *server.Deps) { d.RateLimit, d.RateBurst = 5, 0 })
	for i := 0; i < 20; i++ {
		if status, body := f.do(t, "GET", "/v1/decisions", f.token, ""); status != 200 {
			t.Fatalf("request %d with the limit off: %d %v", i, status, body)
		}
	}
}

func TestBadOutcomeFilterIsTheCallersMistake(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixture(t, st)
			for _, q := range []string{"GRADE:B", "1grade:B", "gr-ade:B", "grade:" + strings.Repeat("B", 201), ":B", "grade"} {
				status, body := f.do(t, "GET", "/v1/decision-log?outcome="+q, f.token, "")
				details, _ := body["error"].(map[string]any)["details"].([]any)
				if status != 422 || errorCode(body) != "invalid_query" || len(details) != 1 || !strings.HasPrefix(details[0].(string), "outcome:") {
					t.Errorf("outcome=%.20s: %d %v", q, status, body)
				}
			}
			for _, q := range []string{"grade:B", "accept:false", "score:800", "grade:" + strings.Repeat("B", 200), "risk_class2:%E7%94%B2"} {
				if status, body := f.do(t, "GET", "/v1/decision-log?outcome="+q, f.token, ""); status != 200 {
					t.Errorf("outcome=%.20s: %d %v", q, status, body)
				}
			}
		})
	}
}

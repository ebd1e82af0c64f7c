// Command credpol-soak drives a credpol server with a mixed load — single
// decisions inline and by enterprise id, batches, imports and decision-log
// searches — for a fixed time, and writes the id of every decision it got an
// answer for, one per line, so a script can check that each one was logged.
// It sends only to addresses on this machine.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credpol/credpol/internal/enterprise"
)

func main() {
	target := flag.String("url", "", "the server's base URL (loopback only)")
	token := flag.String("token", "", "bearer token with full scope")
	idsFile := flag.String("enterprises", "", "file of stored USCCs, one per line, for decisions by id")
	out := flag.String("answered", "answered.txt", "where to write the ids of answered decisions")
	duration := flag.Duration("duration", 10*time.Minute, "how long to send")
	workers := flag.Int("concurrency", 16, "concurrent clients")
	flag.Parse()

	u, err := url.Parse(*target)
	if err != nil || !loopback(u.Hostname()) {
		fail("-url must be an http address on this machine")
	}
	usccs, err := readLines(*idsFile)
	if err != nil || len(usccs) == 0 {
		fail("-enterprises: a file of stored USCCs is needed")
	}
	f, err := os.Create(*out)
	if err != nil {
		fail(err.Error())
	}
	w := bufio.NewWriter(f)
	var (
		mu       sync.Mutex
		answered int
		counts   [kinds]struct{ ok, unavailable, other, noConn atomic.Int64 }
		imported atomic.Int64
	)
	record := func(ids ...string) {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			fmt.Fprintln(w, id)
			answered++
		}
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}
	deadline := time.Now().Add(*duration)
	var wg sync.WaitGroup
	for c := 0; c < *workers; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			for n := 0; time.Now().Before(deadline); n++ {
				k := pick(r)
				method, path, body := request(k, r, usccs, seed, n)
				status, resp := send(client, method, *target+path, *token, body, k)
				switch status {
				case http.StatusOK:
				case 0:
					counts[k].noConn.Add(1)
					time.Sleep(10 * time.Millisecond) // the server is down: do not spin
					continue
				case http.StatusServiceUnavailable:
					counts[k].unavailable.Add(1)
					continue
				default:
					counts[k].other.Add(1)
					continue
				}
				counts[k].ok.Add(1)
				switch k {
				case single, byID:
					var d struct {
						ID string `json:"decision_id"`
					}
					if json.Unmarshal(resp, &d) == nil && d.ID != "" {
						record(d.ID)
					}
				case batch:
					var b struct {
						Items []struct {
							ID string `json:"decision_id"`
						} `json:"items"`
					}
					json.Unmarshal(resp, &b)
					for _, it := range b.Items {
						if it.ID != "" {
							record(it.ID)
						}
					}
				case importing:
					var s struct{ Accepted int64 }
					json.Unmarshal(resp, &s)
					imported.Add(s.Accepted)
				}
			}
		}(uint64(c + 1))
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		fail(err.Error())
	}
	f.Close()
	fmt.Printf("%-14s %9s %9s %9s %9s\n", "", "answered", "503", "other", "no server")
	for k := range kinds {
		c := &counts[k]
		fmt.Printf("%-14s %9d %9d %9d %9d\n", names[k], c.ok.Load(), c.unavailable.Load(), c.other.Load(), c.noConn.Load())
	}
	fmt.Printf("enterprises imported: %d\ndecisions answered: %d (ids in %s)\n", imported.Load(), answered, *out)
}

type kind int

const (
	single kind = iota
	byID
	batch
	importing
	search
	kinds
)

var names = [kinds]string{"single", "by id", "batch (20)", "import (20)", "log search"}

// pick draws the next request's kind: mostly single decisions, as upstream
// systems send them, with batches, imports and searches mixed in.
func pick(r *rand.Rand) kind {
	switch x := r.IntN(100); {
	case x < 45:
		return single
	case x < 70:
		return byID
	case x < 80:
		return batch
	case x < 85:
		return importing
	default:
		return search
	}
}

var inline = []string{
	`{"jurisdiction":"230000","facts":{"public_credit_score":%d}}`,
	`{"jurisdiction":"440500","facts":{"public_credit_score":%d,"listings":[{"list":"abnormal","cause":"annual_report_not_filed","listed_on":"2025-07-01"}]},"context":{"application":{"kind":"change"}}}`,
	`{"jurisdiction":"350505","facts":{"public_credit_score":%d,"risk_class":"B"},"context":{"trigger":"routine"}}`,
}

var inlineDecision = []string{"credit_grade", "registration_change", "supervision"}

func request(k kind, r *rand.Rand, usccs []string, worker uint64, n int) (method, path string, body []byte) {
	switch k {
	case single:
		i := r.IntN(len(inline))
		return "POST", "/v1/decisions/" + inlineDecision[i], fmt.Appendf(nil, inline[i], r.IntN(1001))
	case byID:
		return "POST", "/v1/decisions/registration_change",
			fmt.Appendf(nil, `{"enterprise_id":%q,"context":{"application":{"kind":"change"}}}`, usccs[r.IntN(len(usccs))])
	case batch:
		items := make([]string, 20)
		for j := range items {
			items[j] = fmt.Sprintf(inline[0], r.IntN(1001))
		}
		return "POST", "/v1/decisions/credit_grade/batch", []byte(`{"items":[` + strings.Join(items, ",") + `]}`)
	case importing:
		var b bytes.Buffer
		for j := 0; j < 20; j++ {
			fmt.Fprintf(&b, `{"uscc":%q,"name":"浸泡测试企业%d","entity_type":"company","jurisdiction":"350505","status":"operating","public_credit_score":%d}`+"\n",
				uscc(worker, n, j), j, r.IntN(1001))
		}
		return "POST", "/v1/enterprises/import?format=ndjson", b.Bytes()
	default:
		return "GET", "/v1/decision-log?decision=credit_grade&limit=20", nil
	}
}

// uscc makes a valid code for a soak enterprise in Quangang (350505), unique
// per worker, request and line.
func uscc(worker uint64, n, j int) string {
	first := fmt.Sprintf("91350505%09d", (worker*10_000_000+uint64(n)*20+uint64(j))%1_000_000_000)
	c, _ := enterprise.CheckCharacter(first)
	return first + string(c)
}

func send(client *http.Client, method, u, token string, body []byte, k kind) (int, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if k == importing {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func readLines(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b)), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "credpol-soak:", msg)
	os.Exit(2)
}

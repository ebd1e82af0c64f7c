// Command credpol-load drives an HTTP endpoint with POST (or GET) requests, either as
// fast as a fixed number of workers can (closed loop) or at a fixed rate
// (open loop), and prints throughput and latency percentiles. It drives
// credpol and stock OPA alike in the repository's benchmarks; only addresses
// on this machine are its targets.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	Label       string  `json:"label"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	Throughput  float64 `json:"throughput_rps"`
	P50Micros   float64 `json:"p50_us"`
	P99Micros   float64 `json:"p99_us"`
	MaxMicros   float64 `json:"max_us"`
	TargetRate  float64 `json:"target_rps,omitempty"`
	FirstStatus int     `json:"first_error_status,omitempty"`
}

func main() {
	target := flag.String("url", "", "endpoint to POST to (loopback only)")
	token := flag.String("token", "", "bearer token, if any")
	bodyFile := flag.String("bodies", "", "file with one request body per line; requests cycle through them")
	label := flag.String("label", "", "name printed with the result")
	workers := flag.Int("concurrency", 8, "concurrent workers")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	rate := flag.Float64("rate", 0, "requests per second in total (open loop); 0 sends as fast as the workers can")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured sending before the run")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	method := flag.String("method", http.MethodPost, "the HTTP method (GET sends no body): GET /health at the same rate measures the generator's own timing")
	flag.Parse()

	u, err := url.Parse(*target)
	if err != nil || !loopback(u.Hostname()) {
		fail("-url must be an http address on this machine (127.0.0.0/8, localhost or ::1)")
	}
	bodies := [][]byte{nil}
	if *method != http.MethodGet {
		if bodies, err = readBodies(*bodyFile); err != nil {
			fail(err.Error())
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers * 2, MaxConnsPerHost: *workers * 2}, Timeout: 10 * time.Second}
	send := func(i int) (time.Duration, int) {
		var body io.Reader
		if *method != http.MethodGet {
			body = bytes.NewReader(bodies[i%len(bodies)])
		}
		req, _ := http.NewRequest(*method, *target, body)
		req.Header.Set("Content-Type", "application/json")
		if *token != "" {
			req.Header.Set("Authorization", "Bearer "+*token)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return time.Since(start), -1
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), resp.StatusCode
	}
	run(send, *workers, *warmup, 0, nil)
	r := run(send, *workers, *duration, *rate, &result{Label: *label, TargetRate: *rate})
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Printf("%-12s %8d req %6d err %9.0f req/s  p50 %7.0f µs  p99 %7.0f µs  max %7.0f µs\n",
		r.Label, r.Requests, r.Errors, r.Throughput, r.P50Micros, r.P99Micros, r.MaxMicros)
}

// run sends for d with the given workers; with rate > 0 requests are started
// on a fixed schedule (latency then counts from the scheduled start, so a
// slow server cannot hide its queueing).
func run(send func(int) (time.Duration, int), workers int, d time.Duration, rate float64, r *result) *result {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		first     int
		next      atomic.Int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	interval := time.Duration(0)
	if rate > 0 {
		interval = time.Duration(float64(time.Second) / rate)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			localErrs, localFirst := 0, 0
			for {
				i := int(next.Add(1) - 1)
				scheduled := time.Now()
				if interval > 0 {
					scheduled = start.Add(time.Duration(i) * interval)
					if wait := time.Until(scheduled); wait > 0 {
						time.Sleep(wait)
					}
				}
				if scheduled.After(deadline) {
					break
				}
				_, status := send(i)
				lat := time.Since(scheduled)
				if status < 200 || status > 299 {
					localErrs++
					if localFirst == 0 {
						localFirst = status
					}
					continue
				}
				local = append(local, lat)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += localErrs
			if first == 0 {
				first = localFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if r == nil {
		return nil
	}
	elapsed := time.Since(start).Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds())
	}
	r.Requests, r.Errors, r.Seconds, r.FirstStatus = len(latencies), errs, elapsed, first
	r.Throughput = float64(len(latencies)) / elapsed
	r.P50Micros, r.P99Micros, r.MaxMicros = pct(0.50), pct(0.99), pct(1)
	return r
}

func readBodies(name string) ([][]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("-bodies is required")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, []byte(line))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no request body", name)
	}
	return out, sc.Err()
}

func loopback(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "credpol-load:", msg)
	os.Exit(2)
}

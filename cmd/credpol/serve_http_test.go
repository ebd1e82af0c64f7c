package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/jurisdiction"
	"github.com/credpol/credpol/internal/storage"
)

func TestHTTPFlagsAndTheirEnvironment(t *testing.T) {
	cmd := serveCmd()
	for flag, want := range map[string]string{
		"batch-body-limit": "33554432", "import-body-limit": "1073741824",
		"rate-limit": "1000", "rate-burst": "2000", "tls-cert": "", "tls-key": "", "debug-addr": "",
	} {
		f := cmd.Flags().Lookup(flag)
		if f == nil {
			t.Errorf("serve has no --%s", flag)
		} else if f.DefValue != want {
			t.Errorf("--%s defaults to %q, want %q", flag, f.DefValue, want)
		}
	}
	t.Setenv("CREDPOL_BATCH_BODY_LIMIT", "1234")
	t.Setenv("CREDPOL_IMPORT_BODY_LIMIT", "5678")
	t.Setenv("CREDPOL_RATE_LIMIT", "0")
	if err := cmd.ParseFlags([]string{"--import-body-limit", "99"}); err != nil {
		t.Fatal(err)
	}
	if err := envOverrides(cmd, nil); err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"batch-body-limit": "1234", "import-body-limit": "99", "rate-limit": "0"} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s = %s, want %s (the command line wins over the environment)", flag, got, want)
		}
	}
}

// The TLS settings are checked before anything else: with no store to open
// (nothing listens on port 1), the answer is still about the certificate.
func TestTLSNeedsCertificateAndKey(t *testing.T) {
	for _, args := range [][]string{{"--tls-cert", "c.pem"}, {"--tls-key", "k.pem"}} {
		err := runServe(t, context.Background(), append(args, "--database-url", "postgres://postgres@127.0.0.1:1/none"))
		if err == nil || !strings.Contains(err.Error(), "--tls-cert and --tls-key go together") {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}

// runServe runs `credpol serve args…` in this process until ctx ends.
func runServe(t *testing.T, ctx context.Context, args []string) error {
	t.Helper()
	cmd := serveCmd()
	cmd.SetArgs(append(args, "--decision-log=false", "--log-level", "error"))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(ctx)
}

// TestServeHTTPSWithDebugListener serves HTTPS with a certificate made here,
// /metrics and pprof on a debug listener only, and the configured limits.
func TestServeHTTPSWithDebugListener(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	dbURL := filepath.Join(dir, "credpol.db")
	token := tokenIn(t, dbURL)
	addr, debugAddr := freeAddr(t), freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(t, ctx, []string{"--addr", addr, "--database-url", dbURL, "--tls-cert", certFile, "--tls-key", keyFile,
			"--debug-addr", debugAddr, "--batch-body-limit", "2000", "--rate-limit", "1", "--rate-burst", "6"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	tlsClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(c *http.Client, url string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, func() bool {
		resp, err := tlsClient.Get("https://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})

	if status, _ := get(tlsClient, "https://"+addr+"/v1/jurisdictions"); status != 200 {
		t.Errorf("HTTPS /v1/jurisdictions: %d", status)
	}
	if status, body := get(http.DefaultClient, "http://"+addr+"/health"); status != 400 || !strings.Contains(body, "HTTPS") {
		t.Errorf("plain HTTP to the TLS listener: %d %s", status, body)
	}
	if status, _ := get(tlsClient, "https://"+addr+"/metrics"); status != 404 {
		t.Errorf("/metrics on the API listener with a debug listener: %d, want 404", status)
	}
	if status, _ := get(tlsClient, "https://"+addr+"/debug/pprof/"); status != 404 {
		t.Errorf("pprof on the API listener: %d, want 404", status)
	}
	if status, body := get(http.DefaultClient, "http://"+debugAddr+"/metrics"); status != 200 || !strings.Contains(body, "credpol_http_requests_total") {
		t.Errorf("debug /metrics: %d", status)
	}
	if status, body := get(http.DefaultClient, "http://"+debugAddr+"/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("debug pprof: %d", status)
	}

	batch := `{"items":[` + strings.Repeat(`{"jurisdiction":"230000","facts":{"public_credit_score":800}},`, 40) + `{}]}`
	req, _ := http.NewRequest("POST", "https://"+addr+"/v1/decisions/credit_grade/batch", strings.NewReader(batch))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := tlsClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("a %d-byte batch over --batch-body-limit 2000: %d", len(batch), resp.StatusCode)
	}

	limited := false
	for range 10 {
		if status, _ := get(tlsClient, "https://"+addr+"/v1/jurisdictions"); status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("no 429 beyond --rate-burst 6 at --rate-limit 1")
	}
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "credpol test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := errors.Join(
		os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600),
		os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600),
	); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// tokenIn migrates the SQLite store at dbURL and creates a full-scope token.
func tokenIn(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	secret, err := createTokenFor(ctx, st, "tls-test", []string{jurisdiction.National}, []string{auth.All}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The server checks the whole policy corpus before it listens; under the race
// detector on a loaded 2-core machine that has taken over a minute, so the wait
// is generous: it bounds a hang, it measures nothing.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("the server did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

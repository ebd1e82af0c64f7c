package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/internal/storage"
)

// httpOptions are serve's settings for the HTTP layer: request limits, TLS
// and the debug listener.
type httpOptions struct {
	batchLimit  int64
	importLimit int64
	rateLimit   float64
	rateBurst   int
	tlsCert     string
	tlsKey      string
	debugAddr   string

	tls *tls.Config // loaded by listen when a certificate is configured
}

func (h *httpOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Int64Var(&h.batchLimit, "batch-body-limit", server.DefaultBatchLimit, "largest batch decision body in bytes")
	f.Int64Var(&h.importLimit, "import-body-limit", server.DefaultImportLimit, "largest import body in bytes (imports stream; lines before the limit are kept)")
	f.Float64Var(&h.rateLimit, "rate-limit", 1000, "requests per second each token may send to /v1 (429 above); 0 turns the limit off")
	f.IntVar(&h.rateBurst, "rate-burst", 2000, "requests a token may send at once above its rate; 0 turns the limit off")
	f.StringVar(&h.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS; needs --tls-key")
	f.StringVar(&h.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	f.StringVar(&h.debugAddr, "debug-addr", "", "serve /metrics and Go's pprof profiles on this address instead of /metrics on --addr (empty: no pprof)")
}

// apply sets the HTTP layer's settings on the server's collaborators.
func (h *httpOptions) apply(d *server.Deps, st *storage.Store) {
	d.BatchLimit = h.batchLimit
	d.ImportLimit = h.importLimit
	d.RateLimit, d.RateBurst = h.rateLimit, h.rateBurst
	d.Idempotency = st
	d.SeparateMetrics = h.debugAddr != ""
}

// loadTLS checks the TLS settings and loads the certificate. serve calls it
// first, so a missing or mismatched certificate stops it before it touches
// the store or says it serves.
func (h *httpOptions) loadTLS() error {
	if (h.tlsCert == "") != (h.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither")
	}
	if h.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(h.tlsCert, h.tlsKey)
		if err != nil {
			return fmt.Errorf("loading the TLS certificate: %w", err)
		}
		h.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return nil
}

// listen opens the API listener at addr.
func (h *httpOptions) listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

func (h *httpOptions) scheme() string {
	if h.tls != nil {
		return "https"
	}
	return "http"
}

// serve serves srv on ln, over TLS when a certificate is configured.
func (h *httpOptions) serve(srv *http.Server, ln net.Listener) error {
	if h.tls == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = h.tls
	return srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
}

// serveDebug starts the debug listener when one is configured and returns
// the function that stops it.
func (h *httpOptions) serveDebug(reg *prometheus.Registry, log *slog.Logger) (stop func(), err error) {
	if h.debugAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", h.debugAddr)
	if err != nil {
		return nil, fmt.Errorf("debug listener: %w", err)
	}
	// No write timeout: a CPU profile or trace streams for as long as asked.
	srv := &http.Server{Handler: server.DebugHandler(reg), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug listener stopped", "err", err)
		}
	}()
	log.Info("serving /metrics and /debug/pprof/", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

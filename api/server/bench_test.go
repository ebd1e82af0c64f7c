package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/api/server"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

// BenchmarkDecisionLogging measures one HTTP decision (inline facts, through
// Gin, without the network) with the decision log off and on, in one run:
// `go test ./api/server -run XXX -bench DecisionLogging`; CREDPOL_BENCH_CLIENTS=8
// runs 8 concurrent requests per core instead of 1.
func BenchmarkDecisionLogging(b *testing.B) {
	for _, tc := range []struct {
		name  string
		st    func(testing.TB) storetest.Store
		log   bool
		async bool
	}{
		{"log=off", storetest.SQLite, false, false},
		{"log=sync/sqlite", storetest.SQLite, true, false},
		{"log=async/sqlite", storetest.SQLite, true, true},
		{"log=sync/postgres", storetest.Postgres, true, false},
		{"log=async/postgres", storetest.Postgres, true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st := tc.st(b)
			ctx := context.Background()
			reg, _ := st.Store.Jurisdictions(ctx)
			eng := &engine.Engine{}
			eng.Load(ctx, policies.FS)
			secret, hash, _ := auth.NewSecret()
			st.Store.CreateToken(ctx, auth.Token{Name: "bench", Hash: hash, Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}})
			svc := &decision.Service{Engine: eng, Jurisdictions: reg, Validator: enterprise.Validator{KnownJurisdiction: reg.Has}}
			var declog *decisionlog.Log
			if tc.log {
				var err error
				declog, err = decisionlog.New(st.Store, decisionlog.Options{Dir: b.TempDir(), Async: tc.async})
				if err != nil {
					b.Fatal(err)
				}
				svc.Recorder = declog
			}
			h := server.New(server.Deps{Decisions: svc, Authenticator: auth.NewAuthenticator(st.Store, time.Minute),
				Engine: eng, Jurisdictions: reg, Store: st.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			body := `{"jurisdiction":"230000","facts":{"public_credit_score":812,"penalties":[` +
				strings.TrimSuffix(strings.Repeat(`{"decision_no":"罚","decided_on":"2024-01-02","kinds":["fine"],"fine_amount":5000,"sector":"food","procedure":"ordinary"},`, 10), ",") + `]}}`
			b.ReportAllocs()
			if n, err := strconv.Atoi(os.Getenv("CREDPOL_BENCH_CLIENTS")); err == nil && n > 0 {
				// Concurrent requests per core: a durable log shares one
				// fsync among the requests that arrive while one runs.
				b.SetParallelism(n)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", "/v1/decisions/credit_grade", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+secret)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
			b.StopTimer()
			if declog != nil {
				declog.Close(ctx) // all entries written before the next case starts
			}
		})
	}
}

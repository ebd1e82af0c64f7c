package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// BenchmarkInsertDecisions writes the decision log as its writer does, in
// batches of 500 (the default), and reports decisions stored per second:
// `go test ./internal/storage -run '^$' -bench InsertDecisions`.
func BenchmarkInsertDecisions(b *testing.B) {
	for _, open := range []func(testing.TB) storetest.Store{storetest.SQLite, storetest.Postgres} {
		st := open(b)
		b.Run(st.Name, func(b *testing.B) {
			at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			batches := make([][]decisionlog.Record, b.N)
			for i := range batches {
				batches[i] = make([]decisionlog.Record, 500)
				for j := range batches[i] {
					batches[i][j] = chainRecord(at, j)
				}
			}
			b.ResetTimer()
			start := time.Now()
			for _, recs := range batches {
				if err := st.Store.InsertDecisions(context.Background(), recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*500)/time.Since(start).Seconds(), "decisions/s")
		})
	}
}

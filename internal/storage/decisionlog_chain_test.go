package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// chainRecord is a decision whose JSON has what JSONB rewrites: key order,
// large and small numbers, integers beyond a float's precision, escapes.
func chainRecord(at time.Time, i int) decisionlog.Record {
	return decisionlog.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: at.Add(time.Duration(i) * 1234567 * time.Nanosecond),
		Caller: "t", Decision: "credit_grade", Jurisdiction: "230000", Source: "230000", AsOf: "2026-03-01", Revision: "r1",
		EnterpriseID: "91230000MA1234567X", RequestID: "req-" + string(rune('a'+i%26)),
		Input: map[string]any{"enterprise": map[string]any{"public_credit_score": 795 + i, "name": "哈尔滨<测试>&\"公司\"\t",
			"fine": 1e21, "tiny": 1e-7, "ratio": 0.1 + 0.2, "big": int64(9007199254740993), "list": []any{map[string]any{"b": 1, "a": true}}},
			"as_of": "2026-03-01"},
		Result:  map[string]any{"grade": "B", "score": 795 + i},
		Reasons: []any{map[string]any{"code": "grade_B", "text": "综合得分", "basis": map[string]any{"rule": "HLJ-2"}}},
		Latency: time.Duration(i) * time.Millisecond}
}

// write stores n decisions logged at at, as one write of the log's writer.
func write(t *testing.T, st *storage.Store, at time.Time, n int) []decisionlog.Record {
	t.Helper()
	recs := make([]decisionlog.Record, n)
	for i := range recs {
		recs[i] = chainRecord(at, i)
	}
	if err := st.InsertDecisions(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	return recs
}

func verifyChain(t *testing.T, st *storage.Store) decisionlog.ChainReport {
	t.Helper()
	rep, err := decisionlog.Verify(context.Background(), st, time.Time{}, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// expectFinding checks that verify reports kind at batch (and entry).
func expectFinding(t *testing.T, rep decisionlog.ChainReport, kind string, batch int64, entry string) {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Kind == kind && f.Batch == batch && (entry == "" || f.Entry == entry) {
			return
		}
	}
	t.Errorf("want %s at batch %d %s; found %+v", kind, batch, entry, rep.Findings)
}

// Written batches verify, a retried batch lands once, and each way of
// tampering with the stored log behind the application's back is found
// at its position.
func TestTheDecisionLogChainFindsTampering(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
			var batches [][]decisionlog.Record
			for i := range 5 {
				batches = append(batches, write(t, s.Store, at.Add(time.Duration(i)*time.Minute), 3))
			}
			// The writer retries a batch whose answer it did not get, with a new entry.
			retry := append(batches[4][:2:2], chainRecord(at.Add(time.Hour), 7))
			if err := s.Store.InsertDecisions(ctx, retry); err != nil {
				t.Fatal(err)
			}
			rep := verifyChain(t, s.Store)
			if !rep.OK() || rep.Batches != 6 || rep.Entries != 16 || rep.HeadSeq != 6 {
				t.Fatalf("an untouched log: %+v", rep)
			}

			altered := batches[1][1].ID
			if err := s.Store.Tamper(ctx, "UPDATE decision_log SET result = '{\"grade\": \"A\", \"score\": 796}' WHERE id = ?", altered); err != nil {
				t.Fatal(err)
			}
			expectFinding(t, verifyChain(t, s.Store), decisionlog.EntryAltered, 2, altered)

			// Rewriting the row's hash with it leaves the batch's root behind.
			entries, err := s.Store.BatchEntries(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.ID == altered {
					if err := s.Store.Tamper(ctx, "UPDATE decision_log SET entry_hash = ? WHERE id = ?", e.Hash(), altered); err != nil {
						t.Fatal(err)
					}
				}
			}
			expectFinding(t, verifyChain(t, s.Store), decisionlog.EntriesChanged, 2, "")

			if err := s.Store.Tamper(ctx, "DELETE FROM decision_log WHERE id = ?", batches[2][0].ID); err != nil {
				t.Fatal(err)
			}
			rep = verifyChain(t, s.Store)
			expectFinding(t, rep, decisionlog.EntriesChanged, 3, "")

			if err := s.Store.Tamper(ctx, "UPDATE decision_log_batches SET entries = 2 WHERE seq = 4"); err != nil {
				t.Fatal(err)
			}
			expectFinding(t, verifyChain(t, s.Store), decisionlog.BatchAltered, 4, "")

			if err := s.Store.Tamper(ctx, "DELETE FROM decision_log_batches WHERE seq = 5"); err != nil {
				t.Fatal(err)
			}
			rep = verifyChain(t, s.Store)
			expectFinding(t, rep, decisionlog.ChainBroken, 6, "")
			expectFinding(t, rep, decisionlog.Orphaned, 0, "")
		})
	}
}

// Retention removes old rows and keeps the proof: what remains verifies,
// from the cut it recorded.
func TestRetentionKeepsTheChainVerifiable(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			old := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
			write(t, s.Store, old, 3)
			write(t, s.Store, old.AddDate(0, 0, 5), 3)
			write(t, s.Store, time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC), 4)
			if err := s.Store.PruneDecisions(ctx, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			rep := verifyChain(t, s.Store)
			if !rep.OK() || rep.Batches != 1 || rep.Entries != 4 {
				t.Fatalf("after retention: %+v", rep)
			}
			// The audit log says what went and where the chain goes on from.
			entries, err := s.Store.AuditEntries(ctx, 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Action != admin.ActRetention || entries[0].AfterHash == "" ||
				!strings.Contains(entries[0].Details, `"chain_continues_after_batch":2`) {
				t.Fatalf("the audit log after retention: %+v", entries)
			}
			if v, err := s.Store.VerifyAudit(ctx); err != nil || v.Found != nil {
				t.Fatalf("the audit log does not verify: %+v %v", v.Found, err)
			}
			write(t, s.Store, time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC), 2)
			if rep = verifyChain(t, s.Store); !rep.OK() || rep.Batches != 2 || rep.HeadSeq != 4 {
				t.Fatalf("a batch after the cut: %+v", rep)
			}
			// Removing the batch after the cut is still found.
			if err := s.Store.Tamper(ctx, "DELETE FROM decision_log_batches WHERE seq = 3"); err != nil {
				t.Fatal(err)
			}
			expectFinding(t, verifyChain(t, s.Store), decisionlog.ChainBroken, 4, "")
		})
	}
}

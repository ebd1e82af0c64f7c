package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/storage"
)

// credpol decision-log verify passes an untouched log and names the
// decision someone changed in the database, exiting non-zero.
func TestDecisionLogVerify(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "log.db")
	st, err := storage.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var recs []decisionlog.Record
	for i := range 4 {
		recs = append(recs, decisionlog.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: time.Now(), Caller: "t",
			Decision: "credit_grade", Jurisdiction: "230000", Source: "230000", AsOf: "2026-11-01", Revision: "r",
			Input:  map[string]any{"enterprise": map[string]any{"public_credit_score": 790 + i}},
			Result: map[string]any{"grade": "B"}, Reasons: []any{}})
	}
	if err := st.InsertDecisions(ctx, recs); err != nil {
		t.Fatal(err)
	}
	st.Close()
	verify := func(args ...string) (string, error) {
		var out bytes.Buffer
		cmd := decisionLogVerifyCmd()
		cmd.SetArgs(append([]string{"--database-url", db, "--log-level", "error"}, args...))
		cmd.SetOut(&out)
		err := cmd.ExecuteContext(ctx)
		return out.String(), err
	}
	out, err := verify("--json")
	if err != nil {
		t.Fatalf("an untouched log: %v\n%s", err, out)
	}
	var head struct {
		Head    string `json:"head"`
		HeadSeq int64  `json:"head_seq"`
	}
	if err := json.Unmarshal([]byte(out), &head); err != nil || head.HeadSeq < 1 {
		t.Fatalf("the head: %v %s", err, out)
	}
	// A head copied elsewhere holds the chain: a stored chain that differs
	// from it was rewritten, and one that ends before it was cut.
	if out, err := verify("--anchor", fmt.Sprintf("%d:%s", head.HeadSeq, head.Head)); err != nil {
		t.Fatalf("the log held to its own head: %v\n%s", err, out)
	}
	if out, err := verify("--anchor", fmt.Sprintf("%d:%s", head.HeadSeq, strings.Repeat("0", 64))); err == nil || !strings.Contains(out, "rewritten at or before batch") {
		t.Errorf("a head that differs: %v\n%s", err, out)
	}
	if out, err := verify("--anchor", fmt.Sprintf("%d:%s", head.HeadSeq+1, head.Head)); err == nil || !strings.Contains(out, "is gone") {
		t.Errorf("a head beyond the chain: %v\n%s", err, out)
	}
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE decision_log SET result = '{"grade":"A"}' WHERE id = ?`, recs[2].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "was changed") {
		t.Errorf("a changed decision: %v", err)
	}
}

package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/storage/storetest"
)

func appendAudit(t *testing.T, s storetest.Store, n int) {
	t.Helper()
	for i := range n {
		_, err := s.Store.AppendAudit(context.Background(), audit.Entry{At: time.Now(), Actor: "alice", Source: "10.0.0.1",
			RequestID: fmt.Sprint("req-", i), Action: "draft.edit", Object: fmt.Sprint("draft/", i), Jurisdiction: "230000",
			BeforeHash: "aa", AfterHash: "bb", Details: `{"files":["policies/params/230000/data.json"]}`})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verifyAudit(t *testing.T, s storetest.Store) audit.Verifier {
	t.Helper()
	v, err := s.Store.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The store refuses to change or remove an audit entry.
func TestAuditLogRefusesUpdateAndDelete(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			appendAudit(t, s, 3)
			for _, q := range []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"} {
				if err := s.TryExec(t, q); err == nil {
					t.Errorf("%s: accepted", q)
				}
			}
			if got := s.Query(t, "SELECT actor FROM audit_log WHERE seq = 2"); got != "alice" {
				t.Errorf("actor of entry 2 = %q", got)
			}
			if v := verifyAudit(t, s); v.Found != nil || v.Checked != 3 {
				t.Errorf("verify: %+v", v)
			}
		})
	}
}

// Appends racing each other from several connections make one linear chain.
func TestAuditAppendsMakeOneChain(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 {
						_, err := s.Store.AppendAudit(context.Background(), audit.Entry{At: time.Now(), Actor: "bob", Action: "login"})
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if v := verifyAudit(t, s); v.Found != nil || v.Checked != 40 || v.HeadSeq != 40 {
				t.Errorf("verify: %+v", v)
			}
		})
	}
}

// An attacker with the database's rights disables the triggers and edits a
// row, or deletes one in the middle: verify names its position.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			appendAudit(t, s, 6)
			if v := verifyAudit(t, s); v.Found != nil || v.Checked != 6 {
				t.Fatalf("verify before tampering: %+v", v)
			}
			disable := []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"}
			if s.Name == "sqlite" {
				disable = []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
			}
			for _, q := range disable {
				s.Exec(t, q)
			}
			s.Exec(t, "UPDATE audit_log SET object = 'draft/other' WHERE seq = 3")
			v := verifyAudit(t, s)
			if v.Found == nil || v.Found.Seq != 3 || v.Found.Kind != audit.Altered {
				t.Fatalf("after editing entry 3: %+v", v.Found)
			}
			s.Exec(t, "DELETE FROM audit_log WHERE seq = 3")
			v = verifyAudit(t, s)
			if v.Found == nil || v.Found.Seq != 3 || v.Found.Kind != audit.Removed {
				t.Fatalf("after deleting entry 3: %+v", v.Found)
			}
		})
	}
}

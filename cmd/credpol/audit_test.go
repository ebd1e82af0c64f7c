package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// credpol audit verify passes an untouched log; after someone with the
// database's rights disables the triggers and edits an entry, or deletes
// one in the middle, it names that entry and exits non-zero.
func TestAuditVerify(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			for i := range 5 {
				if _, err := s.Store.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "hlj-publisher", Action: "revision.rollback",
					Object: fmt.Sprint("revision/", i+2), Jurisdiction: "230000", Details: `{"reason":"awaiting the notice"}`}); err != nil {
					t.Fatal(err)
				}
			}
			verify := func() (string, error) {
				var out bytes.Buffer
				cmd := auditVerifyCmd()
				cmd.SetArgs([]string{"--database-url", s.URL, "--log-level", "error"})
				cmd.SetOut(&out)
				err := cmd.ExecuteContext(ctx)
				return out.String(), err
			}
			if out, err := verify(); err != nil || !strings.Contains(out, "5 audit entries checked") {
				t.Fatalf("an untouched log: %v\n%s", err, out)
			}
			if s.Name == "postgres" {
				s.Exec(t, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
			} else {
				s.Exec(t, "DROP TRIGGER audit_log_no_update")
				s.Exec(t, "DROP TRIGGER audit_log_no_delete")
			}
			s.Exec(t, `UPDATE audit_log SET details = '{"reason":"routine"}' WHERE seq = 4`)
			out, err := verify()
			if err == nil || !strings.Contains(err.Error(), "entry 4 (altered)") || !strings.Contains(out, "entry 4 was changed") {
				t.Fatalf("an edited entry: %v\n%s", err, out)
			}
			s.Exec(t, "DELETE FROM audit_log WHERE seq IN (2, 4)")
			out, err = verify()
			if err == nil || !strings.Contains(err.Error(), "entry 2 (removed)") {
				t.Fatalf("a deleted entry: %v\n%s", err, out)
			}
		})
	}
}

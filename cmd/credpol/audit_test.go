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

// Someone who can write to the database can edit an entry and rewrite every
// hash after it, and the chain holds again; a head hash copied elsewhere
// earlier (--anchor) shows the rewrite, and a log cut short before it.
func TestAuditVerifyHoldsTheChainToAnchors(t *testing.T) {
	for _, s := range storetest.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			for i := range 5 {
				if _, err := s.Store.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "boss", Action: "user.update",
					Object: fmt.Sprint("user/u", i), Jurisdiction: "230000", Details: `{"roles":["viewer"]}`}); err != nil {
					t.Fatal(err)
				}
			}
			entries, err := s.Store.AuditEntries(ctx, 0, 10)
			if err != nil || len(entries) != 5 {
				t.Fatalf("%d entries: %v", len(entries), err)
			}
			anchor := fmt.Sprintf("3:%s", entries[2].Hash)
			verify := func(args ...string) (string, error) {
				var out bytes.Buffer
				cmd := auditVerifyCmd()
				cmd.SetArgs(append([]string{"--database-url", s.URL, "--log-level", "error"}, args...))
				cmd.SetOut(&out)
				err := cmd.ExecuteContext(ctx)
				return out.String(), err
			}
			if out, err := verify("--anchor", anchor); err != nil {
				t.Fatalf("an untouched log held to its anchor: %v\n%s", err, out)
			}
			if _, err := verify("--anchor", "3:xyz"); err == nil || !strings.Contains(err.Error(), "SEQ:HASH") {
				t.Fatalf("a malformed anchor: %v", err)
			}

			if s.Name == "postgres" {
				s.Exec(t, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
			} else {
				s.Exec(t, "DROP TRIGGER audit_log_no_update")
				s.Exec(t, "DROP TRIGGER audit_log_no_delete")
			}
			// Entry 2 edited and the chain rebuilt from it, as an attacker would.
			entries[1].Details = `{"roles":["admin"]}`
			prev := &entries[0]
			for i := 1; i < len(entries); i++ {
				entries[i] = audit.Chain(prev, entries[i])
				s.Exec(t, fmt.Sprintf("UPDATE audit_log SET details = '%s', prev_hash = '%s', hash = '%s' WHERE seq = %d",
					entries[i].Details, entries[i].PrevHash, entries[i].Hash, entries[i].Seq))
				prev = &entries[i]
			}
			if out, err := verify(); err != nil {
				t.Fatalf("the rewritten chain holds on its own, as it would: %v\n%s", err, out)
			}
			out, err := verify("--anchor", anchor)
			if err == nil || !strings.Contains(err.Error(), "entry 3 (rewritten)") || !strings.Contains(out, "rewritten at or before entry 3") {
				t.Fatalf("a rewritten chain held to its anchor: %v\n%s", err, out)
			}

			s.Exec(t, "DELETE FROM audit_log WHERE seq >= 4")
			out, err = verify("--anchor", fmt.Sprintf("5:%s", entries[4].Hash))
			if err == nil || !strings.Contains(err.Error(), "entry 5 (truncated)") {
				t.Fatalf("a log cut before its anchor: %v\n%s", err, out)
			}
		})
	}
}

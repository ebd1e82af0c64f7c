package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/admin/evidence"
	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/decisionlog"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
	"github.com/credpol/credpol/testpolicies"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// recorder keeps the records of the decisions taken.
type recorder struct{ recs []decisionlog.Record }

func (r *recorder) Record(_ context.Context, rec decisionlog.Record) error {
	r.recs = append(r.recs, rec)
	return nil
}

// logged takes one decision through the service and stores it as the log
// would, with the tree it was made under.
func logged(t *testing.T, st storetest.Store) decisionlog.Record {
	t.Helper()
	ctx := context.Background()
	eng := &engine.Engine{}
	ps, err := eng.Load(ctx, policies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Store.SavePolicyRevision(ctx, ps.Revision(), ps.Files()); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	svc := &decision.Service{Engine: eng, Jurisdictions: ps.Jurisdictions(), Recorder: rec,
		Validator: enterprise.Validator{KnownJurisdiction: ps.Jurisdictions().Has}}
	if _, err := svc.Decide(ctx, auth.Principal{Name: "bureau-system", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}},
		decision.Request{Decision: "credit_grade", Jurisdiction: "230000", AsOf: "2026-11-01",
			Facts: json.RawMessage(`{"public_credit_score":795}`)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Store.InsertDecisions(ctx, rec.recs); err != nil {
		t.Fatal(err)
	}
	// The tree is revision 1 of the lifecycle, and the audit log holds its publication.
	adm := &admin.Service{Store: st.Store, Tokens: st.Store, Jurisdictions: ps.Jurisdictions()}
	tests, err := admin.ReadFiles(testpolicies.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := adm.Bootstrap(ctx, ps.Files(), tests, ps.Revision(), "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "hlj-publisher", Action: admin.ActPublish,
		Object: admin.RevisionObject(1), Jurisdiction: "230000"}); err != nil {
		t.Fatal(err)
	}
	return rec.recs[0]
}

func build(t *testing.T, st storetest.Store, id string, key ed25519.PrivateKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := evidence.Build(context.Background(), st.Store, id, key, time.Now(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func file(t *testing.T, pkg []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	return b
}

// rewrite copies a package with one file's content changed.
func rewrite(t *testing.T, pkg []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, _ := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			b = change(b)
		}
		w, _ := zw.Create(f.Name)
		w.Write(b)
	}
	zw.Close()
	return out.Bytes()
}

// A package holds the entry, the whole tree, the replay (the same answer)
// and the chain proof; it verifies offline, and not with one byte changed,
// a file added, or another key.
func TestAnEvidencePackageVerifiesAndShowsChanges(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			rec := logged(t, st)
			_, key, _ := ed25519.GenerateKey(rand.Reader)
			pkg := build(t, st, rec.ID, key)

			c, err := evidence.Verify(bytes.NewReader(pkg), int64(len(pkg)), key.Public().(ed25519.PublicKey))
			if err != nil || c.DecisionID != rec.ID || c.Files < 50 {
				t.Fatalf("verify: %+v %v", c, err)
			}
			var replay evidence.Replay
			json.Unmarshal(file(t, pkg, evidence.ReplayFile), &replay)
			var chain evidence.Chain
			json.Unmarshal(file(t, pkg, evidence.ChainFile), &chain)
			if !replay.Same || !chain.EntryIntact || chain.Batch == nil {
				t.Errorf("replay %+v, chain %+v: want the same answer and an intact entry in a batch", replay, chain)
			}
			var trail []audit.Entry
			json.Unmarshal(file(t, pkg, evidence.AuditFile), &trail)
			if len(trail) == 0 || trail[len(trail)-1].Actor != "hlj-publisher" {
				t.Errorf("the audit trail of the revision: %+v", trail)
			}
			report := string(file(t, pkg, evidence.ReportFile))
			for _, want := range []string{rec.ID, "HLJ-2", "结果与理由与记录一致", "与写入时的摘要一致", "hlj-publisher"} {
				if !strings.Contains(report, want) {
					t.Errorf("the report does not say %q", want)
				}
			}
			if got := file(t, pkg, evidence.PolicyDir+"params/230000/data.json"); len(got) == 0 {
				t.Error("the tree's parameters are missing")
			}

			for name, bad := range map[string][]byte{
				"a byte of the entry changed": rewrite(t, pkg, evidence.DecisionFile, func(b []byte) []byte {
					return bytes.Replace(b, []byte(`"grade": "B"`), []byte(`"grade": "A"`), 1)
				}),
				"a policy file changed": rewrite(t, pkg, evidence.PolicyDir+"params/230000/data.json", func(b []byte) []byte {
					return bytes.Replace(b, []byte("790"), []byte("780"), 1)
				}),
				"the manifest changed": rewrite(t, pkg, evidence.ManifestFile, func(b []byte) []byte {
					return bytes.Replace(b, []byte(rec.ID), []byte(strings.Repeat("0", len(rec.ID))), 1)
				}),
			} {
				if _, err := evidence.Verify(bytes.NewReader(bad), int64(len(bad)), nil); err == nil {
					t.Errorf("%s: the package still verifies", name)
				}
			}
			_, other, _ := ed25519.GenerateKey(rand.Reader)
			if _, err := evidence.Verify(bytes.NewReader(pkg), int64(len(pkg)), other.Public().(ed25519.PublicKey)); err == nil {
				t.Error("a package verifies against another key")
			}
		})
	}
}

// The signing key is created once, kept to its owner, and read back the same.
func TestTheSigningKeyIsKept(t *testing.T) {
	file := filepath.Join(t.TempDir(), "signing.key")
	a, err := evidence.LoadKey(file)
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.LoadKey(file)
	if err != nil || !a.Equal(b) {
		t.Fatalf("read back %v: another key", err)
	}
	if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
		t.Errorf("the key file is %v", info.Mode().Perm())
	}
	pem, _ := evidence.PublicPEM(a.Public().(ed25519.PublicKey))
	if pub, err := evidence.ParsePublicPEM(pem); err != nil || !pub.Equal(a.Public()) {
		t.Errorf("the public key does not read back: %v", err)
	}
}

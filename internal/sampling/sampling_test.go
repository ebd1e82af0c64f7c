package sampling_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/internal/auth"
	"github.com/credpol/credpol/internal/decision"
	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
	"github.com/credpol/credpol/policies"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var all = auth.Principal{Name: "test", Jurisdictions: []string{"100000"}, Decisions: []string{auth.All}}

func ptr[T any](v T) *T { return &v }

// population stores n Quangang enterprises: classes A/B/C/D at 30/50/15/5 %,
// every tenth with abnormal premises (a QG-1 lean factor), 2 % deregistered.
func population(t *testing.T, st storetest.Store, n int) map[string]string {
	t.Helper()
	classes := map[string]string{}
	var batch []enterprise.Facts
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("91350505%09d", i)
		c, _ := enterprise.CheckCharacter(body)
		uscc := body + string(c)
		class := []string{"A", "A", "A", "B", "B", "B", "B", "B", "C", "D"}[i%10]
		if i%20 == 9 {
			class = "C"
		}
		status := "operating"
		if i%50 == 7 {
			status = "deregistered"
		}
		classes[uscc] = class
		batch = append(batch, enterprise.Facts{USCC: &uscc, Name: ptr(fmt.Sprintf("泉港测试企业%d", i)), EntityType: ptr("company"),
			Jurisdiction: ptr("350505"), Status: &status, RiskClass: ptr(class), KeySectors: []string{},
			PremisesAbnormal: ptr(i%10 == 3)})
		if len(batch) == 2000 || i == n-1 {
			if err := st.Store.PutEnterprises(context.Background(), batch); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return classes
}

func service(t *testing.T, st storetest.Store) *sampling.Service {
	t.Helper()
	ctx := context.Background()
	reg, err := st.Store.Jurisdictions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{}
	if _, err := eng.Load(ctx, policies.FS); err != nil {
		t.Fatal(err)
	}
	svc := &decision.Service{Engine: eng, Jurisdictions: reg, Validator: enterprise.Validator{KnownJurisdiction: reg.Has}}
	return &sampling.Service{Decisions: svc, Store: st.Store, Jurisdictions: reg,
		Now: func() time.Time { return time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC) }}
}

func plan(name, seed string, differentiated bool) sampling.Request {
	return sampling.Request{Jurisdiction: "350505", Name: name, Year: 2023, Seed: seed, Differentiated: &differentiated,
		Inspectors: sampling.Inspectors{Pool: []string{"i1", "i2", "i3", "i4", "i5", "i6"}, TeamSize: 2}}
}

func items(t *testing.T, s *sampling.Service, id string) []sampling.Item {
	t.Helper()
	_, its, err := s.Get(context.Background(), all, id, 0, 1000000)
	if err != nil {
		t.Fatal(err)
	}
	return its
}

func TestDrawMatchesRatiosAndLeans(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			const n = 10000
			classes := population(t, st, n)
			s := service(t, st)
			p, err := s.Draw(context.Background(), all, plan("2023 差异化", "seed-1", true))
			if err != nil {
				t.Fatal(err)
			}
			if p.Excluded["status_deregistered"] != n/50 || p.Population != n-n/50 {
				t.Fatalf("population %d excluded %v", p.Population, p.Excluded)
			}
			// Exact quotas: round(ratio × class population), no sampling error.
			for class, g := range p.Groups {
				if want := int(math.Floor(g.Ratio*float64(g.Population) + 0.5)); g.Drawn != want {
					t.Errorf("class %s drew %d of %d at %v, want %d", class, g.Drawn, g.Population, g.Ratio, want)
				}
			}
			drawn := items(t, s, p.ID)
			if len(drawn) != p.Drawn {
				t.Fatalf("%d items stored, plan says %d", len(drawn), p.Drawn)
			}
			// QG-1 weight 2: within class B (ratio 0.125) a lean enterprise is
			// drawn with probability about 0.22 against about 0.11 for the rest.
			// With ~430 lean and ~3,900 other B enterprises, a ratio above 1.5 is
			// more than five standard errors below the expected 2.0.
			var leanDrawn, leanAll, otherDrawn, otherAll float64
			got := map[string]bool{}
			for _, it := range drawn {
				got[it.USCC] = true
				if it.Group != classes[it.USCC] {
					t.Fatalf("%s drawn in group %s but is class %s", it.USCC, it.Group, classes[it.USCC])
				}
			}
			for i := 0; i < n; i++ {
				body := fmt.Sprintf("91350505%09d", i)
				c, _ := enterprise.CheckCharacter(body)
				u := body + string(c)
				if classes[u] != "B" || i%50 == 7 {
					continue
				}
				if i%10 == 3 {
					leanAll++
					if got[u] {
						leanDrawn++
					}
				} else {
					otherAll++
					if got[u] {
						otherDrawn++
					}
				}
			}
			if r := (leanDrawn / leanAll) / (otherDrawn / otherAll); r < 1.5 {
				t.Errorf("lean enterprises drawn %.1f times as often as others, want about 2", r)
			}
		})
	}
}

func TestSameSeedSamePlanAndInspectorsAvoidTheLastPlan(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			population(t, st, 2000)
			s := service(t, st)
			ctx := context.Background()
			first, err := s.Draw(ctx, all, plan("first", "seed-42", true))
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.Draw(ctx, all, plan("again", "seed-42", true))
			if err != nil {
				t.Fatal(err)
			}
			a, b := items(t, s, first.ID), items(t, s, again.ID)
			if len(a) != len(b) {
				t.Fatalf("same seed drew %d then %d", len(a), len(b))
			}
			prev := map[string][]string{}
			for i := range a {
				if a[i].USCC != b[i].USCC {
					t.Fatalf("same seed, different targets at %d: %s vs %s", i, a[i].USCC, b[i].USCC)
				}
				prev[a[i].USCC] = a[i].Inspectors
			}
			// The second plan avoided the first plan's inspectors for every enterprise.
			if again.ShortTeams != 0 {
				t.Fatalf("%d teams could not avoid the previous inspectors", again.ShortTeams)
			}
			for _, it := range b {
				for _, x := range it.Inspectors {
					for _, y := range prev[it.USCC] {
						if x == y {
							t.Fatalf("%s inspected by %s in both plans", it.USCC, x)
						}
					}
				}
			}
			other, _ := s.Draw(ctx, all, plan("other", "seed-43", true))
			c := items(t, s, other.ID)
			same := 0
			for i := range c {
				if i < len(a) && c[i].USCC == a[i].USCC {
					same++
				}
			}
			if same == len(a) {
				t.Error("a different seed drew the same plan")
			}
		})
	}
}

// A Quangang 2023 whose plans are all differentiated meets QG-2 and QG-3 once
// every inspection is done, published and followed up; adding a large
// non-differentiated task drops the differentiated share under 70 %.
func TestQuangangComplianceYear(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			population(t, st, 3000)
			s := service(t, st)
			ctx := context.Background()
			p, err := s.Draw(ctx, all, plan("2023 差异化", "seed-1", true))
			if err != nil {
				t.Fatal(err)
			}
			for i, it := range items(t, s, p.ID) {
				result := []string{"pass", "problem"}[i%4/3]
				if err := s.Update(ctx, all, p.ID, it.USCC, sampling.ItemUpdate{InspectedOn: ptr("2023-09-01"), Result: &result,
					Published: ptr(true), FollowUpDone: ptr(true)}); err != nil {
					t.Fatal(err)
				}
			}
			r, err := s.Compliance(ctx, all, "350505", 2023)
			if err != nil {
				t.Fatal(err)
			}
			for name, m := range map[string]sampling.Measure{"sampled": r.SampledShare, "differentiated": r.DifferentiatedShare,
				"completion": r.Completion, "publicity": r.Publicity, "follow_up": r.FollowUp} {
				if m.Met == nil || !*m.Met {
					t.Errorf("%s: %+v not met", name, m)
				}
			}
			uniform, err := s.Draw(ctx, all, plan("2023 非差异化", "seed-2", false))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := uniform.Groups["all"]; !ok || len(uniform.Groups) != 1 {
				t.Fatalf("a non-differentiated plan drew by class: %v", uniform.Groups)
			}
			// A second non-differentiated task: 2 × 5 % of ~2,940 against ~370.
			if _, err := s.Draw(ctx, all, plan("2023 非差异化二", "seed-3", false)); err != nil {
				t.Fatal(err)
			}
			r, err = s.Compliance(ctx, all, "350505", 2023)
			if err != nil {
				t.Fatal(err)
			}
			if r.Counts.Items != r.Counts.Differentiated+2*uniform.Drawn {
				t.Errorf("items %d, differentiated %d, non-differentiated 2×%d", r.Counts.Items, r.Counts.Differentiated, uniform.Drawn)
			}
			if m := r.DifferentiatedShare; m.Met == nil || *m.Met || m.Value >= 0.7 {
				t.Errorf("differentiated share %+v, want under 70 %% and not met", m)
			}
			if m := r.Completion; *m.Met {
				t.Errorf("completion %+v met with new tasks not inspected", m)
			}
			if r, _ := s.Compliance(ctx, all, "350505", 2024); r.SampledShare.Met != nil {
				t.Errorf("2024 has no document setting targets, got %+v", r.SampledShare)
			}
		})
	}
}

// A request with several mistakes is refused as invalid_plan naming every
// field at fault, and a token for one county cannot draw in another: the
// specific problems, so that a store or policy failure does not pass for them.
func TestPlanRequestsAreValidated(t *testing.T) {
	st := storetest.SQLite(t)
	s := service(t, st)
	bad := plan("", "", true)
	bad.Year = 12
	bad.Inspectors = sampling.Inspectors{Pool: []string{"a", "a"}, TeamSize: 3}
	bad.Scope.Sectors = []string{"toys"}
	_, err := s.Draw(context.Background(), all, bad)
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid || p.Code != "invalid_plan" {
		t.Fatalf("an invalid plan request: err = %v, want an Invalid invalid_plan problem", err)
	}
	var fields []string
	details, _ := p.Details.(enterprise.FieldErrors)
	for _, fe := range details {
		fields = append(fields, fe.Field)
	}
	want := []string{"name", "year", "scope.sectors[0]", "inspectors.pool", "inspectors.pool[1]"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields at fault (-want +got):\n%s\n%v", diff, p.Details)
	}

	quangangOnly := auth.Principal{Name: "qg", Jurisdictions: []string{"350505"}, Decisions: []string{"sampling_plan"}}
	req := plan("x", "s", true)
	req.Jurisdiction = "140900"
	_, err = s.Draw(context.Background(), quangangOnly, req)
	if p, ok := problem.As(err); !ok || p.Kind != problem.Forbidden || p.Code != "forbidden" {
		t.Fatalf("a Quangang token drawing a Xinzhou plan: err = %v, want a Forbidden forbidden problem", err)
	}
}

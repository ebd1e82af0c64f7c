package sampling_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
	"github.com/credpol/credpol/internal/problem"
	"github.com/credpol/credpol/internal/sampling"
	"github.com/credpol/credpol/internal/storage/storetest"
)

// heilongjiang stores n Heilongjiang enterprises, classes as population's,
// every third in the food sector and every seventh in special equipment.
func heilongjiang(t *testing.T, st storetest.Store, n int) map[string][]string {
	t.Helper()
	sectors := map[string][]string{}
	var batch []enterprise.Facts
	for i := 0; i < n; i++ {
		body := fmt.Sprintf("91230000%09d", i)
		c, _ := enterprise.CheckCharacter(body)
		uscc := body + string(c)
		key := []string{}
		if i%3 == 0 {
			key = append(key, "food")
		}
		if i%7 == 0 {
			key = append(key, "special_equipment")
		}
		sectors[uscc] = key
		batch = append(batch, enterprise.Facts{USCC: &uscc, Name: ptr(fmt.Sprintf("黑龙江测试企业%d", i)), EntityType: ptr("company"),
			Jurisdiction: ptr("230000"), Status: ptr("operating"), RiskClass: ptr([]string{"A", "B", "B", "C", "D"}[i%5]), KeySectors: key})
	}
	if err := st.Store.PutEnterprises(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	return sectors
}

// HLJ-5, seed 002 二(六): food and special equipment are under key
// supervision "在按照现有规定实行重点监管的同时" with class-based management, and
// 二(五) pushes every classification result "全量推送…与检查对象名录库对接":
// key supervision is added on top of the draw, never a reason to leave it.
func TestKeySupervisionNeverTakesAnEnterpriseOutOfTheDraw(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			const n = 2100
			sectors := heilongjiang(t, st, n)
			s := service(t, st)
			req := plan("2026 黑龙江", "seed-hlj", true)
			req.Jurisdiction, req.Year = "230000", 2026
			p, err := s.Draw(context.Background(), all, req)
			if err != nil {
				t.Fatal(err)
			}
			if p.Population != n || len(p.Excluded) != 0 {
				t.Fatalf("population %d of %d, excluded %v: key-sector enterprises were taken out of the draw", p.Population, n, p.Excluded)
			}
			if p.KeySupervision == nil || !slices.Equal(p.KeySupervision.Sectors, []string{"food", "special_equipment"}) {
				t.Fatalf("plan key supervision %+v, want the food and special-equipment sectors", p.KeySupervision)
			}
			keyDrawn := 0
			for _, it := range items(t, s, p.ID) {
				want := sectors[it.USCC]
				if len(want) == 0 {
					want = nil
				}
				if !slices.Equal(it.KeySupervision, want) {
					t.Errorf("%s: key supervision %v, want %v", it.USCC, it.KeySupervision, want)
				}
				if len(want) > 0 {
					keyDrawn++
				}
			}
			if keyDrawn == 0 || p.KeySupervision.Drawn != keyDrawn {
				t.Errorf("plan counts %d drawn enterprises under key supervision, items show %d (want some)", p.KeySupervision.Drawn, keyDrawn)
			}
		})
	}
}

// QG-2, seed 004 5: "除专业领域外，各个抽查任务都要融合运用企业信用风险分类结果".
// A 2023 Quangang task drawn without the classification outside the
// professional fields is flagged in the plan and in the year's report; a
// professional-field task and a differentiated one are not.
func TestQuangangFlagsTasksThatDoNotUseTheClassification(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			population(t, st, 600)
			s := service(t, st)
			ctx := context.Background()
			classified, err := s.Draw(ctx, all, plan("2023 差异化", "seed-1", true))
			if err != nil {
				t.Fatal(err)
			}
			uniform, err := s.Draw(ctx, all, plan("2023 非差异化", "seed-2", false))
			if err != nil {
				t.Fatal(err)
			}
			req := plan("2023 食品专业领域", "seed-3", false)
			req.ProfessionalField = true
			professional, err := s.Draw(ctx, all, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(classified.Warnings) != 0 || len(professional.Warnings) != 0 {
				t.Errorf("flagged a differentiated task (%v) or a professional-field one (%v)", classified.Warnings, professional.Warnings)
			}
			if len(uniform.Warnings) != 1 || uniform.Warnings[0].Code != "undifferentiated_task" {
				t.Fatalf("plan warnings %+v, want one undifferentiated_task", uniform.Warnings)
			}
			if stored, _, _ := s.Get(ctx, all, uniform.ID, 0, 0); len(stored.Warnings) != 1 || !professional.ProfessionalField {
				t.Errorf("stored plan warnings %+v, professional_field %v", stored.Warnings, professional.ProfessionalField)
			}
			r, err := s.Compliance(ctx, all, "350505", 2023)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Warnings) != 1 || r.Warnings[0].PlanID != uniform.ID || r.Warnings[0].Code != "undifferentiated_task" {
				t.Fatalf("report warnings %+v, want one for plan %s", r.Warnings, uniform.ID)
			}
			if w := r.Warnings[0]; w.Basis == "" || !strings.Contains(w.Message, "2023 非差异化") || !strings.Contains(w.Message, "除专业领域外") {
				t.Errorf("report warning %+v does not name the task and the rule", w)
			}
			// No document sets the rule for 2024.
			if r, err := s.Compliance(ctx, all, "350505", 2024); err != nil || len(r.Warnings) != 0 {
				t.Errorf("2024 warnings %+v (%v), want none", r.Warnings, err)
			}
		})
	}
}

// XZ-4, seed 001 二(二)6: "对涉及监管领域多、检查频次高的行业领域，坚持以跨部门联合检查
// 为原则" — a Xinzhou plan is a joint inspection only for such an industry.
func TestXinzhouJointInspectionFollowsTheIndustry(t *testing.T) {
	st := storetest.SQLite(t)
	s := service(t, st)
	ctx := context.Background()
	for _, c := range []struct {
		industry string
		says     *bool
		joint    bool
	}{{"", nil, false}, {"服装零售", nil, false}, {"餐饮服务", nil, true}, {"服装零售", ptr(true), true}, {"餐饮服务", ptr(false), false}} {
		req := plan("忻州 "+c.industry, "seed", true)
		req.Jurisdiction, req.Year, req.Industry, req.MultiFieldIndustry = "140900", 2026, c.industry, c.says
		p, err := s.Draw(ctx, all, req)
		if err != nil {
			t.Fatal(err)
		}
		if p.JointInspection != c.joint || p.Industry != c.industry {
			t.Errorf("industry %q, multi_field_industry %v: joint inspection %v, want %v", c.industry, c.says, p.JointInspection, c.joint)
		}
	}
}

func TestIndustryIsValidated(t *testing.T) {
	s := service(t, storetest.SQLite(t))
	for _, industry := range []string{" 餐饮服务", strings.Repeat("餐", sampling.MaxIndustryChars+1)} {
		req := plan("x", "s", true)
		req.Industry = industry
		_, err := s.Draw(context.Background(), all, req)
		p, ok := problem.As(err)
		if !ok || p.Code != "invalid_plan" {
			t.Fatalf("industry %q: err = %v, want invalid_plan", industry, err)
		}
		details, _ := p.Details.(enterprise.FieldErrors)
		if len(details) != 1 || details[0].Field != "industry" {
			t.Errorf("industry %q: fields at fault %v, want industry", industry, details)
		}
	}
}

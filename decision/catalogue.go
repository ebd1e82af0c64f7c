package decision

import (
	"maps"
	"slices"

	"github.com/credpol/credpol/enterprise"
)

// Definition describes a decision upstream systems may ask for (SPEC §4).
// Which jurisdictions answer it is up to the policy tree.
type Definition struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Rules       []string `json:"rules"`
	// Context is the schema of the request's context; nil when none is taken.
	Context *Field `json:"context_schema,omitempty"`
	// Classification marks results that are for supervision only and never
	// public (HLJ-9).
	Classification bool `json:"classification"`
}

var penaltyKinds = []string{"warning", "notice_of_criticism", "fine", "confiscation", "suspension_of_business",
	"restriction_of_production", "employment_ban", "qualification_lowered", "permit_revoked", "license_revoked", "detention"}

func penaltyField() *Field {
	return obj(map[string]*Field{
		"decision_no":      required(str("处罚决定书文号")),
		"decided_on":       required(date("处罚决定日期")),
		"published_on":     date("公示日期；公示期自此起算，缺省为决定日期"),
		"kinds":            required(list(str("处罚种类", penaltyKinds...), "处罚种类")),
		"fine_amount":      nonNegative("number", "罚款金额（元）"),
		"sector":           str("领域", slices.Sorted(maps.Keys(enterprise.PenaltySectors))...),
		"procedure":        str("程序", "ordinary", "simplified"),
		"duties_fulfilled": boolean("已履行处罚决定规定的义务"),
		"harm_removed":     boolean("已消除不良影响"),
	})
}

// Catalogue lists every decision of SPEC §4 with its context (Appendix A).
var Catalogue = []Definition{
	{Name: "credit_grade", Title: "公共信用综合评价等级", Rules: []string{"HLJ-1", "HLJ-2"},
		Description: "Grade A–E from the 1000-point public credit comprehensive evaluation score.", Classification: true},
	{Name: "risk_class", Title: "企业信用风险分类", Rules: []string{"CN-1", "HLJ-3", "HLJ-10", "ST-2"},
		Description: "Credit risk class A–D: the stored official class, or one derived by the jurisdiction's rules.", Classification: true},
	{Name: "supervision", Title: "分级分类监管措施", Rules: []string{"CN-2", "CN-3", "HLJ-4", "HLJ-5", "HLJ-6", "XZ-3", "QG-1", "QG-4", "ST-1", "ST-3"},
		Description:    "Sampling level and ratio, off-site/on-site inspection, key supervision, observation period and soft measures.",
		Classification: true,
		Context: obj(map[string]*Field{
			"trigger": withDefault(str("检查触发方式", "routine", "complaint", "big_data", "referral", "legal_requirement"), "routine"),
		})},
	{Name: "penalty_discretion", Title: "包容免罚与从轻减轻", Rules: []string{"CN-4", "XZ-5", "QG-7"},
		Description: "No penalty, discretionary waiver, lighter or reduced penalty, or time-barred, for one violation.",
		Context: obj(map[string]*Field{"violation": required(obj(map[string]*Field{
			"item":                         str("违法事项清单编码"),
			"first_offense":                boolean("首次违法"),
			"harm":                         str("危害后果", "none", "slight", "serious"),
			"corrected_in_time":            boolean("及时改正"),
			"fault":                        boolean("有主观过错"),
			"ended_on":                     date("违法行为终了之日"),
			"discovered_on":                date("违法行为被发现之日"),
			"harms_life_health_or_finance": boolean("涉及公民生命健康安全、金融安全且有危害后果"),
		}))})},
	{Name: "abnormal_listing", Title: "列入经营异常名录", Rules: []string{"CN-8", "XZ-6", "XZ-7", "QG-7"},
		Description: "Whether to list the enterprise in the abnormal operations list, or what to guide it to instead.",
		Context: obj(map[string]*Field{
			"cause": required(str("列入事由", "unreachable_at_domicile", "annual_report_not_filed", "instant_info_not_disclosed",
				"false_information", "publicity_info_error")),
			"force_majeure":            boolean("因不可抗力未在登记住所经营"),
			"reachable_by_other_means": boolean("可通过其他方式联系"),
			"other_violations":         boolean("有其他违法行为"),
			"reasonable_explanation":   boolean("作出合理说明"),
			"error_fields":             list(str("错误信息项"), "公示信息错误项"),
			"intentional":              boolean("主观故意"),
			"adverse_effect":           boolean("造成不良后果"),
			"prior_amendments":         nonNegative("integer", "此前已修改年报次数"),
			"stopped_operating":        boolean("已停止经营"),
		})},
	{Name: "penalty_publicity", Title: "行政处罚信息公示", Rules: []string{"CN-5", "CN-6", "CN-7", "XZ-8", "QG-5"},
		Description: "Per penalty: published or not, publicity end, earliest repair date, automatic repair.",
		Context:     obj(map[string]*Field{"penalty": penaltyField()})},
	{Name: "repair_application", Title: "信用修复申请", Rules: []string{"CN-6", "CN-7", "XZ-9", "QG-5", "ST-6"},
		Description: "Acceptance of a credit-repair application, deficiency-tolerant mode and time limit.",
		Context: obj(map[string]*Field{"application": required(obj(map[string]*Field{
			"record":                   required(str("修复对象", "penalty", "abnormal_list", "serious_list")),
			"basic_conditions_met":     boolean("符合基本条件"),
			"main_materials_complete":  boolean("主要申请材料齐全且符合法定形式"),
			"missing_secondary":        list(str("欠缺的次要材料"), "欠缺的次要条件或材料"),
			"commitment_to_supplement": boolean("承诺限期补正"),
		}))})},
	{Name: "repair_notice", Title: "信用修复告知书", Rules: []string{"QG-6"},
		Description: "The credit-repair notice delivered with a penalty decision (两书同送).",
		Context:     obj(map[string]*Field{"penalty": required(penaltyField())})},
	{Name: "qualification_restoration", Title: "恢复经营资格", Rules: []string{"XZ-10"},
		Description: "Whether a company whose licence was revoked may have the revocation revoked, and the steps.",
		Context: obj(map[string]*Field{"revocation": required(obj(map[string]*Field{
			"reason":             required(str("吊销原因", "not_opened", "self_suspended", "other")),
			"months":             nonNegative("integer", "未开业或停业月数"),
			"revoked_on":         date("吊销日期"),
			"other_violations":   boolean("有其他违法行为"),
			"wishes_to_continue": boolean("有继续经营意愿"),
		}))})},
	{Name: "registration_change", Title: "变更登记与备案信用约束", Rules: []string{"ST-4", "CN-8"},
		Description: "Whether a change, filing or deregistration application is accepted, and what blocks it.",
		Context: obj(map[string]*Field{"application": required(obj(map[string]*Field{
			"kind":       required(str("申请类型", "change", "filing", "deregistration")),
			"simplified": boolean("申请简易注销"),
		}))})},
	{Name: "convenience_measures", Title: "便利措施与限制", Rules: []string{"HLJ-7", "CN-8"},
		Description: "Convenience measures the enterprise is eligible for and restrictions that apply."},
	{Name: "risk_alerts", Title: "风险预警", Rules: []string{"HLJ-8", "XZ-2", "QG-4", "ST-5"},
		Description: "Risk alerts raised by the jurisdiction's trigger lists.", Classification: true},
	{Name: "commitment_breach", Title: "虚假承诺处理", Rules: []string{"XZ-1", "QG-8", "ST-7"},
		Description: "Measures for a credit commitment found false, and how it is recorded.",
		Context: obj(map[string]*Field{"commitment": required(obj(map[string]*Field{
			"item":           required(str("承诺事项")),
			"made_on":        date("承诺日期"),
			"false_found_on": date("发现虚假承诺日期"),
		}))})},
	{Name: "sampling_plan", Title: "双随机抽查计划参数", Rules: []string{"CN-2", "CN-3", "HLJ-4", "XZ-4", "QG-1", "QG-2", "QG-3", "ST-3"},
		Description:    "Per-class ratios, lean factors, exclusions and compliance targets for a sampling task.",
		Classification: true,
		Context: obj(map[string]*Field{"task": obj(map[string]*Field{
			"year": nonNegative("integer", "年度"),
			"scope": obj(map[string]*Field{
				"entity_types": list(str("主体类型", "company", "individual_business", "farmer_cooperative"), "主体类型"),
				"sectors":      list(str("领域", "food", "drug", "special_equipment", "medical_device", "cosmetics", "industrial_product"), "领域"),
				"statuses":     list(str("状态", "operating", "suspended", "revoked", "deregistered"), "状态"),
			}),
			"differentiated": withDefault(boolean("差异化（按分类）抽查"), true),
		})})},
}

var byName = func() map[string]*Definition {
	m := make(map[string]*Definition, len(Catalogue))
	for i := range Catalogue {
		m[Catalogue[i].Name] = &Catalogue[i]
	}
	return m
}()

// Lookup returns the definition of the named decision.
func Lookup(name string) (*Definition, bool) {
	d, ok := byName[name]
	return d, ok
}

# Quangang's credit-repair measures (QG-5): 泉港市监〔2023〕67号 (九) 免申自动修复、
# 放宽修复期限、承诺容缺办理; 泉港市监〔2023〕46号 1 "年初出台实施…优化企业信用
# 修复八条措施". The measures' own date is in no document: the answer says
# they apply from 46号's date, 2023-05-10, and why.
package j350505.repair_fidelity_test

import data.j350505.penalty_publicity
import data.j350505.repair_application

quangang(day, ctx) := {
	"as_of": day,
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"context": ctx,
}

penalty(kinds, amount) := {"penalty": {
	"decision_no": "泉罚T",
	"decided_on": "2025-01-10",
	"kinds": kinds,
	"fine_amount": amount,
	"sector": "general",
	"procedure": "ordinary",
}}

start_label := "2023-05-10为泉港市监〔2023〕46号印发日期，该文称八条措施于2023年“年初出台”，出台的确切日期未见公开文件"

# 免申自动修复: the answer dates the measure and says why from that day.
test_auto_repair_says_where_its_start_date_comes_from if {
	d := penalty_publicity.decision with input as quangang("2025-06-01", penalty(["notice_of_criticism"], 0))
	d.auto_repair == true
	contains(d.reasons[0].message, start_label)
}

# 放宽修复期限: no document gives the figure, and the answer says the
# shortening is a default.
test_relaxed_repair_period_is_labelled_as_a_default if {
	d := penalty_publicity.decision with input as quangang("2025-06-01", penalty(["fine"], 50000))
	d.repair_eligible_on == "2025-04-10"
	startswith(d.repair_relaxed.source, "default, not from a published document")
	some r in d.reasons
	r.code == "repair_period_relaxed"
	contains(r.message, "由2025-07-10提前至2025-04-10")
	contains(r.message, "缩短幅度与最短等待期为默认值，非公开文件所定")
	contains(r.message, start_label)
	contains(r.basis, "QG-5 泉港市监〔2023〕67号 (九)（放宽修复期限）")

	# The regime's own reason keeps the regime's date.
	contains(d.reasons[0].message, "自2025-07-10起可申请信用修复")
}

# A bureau figure replaces the default and the label goes with it.
test_a_published_relaxation_is_not_called_a_default if {
	params := object.union(data.params, {"350505": {"penalty_publicity": {"relaxed_repair_period": {
		"shorten_by": {"months": 2},
		"source": "泉港市监〔2026〕9号",
	}}}})
	d := penalty_publicity.decision with input as quangang("2025-06-01", penalty(["fine"], 50000))
		with data.params as params
	d.repair_eligible_on == "2025-05-10"
	d.repair_relaxed.source == "泉港市监〔2026〕9号"
	some r in d.reasons
	r.code == "repair_period_relaxed"
	not contains(r.message, "默认值")
}

# 承诺容缺办理: accepted with a secondary material missing, dated like the rest.
test_deficiency_tolerant_says_where_its_start_date_comes_from if {
	ctx := {"application": {
		"record": "penalty",
		"basic_conditions_met": true,
		"main_materials_complete": true,
		"missing_secondary": ["委托书"],
		"commitment_to_supplement": true,
	}}
	d := repair_application.decision with input as quangang("2026-11-21", ctx)
	d.mode == "deficiency_tolerant"
	contains(d.reasons[0].message, start_label)
	contains(d.reasons[0].basis, "泉港市监〔2023〕67号 (九)（承诺容缺办理）")
}

# ST-1 and ST-2 name producers: 003 三 以食品、特种设备等生产企业监管为切入点;
# 三(二)7 推动食品、特种设备生产企业风险分类管理. The answer says the enterprise
# counts as a producer and cites the sentence that limits it so.
package j440500.producers_test

import data.j440500.risk_class
import data.j440500.supervision

req(facts) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "440500", "chain": ["440500", "440000", "100000"]},
	"enterprise": facts,
	"context": {},
}

test_st1_key_supervision_cites_the_producers_sentence if {
	d := supervision.decision with input as req({"risk_class": "B", "key_sectors": ["food"], "production_sectors": ["food"]})
	d.key_supervision
	some r in d.reasons
	r.code == "key_supervision_sector"
	contains(r.message, "重点领域生产企业")
	contains(r.basis, "以食品、特种设备等生产企业监管为切入点")
}

test_st1_a_food_business_that_does_not_produce_is_not_a_key_area_enterprise if {
	d := supervision.decision with input as req({"risk_class": "B", "key_sectors": ["food"]})
	not d.key_supervision
}

test_st2_the_sub_model_names_the_producer if {
	d := risk_class.decision with input as req({"risk_class": "C", "key_sectors": ["special_equipment"], "production_sectors": ["special_equipment"]})
	d.model == "general_and_professional"
	some r in d.reasons
	r.code == "professional_model"
	r.message == "该企业为重点领域生产企业（特种设备），在通用型分类基础上叠加专业型分类模型"
	contains(r.basis, "推动食品、特种设备生产企业风险分类管理")
}

test_st2_a_distributor_is_graded_by_the_general_model if {
	d := risk_class.decision with input as req({"risk_class": "C", "key_sectors": ["special_equipment"]})
	d.model == "general"
}

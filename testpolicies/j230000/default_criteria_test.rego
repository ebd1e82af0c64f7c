# Heilongjiang figures no document gives, said so in the answer:
# HLJ-3 二(四) 参照省市场主体公共信用综合评价结果自动调整企业信用风险类别 and HLJ-10
# 三(五) publish no grade-to-class table; HLJ-7 二(八) 对诚信守法企业…实施绿色通道、
# 容缺受理、告知承诺、简化程序 gives no criteria for 诚信守法企业.
package j230000.default_criteria_test

import data.j230000.convenience_measures
import data.j230000.risk_class

req(facts) := {
	"as_of": "2025-06-01",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"enterprise": facts,
	"context": {},
}

test_hlj3_the_grade_to_class_table_is_said_to_be_a_default if {
	d := risk_class.decision with input as req({"public_credit_score": 660, "entity_type": "individual_business"})
	d.class == "D"
	some r in d.reasons
	r.code == "derived_from_evaluation"
	endswith(r.message, "D类（信用风险高）（等级与分类的对应为默认值，非公开文件所定）")
}

test_hlj7_the_honest_criteria_are_said_to_be_defaults if {
	d := convenience_measures.decision with input as req({"risk_class": "A"})
	count(d.eligible) == 4
	some r in d.reasons
	r.code == "honest_enterprise"
	contains(r.message, "（认定标准：A类、未被列入经营异常名录或严重违法失信名单、1年内未受行政处罚，为默认标准，非公开文件所定）")
}

# CN-8 (企业信息公示暂行条例 Art. 18): 企业被列入经营异常名录或者严重违法企业名单的，
# 在政府采购、工程招投标、国有土地出让、授予荣誉称号等工作中依法予以限制或者禁入。
# The restrictions follow the two lists; the abnormal-status mark of an
# individual business is not one of them.
package j100000.convenience_measures_test

import data.j100000.convenience_measures

req(listings) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "100000", "chain": ["100000"]},
	"enterprise": {"entity_type": "individual_business", "listings": listings, "risk_class": "B"},
	"context": {},
}

test_cn8_art18_restricts_an_entity_in_the_abnormal_list if {
	listed := {"list": "abnormal", "cause": "annual_report_not_filed", "listed_on": "2025-07-01", "removed_on": null}
	d := convenience_measures.decision with input as req([listed])
	count(d.restricted) > 0
	some r in d.reasons
	r.code == "listed_entity"
}

test_cn8_art18_does_not_reach_the_abnormal_mark if {
	marked := {"list": "abnormal_mark", "cause": "annual_report_not_filed", "listed_on": "2025-07-01", "removed_on": null}
	d := convenience_measures.decision with input as req([marked])
	d.restricted == []
	every r in d.reasons {
		r.code != "listed_entity"
	}
}

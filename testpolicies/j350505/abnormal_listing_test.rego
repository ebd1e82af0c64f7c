# QG-7 (泉港市监〔2023〕46号 2) on top of CN-8.
package j350505.abnormal_listing_test

import data.j350505.abnormal_listing

qg(ctx) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "350505", "chain": ["350505", "350500", "350000", "100000"]},
	"context": ctx,
}

# Seed 004 2 “对暂时停业或不再经营的企业，引导其办理歇业备案或注销登记” only
# guides; 企业信息公示暂行条例 第十七条 still lists an unfiled annual report.
test_qg7_stopping_operation_still_lists_an_unfiled_annual_report if {
	d := abnormal_listing.decision with input as qg({"cause": "annual_report_not_filed", "stopped_operating": true})
	d.list == true
	d.action == "list"
	d.guidance == ["guide_suspension_filing_or_deregistration"]
	some r in d.reasons
	r.code == "guide_suspension_filing_or_deregistration"
	r.basis == "QG-7 泉港市监〔2023〕46号 2"
}

test_qg7_no_guidance_before_the_notice if {
	d := abnormal_listing.decision with input as json.patch(qg({"cause": "annual_report_not_filed", "stopped_operating": true}), [{"op": "replace", "path": "/as_of", "value": "2023-05-09"}])
	d.list == true
	d.guidance == []
}

test_qg7_an_operating_entity_gets_no_guidance if {
	d := abnormal_listing.decision with input as qg({"cause": "annual_report_not_filed", "stopped_operating": false})
	d.guidance == []
}

# ST-4: Shantou does not accept change registrations or filings from listed
# entities; everything else follows the national baseline (CN-8).
package j440500.registration_change_test

import data.j440500.registration_change

abnormal := {"list": "abnormal", "cause": "unreachable_at_domicile", "listed_on": "2025-07-01", "removed_on": null}

serious := {"list": "serious_dishonest", "cause": "abnormal_three_years", "listed_on": "2024-03-01", "removed_on": null}

req(kind, listings, as_of) := {
	"as_of": as_of,
	"jurisdiction": {"code": "440500", "chain": ["440500", "440000", "100000"]},
	"enterprise": {"listings": listings},
	"context": {"application": {"kind": kind}},
}

test_st4_change_refused_for_each_list if {
	every l in [abnormal, serious] {
		d := registration_change.decision with input as req("change", [l], "2026-11-21")
		not d.accept
		d.blocking[0].list == l.list
		d.reasons[0].code == concat("", ["not_accepted_", l.list])
		startswith(d.reasons[0].basis, "ST-4 ")
	}
}

test_st4_filing_refused_with_every_listing_blocking if {
	d := registration_change.decision with input as req("filing", [abnormal, serious], "2026-11-21")
	not d.accept
	count(d.blocking) == 2
	count(d.reasons) == 2
}

test_st4_accepts_once_the_listing_is_removed if {
	removed := json.patch(abnormal, [{"op": "replace", "path": "/removed_on", "value": "2026-02-01"}])
	d := registration_change.decision with input as req("change", [removed], "2026-11-21")
	d.accept
	d.reasons[0].code == "no_credit_constraint"
}

test_st4_deregistration_follows_national_baseline if {
	d := registration_change.decision with input as req("deregistration", [abnormal], "2026-11-21")
	d.accept
	startswith(d.reasons[0].basis, "CN-8 ")
}

test_st4_does_not_apply_before_the_plan_was_issued if {
	old := json.patch(abnormal, [{"op": "replace", "path": "/listed_on", "value": "2021-01-05"}])
	before := registration_change.decision with input as req("change", [old], "2021-10-11")
	before.accept
	on_the_day := registration_change.decision with input as req("change", [old], "2021-10-12")
	not on_the_day.accept
}

# 003 三(二)10: 对被标记为经营异常状态或者被列入经营异常名录、严重违法失信名单的
# 市场主体，在相关违法情形未改正前申请变更登记或备案的，登记机关不予受理。
# The mark of an individual business is named beside the two lists.
marked := {"list": "abnormal_mark", "cause": "annual_report_not_filed", "listed_on": "2025-07-01", "removed_on": null}

test_st4_an_individual_business_marked_abnormal_is_not_accepted if {
	every kind in ["change", "filing"] {
		d := registration_change.decision with input as req(kind, [marked], "2026-11-21")
		not d.accept
		d.blocking[0].list == "abnormal_mark"
		d.reasons[0].code == "not_accepted_abnormal_mark"
		contains(d.reasons[0].message, "被标记为经营异常状态")
	}
}

test_st4_the_mark_no_longer_blocks_once_removed if {
	removed := json.patch(marked, [{"op": "replace", "path": "/removed_on", "value": "2026-02-01"}])
	d := registration_change.decision with input as req("change", [removed], "2026-11-21")
	d.accept
}

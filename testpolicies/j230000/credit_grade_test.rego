# HLJ-1, HLJ-2: every band boundary of the 1000-point evaluation.
package j230000.credit_grade_test

import data.j230000.credit_grade

hlj(score) := {
	"as_of": "2026-11-21",
	"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
	"enterprise": {"public_credit_score": score},
}

grade_of(score) := grade if {
	grade := credit_grade.decision.grade with input as hlj(score)
}

test_hlj2_band_boundaries if {
	every score, want in {
		1000: "A", 850: "A",
		849: "B", 790: "B",
		789: "C", 730: "C",
		729: "D", 670: "D",
		669: "E", 0: "E",
	} {
		grade_of(score) == want
	}
}

test_hlj2_fractional_scores_stay_in_their_band if {
	grade_of(849.9) == "B"
	grade_of(669.5) == "E"
}

test_hlj_reasons_cite_rule_ids if {
	d := credit_grade.decision with input as hlj(800)
	d.score == 800
	d.max_score == 1000
	startswith(d.reasons[0].basis, "HLJ-1 ")
	startswith(d.reasons[1].basis, "HLJ-2 ")
	d.reasons[1].code == "grade_B"
}

test_missing_score_is_refused if {
	d := credit_grade.decision with input as {
		"as_of": "2026-11-21",
		"jurisdiction": {"code": "230000", "chain": ["230000", "100000"]},
		"enterprise": {},
	}
	d.error.code == "missing_fact"
}

test_out_of_range_score_is_refused if {
	every score in [-1, 1000.5, 1001] {
		d := credit_grade.decision with input as hlj(score)
		d.error.code == "invalid_fact"
	}
}

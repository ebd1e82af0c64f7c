# The public credit comprehensive evaluation grade (HLJ-1, HLJ-2), computed
# from the score and the bands in the chain's credit_grade parameters. Shared
# by credit_grade and by class derivations that start from the grade.
package lib.grade

import data.lib

params := lib.params("credit_grade")

score := lib.enterprise.public_credit_score

has_score if is_number(score)

in_range if {
	score >= 0
	score <= params.total
}

# band is the first band (highest minimum first) whose minimum the score reaches.
band := params.bands[band_index] if in_range

band_index := [i | some i, b in params.bands; score >= b.min][0]

# band_range says which scores the band covers, from the minimums alone, so a
# changed threshold changes the words too: 790分及以上、不足850分.
band_range := range_text(params.bands, band_index)

range_text(bands, i) := sprintf("%v分及以上、不足%v分", [bands[i].min, bands[i - 1].min]) if {
	i > 0
	bands[i].min > 0
} else := sprintf("不足%v分", [bands[i - 1].min]) if {
	i > 0
} else := sprintf("%v分及以上", [bands[i].min]) if {
	bands[i].min > 0
} else := "全部分值"

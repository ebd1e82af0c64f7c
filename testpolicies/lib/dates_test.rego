# 民法典 第二百零二条: 按照年、月计算期间的，到期月的对应日为期间的最后一日；
# 没有对应日的，月末日为期间的最后一日。
package lib.dates_test

import data.lib.dates

test_civil_code_art202_month_end_without_corresponding_day_ends_on_the_last_day if {
	dates.shift("2025-11-30", 0, 3, 0) == "2026-02-28"
	dates.shift("2023-11-30", 0, 3, 0) == "2024-02-29"
	dates.shift("2026-01-31", 0, 1, 0) == "2026-02-28"
	dates.shift("2026-03-31", 0, 1, 0) == "2026-04-30"
	dates.shift("2026-05-31", 0, 1, 0) == "2026-06-30"
	dates.shift("2026-08-31", 0, 1, 0) == "2026-09-30"
	dates.shift("2026-10-31", 0, 1, 0) == "2026-11-30"
	dates.shift("2026-12-31", 0, 2, 0) == "2027-02-28"
}

test_civil_code_art202_every_month_end_plus_one_month if {
	every start, want in {
		"2026-01-31": "2026-02-28", "2026-02-28": "2026-03-28", "2026-03-31": "2026-04-30",
		"2026-04-30": "2026-05-30", "2026-05-31": "2026-06-30", "2026-06-30": "2026-07-30",
		"2026-07-31": "2026-08-31", "2026-08-31": "2026-09-30", "2026-09-30": "2026-10-30",
		"2026-10-31": "2026-11-30", "2026-11-30": "2026-12-30", "2026-12-31": "2027-01-31",
	} {
		dates.shift(start, 0, 1, 0) == want
	}
}

test_civil_code_art202_leap_day_plus_years_ends_on_28_february if {
	dates.shift("2024-02-29", 1, 0, 0) == "2025-02-28"
	dates.shift("2024-02-29", 2, 0, 0) == "2026-02-28"
	dates.shift("2024-02-29", 4, 0, 0) == "2028-02-29"
	dates.shift("2024-02-29", 0 - 1, 0, 0) == "2023-02-28"
}

test_corresponding_day_is_kept_when_it_exists if {
	dates.shift("2026-03-15", 0, 3, 0) == "2026-06-15"
	dates.shift("2026-01-30", 1, 0, 0) == "2027-01-30"
	dates.shift("2026-11-22", 0 - 2, 0, 0) == "2024-11-22"
	dates.shift("2026-02-10", 0, 0 - 3, 0) == "2025-11-10"
}

test_days_are_counted_one_by_one if {
	dates.shift("2026-02-27", 0, 0, 2) == "2026-03-01"
	dates.shift("2024-02-28", 0, 0, 1) == "2024-02-29"
	dates.shift("2026-03-01", 0, 0, 0 - 1) == "2026-02-28"
}

test_years_before_as_of_clamps_a_leap_day if {
	dates.years_before(1) == "2023-02-28" with input.as_of as "2024-02-29"
	dates.days_before(30) == "2026-10-23" with input.as_of as "2026-11-22"
}

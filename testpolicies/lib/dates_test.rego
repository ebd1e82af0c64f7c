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

# Working days under the State Council's holiday arrangements, as
# 市场监督管理行政处罚信息公示规定 第九条 counts them (二十个工作日). The
# calendar is the shipped national one.
calendar := data.params["100000"].penalty_publicity.working_day_calendar

# 国务院办公厅关于2025年部分节假日安排的通知: 春节 1月28日至2月4日放假调休，
# 1月26日（周日）、2月8日（周六）上班. Twenty working days from 2025-01-20
# end on 2025-02-21; Monday to Friday alone would end on 2025-02-17.
test_twenty_working_days_over_the_2025_spring_festival if {
	dates.add_working_days("2025-01-20", 20, calendar) == "2025-02-21"
	dates.add_working_days("2025-01-20", 20, {}) == "2025-02-17"
}

# 国务院办公厅关于2026年部分节假日安排的通知: 元旦 1月1日至3日放假调休，1月4日
# （周日）上班; 春节 2月15日至23日，2月14日（周六）、2月28日（周六）上班.
test_twenty_working_days_over_the_2026_new_year_and_spring_festival if {
	dates.add_working_days("2025-12-25", 20, calendar) == "2026-01-23"
	dates.add_working_days("2026-02-10", 20, calendar) == "2026-03-16"
}

# 国务院办公厅关于2025年部分节假日安排的通知: 国庆节、中秋节 10月1日至8日，
# 9月28日（周日）、10月11日（周六）上班.
test_twenty_working_days_over_the_2025_national_day if {
	dates.add_working_days("2025-09-15", 20, calendar) == "2025-10-17"
	dates.add_working_days("2025-09-26", 1, calendar) == "2025-09-28"
	dates.add_working_days("2025-09-30", 1, calendar) == "2025-10-09"
}

# The day of the decision is not counted (民法典 第二百零一条), whatever day it
# is; a window without holidays counts Monday to Friday.
test_the_first_day_is_not_counted if {
	dates.add_working_days("2025-03-01", 20, calendar) == "2025-03-28"
	dates.add_working_days("2025-03-02", 20, calendar) == "2025-03-28"
	dates.add_working_days("2025-03-03", 20, calendar) == "2025-03-31"
	dates.add_working_days("2025-03-07", 1, calendar) == "2025-03-10"
}

# A year the calendar does not hold counts Monday to Friday, and
# calendar_gaps names it.
test_a_year_outside_the_calendar_counts_monday_to_friday if {
	dates.add_working_days("2027-03-01", 20, calendar) == "2027-03-29"
	dates.calendar_gaps("2027-03-01", "2027-03-29", calendar) == ["2027"]
	dates.calendar_gaps("2026-12-20", "2027-01-15", calendar) == ["2027"]
	dates.calendar_gaps("2025-12-31", "2026-01-29", calendar) == []
	dates.calendar_gaps("2024-12-31", "2025-01-29", calendar) == []
}

# Date arithmetic on ISO dates (YYYY-MM-DD), relative to input.as_of.
package lib.dates

# shift returns the ISO date `years`, `months` and `days` away from day.
# Years and months move to the same day of the end month or, where that
# month has no such day, to its last day (民法典 第二百零二条: 按照年、月
# 计算期间的，到期月的对应日为期间的最后一日；没有对应日的，月末日为期间
# 的最后一日); time.add_date alone would roll 30 November + 3 months over to
# 2 March. Days are then counted one by one.
shift(day, years, months, days) := time.format([
	time.add_date(time.parse_ns("2006-01-02", add_months(day, (years * 12) + months)), 0, 0, days),
	"UTC",
	"2006-01-02",
])

# add_months is day moved by n months (n may be negative), clamped to the
# end month's last day.
add_months(day, n) := sprintf("%04d-%02d-%02d", [y, m, min([d, month_length(y, m)])]) if {
	[y0, m0, d] := time.date(time.parse_ns("2006-01-02", day))
	total := (((y0 * 12) + m0) - 1) + n
	y := floor(total / 12)
	m := (total - (y * 12)) + 1
}

# month_length is the number of days in month m of year y.
month_length(y, m) := time.date(time.add_date(time.parse_ns("2006-01-02", sprintf("%04d-%02d-01", [y, m])), 0, 1, -1))[2]

# days_before is the ISO date n days before input.as_of.
days_before(n) := shift(input.as_of, 0, 0, 0 - n)

# years_before is the ISO date n years before input.as_of.
years_before(n) := shift(input.as_of, 0 - n, 0, 0)

# reached(day, years, months) holds when the period of years and months from
# day ends on or before input.as_of, its end counted forward from day as
# shift counts it (民法典 第二百零二条). Counting back from as_of instead
# (years_before) is not the same at a month end: from 2025-02-28 one year
# back is 2024-02-28, which would leave a listing of 2024-02-29 a day short
# of its year on 2025-02-28, the last day 第二百零二条 gives that year, while
# a listing of 2024-03-01 has its year on 2025-03-01.
reached(day, years, months) if shift(day, years, months, 0) <= input.as_of

# Working days (工作日) under a calendar of the State Council's holiday
# arrangements (国务院办公厅关于…部分节假日安排的通知), given as policy data
# keyed by year: {"2025": {"holidays": [{"name", "from", "to"}], "workdays":
# [make-up working days on a weekend]}}. A working day is a make-up day, or
# a Monday to Friday outside the holidays; in a year the calendar does not
# hold, every Monday to Friday. calendar_gaps names those years so the
# answer can say so.

# add_working_days is the nth working day after day, the day itself not
# counted (民法典 第二百零一条: 开始的当日不计入). Days are numbered from
# day. The weekdays of the span come whole from numbers.range_step, one list
# per weekday, and the make-up days join them (listed); the holidays of the
# span that fall on weekdays (off) are numbered once. Working days are the
# listed days less off, so the nth is listed[n - 1 + k], k being the number
# of off days before it: the first k at which off runs out or the next off
# day lies beyond listed[n - 1 + k]. Each step works on whole lists, as OPA
# evaluates expressions one by one and arithmetic slowly. The span, 2n + 20
# days, holds n + 10 weekdays: room for ten weekday holidays, where no
# published arrangement puts more than six in one block or eight within two
# months; for n up to 100 it ends in the year after day's at the latest.
add_working_days(day, n, calendar) := time.format([time.add_date(start, 0, 0, listed[(n - 1) + k]), "UTC", "2006-01-02"]) if {
	start := time.parse_ns("2006-01-02", day)
	span := (2 * n) + 20
	last := time.format([time.add_date(start, 0, 0, span), "UTC", "2006-01-02"])

	# A set literal of two equal terms is iterated twice: union builds one.
	years := {substring(day, 0, 4)} | {substring(last, 0, 4)}
	first := weekday_number[time.weekday(start)]
	off := sort({i |
		some y in years
		some h in object.get(calendar, [y, "holidays"], [])
		h.to > day
		h.from <= last
		some i in numbers.range(offset(start, h.from), offset(start, h.to))
		i > 0
		(first + i) % 7 < 5
	})
	on := {offset(start, w) |
		some y in years
		some w in object.get(calendar, [y, "workdays"], [])
		w > day
		w <= last
	}
	s := weekday_starts[first]
	listed := sort(array.concat(
		array.concat(
			array.concat(numbers.range_step(s[0], span, 7), numbers.range_step(s[1], span, 7)),
			array.concat(numbers.range_step(s[2], span, 7), numbers.range_step(s[3], span, 7)),
		),
		array.concat(numbers.range_step(s[4], span, 7), [i | some i in on]),
	))

	# The test is inline rather than a helper, whose every call would build a
	# cache key from off; a sentinel beyond the span ends off, so at
	# k = count(off) it holds as "off runs out".
	stops := array.concat(off, [span + 1])
	k := min({k |
		some k in numbers.range(0, count(off))
		stops[k] > listed[(n - 1) + k]
	})
}

# offset is the number of days from start (an instant) to day.
offset(start, day) := (time.parse_ns("2006-01-02", day) - start) / 86400000000000

# weekday_starts[first] are the first days (1 to 7) falling on Monday to
# Friday when day 0 falls on weekday first (Monday 0).
weekday_starts := [
	[7, 1, 2, 3, 4],
	[6, 7, 1, 2, 3],
	[5, 6, 7, 1, 2],
	[4, 5, 6, 7, 1],
	[3, 4, 5, 6, 7],
	[2, 3, 4, 5, 6],
	[1, 2, 3, 4, 5],
]

weekday_number := {"Monday": 0, "Tuesday": 1, "Wednesday": 2, "Thursday": 3, "Friday": 4, "Saturday": 5, "Sunday": 6}

# calendar_gaps are the years from the day after `from` to `to` (less
# than a year apart) that the calendar does not hold: their working days
# were counted Monday to Friday.
calendar_gaps(from, to, calendar) := sort({y |
	some y in {substring(time.format([time.add_date(time.parse_ns("2006-01-02", from), 0, 0, 1), "UTC", "2006-01-02"]), 0, 4), substring(to, 0, 4)}
	not calendar[y]
})

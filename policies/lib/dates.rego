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

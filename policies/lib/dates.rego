# Date arithmetic on ISO dates (YYYY-MM-DD), relative to input.as_of.
package lib.dates

# shift returns the ISO date `years`, `months` and `days` away from day.
shift(day, years, months, days) := time.format([
	time.add_date(time.parse_ns("2006-01-02", day), years, months, days),
	"UTC",
	"2006-01-02",
])

# days_before is the ISO date n days before input.as_of.
days_before(n) := shift(input.as_of, 0, 0, 0 - n)

# years_before is the ISO date n years before input.as_of.
years_before(n) := shift(input.as_of, 0 - n, 0, 0)

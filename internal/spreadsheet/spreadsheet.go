// Package spreadsheet keeps CSV exports safe to open in a spreadsheet: every
// exported text cell passes through Cell.
package spreadsheet

import "strings"

// Cell neutralises a text cell a spreadsheet would run as a formula
// (CSV injection: =HYPERLINK(…), =cmd|' /C calc'!A0): a cell starting with
// = + - @ tab or carriage return gets a leading single quote, as OWASP
// advises, so it opens as text. Spreadsheets also skip leading spaces, and
// locales that split on semicolons start a new cell after one, so the first
// character after those counts too. Names come from clients, so every text
// cell of an export passes here.
func Cell(s string) string {
	if first := strings.TrimLeft(s, " ;"); first != "" && strings.ContainsRune("=+-@\t\r", rune(first[0])) {
		return "'" + s
	}
	return s
}

package spreadsheet_test

import (
	"testing"

	"github.com/credpol/credpol/internal/spreadsheet"
)

func TestCellsCannotRunAsFormulas(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"泉港测试企业", "泉港测试企业"},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{`=HYPERLINK("http://evil.example","点击")`, `'=HYPERLINK("http://evil.example","点击")`},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{" =1", "' =1"},
		{";=1", "';=1"},
		{"  ; +SUM(A1)", "'  ; +SUM(A1)"},
		{"'already quoted", "'already quoted"},
		{"91350505000000001X", "91350505000000001X"},
		{"2023-09-01", "2023-09-01"},
	} {
		if got := spreadsheet.Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

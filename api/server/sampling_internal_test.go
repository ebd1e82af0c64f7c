package server

import (
	"testing"
	"time"
)

// SetPlanTimeout shortens the time a plan may take, for the tests of an
// abandoned plan; it returns the function restoring it. Call it before the
// server starts: the handler reads it without a lock.
func SetPlanTimeout(d time.Duration) (restore func()) {
	old := planTimeout
	planTimeout = d
	return func() { planTimeout = old }
}

func TestCSVCellsCannotRunAsFormulas(t *testing.T) {
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
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

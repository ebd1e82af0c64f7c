package admin

import (
	"fmt"
	"strings"
	"time"

	"github.com/credpol/credpol/internal/problem"
)

// Diff is a unified diff of one file between two versions, as one hunk
// around the changed lines: the lines both versions share at the start and
// end are left out, three of them kept as context. It is linear in the
// file's length, which matters for the 1 MiB files a draft may hold.
func Diff(path string, before, after []byte) string {
	a, b := lines(before), lines(after)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	const context = 3
	start := max(pre-context, 0)
	endA, endB := min(len(a)-suf+context, len(a)), min(len(b)-suf+context, len(b))
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- a/%s\n+++ b/%s\n", path, path)
	if before == nil && after == nil {
		return sb.String()
	}
	fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", start+1, endA-start, start+1, endB-start)
	for _, l := range a[start:pre] {
		sb.WriteString(" " + l + "\n")
	}
	for _, l := range a[pre : len(a)-suf] {
		sb.WriteString("-" + l + "\n")
	}
	for _, l := range b[pre : len(b)-suf] {
		sb.WriteString("+" + l + "\n")
	}
	for _, l := range a[len(a)-suf : endA] {
		sb.WriteString(" " + l + "\n")
	}
	return sb.String()
}

func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// ParseTime reads a publication time: RFC 3339, or a local date and time
// ("2026-12-01 00:00", "2026-12-01T00:00:00") read in Asia/Shanghai. Empty
// means now (nil).
func (s *Service) ParseTime(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, s.zone()); err == nil {
			return &t, nil
		}
	}
	return nil, problem.New(problem.Invalid, "invalid_time",
		fmt.Sprintf("effective_at %q is not a time: use RFC 3339 (2026-12-01T00:00:00+08:00) or a date and time in Asia/Shanghai (2026-12-01 00:00)", v))
}

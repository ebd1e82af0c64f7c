package impact

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WindowSpec is a decision-log window as people write it, on the command
// line or in a request: a span back from To (now when empty), or From to To.
// Names are what the caller calls the three (flags or JSON fields), so a
// message points at what was typed.
type WindowSpec struct {
	Span, From, To string
	Names          [3]string
}

// Window reads the spec: nil when it names no window.
func (s WindowSpec) Window(now time.Time) (*LogWindow, error) {
	span, from, to := s.Names[0], s.Names[1], s.Names[2]
	if s.Span != "" && s.From != "" {
		return nil, fmt.Errorf("%s and %s both say where the window starts: give one", span, from)
	}
	if s.Span == "" && s.From == "" {
		if s.To != "" {
			return nil, fmt.Errorf("%s ends a window: give its start with %s or %s", to, from, span)
		}
		return nil, nil
	}
	w := &LogWindow{To: now}
	if s.To != "" {
		t, err := ParseInstant(s.To)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", to, s.To, err)
		}
		w.To = t
	}
	if s.Span != "" {
		d, err := parseSpan(s.Span)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", span, s.Span, err)
		}
		w.From = w.To.Add(-d)
	} else {
		t, err := ParseInstant(s.From)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", from, s.From, err)
		}
		w.From = t
	}
	if !w.From.Before(w.To) {
		return nil, fmt.Errorf("the decision-log window from %s to %s is empty", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	return w, nil
}

// parseInstant reads a time as the decision-log search does: RFC 3339, or
// a date (midnight UTC).
func ParseInstant(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, errors.New("give a time in RFC 3339 (2026-11-01T08:00:00+08:00) or a date (2026-11-01)")
	}
	return t, nil
}

// parseSpan reads a span of days (30d, at most a century) or a Go duration
// (12h, 90m).
func parseSpan(v string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 36500 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d, nil
	}
	return 0, errors.New("give a positive span: days as 30d, or hours and minutes as 12h, 90m")
}

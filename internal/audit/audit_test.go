package audit_test

import (
	"testing"
	"time"

	"github.com/credpol/credpol/internal/audit"
)

func chain(n int) []audit.Entry {
	var out []audit.Entry
	var prev *audit.Entry
	for i := range n {
		e := audit.Chain(prev, audit.Entry{At: time.Date(2026, 11, 1, 8, 0, i, 0, time.UTC), Actor: "alice", Action: "login"})
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func TestVerify(t *testing.T) {
	swap := chain(5)
	swap[2], swap[3] = swap[3], swap[2]
	edited := chain(5)
	edited[1].Actor = "mallory"
	rehashed := chain(5)
	rehashed[1].Actor = "mallory"
	rehashed[1].Hash = rehashed[1].ComputeHash() // the edit hides its own hash, not the next entry's link
	cases := []struct {
		name    string
		entries []audit.Entry
		seq     int64
		kind    string
	}{
		{"intact", chain(5), 0, ""},
		{"edited", edited, 2, audit.Altered},
		{"rehashed", rehashed, 3, audit.Reordered},
		{"middle removed", append(chain(5)[:2:2], chain(5)[3:]...), 3, audit.Removed},
		{"first removed", chain(5)[1:], 1, audit.Removed},
		{"swapped", swap, 3, audit.Removed}, // entry 4 comes where 3 belongs
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, _ := audit.Verify(c.entries)
			switch {
			case c.kind == "" && f != nil:
				t.Errorf("found %+v in an intact chain", f)
			case c.kind != "" && (f == nil || f.Seq != c.seq || f.Kind != c.kind):
				t.Errorf("want %s at %d, found %+v", c.kind, c.seq, f)
			}
		})
	}
}

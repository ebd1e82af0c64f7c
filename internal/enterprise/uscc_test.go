package enterprise_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credpol/credpol/internal/enterprise"
)

func TestValidateUSCC(t *testing.T) {
	for _, tc := range []struct {
		code, want string
		pos        int
	}{
		{"91110000600037341L", "", 0},
		{"91110000600037341M", "应为L", 18},
		{"9111000060003734", "18位", 0},
		{"91110000600037341I", "第18位", 18},
		{"9111000O600037341L", "第8位", 8},
		{"91110000600037341l", "第18位", 18},
	} {
		t.Run(tc.code, func(t *testing.T) {
			err := enterprise.ValidateUSCC(tc.code)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("%s: %v", tc.code, err)
				}
				return
			}
			var ue *enterprise.USCCError
			if !errors.As(err, &ue) {
				t.Fatalf("%s: err = %v, want a *USCCError saying %q at %d", tc.code, err, tc.want, tc.pos)
			}
			if !strings.Contains(ue.Reason, tc.want) || ue.Position != tc.pos {
				t.Fatalf("%s: err = %v (position %d), want %q at %d", tc.code, err, ue.Position, tc.want, tc.pos)
			}
		})
	}
}

func TestCheckCharacterMakesValidCodes(t *testing.T) {
	c, err := enterprise.CheckCharacter("91110000600037341")
	if err != nil || c != 'L' {
		t.Fatalf("CheckCharacter = %c, %v; want L", c, err)
	}
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"91110000600037341L", "", "中文中文中文中文中文中文中文中文中文", "91110000600037341\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := enterprise.ValidateUSCC(s)
		if err == nil && len(s) == 18 {
			// A valid code must round-trip through CheckCharacter.
			c, cerr := enterprise.CheckCharacter(s[:17])
			if cerr != nil || c != s[17] {
				t.Fatalf("%q accepted but its check character is %c (%v)", s, c, cerr)
			}
		}
	})
}

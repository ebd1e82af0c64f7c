package enterprise

import (
	"fmt"
	"strings"
)

// usccAlphabet is the character set of GB 32100-2015 in value order: digits,
// then upper-case letters without I, O, S, V and Z.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i-1) mod 31 for positions 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCCError says what is wrong with a unified social credit code.
type USCCError struct {
	Code     string
	Position int    // 1-based; 0 when the length is wrong
	Expected string // the check character the first 17 characters call for
	Reason   string
}

func (e *USCCError) Error() string { return e.Reason }

// ChecksumOnly reports whether the code is well formed and fails only its
// check character, the case of some early pilot codes an operator may accept.
func (e *USCCError) ChecksumOnly() bool { return e.Expected != "" }

// ValidateUSCC checks length, characters and the check character of code.
func ValidateUSCC(code string) error {
	if n := len([]rune(code)); n != 18 {
		return &USCCError{Code: code, Reason: fmt.Sprintf("统一社会信用代码应为18位，实际为%d位 (a USCC has 18 characters, got %d)", n, n)}
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return &USCCError{Code: code, Position: i + 1, Reason: fmt.Sprintf(
				"统一社会信用代码第%d位字符%q不合法 (character %q at position %d is not in %s)", i+1, code[i], code[i], i+1, usccAlphabet)}
		}
		if i < 17 {
			sum += v * usccWeights[i]
		}
	}
	want := usccAlphabet[(31-sum%31)%31]
	if code[17] != want {
		return &USCCError{Code: code, Position: 18, Expected: string(want), Reason: fmt.Sprintf(
			"统一社会信用代码校验位错误：应为%c，实际为%c (check character expected %c, got %c)", want, code[17], want, code[17])}
	}
	return nil
}

// CheckCharacter returns the check character for the first 17 characters of a
// code, for generators that build valid codes.
func CheckCharacter(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, fmt.Errorf("need 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, fmt.Errorf("character %q at position %d is not allowed", first17[i], i+1)
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

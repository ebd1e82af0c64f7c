package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
)

// OPA reports a syntax error where its parser gave up, which is often not
// where the author went wrong: a missing closing brace surfaces at the next
// rule's first line as "unexpected else keyword", a missing comma in a JSON
// file as an "invalid character" on the following line. Reading the source
// around the error finds the line the author has to change.

// hint is a reading of the source that places a problem better than OPA's
// message does. row is the line to change; opened, when set, the line whose
// bracket is left open; char and want a character to replace.
type hint struct {
	kind        hintKind
	row, opened int
	char, want  string
}

type hintKind int

const (
	missingBrace hintKind = iota + 1
	extraBrace
	missingComma
	trailingComma
	fullWidth
	unexpectedEnd
)

func (h *hint) text(lang Lang) string {
	t := hintTexts[h.kind]
	s := t[0]
	if lang == Chinese {
		s = t[1]
	}
	return strings.NewReplacer("{row}", strconv.Itoa(h.row), "{opened}", strconv.Itoa(h.opened),
		"{char}", h.char, "{want}", h.want).Replace(s)
}

var hintTexts = map[hintKind][2]string{
	missingBrace: {"a closing brace } is probably missing near line {row}: the { opened on line {opened} is never closed",
		"第{row}行附近缺少右花括号 }：第{opened}行的 { 没有闭合"},
	extraBrace: {"line {row} has one closing brace } too many (or an opening { is missing before it, e.g. after if)",
		"第{row}行多了一个右花括号 }（或者它前面缺少对应的左花括号 {，例如 if 之后）"},
	missingComma: {"a comma is probably missing at the end of line {row}: items of an object or array are separated by commas",
		"第{row}行末尾可能缺少逗号：对象或数组的各项之间要用逗号分隔"},
	trailingComma: {"line {row} ends with a comma after the last item, which JSON does not allow: delete it",
		"第{row}行末尾多了一个逗号：JSON 中最后一项之后不能有逗号，请删除它"},
	fullWidth: {"line {row} uses the Chinese punctuation “{char}”, which policies and data files do not understand: write {want} instead",
		"第{row}行使用了中文标点“{char}”，策略和数据文件只认英文标点：请改为 {want}"},
	unexpectedEnd: {"the file ends before every bracket is closed: a closing } or ] is missing (the last { or [ left open is on line {opened})",
		"文件在括号闭合之前就结束了：缺少右花括号 } 或右方括号 ]（最后一个没有闭合的括号在第{opened}行）"},
}

// fullWidthPunct maps punctuation typed with a Chinese input method to what
// Rego and JSON expect.
var fullWidthPunct = map[rune]string{
	'，': ",", '：': ":", '；': ";", '（': "(", '）': ")", '“': `"`, '”': `"`, '‘': "'", '’': "'",
	'【': "[", '】': "]", '｛': "{", '｝': "}", '。': ".", '＝': "=", '！': "!", '　': "a space",
}

// loadErrors turns what OPA's loader returns into located Errors, reading
// the source of each file that failed to parse for a better place.
func loadErrors(fsys fs.FS, err error) error {
	var list loader.Errors
	if !errors.As(err, &list) {
		var astErrs ast.Errors
		if errors.As(err, &astErrs) {
			list = loader.Errors{astErrs}
		} else {
			return fmt.Errorf("loading policies: %w", err)
		}
	}
	var out Errors
	for _, e := range list {
		var astErrs ast.Errors
		var astErr *ast.Error
		switch {
		case errors.As(e, &astErrs):
			out = append(out, fromASTErrors(astErrs)...)
		case errors.As(e, &astErr):
			out = append(out, fromASTErrors(ast.Errors{astErr})...)
		default:
			out = append(out, dataError(fsys, e))
		}
	}
	for i := range out {
		if out[i].Code == ast.ParseErr && out[i].File != "" {
			if src, err := fs.ReadFile(fsys, out[i].File); err == nil {
				out[i].setHint(regoHint(src, out[i]))
			}
		}
	}
	out.sort()
	return out
}

// setHint keeps what reading the source found, and moves the error to the
// line it names: that is the line to open in an editor.
func (e *Error) setHint(h *hint) {
	if h == nil {
		return
	}
	e.hint = h
	if h.row > 0 {
		e.Row, e.Col = h.row, 0
	}
}

// ParseErrors locates the errors of parsing one Rego file whose source is
// src, as the loader's are: for test files parsed on their own.
func ParseErrors(src []byte, err error) Errors {
	var astErrs ast.Errors
	if !errors.As(err, &astErrs) {
		return Errors{{Message: err.Error()}}
	}
	out := fromASTErrors(astErrs)
	for i := range out {
		if out[i].Code == ast.ParseErr {
			out[i].setHint(regoHint(src, out[i]))
		}
	}
	return out
}

// regoHint reads the Rego source around a parse error.
func regoHint(src []byte, e Error) *hint {
	lines := strings.Split(string(src), "\n")
	if e.Row < 1 || e.Row > len(lines)+1 {
		return nil
	}
	if h := fullWidthOn(lines, e.Row); h != nil {
		return h
	}
	sc := scanBrackets(src, e.Row)
	switch {
	case sc.extra > 0 && strings.HasPrefix(e.Message, "unexpected } token"):
		return &hint{kind: extraBrace, row: sc.extra}
	case strings.HasPrefix(e.Message, "unexpected eof token"):
		if o := sc.innermost('{'); o > 0 {
			return &hint{kind: missingBrace, row: lastCodeLine(lines, len(lines)+1), opened: o}
		}
	case strings.Contains(e.Message, "non-terminated object") || strings.Contains(e.Message, "non-terminated array") ||
		strings.Contains(e.Message, "non-terminated set"):
		// The item OPA stumbled on starts its line: the comma belongs at the
		// end of the line before.
		if line := lines[e.Row-1]; e.Col > 0 && e.Col <= len(line) && strings.TrimSpace(line[:e.Col-1]) == "" {
			return &hint{kind: missingComma, row: lastCodeLine(lines, e.Row)}
		}
	case strings.HasPrefix(e.Message, "unexpected "):
		// A rule that starts at the line's first column while a { of an
		// earlier line is still open: that brace was never closed.
		o := sc.innermost('{')
		line := lines[e.Row-1]
		if o > 0 && o < e.Row && (strings.TrimLeft(line, " \t") == line || keywordAt(e.Message)) {
			return &hint{kind: missingBrace, row: lastCodeLine(lines, e.Row), opened: o}
		}
	}
	return nil
}

// keywordAt reports whether OPA stumbled on a keyword that starts a rule or
// a clause (else, if, default, import, package).
func keywordAt(msg string) bool {
	for _, k := range []string{"else", "default", "import", "package"} {
		if strings.HasPrefix(msg, "unexpected "+k+" keyword") {
			return true
		}
	}
	return false
}

// fullWidthOn finds Chinese punctuation outside strings and comments on row.
func fullWidthOn(lines []string, row int) *hint {
	if row > len(lines) {
		return nil
	}
	inString := false
	line := lines[row-1]
	for i, r := range line {
		switch {
		case inString && r == '\\':
			continue
		case r == '"' && (i == 0 || line[i-1] != '\\'):
			inString = !inString
		case !inString && r == '#':
			return nil
		case !inString:
			if want, ok := fullWidthPunct[r]; ok {
				return &hint{kind: fullWidth, row: row, char: string(r), want: want}
			}
		}
	}
	return nil
}

// lastCodeLine is the last line before row that holds code, not a blank or
// a comment: where a missing closing brace or comma belongs.
func lastCodeLine(lines []string, row int) int {
	for r := row - 1; r >= 1; r-- {
		if r > len(lines) {
			continue
		}
		t := strings.TrimSpace(lines[r-1])
		if t != "" && !strings.HasPrefix(t, "#") {
			return r
		}
	}
	return row
}

// brackets is what scanning Rego up to a line found: the brackets still open
// when the line starts (with the line each was opened on), and the first
// line a closing brace had nothing to close, if any.
type brackets struct {
	open  []opening
	extra int
}

type opening struct {
	char rune
	row  int
}

func (b brackets) innermost(char rune) int {
	for i := len(b.open) - 1; i >= 0; i-- {
		if b.open[i].char == char {
			return b.open[i].row
		}
	}
	return 0
}

var closes = map[rune]rune{'}': '{', ']': '[', ')': '('}

// scanBrackets follows brackets through src, skipping strings, raw strings
// and comments: the stack as line stop starts, and the first unmatched
// closing brace on or before that line.
func scanBrackets(src []byte, stop int) brackets {
	var b brackets
	var stack []opening
	row := 1
	snapshot := func() { b.open = append([]opening(nil), stack...) }
	if stop == 1 {
		snapshot()
	}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		i += size
		switch r {
		case '\n':
			row++
			if row == stop {
				snapshot()
			}
			if row > stop {
				return b
			}
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case '"':
			for i < len(src) && src[i] != '"' && src[i] != '\n' {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case '`':
			for i < len(src) && src[i] != '`' {
				if src[i] == '\n' {
					row++
					if row == stop {
						snapshot()
					}
				}
				i++
			}
			i++
		case '{', '[', '(':
			stack = append(stack, opening{r, row})
		case '}', ']', ')':
			// A closer that does not match the innermost opener closes the
			// nearest one it matches (what is between lacks its closer); one
			// that matches nothing is one too many.
			k := len(stack) - 1
			for k >= 0 && stack[k].char != closes[r] {
				k--
			}
			switch {
			case k >= 0:
				stack = stack[:k]
			case r == '}' && b.extra == 0:
				b.extra = row
			}
		}
	}
	if row < stop {
		snapshot()
	}
	return b
}

var yamlLine = regexp.MustCompile(`yaml: line (\d+):`)

// dataError locates a data file's syntax error: OPA's loader gives the file
// and the byte offset (JSON) or line (YAML) only inside its message.
func dataError(fsys fs.FS, err error) Error {
	msg := err.Error()
	e := Error{Code: "data_syntax_error", Message: msg}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		e.File, e.Message = strings.TrimSuffix(msg, ": "+syn.Error()), syn.Error()
		if src, rerr := fs.ReadFile(fsys, e.File); rerr == nil {
			e.Row, e.Col = position(src, int(syn.Offset)-1)
			e.setHint(jsonHint(src, int(syn.Offset)-1, syn.Error()))
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.File, e.Message = strings.TrimSuffix(msg, ": "+io.ErrUnexpectedEOF.Error()), "unexpected end of JSON input"
		if src, rerr := fs.ReadFile(fsys, e.File); rerr == nil {
			e.Row, _ = position(src, len(bytes.TrimRight(src, " \t\r\n")))
			e.setHint(&hint{kind: unexpectedEnd, row: e.Row, opened: jsonInnermost(src)})
		}
	default:
		if file, rest, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(file, " \t") {
			e.File = file
			if m := yamlLine.FindStringSubmatch(rest); m != nil {
				e.Row, _ = strconv.Atoi(m[1])
			}
		}
	}
	return e
}

// position is the 1-based line and column of byte offset off in src.
func position(src []byte, off int) (row, col int) {
	off = max(0, min(off, len(src)))
	row = 1 + bytes.Count(src[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(src[:off], '\n')
	return row, col
}

// jsonHint reads a JSON file around the offset encoding/json stopped at.
func jsonHint(src []byte, off int, msg string) *hint {
	if off < 0 || off >= len(src) {
		return nil
	}
	if r, _ := utf8.DecodeRune(src[off:]); fullWidthPunct[r] != "" {
		row, _ := position(src, off)
		return &hint{kind: fullWidth, row: row, char: string(r), want: fullWidthPunct[r]}
	}
	// The last character of code before the offending one.
	prev := bytes.TrimRight(src[:off], " \t\r\n")
	if len(prev) == 0 {
		return nil
	}
	prevRow, _ := position(src, len(prev)-1)
	switch {
	case strings.Contains(msg, "looking for beginning of object key string") || strings.Contains(msg, "looking for beginning of value"):
		if prev[len(prev)-1] == ',' && (src[off] == '}' || src[off] == ']') {
			return &hint{kind: trailingComma, row: prevRow}
		}
	case strings.Contains(msg, "after object key:value pair") || strings.Contains(msg, "after array element"):
		if src[off] != ',' {
			return &hint{kind: missingComma, row: prevRow}
		}
	}
	return nil
}

// jsonInnermost is the line of the last bracket a JSON text leaves open.
func jsonInnermost(src []byte) int {
	var stack []int
	row, inString := 1, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\n':
			row++
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			stack = append(stack, row)
		case (c == '}' || c == ']') && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) == 0 {
		return row
	}
	return stack[len(stack)-1]
}

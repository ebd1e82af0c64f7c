package engine

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Policy staff read these messages, not Rego engineers: OPA says "var x is
// unsafe" or "unexpected else keyword" where they need to hear what is wrong
// in their words and what to do about it. Every problem keeps OPA's own
// message (Error.Message, for logs, the API and a web search) and is told to
// people through the table below, in English or Chinese.

// Lang is the language messages for people are written in.
type Lang string

const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// ParseLang reads a language name or a locale (en, zh, zh_CN.UTF-8, en-US).
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "zh"):
		return Chinese, true
	case strings.HasPrefix(s, "en"):
		return English, true
	}
	return "", false
}

// LangFromLocale is Chinese when the locale names it (LC_ALL, then
// LC_MESSAGES, then LANG, as POSIX orders them), English otherwise.
func LangFromLocale(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return Chinese
			}
			return English
		}
	}
	return English
}

// Explain renders err for a policy author in lang: each problem in a policy
// file as "file:line: what is wrong; what to do". Errors credpol did not
// produce itself (OPA's, straight from a library call) are located the same
// way; anything else is its own message.
func Explain(err error, lang Lang) string {
	if err == nil {
		return ""
	}
	var told interface{ Text(Lang) string }
	if errors.As(err, &told) {
		// Keep what wrapped the problem ("policies: …") in front of it.
		prefix := ""
		if inner, ok := told.(error); ok {
			prefix = strings.TrimSuffix(err.Error(), inner.Error())
		}
		return prefix + told.Text(lang)
	}
	var astErrs ast.Errors
	if errors.As(err, &astErrs) {
		return fromASTErrors(astErrs).Text(lang)
	}
	var te *topdown.Error
	if errors.As(err, &te) {
		return newError(te.Location, te.Message).Text(lang)
	}
	return err.Error()
}

// Text says what is wrong at the error's place and what to do, in lang.
func (e Error) Text(lang Lang) string {
	msg := e.explain(lang)
	if e.File == "" {
		return msg
	}
	return e.place() + ": " + msg
}

// Text renders every problem on its own line, in file and line order. After
// the first syntax error in a file OPA's parser is lost and what it says
// next is noise; only the first is kept.
func (es Errors) Text(lang Lang) string {
	lines := make([]string, 0, len(es))
	parsed := map[string]bool{}
	for _, e := range es {
		if e.Code == ast.ParseErr {
			if parsed[e.File] {
				continue
			}
			parsed[e.File] = true
		}
		lines = append(lines, e.Text(lang))
	}
	return strings.Join(lines, "\n")
}

// Text says which decision failed and why, in lang.
func (e *EvalError) Text(lang Lang) string {
	at := ""
	if e.Err.File != "" {
		at = e.Err.place() + ": "
	}
	if lang == Chinese {
		return fmt.Sprintf("%s%s 的 %s 策略出错：%s", at, e.Source, e.Decision, e.Err.explain(lang))
	}
	return fmt.Sprintf("%spolicy %s of %s failed: %s", at, e.Decision, e.Source, e.Err.explain(lang))
}

// Text says which decision ran out of time, in lang.
func (e *TimeoutError) Text(lang Lang) string {
	if lang == Chinese {
		return fmt.Sprintf("%s 的 %s 策略在 %s 内没有得出结果，已被中止：请检查是否有过大的循环（如 numbers.range）或对长列表的嵌套遍历",
			e.Source, e.Decision, e.Budget)
	}
	return fmt.Sprintf("%s (policy of %s) did not finish within the evaluation budget of %s and was stopped: look for a loop that grows too large (numbers.range, nested iteration over long lists)",
		e.Decision, e.Source, e.Budget)
}

// explain reads the error's message through the table, or gives OPA's own
// words when no entry knows them.
func (e Error) explain(lang Lang) string {
	if e.hint != nil {
		return e.hint.text(lang)
	}
	for _, r := range readings {
		m := r.pattern.FindStringSubmatch(e.Message)
		if m == nil {
			continue
		}
		vars := map[string]string{"row": strconv.Itoa(e.Row), "col": strconv.Itoa(e.Col)}
		for i, name := range r.pattern.SubexpNames() {
			if name != "" {
				vars[name] = m[i]
			}
		}
		if r.vars != nil && !r.vars(vars, e) {
			continue
		}
		if lang == Chinese {
			return expand(r.zh, vars)
		}
		return expand(r.en, vars)
	}
	return e.Message
}

// expand replaces {name} in template with vars[name].
func expand(template string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(template, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(template[i:], '}')
		if j < 0 {
			break
		}
		name := template[i+1 : i+j]
		v, ok := vars[name]
		if !ok {
			v = template[i : i+j+1] // a literal brace, such as "{…}"
		}
		b.WriteString(template[:i])
		b.WriteString(v)
		template = template[i+j+1:]
	}
	b.WriteString(template)
	return b.String()
}

// reading is one entry of the table: OPA's message as a pattern, and what it
// means in each language. Named groups and {row}/{col} fill the templates;
// vars may add values (and skip the entry by returning false).
type reading struct {
	pattern *regexp.Regexp
	vars    func(v map[string]string, e Error) bool
	en, zh  string
}

// readings are tried in order; the first match tells the problem.
var readings = []reading{
	// Built-ins a policy may not call: the compiler calls them undefined
	// because credpol's capabilities drop them.
	{pattern: regexp.MustCompile(`^(?:undefined function|built-in) (?P<fn>[\w.]+)(?: is not allowed in credpol policies: .*)?$`),
		vars: refusedVars,
		en:   "{fn} is not allowed: policies may not reach the network, the clock or random numbers{why_en}. Remove the call; {instead_en}",
		zh:   "不允许使用 {fn}：策略不得访问网络、时钟或随机数{why_zh}。请删除这个调用；{instead_zh}"},
	{pattern: regexp.MustCompile(`^undefined function (?P<fn>\S+)$`),
		vars: trimData("fn"),
		en:   "function {fn} does not exist: check its spelling, and that the package defining it is imported (import data.lib) and really defines it",
		zh:   "函数 {fn} 不存在：请检查拼写，并确认定义它的包已经导入（如 import data.lib）且确实定义了这个函数"},
	{pattern: regexp.MustCompile(`^(?P<ref>\S+): package (?P<pkg>\S+) has no rule (?P<name>\S+?)(?: \(did you mean "(?P<guess>[^"]+)"\?\))?$`),
		vars: guessVars,
		en:   "{ref}: package {pkg} has no rule {name}{guess_en}; a reference to a rule that does not exist is not an error to OPA, only never true: check the spelling",
		zh:   "{ref}：包 {pkg} 中没有规则 {name}{guess_zh}。引用不存在的规则 OPA 不会报错，只会让条件永远不成立、结果缺失：请检查拼写"},
	{pattern: regexp.MustCompile(`^undefined ref: (?P<ref>\S+)`),
		vars: trimData("ref"),
		en:   "{ref} does not exist: check the spelling of each part and the package it names",
		zh:   "{ref} 不存在：请检查每一段的拼写和所引用的包名"},
	{pattern: regexp.MustCompile(`^var (?P<var>\S+) is unsafe$`),
		en: "{var} never gets a value (an unsafe variable): it may be misspelt or undefined, or appear only after not or in a comparison. Assign it first with :=, or bind it with some … in …",
		zh: "变量 {var} 没有取值（unsafe）：它可能拼写错误、没有定义，或只出现在 not 之后或比较之中而从未被赋值。请先用 := 给它赋值，或用 some … in … 绑定"},
	{pattern: regexp.MustCompile(`^var (?P<var>\S+) assigned above$`),
		en: "{var} was already assigned with := above: use another name, or == if you meant to compare",
		zh: "变量 {var} 在前面已经用 := 赋过值：请换一个变量名；如果是想比较两个值，请用 =="},
	{pattern: regexp.MustCompile(`^variables must not shadow (?P<name>\S+)`),
		en: "a variable may not be called {name}, which Rego already uses: choose another name",
		zh: "变量名不能用 {name}（Rego 已占用这个名字）：请换一个名字"},
	{pattern: regexp.MustCompile(`^import (?P<imp>\S+) unused$`),
		en: "{imp} is imported but never used: delete this import",
		zh: "导入了 {imp} 但没有使用：请删除这一行 import"},
	{pattern: regexp.MustCompile(`^rule (?P<rule>\S+) is recursive: (?P<path>.+)$`),
		vars: trimData("rule", "path"),
		en:   "rule {rule} depends on itself ({path}); Rego does not allow this: compute one of these rules without the other",
		zh:   "规则 {rule} 直接或间接引用了自己（{path}），Rego 不允许递归：请改写其中一条规则，使它不依赖另一条"},
	{pattern: regexp.MustCompile(`^conflicting rules (?P<rule>\S+) found$`),
		vars: trimData("rule"),
		en:   "the definitions of {rule} have different forms (one :=, another contains or with arguments): rules of one name must all have the same form",
		zh:   "规则 {rule} 的几处定义写法不一致（例如一处用 :=，另一处用 contains 或带参数）：同名规则必须用同一种写法"},
	// Conflicts at evaluation: two rules held for the same input.
	{pattern: regexp.MustCompile(`(?s)^rule (?P<rule>\S+) produced conflicting values:\n(?P<values>.*)$`),
		vars: conflictVars,
		en:   "rule {rule} gave different values for the same input: {values_en}. Only one may hold: make their conditions exclude each other, or chain them with else",
		zh:   "规则 {rule} 对同一输入得出了不同的结果：{values_zh}。同一输入只能有一个结果：请给这些规则加上互斥的条件，或用 else 把它们串成先后顺序"},
	{pattern: regexp.MustCompile(`(?:complete rules|functions) must not produce multiple outputs`),
		en: "two rules of the same name gave different values for the same input: make their conditions exclude each other, or chain them with else",
		zh: "同名的几条规则对同一输入得出了不同的结果：请给这些规则加上互斥的条件，或用 else 把它们串成先后顺序"},
	{pattern: regexp.MustCompile(`^object keys must be unique$`),
		en: "one key of an object got two different values (rules o[k] := v): each key may have only one value",
		zh: "同一个对象键得出了两个不同的值（o[k] := v 形式的规则）：每个键只能有一个值，请给规则加上互斥的条件"},
	// Types. OPA's words, and the ones the input schema check (schema_errors.go) puts them in.
	{pattern: regexp.MustCompile(`^(?P<fn>[\w.]+): invalid argument\(s\)(?: \(have: (?P<have>.+?); want: (?P<want>.+)\))?$`),
		vars: argVars,
		en:   "the arguments of {fn} have the wrong type{detail_en}: check whether each value is a number, a string, an array or an object",
		zh:   "函数 {fn} 的参数类型不对{detail_zh}：请检查传给它的每个值是数字、字符串、数组还是对象"},
	{pattern: regexp.MustCompile(`^(?P<fn>[\w.]+): operand (?P<n>\d+) must be (?P<want>.+) but got (?P<got>\S+)$`),
		vars: operandVars,
		en:   "argument {n} of {fn} must be {want} but was {got}: check the value passed, or test it first with is_number, is_string …",
		zh:   "函数 {fn} 的第{n}个参数应为{want_zh}，实际是{got_zh}：请检查传入的值，必要时先用 is_number、is_string 等判断类型"},
	{pattern: regexp.MustCompile(`^match error$`),
		vars: argVars,
		en:   "the two sides can never be equal, their types differ{detail_en}: compare values of the same type",
		zh:   "两边的值类型不同{detail_zh}，永远不会相等：请比较同一类型的值（如数字与数字、字符串与字符串）"},
	{pattern: regexp.MustCompile(`^compares (?P<left>.+) with (?P<right>.+), which can never be equal$`),
		vars: wordsVars("left", "right"),
		en:   "compares {left} with {right}, which can never be equal: compare values of the same type",
		zh:   "拿{left_zh}和{right_zh}比较，两者永远不会相等：请比较同一类型的值（如数字与数字、字符串与字符串）"},
	{pattern: regexp.MustCompile(`^(?P<whole>\S+): (?P<name>\S+) is not a field of (?P<prefix>\S+?)(?: \(did you mean "(?P<guess>[^"]+)"\?\))?; its fields are (?P<known>.+?)\. The input policies receive is described in (?P<file>[^,]+)`),
		vars: guessVars,
		en:   "{whole}: {prefix} has no field {name}{guess_en}; its fields are {known}. The input policies receive is described in {file}",
		zh:   "{whole}：{prefix} 没有字段 {name}{guess_zh}；它的字段有 {known}。策略收到的输入见 {file}"},
	{pattern: regexp.MustCompile(`^(?P<whole>\S+): (?P<prefix>\S+) is (?P<have>.+?), which has no field (?P<name>\S+)$`),
		vars: wordsVars("have"),
		en:   "{whole}: {prefix} is {have}, which has no field {name}",
		zh:   "{whole}：{prefix} 是{have_zh}，没有字段 {name}"},
	{pattern: regexp.MustCompile(`^(?P<whole>\S+): (?P<prefix>\S+) is a list, whose items are numbered, not named`),
		en: "{whole}: {prefix} is a list, whose items are numbered, not named: read the field of each item (some x in {prefix})",
		zh: "{whole}：{prefix} 是列表，只能按序号取其中的项，不能按名字取：请逐项读取字段（some x in {prefix}）"},
	{pattern: regexp.MustCompile(`^(?P<whole>\S+): (?P<prefix>\S+) is always empty, so it has no field (?P<name>\S+)$`),
		en: "{whole}: {prefix} is always empty, so it has no field {name}",
		zh: "{whole}：{prefix} 总是空的，没有字段 {name}"},
	{pattern: regexp.MustCompile(`^to_number: strconv.ParseFloat: parsing "(?P<s>.*)": invalid syntax$`),
		en: "to_number cannot turn \"{s}\" into a number: check the value, or test it first with regex.match or is_number",
		zh: "函数 to_number 无法把 \"{s}\" 转换为数字：请检查这个值，必要时先判断它是否为数字"},
	{pattern: regexp.MustCompile(`^div: divide by zero$`),
		en: "division by zero: check that the divisor is not 0 before dividing",
		zh: "除数为零：请在相除之前先判断除数不为 0"},
	// Parse errors OPA states without a hint from the source.
	{pattern: regexp.MustCompile("^`if` keyword is required before rule body$"),
		en: "the rule body must follow if: Rego v1 writes decision := … if { … }",
		zh: "规则体前缺少 if：Rego v1 要求写成 decision := … if { … }"},
	{pattern: regexp.MustCompile("^`contains` keyword is required for partial set rules$"),
		en: "this line does not read as a rule: a set rule is written name contains value if { … }; if it should be the package line, check the spelling of package",
		zh: "这一行不像一条规则：集合规则应写成 名称 contains 值 if { … }；如果这一行本应是 package 声明，请检查 package 的拼写"},
	{pattern: regexp.MustCompile(`^package expected$`),
		en: "a policy file starts with its package line (package j350505.supervision): check the first line",
		zh: "策略文件必须以 package 声明开头（如 package j350505.supervision）：请检查第一行"},
	{pattern: regexp.MustCompile(`^non-terminated string$`),
		en: "the string on line {row} does not end: a closing double quote \" is missing",
		zh: "第{row}行的字符串没有结束：缺少右双引号 \""},
	{pattern: regexp.MustCompile(`non-terminated (?P<what>object|array|set)$`),
		vars: whatVars,
		en:   "the {what} around line {row} does not end: a comma between its items or its closing bracket is missing",
		zh:   "第{row}行附近的{what_zh}没有结束：各项之间缺少逗号，或缺少右括号"},
	{pattern: regexp.MustCompile(`^unexpected (?P<tok>.+?) token: expected "," or "(?P<close>[)\]}])"$`),
		en: "a {close} (or a comma) is missing before column {col} of line {row}",
		zh: "第{row}行第{col}列之前缺少 {close}（或逗号）"},
	{pattern: regexp.MustCompile(`^unexpected eof token`),
		en: "the file ends in the middle of a rule: a closing } or ) is missing",
		zh: "文件在一条规则的中间就结束了：缺少右花括号 } 或右圆括号 )"},
	{pattern: regexp.MustCompile(`^unexpected (?P<tok>.+?) (?:token|keyword)`),
		vars: tokenVars,
		en:   "{tok_en} is not expected at line {row}, column {col}: look for a missing comma, bracket or quote just before it, or a stray symbol",
		zh:   "第{row}行第{col}列出现了不该出现的{tok_zh}：请检查它前面是否缺少逗号、括号或引号，或多写了符号"},
	{pattern: regexp.MustCompile(`^illegal token$`),
		en: "line {row} has a character Rego does not know: check that quotes are paired and that no Chinese punctuation (，：（）“”) is used",
		zh: "第{row}行有 Rego 无法识别的字符：请检查引号是否成对，是否误用了中文标点（，：（）“”）"},
	// Data files.
	{pattern: regexp.MustCompile(`document must be of type object`),
		en: "a data file must hold one object {…} at its top",
		zh: "数据文件的最外层必须是一个对象 {…}"},
	{pattern: regexp.MustCompile(`merge error: conflicting values at (?P<at>\S+?)(?:, also defined in (?P<other>\S+)|, data from multiple files must not overlap)`),
		en: "{at} is defined in more than one data file: keep each key in one file",
		zh: "数据 {at} 在多个数据文件中都有定义：同一个键只能写在一个文件里"},
	{pattern: regexp.MustCompile(`yaml: line (?P<line>\d+): (?P<what>.+)$`),
		en: "the YAML is malformed near line {line} ({what}): check indentation, the space after each colon, and brackets",
		zh: "第{line}行附近的 YAML 格式有误（{what}）：请检查缩进、冒号后的空格和括号是否成对"},
	{pattern: regexp.MustCompile(`^(?P<what>invalid character .*|unexpected end of JSON input)$`),
		en: "the JSON is malformed at line {row}, column {col} ({what}): check quotes, commas and brackets",
		zh: "第{row}行第{col}列 JSON 格式有误（{what}）：请检查引号、逗号和括号"},
	// Any other built-in that failed on its input.
	{pattern: regexp.MustCompile(`^(?P<fn>[a-z][\w]*(?:\.[\w]+)*): (?P<what>.+)$`),
		vars: builtinVars,
		en:   "built-in {fn} failed on the value it was given ({what}): check that value",
		zh:   "函数 {fn} 无法处理传给它的值（{what}）：请检查这个值"},
	// credpol's own findings.
	{pattern: regexp.MustCompile(`^the corpus check did not finish within (?P<limit>\S+) \((?P<n>\d+) evaluations done\)`),
		en: "the corpus check did not finish within {limit} ({n} evaluations done): a tree this slow cannot serve; look for rules that loop over long lists or large ranges",
		zh: "语料检查没有在 {limit} 内完成（已求值 {n} 次）：这样慢的策略树无法上线，请检查对长列表或大范围的循环"},
	{pattern: regexp.MustCompile(`^decision is undefined for this input`),
		en: "decision gave no answer for this input (no rule's conditions held): add a rule that always answers (default decision := …, or else := …), or return lib.refusal(…) saying why it cannot decide",
		zh: "对这个输入，decision 没有得出任何结果（所有规则的条件都不成立）：请补一条兜底规则（default decision := … 或 else := …），或用 lib.refusal(…) 返回不能决定的原因"},
	{pattern: regexp.MustCompile(`^decision must be an object$`),
		en: "decision must be an object {…} with its fields and reasons",
		zh: "decision 的结果必须是一个对象 {…}，包含各字段和 reasons"},
	{pattern: regexp.MustCompile(`^(?P<d>\S+) \(policy of (?P<s>\S+)\) did not finish within the evaluation budget of (?P<b>\S+)$`),
		en: "{d} (policy of {s}) did not finish within {b} and was stopped: look for a loop that grows too large (numbers.range, nested iteration over long lists)",
		zh: "{s} 的 {d} 策略在 {b} 内没有得出结果，已被中止：请检查是否有过大的循环（如 numbers.range）或对长列表的嵌套遍历"},
	{pattern: regexp.MustCompile(`^(?P<d>\S+) did not answer an empty enterprise within the evaluation budget of (?P<b>\S+)$`),
		en: "{d} did not answer an enterprise without facts within {b}: look for a loop that grows too large (numbers.range, nested iteration over long lists)",
		zh: "{d} 对一个没有任何事实的企业在 {b} 内没有得出结果：请检查是否有过大的循环（如 numbers.range）或对长列表的嵌套遍历"},
}

// refusedReasons says in Chinese why each refused built-in is refused
// (capabilities.go gives the English).
var refusedReasons = map[string]string{
	"policies read the decision date from input.as_of, never the clock":  "策略只能从 input.as_of 读取决定日期，不得读取时钟",
	"it returns a random value":                                          "它返回随机值",
	"it reads the clock to check expiry":                                 "它读取时钟来检查有效期",
	"it reads the clock to check validity":                               "它读取时钟来检查有效期",
	"policies may not reach the network, the runtime or a random source": "策略不得访问网络、运行环境或随机数",
}

func refusedVars(v map[string]string, _ Error) bool {
	why := refusalReason(v["fn"])
	if why == "" {
		return false
	}
	v["why_en"], v["why_zh"] = "", ""
	if _, named := refusedBuiltins[v["fn"]]; named {
		v["why_en"], v["why_zh"] = " ("+why+")", "（"+cmp.Or(refusedReasons[why], why)+"）"
	}
	v["instead_en"], v["instead_zh"] = "every fact a decision needs comes in its input", "决定所需的事实都应通过输入（input）提供"
	if strings.HasPrefix(v["fn"], "time.") {
		v["instead_en"], v["instead_zh"] = "a policy reads the decision date from input.as_of", "决定日期请读取 input.as_of"
	}
	return true
}

// trimData drops the "data." OPA puts in front of every rule path: staff
// write lib.params, not data.lib.params.
func trimData(names ...string) func(map[string]string, Error) bool {
	return func(v map[string]string, _ Error) bool {
		for _, n := range names {
			v[n] = strings.ReplaceAll(v[n], "data.", "")
		}
		return true
	}
}

// conflictVars lists each conflicting value with its line, from OPA's
// "  <value> at <file>:<row>" lines.
func conflictVars(v map[string]string, _ Error) bool {
	v["rule"] = strings.TrimPrefix(v["rule"], "data.")
	at := regexp.MustCompile(`^\s*(.*) at (\S+):(\d+)$`)
	var vals, rows []string
	for _, line := range strings.Split(v["values"], "\n") {
		if m := at.FindStringSubmatch(line); m != nil {
			vals, rows = append(vals, m[1]), append(rows, m[3])
		}
	}
	vals = differences(vals)
	var en, zh []string
	for i := range vals {
		en = append(en, fmt.Sprintf("%s (line %s)", vals[i], rows[i]))
		zh = append(zh, fmt.Sprintf("第%s行得出 %s", rows[i], vals[i]))
	}
	v["values_en"], v["values_zh"] = strings.Join(en, " and "), strings.Join(zh, "，")
	return true
}

// differences shows objects that conflict by the members where they differ
// (a decision's reasons are rarely what tells two rules apart), each value
// cut short; anything else is shown whole, cut short. OPA cuts long values
// itself ("...") and the members it cut are left out of the comparison.
func differences(vals []string) []string {
	out := make([]string, len(vals))
	objs := make([]map[string]json.RawMessage, len(vals))
	whole := make([]bool, len(vals))
	for i, v := range vals {
		out[i] = shorten(v, 80)
		objs[i], whole[i] = members(v)
	}
	for _, o := range objs {
		if o == nil || len(vals) < 2 {
			return out
		}
	}
	differ := map[string]bool{}
	for _, a := range objs {
		for j, b := range objs {
			for k, x := range a {
				if y, ok := b[k]; (ok && !jsonEqual(x, y)) || (!ok && whole[j]) {
					differ[k] = true
				}
			}
		}
	}
	for i, o := range objs {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(o)) {
			if differ[k] {
				parts = append(parts, fmt.Sprintf("%q: %s", k, shorten(string(o[k]), 40)))
			}
		}
		if len(parts) < len(o) || !whole[i] {
			parts = append(parts, "…")
		}
		out[i] = "{" + strings.Join(parts, ", ") + "}"
	}
	return out
}

// members reads the members of a JSON object, as many as are whole when
// OPA cut the text short; nil when s is not an object.
func members(s string) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		k, isKey := tok.(string)
		if err != nil || !isKey {
			return m, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return m, false
		}
		m[k] = raw
	}
	_, err := dec.Token()
	return m, err == nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// argVars gives the types OPA found and wanted, from the error's details.
func argVars(v map[string]string, e Error) bool {
	v["detail_en"], v["detail_zh"] = "", ""
	have, want := v["have"], v["want"]
	var left, right string
	for _, d := range e.Details {
		k, val, ok := strings.Cut(d, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "have":
			have = cmp.Or(have, strings.TrimSpace(val))
		case "want":
			want = cmp.Or(want, strings.TrimSpace(val))
		case "left":
			left = strings.TrimSpace(val)
		case "right":
			right = strings.TrimSpace(val)
		}
	}
	switch {
	case have != "" && want != "":
		v["detail_en"] = fmt.Sprintf(" (given %s, expected %s)", have, want)
		v["detail_zh"] = fmt.Sprintf("（实际为 %s，应为 %s）", have, want)
	case left != "" && right != "":
		v["detail_en"] = fmt.Sprintf(" (%s and %s)", left, right)
		v["detail_zh"] = fmt.Sprintf("（左边是%s，右边是%s）", typeZh(left), typeZh(right))
	}
	return true
}

// builtinVars holds only for the name of one of OPA's built-ins.
func builtinVars(v map[string]string, _ Error) bool {
	return ast.BuiltinMap[v["fn"]] != nil
}

// wordsVars translates type phrases ("a number", "a list") of the named values.
func wordsVars(names ...string) func(map[string]string, Error) bool {
	return func(v map[string]string, _ Error) bool {
		for _, n := range names {
			v[n+"_zh"] = wordsZh(v[n])
		}
		return true
	}
}

var typeWords = map[string]string{
	"a string": "字符串", "a number": "数字", "true or false": "布尔值（true/false）", "null": "null（空值）",
	"a list": "列表", "an object": "对象", "a set": "集合",
}

func wordsZh(s string) string {
	if zh, ok := typeWords[s]; ok {
		return zh
	}
	return s
}

func guessVars(v map[string]string, _ Error) bool {
	v["guess_en"], v["guess_zh"] = "", ""
	if g := v["guess"]; g != "" {
		v["guess_en"] = fmt.Sprintf(" (did you mean %q?)", g)
		v["guess_zh"] = fmt.Sprintf("（是不是想写 %q？）", g)
	}
	return true
}

func operandVars(v map[string]string, _ Error) bool {
	v["want_zh"], v["got_zh"] = typeZh(v["want"]), typeZh(v["got"])
	return true
}

func whatVars(v map[string]string, _ Error) bool {
	v["what_zh"] = map[string]string{"object": "对象 {…}", "array": "数组 […]", "set": "集合 {…}"}[v["what"]]
	return true
}

// typeNames are OPA's type names in Chinese.
var typeNames = map[string]string{
	"number": "数字", "string": "字符串", "boolean": "布尔值（true/false）", "null": "null（空值）",
	"array": "数组", "object": "对象", "set": "集合", "any": "任意值", "var": "变量",
}

// typeZh translates a type name, or each name of "one of {array, set}".
func typeZh(t string) string {
	if zh, ok := typeNames[t]; ok {
		return zh
	}
	if inner, ok := strings.CutPrefix(t, "one of {"); ok {
		var parts []string
		for _, p := range strings.Split(strings.TrimSuffix(inner, "}"), ",") {
			parts = append(parts, typeZh(strings.TrimSpace(p)))
		}
		return strings.Join(parts, "或")
	}
	return t
}

// tokens are OPA's token names as an author sees them.
var tokens = map[string][2]string{
	"eq":     {"=", "="},
	"assign": {":=", ":="},
	"ident":  {"a name", "名称"},
	"string": {"a string", "字符串"},
	"number": {"a number", "数字"},
	"eof":    {"the end of the file", "文件结尾"},
}

func tokenVars(v map[string]string, _ Error) bool {
	tok := v["tok"]
	if t, ok := tokens[tok]; ok {
		v["tok_en"], v["tok_zh"] = t[0], t[1]
		return true
	}
	switch tok {
	case "if", "else", "default", "import", "package", "contains", "some", "every", "not", "with", "as", "in":
		v["tok_en"], v["tok_zh"] = "the keyword "+tok, "关键字 "+tok
	default:
		v["tok_en"], v["tok_zh"] = "“"+tok+"”", "“"+tok+"”"
	}
	return true
}

// shorten cuts s to at most n characters, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

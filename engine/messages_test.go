package engine_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credpol/credpol/engine"
	"github.com/credpol/credpol/engine/enginetest"
)

// Every translation is checked against what OPA really says about a really
// broken file: the messages of OPA's parser, compiler and evaluator are the
// input, and the test fails if OPA changes its words under us.

// shippedWith is the shipped tree with files added or replaced, so only
// the broken file can be wrong.
func shippedWith(_ *testing.T, files map[string]string) fstest.MapFS {
	return enginetest.Shipped(files)
}

type messageCase struct {
	name   string
	file   string // the broken file
	src    string
	en, zh []string // each must appear in the message
}

func checkTexts(t *testing.T, c messageCase, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", c.name)
	}
	t.Logf("%s:\n  %s\n  %s", c.name, engine.Explain(err, engine.English), engine.Explain(err, engine.Chinese))
	for lang, want := range map[engine.Lang][]string{engine.English: c.en, engine.Chinese: c.zh} {
		got := engine.Explain(err, lang)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s (%s): %q is not in\n%s\n(OPA said: %v)", c.name, lang, w, got, err)
			}
		}
	}
}

// Parse and data errors come from reading the tree, before anything compiles.
func TestSyntaxErrorsPointAtTheLineToChange(t *testing.T) {
	for _, c := range []messageCase{
		{name: "missing brace before else", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} if {\n\tinput.a == 1\n\tinput.b == 1\n\nelse := {\"a\": 2}\n",
			en:  []string{"j100000/x.rego:5: a closing brace } is probably missing near line 5: the { opened on line 3 is never closed"},
			zh:  []string{"j100000/x.rego:5: 第5行附近缺少右花括号 }：第3行的 { 没有闭合"}},
		{name: "missing brace before the next rule", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} if {\n\tinput.a == 1\n\n# the other case\ndecision := {\"a\": 2} if {\n\tinput.a == 2\n}\n",
			en:  []string{"x.rego:4:", "near line 4"},
			zh:  []string{"j100000/x.rego:4: 第4行附近缺少右花括号 }：第3行的 { 没有闭合"}},
		{name: "missing brace at the end", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} if {\n\tinput.a == 1\n",
			zh:  []string{"j100000/x.rego:4: 第4行附近缺少右花括号 }：第3行的 { 没有闭合"}},
		{name: "extra brace", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} if {\n\tinput.a == 1\n}\n}\n",
			en:  []string{"j100000/x.rego:6: line 6 has one closing brace } too many"},
			zh:  []string{"j100000/x.rego:6: 第6行多了一个右花括号 }"}},
		{name: "unexpected token", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} if {\n\tinput.a == = 1\n}\n",
			en:  []string{"j100000/x.rego:4: = is not expected at line 4, column 13"},
			zh:  []string{"j100000/x.rego:4: 第4行第13列出现了不该出现的=：请检查它前面是否缺少逗号、括号或引号"}},
		{name: "missing comma in an object", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\n\t\"a\": 1\n\t\"b\": 2,\n}\n",
			en:  []string{"j100000/x.rego:4: a comma is probably missing at the end of line 4"},
			zh:  []string{"j100000/x.rego:4: 第4行末尾可能缺少逗号"}},
		{name: "missing parenthesis", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": count([1]}\n",
			zh:  []string{"j100000/x.rego:3: 第3行第28列之前缺少 )（或逗号）"}},
		{name: "Chinese colon", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\"： 1}\n",
			en:  []string{"line 3 uses the Chinese punctuation “：”", "write : instead"},
			zh:  []string{"j100000/x.rego:3: 第3行使用了中文标点“：”，策略和数据文件只认英文标点：请改为 :"}},
		{name: "string without its closing quote", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": \"abc}\n",
			zh:  []string{"j100000/x.rego:3: 第3行的字符串没有结束：缺少右双引号"}},
		{name: "rule body without if", file: "j100000/x.rego",
			src: "package j100000.x\n\ndecision := {\"a\": 1} {\n\tinput.a\n}\n",
			zh:  []string{"j100000/x.rego:3: 规则体前缺少 if"}},
		{name: "misspelt package", file: "j100000/x.rego",
			src: "packge j100000.x\n\ndecision := {\"a\": 1}\n",
			zh:  []string{"j100000/x.rego:1: 策略文件必须以 package 声明开头"}},
		{name: "JSON trailing comma", file: "params/100000/data.json",
			src: "{\n  \"a\": 1,\n  \"b\": 2,\n}\n",
			en:  []string{"params/100000/data.json:3: line 3 ends with a comma after the last item"},
			zh:  []string{"params/100000/data.json:3: 第3行末尾多了一个逗号：JSON 中最后一项之后不能有逗号"}},
		{name: "JSON missing comma", file: "params/100000/data.json",
			src: "{\n  \"a\": 1\n  \"b\": 2\n}\n",
			zh:  []string{"params/100000/data.json:2: 第2行末尾可能缺少逗号"}},
		{name: "JSON Chinese comma", file: "params/100000/data.json",
			src: "{\n  \"a\": 1，\n  \"b\": 2\n}\n",
			zh:  []string{"params/100000/data.json:2: 第2行使用了中文标点“，”", "请改为 ,"}},
		{name: "JSON cut short", file: "params/100000/data.json",
			src: "{\n  \"a\": {\n    \"b\": 2\n  }\n",
			zh:  []string{"params/100000/data.json:4: 文件在括号闭合之前就结束了", "第1行"}},
		{name: "JSON other syntax", file: "params/100000/data.json",
			src: "{\n  \"a\": tru\n}\n",
			zh:  []string{"params/100000/data.json:2: 第2行第", "JSON 格式有误"}},
		{name: "YAML", file: "params/100000/data.yaml",
			src: "a: [1\nb: 2\n",
			zh:  []string{"params/100000/data.yaml:1: 第1行附近的 YAML 格式有误"}},
	} {
		_, _, err := engine.ReadModules(fstest.MapFS{c.file: {Data: []byte(c.src)}}, engine.IsPolicyFile)
		checkTexts(t, c, err)
	}
}

// Compile errors: the tree parses, the compiler refuses it.
func TestCompileErrorsAreToldInPlainWords(t *testing.T) {
	const file = "lib/zz_messages.rego"
	for _, c := range []messageCase{
		{name: "http.send in a rule's value",
			src: "package lib.zz_messages\n\nanswer := {\"a\": http.send({\"method\": \"get\", \"url\": \"http://x\"})}\n",
			en:  []string{file + ":3: http.send is not allowed: policies may not reach the network, the clock or random numbers"},
			zh:  []string{file + ":3: 不允许使用 http.send：策略不得访问网络、时钟或随机数"}},
		{name: "the clock",
			src: "package lib.zz_messages\n\nanswer if {\n\ttime.now_ns() > 0\n}\n",
			zh:  []string{file + ":4: 不允许使用 time.now_ns：策略不得访问网络、时钟或随机数（策略只能从 input.as_of 读取决定日期，不得读取时钟）"}},
		{name: "undefined function",
			src: "package lib.zz_messages\n\nimport data.lib\n\nanswer := lib.no_such_helper(1)\n",
			en:  []string{file + ":5: function lib.no_such_helper does not exist"},
			zh:  []string{file + ":5: 函数 lib.no_such_helper 不存在：请检查拼写"}},
		{name: "undefined rule",
			src: "package lib.zz_messages\n\nimport data.lib.grade\n\nanswer := grade.no_such_rule\n",
			en:  []string{file + ":5: grade.no_such_rule: package lib.grade has no rule no_such_rule; a reference to a rule that does not exist is not an error to OPA"},
			zh:  []string{file + ":5: grade.no_such_rule：包 lib.grade 中没有规则 no_such_rule。引用不存在的规则 OPA 不会报错"}},
		{name: "misspelt rule",
			src: "package lib.zz_messages\n\nimport data.lib.grade\n\nanswer := grade.bnad\n",
			zh:  []string{file + ":5: grade.bnad：包 lib.grade 中没有规则 bnad（是不是想写 \"band\"？）"}},
		{name: "misspelt import",
			src: "package lib.zz_messages\n\nimport data.lib.grades\n\nanswer := grades.band\n",
			en:  []string{file + ":3: lib.grades: package lib has no rule grades (did you mean \"grade\"?)"}},
		{name: "misspelt fact",
			src: "package lib.zz_messages\n\nanswer := count(input.enterprise.penaltys)\n",
			en:  []string{file + ":3:", `"penaltys"`, `did you mean "penalties"?`},
			zh:  []string{file + ":3: input.enterprise.penaltys：input.enterprise 没有字段 \"penaltys\"（是不是想写 \"penalties\"？）；它的字段有 "}},
		{name: "unsafe variable",
			src: "package lib.zz_messages\n\nanswer := x if {\n\tx > 1\n}\n",
			en:  []string{file + ":4: x never gets a value (an unsafe variable)"},
			zh:  []string{file + ":4: 变量 x 没有取值（unsafe）"}},
		{name: "type error",
			src: "package lib.zz_messages\n\nanswer := \"a\" + 1\n",
			en:  []string{file + ":3: the arguments of plus have the wrong type (given (string, number"},
			zh:  []string{file + ":3: 函数 plus 的参数类型不对（实际为 (string, number", "应为 (x: number, y: number"}},
		{name: "comparison of two types",
			src: "package lib.zz_messages\n\nanswer if {\n\tx := 1\n\tx == \"a\"\n}\n",
			en:  []string{file + ":5:", "can never be equal", "compare values of the same type"},
			zh:  []string{file + ":5:", "永远不会相等：请比较同一类型的值"}},
		{name: "unused import",
			src: "package lib.zz_messages\n\nimport data.lib.dates\n\nanswer := 1\n",
			zh:  []string{file + ":3: 导入了 data.lib.dates 但没有使用：请删除这一行 import"}},
		{name: "assigned twice",
			src: "package lib.zz_messages\n\nanswer := x if {\n\tx := 1\n\tx := 2\n}\n",
			zh:  []string{file + ":5: 变量 x 在前面已经用 := 赋过值"}},
		{name: "rules of one name in two forms",
			src: "package lib.zz_messages\n\nanswer := 1\n\nanswer[x] := 2 if x := \"b\"\n",
			zh:  []string{file + ":3: 规则 lib.zz_messages.answer", "的几处定义写法不一致"}},
	} {
		c.file = file
		_, err := engine.Compile(context.Background(), shippedWith(t, map[string]string{file: c.src}), engine.Options{Strict: true})
		checkTexts(t, c, err)
	}
}

// Runtime errors: the tree compiles, one input breaks it.
func TestEvaluationErrorsAreToldInPlainWords(t *testing.T) {
	const file = "j440500/registration_change.rego"
	shantou := []string{"440500", "440000", "100000"}
	doc := map[string]any{"as_of": "2026-11-21", "decision": "registration_change",
		"jurisdiction": map[string]any{"code": "440500", "chain": []any{"440500", "440000", "100000"}},
		"enterprise":   map[string]any{}, "context": map[string]any{"application": map[string]any{"kind": "filing"}}}
	for _, c := range []messageCase{
		{name: "two rules hold",
			src: "package j440500.registration_change\n\ndecision := {\"accept\": true, \"reasons\": []}\n\ndecision := {\"accept\": false, \"reasons\": []} if {\n\tinput.context.application.kind == \"filing\"\n}\n",
			en: []string{file + ":5: policy registration_change of 440500 failed: rule j440500.registration_change.decision gave different values for the same input",
				`{"accept": true, …} (line 3) and {"accept": false, …} (line 5)`},
			zh: []string{file + ":5: 440500 的 registration_change 策略出错：规则 j440500.registration_change.decision 对同一输入得出了不同的结果：第3行得出 {\"accept\": true, …}，第5行得出 {\"accept\": false, …}",
				"请给这些规则加上互斥的条件，或用 else 把它们串成先后顺序"}},
		{name: "two rules hold, one value too long for OPA to show whole",
			src: "package j440500.registration_change\n\nimport data.j100000.registration_change as national\n\ndecision := national.decision\n\ndecision := {\"accept\": false, \"blocking\": [], \"reasons\": []} if {\n\tinput.context.application.kind == \"filing\"\n}\n",
			en:  []string{file + `:7: policy registration_change of 440500 failed: rule j440500.registration_change.decision gave different values for the same input: {"accept": true, "kind": "filing", …} (line 5) and {"accept": false, …} (line 7)`},
			zh:  []string{file + `:7: 440500 的 registration_change 策略出错：规则 j440500.registration_change.decision 对同一输入得出了不同的结果：第5行得出 {"accept": true, "kind": "filing", …}，第7行得出 {"accept": false, …}`}},
		{name: "no rule holds",
			src: "package j440500.registration_change\n\ndecision := {\"accept\": true, \"reasons\": []} if {\n\tinput.context.application.kind == \"change\"\n}\n",
			zh:  []string{file + ": 440500 的 registration_change 策略出错：对这个输入，decision 没有得出任何结果"}},
		{name: "a built-in given the wrong type",
			src: "package j440500.registration_change\n\ndecision := {\"accept\": true, \"reasons\": [sprintf(\"%s\", object.get(input, \"context\", 1))]}\n",
			zh:  []string{file + ":3: 440500 的 registration_change 策略出错：函数 sprintf 的第2个参数应为数组，实际是对象"}},
		{name: "division by zero",
			src: "package j440500.registration_change\n\ndecision := {\"accept\": true, \"reasons\": [], \"n\": 1 / count(input.enterprise)}\n",
			zh:  []string{file + ":3: 440500 的 registration_change 策略出错：除数为零"}},
	} {
		c.file = file
		ps, err := engine.Compile(context.Background(), shippedWith(t, map[string]string{file: c.src}), engine.Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, err = ps.Evaluate(context.Background(), "registration_change", shantou, doc)
		checkTexts(t, c, err)
	}
}

func TestLanguageFromTheLocale(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want engine.Lang
	}{
		{map[string]string{}, engine.English},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, engine.Chinese},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, engine.Chinese},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, engine.English},
	} {
		if got := engine.LangFromLocale(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
	for in, want := range map[string]engine.Lang{"zh": engine.Chinese, "zh_CN.UTF-8": engine.Chinese, "en": engine.English, "EN-us": engine.English} {
		if got, ok := engine.ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %s, %v", in, got, ok)
		}
	}
	if _, ok := engine.ParseLang("fr"); ok {
		t.Error("fr is taken as a known language")
	}
}

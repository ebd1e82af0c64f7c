package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"time"

	"github.com/credpol/credpol/admin"
	"github.com/credpol/credpol/internal/audit"
	"github.com/credpol/credpol/internal/decisionlog"
)

// reportData is what the report shows.
type reportData struct {
	Record    decisionlog.Record
	Replay    Replay
	Published []admin.Revision
	Audit     []audit.Entry
	Chain     Chain
	Files     int
	Created   time.Time
}

var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(shanghai).Format("2006-01-02 15:04:05") + "（北京时间）"
	},
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"text": func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		b, _ := json.Marshal(v)
		return string(b)
	},
	"reason": func(r any) map[string]any {
		m, _ := r.(map[string]any)
		return m
	},
	"or": func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	},
}).Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>决策证据材料 {{.Record.ID}}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; border-bottom: 1px solid #999; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #aaa; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #eee; width: 12em; } pre { white-space: pre-wrap; font-size: .85em; background: #f6f6f6; padding: .5em; }
.ok { color: #060; } .bad { color: #a00; font-weight: bold; }
@media print { body { margin: 1cm; } pre { background: none; } }
</style>
</head>
<body>
<h1>企业信用监管决策证据材料</h1>
<p>本材料由信用监管策略服务 credpol 于 {{when .Created}} 生成，供行政复议、审计核查使用。材料内各文件的 SHA-256 摘要列于 manifest.json，并经服务器 Ed25519 密钥签名（manifest.sig），可用 <code>credpol evidence verify</code> 离线核验。</p>

<h2>一、决策记录</h2>
<table>
<tr><th>决策编号</th><td>{{.Record.ID}}</td></tr>
<tr><th>决策事项</th><td>{{.Record.Decision}}</td></tr>
<tr><th>所涉辖区</th><td>{{.Record.Jurisdiction}}（由 {{.Record.Source}} 级策略作出）</td></tr>
<tr><th>企业</th><td>{{or .Record.EnterpriseID "（请求中直接提供事实，未引用库内企业）"}}</td></tr>
<tr><th>决策基准日</th><td>{{.Record.AsOf}}</td></tr>
<tr><th>记录时间</th><td>{{when .Record.Time}}</td></tr>
<tr><th>调用方</th><td>{{.Record.Caller}}</td></tr>
<tr><th>请求编号</th><td>{{or .Record.RequestID "—"}}</td></tr>
<tr><th>策略版本</th><td>{{.Record.Revision}}</td></tr>
</table>

<h2>二、决策结果</h2>
<table>
{{range $k, $v := .Record.Result}}<tr><th>{{$k}}</th><td>{{text $v}}</td></tr>
{{end}}</table>

<h2>三、理由及法律依据</h2>
<table>
<tr><th>理由</th><td><b>说明与依据</b></td></tr>
{{range .Record.Reasons}}{{$r := reason .}}<tr><th>{{text (index $r "code")}}</th><td>{{text (index $r "message")}}{{with index $r "basis"}}<br><small>依据：{{text .}}</small>{{end}}</td></tr>
{{end}}</table>

<h2>四、策略版本的发布记录</h2>
{{if .Published}}<table>
<tr><th>版本号</th><td><b>类别 · 起草人 · 审核人 · 发布人 · 发布时间 · 生效时间 · 说明</b></td></tr>
{{range .Published}}<tr><th>{{.Number}}</th><td>{{.Kind}} · {{or .Author "—"}} · {{or .ReviewedBy "—"}} · {{or .PublishedBy "—"}} · {{when .CreatedAt}} · {{when .EffectiveAt}} · {{.Message}}</td></tr>
{{end}}</table>{{else}}<p>该策略版本未经发布流程编号（例如随程序内置或以目录方式加载）。策略全部文件见 policies/ 目录（{{.Files}} 个文件）。</p>{{end}}
<p>作出决策时所用策略的全部文件共 {{.Files}} 个，见本材料 policies/ 目录。</p>
{{if .Audit}}<p>审计日志中与该版本有关的记录（起草、检查、审核、发布）：</p>
<table>
<tr><th>序号</th><td><b>时间 · 操作人 · 操作 · 对象</b></td></tr>
{{range .Audit}}<tr><th>{{.Seq}}</th><td>{{when .At}} · {{.Actor}} · {{.Action}} · {{.Object}}</td></tr>
{{end}}</table>{{end}}

<h2>五、重新求值</h2>
{{if .Replay.Error}}<p class="bad">以该策略版本重新求值未能完成：{{.Replay.Error}}</p>
{{else if .Replay.Same}}<p class="ok">以作出决策时的策略版本、按记录的输入重新求值，结果与理由与记录一致。</p>
{{else}}<p class="bad">以作出决策时的策略版本重新求值，结果或理由与记录不一致，见 replay.json。</p>{{end}}

<h2>六、决策日志完整性</h2>
{{if .Chain.Batch}}<p class="{{if .Chain.EntryIntact}}ok{{else}}bad{{end}}">本条记录的内容摘要 {{.Chain.EntryHash}} {{if .Chain.EntryIntact}}与写入时的摘要一致{{else}}与写入时的摘要（{{.Chain.StoredHash}}）不一致{{end}}；写入批次 {{.Chain.Batch.Seq}}，批次摘要 {{.Chain.Batch.Hash}}，前一批次摘要 {{or .Chain.Batch.Prev "（首个批次）"}}。整条日志可用 <code>credpol decision-log verify</code> 核验。</p>
{{else}}<p>{{.Chain.Note}}</p>{{end}}

<h2>附：输入事实</h2>
<pre>{{json .Record.Input}}</pre>
</body>
</html>
`))

func renderReport(d reportData) ([]byte, error) {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("the report: %w", err)
	}
	return buf.Bytes(), nil
}

// 信用监管策略管理台: the router, the header and the pages.

import { api, say, ApiError } from "./api.js";
import { h, when } from "./dom.js";
import { Editor, langOf } from "./editor.js";
import { sideBySide, valueChanges } from "./diff.js";

const main = document.getElementById("main");
const flashEl = document.getElementById("flash");
let me = null; // the logged-in user
let juris = null; // code → jurisdiction
let catalogue = null; // name → decision

const roleNames = { viewer: "查看", editor: "起草", reviewer: "审核", publisher: "发布", auditor: "审计", admin: "管理员" };
const stateNames = { open: "编辑中", submitted: "待审核", approved: "已批准", changes_requested: "退回修改", published: "已发布", abandoned: "已放弃" };
const gateNames = { pending: "检查中", running: "检查中", passed: "检查通过", failed: "检查未通过" };
const checkNames = { compile: "编译（受限能力、严格模式、模式校验）", tests: "回归测试与决策用例", corpus: "语料检查（冲突、未定义、运行错误）" };
const kindNames = { initial: "初始", publish: "发布", rollback: "回滚" };

function flash(msg, bad = false) {
  flashEl.textContent = msg;
  flashEl.className = bad ? "flash bad" : "flash";
  flashEl.hidden = !msg;
}

function badge(text, cls = "") { return h("span", { class: "badge " + cls }, text); }
function stateBadge(s) { return badge(stateNames[s] || s, s === "approved" || s === "published" ? "ok" : s === "changes_requested" ? "bad" : ""); }
function gateBadge(s) { return badge(gateNames[s] || s || "未检查", s === "passed" ? "ok" : s === "failed" ? "bad" : "warn"); }
function jname(code) { return juris && juris[code] ? `${juris[code].name}（${code}）` : code; }
function dname(name) { return catalogue && catalogue[name] && catalogue[name].title ? `${catalogue[name].title}` : name; }

// within reports whether code lies in the subtree of root.
function within(code, root) {
  for (let c = code; c; c = juris[c] && juris[c].parent) if (c === root) return true;
  return false;
}
function covers(user, code) { return user.jurisdictions.some((r) => within(code, r)); }
function has(role) { return me.roles.includes(role) || me.roles.includes("admin"); }

// editable reports whether the user may change path in a draft of draftJ,
// as the server decides it (README "Policy lifecycle"): files of
// jurisdictions inside both subtrees; everything else needs national scope.
function editable(path, draftJ) {
  if (!has("editor")) return false;
  const m = path.match(/^(?:policies\/j|policies\/params\/|testpolicies\/j)(\d{6})\//);
  if (!m) return covers(me, "100000") && draftJ === "100000";
  return within(m[1], draftJ) && covers(me, m[1]);
}

async function loadReference() {
  if (!juris) {
    const js = await api("GET", "/v1/jurisdictions");
    juris = Object.fromEntries(js.jurisdictions.map((j) => [j.code, j]));
  }
  if (!catalogue) {
    const ds = await api("GET", "/v1/decisions");
    catalogue = Object.fromEntries(ds.decisions.map((d) => [d.name, d]));
  }
}

function showWho() {
  document.getElementById("who-name").textContent = me.name;
  document.getElementById("who-roles").textContent = "角色：" + me.roles.map((r) => roleNames[r] || r).join("、");
  document.getElementById("who-scope").textContent = "辖区：" + me.jurisdictions.map(jname).join("、");
  document.getElementById("who").hidden = false;
  document.getElementById("nav").hidden = false;
  document.getElementById("nav-audit").hidden = !has("auditor");
}

function hideWho() {
  document.getElementById("who").hidden = true;
  document.getElementById("nav").hidden = true;
}

// ---- login ----

function loginPage() {
  hideWho();
  const name = h("input", { name: "name", autocomplete: "username", required: true, id: "login-name" });
  const pw = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, id: "login-password" });
  const form = h("form", { class: "panel", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const r = await api("POST", "/admin/v1/session", { body: { name: name.value, password: pw.value } });
      me = r.user;
      flash("");
      await start();
    } catch (err) { flash(say(err), true); }
  } },
  h("h1", {}, "登录"),
  h("label", {}, "用户名", name), h("label", {}, "密码", pw),
  h("button", { type: "submit", id: "login-submit" }, "登录"));
  main.replaceChildren(h("div", { class: "login" }, form));
  name.focus();
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api("DELETE", "/admin/v1/session"); } catch (err) { /* already ended */ }
  me = null;
  location.hash = "#/tree";
  flash("已退出登录");
  loginPage();
});

// ---- 辖区树 ----

async function treePage(code) {
  const kids = {};
  for (const j of Object.values(juris)) (kids[j.parent || ""] ||= []).push(j);
  const branch = (parent) => {
    const list = (kids[parent] || []).sort((a, b) => a.code.localeCompare(b.code));
    if (!list.length) return null;
    return h("ul", {}, list.map((j) => h("li", {},
      h("button", { type: "button", class: j.code === code ? "sel" : "", "data-code": j.code,
        onclick: () => { location.hash = "#/tree/" + j.code; } }, j.name, h("span", { class: "lvl" }, j.code)),
      branch(j.code))));
  };
  const detail = h("div", { class: "panel" }, h("p", { class: "muted" }, "选择左侧的辖区，查看每项决策由哪一级规定。"));
  main.replaceChildren(h("h1", {}, "辖区树"), h("div", { class: "split" }, h("div", { class: "panel tree" }, branch("")), detail));
  if (!code) return;
  try {
    const p = await api("GET", `/v1/jurisdictions/${encodeURIComponent(code)}/policies`);
    const chain = p.chain.map(jname).join(" → ");
    detail.replaceChildren(
      h("h2", {}, jname(code)),
      h("p", { class: "muted" }, "继承链：", chain),
      h("table", { id: "providers" }, h("thead", {}, h("tr", {}, h("th", {}, "决策"), h("th", {}, "由哪一级决定"), h("th", {}, "来源"))),
        h("tbody", {}, p.decisions.map((d) => h("tr", { "data-decision": d.decision },
          h("td", {}, dname(d.decision), h("div", { class: "muted" }, d.decision)),
          h("td", {}, !d.configured ? badge("未配置", "warn") : d.source === code ? badge("本级规定", "ok") : badge("继承")),
          h("td", {}, d.configured ? jname(d.source) : "—"))))));
  } catch (err) { detail.replaceChildren(h("p", { class: "err" }, say(err))); }
}

// ---- 策略编辑: drafts ----

async function draftsPage() {
  const { drafts } = await api("GET", "/admin/v1/drafts");
  const options = Object.values(juris).filter((j) => covers(me, j.code)).sort((a, b) => a.code.localeCompare(b.code));
  const jSel = h("select", { id: "new-jurisdiction", "aria-label": "辖区" }, options.map((j) => h("option", { value: j.code }, `${j.name}（${j.code}）`)));
  const title = h("input", { id: "new-title", placeholder: "例如：HLJ-2 B级下限调整为800分", size: 40, required: true });
  const create = has("editor") ? h("form", { class: "panel inline", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const d = await api("POST", "/admin/v1/drafts", { body: { jurisdiction: jSel.value, title: title.value } });
      location.hash = `#/draft/${d.id}/files`;
    } catch (err) { flash(say(err), true); }
  } }, h("label", {}, "辖区", jSel), h("label", {}, "草稿标题", title), h("button", { type: "submit", id: "new-draft" }, "新建草稿")) : null;
  const open = drafts.filter((d) => d.state !== "abandoned");
  main.replaceChildren(h("h1", {}, "策略编辑"), create,
    h("table", { id: "drafts" }, h("thead", {}, h("tr", {}, ["标题", "辖区", "起草人", "状态", "基于版本", "更新时间"].map((t) => h("th", {}, t)))),
      h("tbody", {}, open.length ? open.map((d) => h("tr", { class: "click", tabindex: 0, "data-id": d.id,
        onclick: () => { location.hash = `#/draft/${d.id}/files`; },
        onkeydown: (e) => { if (e.key === "Enter") location.hash = `#/draft/${d.id}/files`; } },
      h("td", {}, d.title), h("td", {}, jname(d.jurisdiction)), h("td", {}, d.author), h("td", {}, stateBadge(d.state)),
      h("td", {}, "#" + d.base), h("td", {}, when(d.updated_at)))) : h("tr", {}, h("td", { colspan: 6, class: "muted" }, "暂无草稿")))));
}

const tabs = [["files", "文件"], ["params", "参数表单"], ["gate", "测试结果"], ["impact", "影响分析"], ["review", "审核与发布"]];

async function draftPage(id, tab, rest) {
  const d = await api("GET", `/admin/v1/drafts/${id}`);
  const st = await api("GET", `/admin/v1/drafts/${id}/status`);
  const head = h("div", { class: "panel" },
    h("h1", {}, d.title, " ", stateBadge(d.state), " ", h("span", { id: "gate-state" }, gateBadge(st.gate.state))),
    h("div", { class: "muted" }, `辖区 ${jname(d.jurisdiction)} · 起草人 ${d.author} · 基于版本 #${d.base} · 内容 ${d.hash.slice(0, 12)} · 更新于 ${when(d.updated_at)}`),
    d.changes && d.changes.length ? h("div", { class: "muted" }, "改动的文件：", d.changes.map((c) => c.path).join("、"), " ",
      h("a", { href: `#/diff?draft=${d.id}`, id: "draft-diff" }, "查看与线上版本的差异")) : null);
  const nav = h("div", { class: "tabs", role: "tablist" }, tabs.map(([k, label]) =>
    h("a", { href: `#/draft/${id}/${k}`, class: k === tab ? "on" : "", role: "tab", "aria-selected": String(k === tab) }, label)));
  const body = h("div", {});
  main.replaceChildren(head, nav, body);
  const pages = { files: filesTab, params: paramsTab, gate: gateTab, impact: impactTab, review: reviewTab };
  await (pages[tab] || filesTab)(d, body, rest);
}

// repoPath is a problem's file by repository path: the gate names the
// regression suite's files under policies/.
function repoPath(file) {
  return file && file.startsWith("policies/testpolicies/") ? file.slice("policies/".length) : file;
}

// waitGate polls the draft's status until the gate has a verdict on hash.
async function waitGate(id, hash, onState) {
  for (let i = 0; i < 600; i++) {
    const st = await api("GET", `/admin/v1/drafts/${id}/status`);
    if (onState) onState(st.gate.state);
    if (st.hash === hash && (st.gate.state === "passed" || st.gate.state === "failed")) return st;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("检查超时");
}

function setGateBadge(state) {
  const el = document.getElementById("gate-state");
  if (el) el.replaceChildren(gateBadge(state));
}

async function filesTab(d, body, path) {
  const { files, hash } = await api("GET", `/admin/v1/drafts/${d.id}/files`);
  const paths = Object.keys(files).sort();
  path = path || paths.find((p) => p === `policies/params/${d.jurisdiction}/data.json`) || paths[0];
  const list = h("div", { class: "panel files", id: "file-list" });
  let dir = "";
  for (const p of paths) {
    const pd = p.slice(0, p.lastIndexOf("/") + 1);
    if (pd !== dir) { list.append(h("div", { class: "dir" }, pd)); dir = pd; }
    const ro = !editable(p, d.jurisdiction) || d.state === "published" || d.state === "abandoned";
    list.append(h("a", { href: `#/draft/${d.id}/files/${p}`, class: (p === path ? "sel " : "") + (ro ? "ro" : ""), "data-path": p,
      title: ro ? "只读：不在您的辖区权限内" : "可编辑" }, p.slice(pd.length), ro ? h("span", { class: "ro-mark" }, "只读") : null));
  }
  const ro = !editable(path, d.jurisdiction) || d.state === "published" || d.state === "abandoned";
  const ed = new Editor({ text: files[path] ?? "", lang: langOf(path), readOnly: ro, label: path });
  const problems = h("ul", { class: "problems", id: "problems" });
  const status = h("span", { class: "muted", id: "save-status" });
  const save = h("button", { type: "button", id: "save", disabled: ro, onclick: async () => {
    save.disabled = true;
    status.textContent = "正在保存…";
    try {
      const nd = await api("PUT", `/admin/v1/drafts/${d.id}/files/${path}`, { text: ed.value, headers: { "If-Match": `"${d.hash}"` } });
      d.hash = nd.hash;
      status.textContent = "已保存，正在检查…";
      const st = await waitGate(d.id, nd.hash, setGateBadge);
      showProblems(st);
      status.textContent = st.gate.state === "passed" ? "已保存，检查通过" : "已保存，检查未通过";
      status.className = st.gate.state === "passed" ? "ok" : "err";
    } catch (err) { status.textContent = say(err); status.className = "err"; }
    save.disabled = false;
  } }, "保存并检查");
  const showProblems = (st) => {
    const all = [];
    for (const c of (st.gate.report && st.gate.report.checks) || []) for (const p of c.problems || []) all.push({ ...p, file: repoPath(p.file), check: c.name });
    const mine = all.filter((p) => p.file === path);
    ed.setProblems(mine);
    problems.replaceChildren(...all.filter((p) => p.file === path || (!p.file && !/^not run/.test(p.message))).map((p) =>
      h("li", {}, p.line && p.file === path ? h("button", { type: "button", onclick: () => ed.goto(p.line) }, `第 ${p.line} 行`) : (p.file ? `${p.file}${p.line ? ":" + p.line : ""}` : checkNames[p.check] || p.check),
        "：", p.test ? `${p.test} ` : "", p.message)));
    const others = all.filter((p) => p.file && p.file !== path);
    if (others.length) problems.append(h("li", {}, `其他文件另有 ${others.length} 个问题：`, others.map((p) => `${p.file}:${p.line || ""}`).join("、")));
  };
  body.replaceChildren(h("div", { class: "split" }, list,
    h("div", {}, h("div", { class: "toolbar" }, h("strong", { id: "file-path" }, path), ro ? badge("只读", "warn") : badge("可编辑", "ok"), save, status),
      ed.el, problems)));
  const st = await api("GET", `/admin/v1/drafts/${d.id}/status`);
  if (st.hash === hash && st.gate.report) showProblems(st);
}

// paramsTab: the jurisdiction's parameter file as a form of its numbers.
async function paramsTab(d, body) {
  const path = `policies/params/${d.jurisdiction}/data.json`;
  let text;
  try { text = await api("GET", `/admin/v1/drafts/${d.id}/files/${path}`); } catch (err) {
    body.replaceChildren(h("p", { class: "muted" }, `本辖区没有参数文件（${path}）。`)); return;
  }
  const data = JSON.parse(text);
  const ro = !editable(path, d.jurisdiction) || d.state === "published";
  const sections = h("div", {});
  // Numbers are shown under their section; an array element is named by
  // its grade, class, name or code, so a band reads "B 级 · 下限".
  const label = (obj, i) => obj && typeof obj === "object" ? (obj.grade ? `${obj.grade} 级` : obj.class || obj.name || obj.code || `#${i + 1}`) : `#${i + 1}`;
  const fieldNames = { min: "下限", max: "上限", total: "满分", months: "月数", days: "天数", years: "年数",
    bands: "分档", indicators: "分项满分", basic_situation: "基本情况", operating_status: "经营状况",
    social_responsibility: "社会责任", ratios: "比例", items: "条目", trigger: "触发条件", at_least: "至少次数",
    honest: "守信", max_penalties: "处罚次数上限", within_years: "年限" };
  for (const [section, v] of Object.entries(data)) {
    const inputs = [];
    const walk = (node, trail, set) => {
      if (typeof node === "number") {
        const id = "p-" + [section, ...trail.map((t) => t.key)].join("-").replace(/[^A-Za-z0-9_-]/g, "_");
        const inp = h("input", { type: "number", step: "any", id, value: node, disabled: ro, "data-path": [section, ...trail.map((t) => t.key)].join(".") });
        inp.addEventListener("input", () => { if (inp.value !== "" && !isNaN(Number(inp.value))) set(Number(inp.value)); });
        inputs.push(h("label", { for: id }, trail.map((t) => t.label).join(" · "), inp));
        return;
      }
      if (Array.isArray(node)) node.forEach((x, i) => walk(x, [...trail, { key: String(i), label: label(x, i) }], (val) => { node[i] = val; }));
      else if (node && typeof node === "object") for (const [k, x] of Object.entries(node)) walk(x, [...trail, { key: k, label: fieldNames[k] || k }], (val) => { node[k] = val; });
    };
    walk(v, [], () => {});
    if (inputs.length) sections.append(h("div", { class: "panel" }, h("h2", {}, dname(section), " ", h("span", { class: "muted" }, section)), h("div", { class: "params" }, inputs)));
  }
  const status = h("span", { class: "muted", id: "params-status" });
  const save = h("button", { type: "button", id: "params-save", disabled: ro, onclick: async () => {
    save.disabled = true;
    status.className = "muted";
    status.textContent = "正在保存…";
    try {
      const nd = await api("PUT", `/admin/v1/drafts/${d.id}/files/${path}`, { text: JSON.stringify(data, null, 2) + "\n", headers: { "If-Match": `"${d.hash}"` } });
      d.hash = nd.hash;
      status.textContent = "已保存，正在检查…";
      const st = await waitGate(d.id, nd.hash, setGateBadge);
      status.textContent = st.gate.state === "passed" ? "已保存，检查通过" : "已保存，检查未通过：请查看“测试结果”";
      status.className = st.gate.state === "passed" ? "ok" : "err";
    } catch (err) { status.textContent = say(err); status.className = "err"; }
    save.disabled = ro;
  } }, "保存参数");
  body.replaceChildren(h("div", { class: "toolbar" }, h("strong", {}, path), ro ? badge("只读", "warn") : null, save, status), sections);
}

async function gateTab(d, body) {
  const st = await api("GET", `/admin/v1/drafts/${d.id}/status`);
  const g = st.gate;
  const rows = ((g.report && g.report.checks) || []).map((c) => h("tr", { "data-check": c.name },
    h("td", {}, checkNames[c.name] || c.name), h("td", {}, c.passed ? badge("通过", "ok") : badge("未通过", "bad")),
    h("td", {}, c.ran ?? ""), h("td", {}, c.elapsed_ns ? (c.elapsed_ns / 1e6).toFixed(0) + " 毫秒" : ""),
    h("td", {}, (c.problems || []).length ? h("ul", { class: "problems" }, c.problems.map((p) => h("li", {},
      p.file ? `${repoPath(p.file)}${p.line ? ":" + p.line : ""} ` : "", p.test ? `【${p.test}】` : "", p.message,
      p.values ? h("pre", { class: "json" }, JSON.stringify(p.values, null, 2)) : null))) : "")));
  body.replaceChildren(h("div", { class: "panel" },
    h("p", {}, "检查状态：", gateBadge(g.state), g.finished_at ? `，完成于 ${when(g.finished_at)}` : ""),
    rows.length ? h("table", { id: "gate" }, h("thead", {}, h("tr", {}, ["检查", "结果", "运行数", "用时", "问题"].map((t) => h("th", {}, t)))), h("tbody", {}, rows))
      : h("p", { class: "muted" }, "尚无检查结果。")));
  if (g.state === "pending" || g.state === "running") setTimeout(() => { if (location.hash.startsWith(`#/draft/${d.id}/gate`)) route(); }, 1000);
}

async function impactTab(d, body) {
  const out = h("div", { id: "impact" });
  const start = h("button", { type: "button", id: "impact-start", disabled: !(has("editor") || has("reviewer") || has("publisher")), onclick: async () => {
    try {
      const run = await api("POST", "/admin/v1/impact-runs", { body: { draft: d.id } });
      follow(run.id);
    } catch (err) { out.replaceChildren(h("p", { class: "err" }, say(err))); }
  } }, "开始影响分析");
  body.replaceChildren(h("div", { class: "toolbar" }, start, h("span", { class: "muted" }, "用草稿的当前内容与线上版本比较已存储企业的决策结果。")), out);
  const follow = async (runID) => {
    for (;;) {
      let run;
      try { run = await api("GET", `/admin/v1/impact-runs/${runID}`); } catch (err) { out.replaceChildren(h("p", { class: "err" }, say(err))); return; }
      if (!location.hash.startsWith(`#/draft/${d.id}/impact`)) return;
      showRun(run);
      if (["done", "failed", "cancelled"].includes(run.status)) return;
      await new Promise((r) => setTimeout(r, 700));
    }
  };
  const showRun = (run) => {
    const p = run.progress;
    const statusNames = { queued: "排队中", running: "运行中", done: "已完成", failed: "失败", cancelled: "已取消" };
    const parts = [h("div", { class: "panel" },
      h("p", {}, "状态：", badge(statusNames[run.status] || run.status, run.status === "done" ? "ok" : run.status === "failed" ? "bad" : "warn"),
        ` 进度 ${p.chunks_done}/${p.chunks_total || "?"} 块 · 已评估 ${p.evaluated} · 结果变化 ${p.changed} · 新出错 ${p.newly_erroring}`),
      h("progress", { max: p.chunks_total || 1, value: p.chunks_done, "aria-label": "进度" }),
      run.error ? h("p", { class: "err" }, run.error) : null,
      h("p", {}, h("a", { href: run.links.changes, id: "impact-csv", download: "changes.csv" }, "下载变化明细 CSV")))];
    for (const dr of (run.report && run.report.decisions) || []) {
      if (!dr.transitions || !dr.transitions.length) continue;
      parts.push(h("div", { class: "panel" }, h("h2", {}, dname(dr.decision), h("span", { class: "muted" }, ` ${dr.decision} · 评估 ${dr.evaluated}，变化 ${dr.changed}`)),
        h("table", { class: "transitions", "data-decision": dr.decision }, h("thead", {}, h("tr", {}, ["原结果", "新结果", "企业数", "分布辖区", "示例企业"].map((t) => h("th", {}, t)))),
          h("tbody", {}, dr.transitions.map((t) => h("tr", { "data-from": t.from, "data-to": t.to, "data-count": t.count },
            h("td", {}, t.from), h("td", {}, t.to), h("td", {}, String(t.count)),
            h("td", {}, Object.entries(t.jurisdictions || {}).map(([c, n]) => `${jname(c)} ${n}`).join("、")),
            h("td", {}, (t.examples || []).slice(0, 3).map((e) => e.enterprise_id || e.uscc || "").join("、"))))))));
    }
    if (run.status === "done" && parts.length === 1) parts.push(h("p", { class: "muted" }, "没有结果发生变化。"));
    out.replaceChildren(...parts);
  };
  try {
    const last = await api("GET", `/admin/v1/drafts/${d.id}/impact`);
    showRun(last);
    if (!["done", "failed", "cancelled"].includes(last.status)) follow(last.id);
  } catch (err) {
    out.replaceChildren(h("p", { class: "muted" }, err instanceof ApiError && err.code === "impact_not_run" ? "当前内容尚未进行影响分析。" : say(err)));
  }
}

async function reviewTab(d, body) {
  const { reviews, impact } = await api("GET", `/admin/v1/drafts/${d.id}/reviews`);
  const msg = h("p", { id: "review-msg", role: "status" });
  const act = async (what, fn) => {
    msg.className = "muted";
    msg.textContent = "正在处理…";
    try { await fn(); await route(); flash(what + "成功"); } catch (err) { msg.textContent = ""; msg.className = "muted"; flash(what + "未成功：" + say(err), true); }
  };
  const comment = h("textarea", { id: "review-comment", rows: 3, cols: 60, "aria-label": "审核意见" });
  const at = h("input", { id: "publish-at", type: "datetime-local", "aria-label": "生效时间（北京时间）" });
  body.replaceChildren(msg,
    h("div", { class: "panel" }, h("h2", {}, "提交审核"),
      h("p", { class: "muted" }, "检查通过后由起草人提交，再由另一位审核人审核。"),
      h("button", { type: "button", id: "submit", disabled: !has("editor") || d.state !== "open" && d.state !== "changes_requested",
        onclick: () => act("提交", () => api("POST", `/admin/v1/drafts/${d.id}/submit`, { body: { hash: d.hash } })) }, "提交审核")),
    h("div", { class: "panel" }, h("h2", {}, "审核"),
      impact ? h("p", {}, `影响分析：评估 ${impact.progress ? impact.progress.evaluated : ""}，变化 ${impact.progress ? impact.progress.changed : ""}`) : h("p", { class: "muted" }, "当前内容尚无影响分析。"),
      h("label", {}, "审核意见", comment),
      h("div", { class: "toolbar" },
        h("button", { type: "button", id: "approve", disabled: !has("reviewer"),
          onclick: () => act("批准", () => api("POST", `/admin/v1/drafts/${d.id}/reviews`, { body: { hash: d.hash, verdict: "approved", comment: comment.value } })) }, "批准"),
        h("button", { type: "button", class: "plain", id: "reject", disabled: !has("reviewer"),
          onclick: () => act("退回", () => api("POST", `/admin/v1/drafts/${d.id}/reviews`, { body: { hash: d.hash, verdict: "changes_requested", comment: comment.value } })) }, "退回修改")),
      reviews.length ? h("table", { id: "reviews" }, h("thead", {}, h("tr", {}, ["审核人", "结论", "意见", "时间"].map((t) => h("th", {}, t)))),
        h("tbody", {}, reviews.map((r) => h("tr", {}, h("td", {}, r.reviewer), h("td", {}, r.verdict === "approved" ? badge("批准", "ok") : badge("退回修改", "bad")),
          h("td", {}, r.comment || ""), h("td", {}, when(r.at)))))) : null),
    h("div", { class: "panel" }, h("h2", {}, "发布"),
      h("div", { class: "toolbar" },
        h("button", { type: "button", id: "publish", disabled: !has("publisher"),
          onclick: () => act("发布", () => api("POST", `/admin/v1/drafts/${d.id}/publish`, { body: {} })) }, "立即发布"),
        h("label", {}, "或定时生效（北京时间）", at),
        h("button", { type: "button", class: "plain", id: "publish-later", disabled: !has("publisher"),
          onclick: () => act("定时发布", () => api("POST", `/admin/v1/drafts/${d.id}/publish`, { body: { effective_at: at.value.replace("T", " ") } })) }, "定时发布"))));
}

// ---- 版本历史 ----

async function revisionsPage() {
  const { revisions, live } = await api("GET", "/admin/v1/revisions");
  const msg = h("p", { id: "rollback-msg", role: "status" });
  const reason = h("input", { id: "rollback-reason", size: 40, placeholder: "回滚原因（必填）", "aria-label": "回滚原因" });
  const rows = revisions.slice().reverse().map((r) => h("tr", { "data-number": r.number },
    h("td", {}, "#" + r.number, r.number === live ? [" ", badge("线上", "ok")] : ""), h("td", {}, kindNames[r.kind] || r.kind),
    h("td", {}, r.message || ""), h("td", {}, r.author || ""), h("td", {}, r.reviewed_by || ""), h("td", {}, r.published_by || ""),
    h("td", {}, when(r.effective_at), r.cancelled_at ? [" ", badge("已取消", "bad")] : ""),
    h("td", {}, r.number > 1 ? h("a", { href: `#/diff?from=${r.number - 1}&to=${r.number}` }, "与上一版本比较") : ""),
    h("td", {}, r.number !== live && has("publisher") && !r.cancelled_at ? h("button", { type: "button", class: "plain", "data-rollback": r.number, onclick: async () => {
      if (!reason.value.trim()) { msg.textContent = "请先填写回滚原因"; msg.className = "err"; reason.focus(); return; }
      try {
        const nr = await api("POST", "/admin/v1/rollback", { body: { to: r.number, reason: reason.value } });
        flash(`已回滚：版本 #${nr.number} 恢复了版本 #${r.number} 的内容`);
        await route();
      } catch (err) { msg.textContent = say(err); msg.className = "err"; }
    } }, "回滚到此版本") : "")));
  main.replaceChildren(h("h1", {}, "版本历史"),
    has("publisher") ? h("div", { class: "panel inline" }, h("label", {}, "回滚原因", reason), msg) : null,
    h("table", { id: "revisions" }, h("thead", {}, h("tr", {}, ["版本", "类型", "说明", "起草人", "审核人", "发布人", "生效时间", "差异", ""].map((t) => h("th", {}, t)))), h("tbody", {}, rows)));
}

// ---- 决策查询 ----

function mainResult(e) {
  const r = e.result || {};
  for (const k of ["grade", "class", "level", "outcome", "accept", "decision"]) if (k in r) return `${k}: ${r[k]}`;
  return JSON.stringify(r).slice(0, 60);
}

async function logPage(params) {
  const q = new URLSearchParams(params || "");
  const uscc = h("input", { id: "q-enterprise", value: q.get("enterprise") || "", placeholder: "统一社会信用代码", size: 22 });
  const dec = h("select", { id: "q-decision" }, h("option", { value: "" }, "全部决策"),
    Object.values(catalogue).map((d) => h("option", { value: d.name, selected: q.get("decision") === d.name }, `${d.title || d.name}`)));
  const from = h("input", { id: "q-from", type: "date", value: q.get("from") || "" });
  const to = h("input", { id: "q-to", type: "date", value: q.get("to") || "" });
  const detail = h("div", { id: "entry" });
  const results = h("div", {});
  main.replaceChildren(h("h1", {}, "决策查询"),
    h("form", { class: "panel inline", onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      if (uscc.value.trim()) p.set("enterprise", uscc.value.trim());
      if (dec.value) p.set("decision", dec.value);
      if (from.value) p.set("from", from.value);
      if (to.value) p.set("to", to.value);
      location.hash = "#/log?" + p.toString();
    } }, h("label", {}, "企业（统一社会信用代码）", uscc), h("label", {}, "决策", dec), h("label", {}, "自", from), h("label", {}, "至", to),
    h("button", { type: "submit", id: "q-search" }, "查询")),
    h("div", { class: "grid2" }, results, detail));
  if (!params) return;
  q.set("limit", "50");
  try {
    const { entries } = await api("GET", "/v1/decision-log?" + q.toString());
    results.replaceChildren(h("table", { id: "log" }, h("thead", {}, h("tr", {}, ["时间", "企业", "决策", "结果", "版本"].map((t) => h("th", {}, t)))),
      h("tbody", {}, entries.length ? entries.map((e) => h("tr", { class: "click", tabindex: 0, "data-id": e.decision_id, onclick: () => showEntry(e.decision_id, detail) },
        h("td", {}, when(e.time)), h("td", {}, e.enterprise_id || "—"), h("td", {}, dname(e.decision)), h("td", { class: "result" }, mainResult(e)),
        h("td", {}, e.revision ? e.revision.slice(0, 8) : ""))) : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "没有符合条件的决策记录")))));
  } catch (err) { results.replaceChildren(h("p", { class: "err" }, say(err))); }
}

async function showEntry(id, el) {
  try {
    const e = await api("GET", `/v1/decision-log/${id}`);
    el.replaceChildren(h("div", { class: "panel" }, h("h2", {}, `${dname(e.decision)} · ${e.enterprise_id || ""}`),
      h("p", { class: "muted" }, `${when(e.time)} · 辖区 ${jname(e.jurisdiction)} · 由 ${jname(e.source || "")} 规定 · 评价日 ${e.as_of} · 版本 ${e.revision} · 调用方 ${e.caller}`),
      h("h2", {}, "结果"), h("pre", { class: "json", id: "entry-result" }, JSON.stringify(e.result, null, 2)),
      h("h2", {}, "理由"), h("ol", { class: "reasons" }, (e.reasons || []).map((r) => h("li", {}, r.message, r.basis ? h("div", { class: "muted" }, "依据：", r.basis) : null)))));
  } catch (err) { el.replaceChildren(h("p", { class: "err" }, say(err))); }
}

// ---- 审计日志 ----

const actionNames = {
  login: "登录", "login.failed": "登录失败", logout: "退出登录",
  "draft.create": "新建草稿", "draft.edit": "修改草稿", "draft.rebase": "同步草稿", "draft.abandon": "放弃草稿",
  "gate.passed": "检查通过", "gate.failed": "检查未通过",
  "draft.submit": "提交审核", "draft.approve": "批准", "draft.request_changes": "退回修改",
  "revision.publish": "发布", "revision.schedule": "定时发布", "revision.cancel": "取消定时发布", "revision.rollback": "回滚",
  "impact.start": "开始影响分析", "impact.cancel": "取消影响分析",
  "user.create": "创建用户", "user.update": "修改用户角色或辖区", "user.disable": "停用用户",
  "token.create": "创建令牌", "token.rotate": "更换令牌", "token.revoke": "吊销令牌",
  "decision_log.retention": "决策记录到期清理", "bundle.export": "导出 OPA 策略包",
};

function actionName(a) {
  if (actionNames[a]) return actionNames[a];
  if (a.endsWith(".denied") && actionNames[a.slice(0, -".denied".length)]) return actionNames[a.slice(0, -".denied".length)] + "（无权限，被拒绝）";
  return a;
}

// shanghaiTime turns a datetime-local value, read as Beijing time, into RFC 3339.
function shanghaiTime(v, end) { return v ? `${v}:${end ? "59" : "00"}+08:00` : ""; }

async function auditPage(params) {
  const q = new URLSearchParams(params || "");
  const field = (id, label, el) => { el.id = id; return h("label", { for: id }, label, el); };
  const actor = h("input", { value: q.get("actor") || "", size: 12, placeholder: "用户名" });
  const action = h("select", {}, h("option", { value: "" }, "全部操作"),
    Object.entries(actionNames).map(([k, v]) => h("option", { value: k, selected: q.get("action") === k }, `${v}（${k}）`)));
  if (q.get("action") && !actionNames[q.get("action")]) action.append(h("option", { value: q.get("action"), selected: true }, actionName(q.get("action"))));
  const object = h("input", { value: q.get("object") || "", size: 16, placeholder: "如 draft/编号、revision/3" });
  const jSel = h("select", {}, h("option", { value: "" }, "全部（本人辖区内）"),
    Object.values(juris).filter((j) => covers(me, j.code)).sort((a, b) => a.code.localeCompare(b.code))
      .map((j) => h("option", { value: j.code, selected: q.get("jurisdiction") === j.code }, `${j.name}（${j.code}）`)));
  const from = h("input", { type: "datetime-local", value: q.get("from_local") || "" });
  const to = h("input", { type: "datetime-local", value: q.get("to_local") || "" });
  const results = h("div", { id: "audit-results" });
  main.replaceChildren(h("h1", {}, "审计日志"),
    h("form", { class: "panel inline", id: "audit-form", onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      for (const [k, el] of [["actor", actor], ["action", action], ["object", object], ["jurisdiction", jSel], ["from_local", from], ["to_local", to]]) {
        if (el.value.trim()) p.set(k, el.value.trim());
      }
      p.set("search", "1");
      location.hash = "#/audit?" + p.toString();
    } },
    field("a-actor", "用户", actor), field("a-action", "操作", action), field("a-object", "对象", object),
    field("a-jurisdiction", "辖区（含下级）", jSel), field("a-from", "自（北京时间）", from), field("a-to", "至（北京时间）", to),
    h("button", { type: "submit", id: "a-search" }, "查询")),
    results);
  if (!has("auditor")) { results.replaceChildren(h("p", { class: "err" }, "审计日志仅供审计人员和管理员查看。")); return; }
  // The API's filters: the Beijing times become RFC 3339.
  const f = new URLSearchParams();
  for (const k of ["actor", "action", "object", "jurisdiction"]) if (q.get(k)) f.set(k, q.get(k));
  if (q.get("from_local")) f.set("from", shanghaiTime(q.get("from_local")));
  if (q.get("to_local")) f.set("to", shanghaiTime(q.get("to_local"), true));
  const page = new URLSearchParams(f);
  page.set("limit", "50");
  if (q.get("before")) page.set("before", q.get("before"));
  let res;
  try { res = await api("GET", "/admin/v1/audit?" + page.toString()); } catch (err) { results.replaceChildren(h("p", { class: "err" }, say(err))); return; }
  const csv = new URLSearchParams(f);
  csv.set("format", "csv");
  const here = (before) => { const p = new URLSearchParams(q); p.delete("before"); if (before) p.set("before", before); return "#/audit?" + p.toString(); };
  const details = (e) => {
    let text = e.details || "";
    try { if (text) text = JSON.stringify(JSON.parse(text), null, 2); } catch (err) { /* shown as written */ }
    const extra = [e.before_hash ? `内容哈希（前）：${e.before_hash}` : "", e.after_hash ? `内容哈希（后）：${e.after_hash}` : ""].filter(Boolean).join("\n");
    if (!text && !extra) return "—";
    const summary = (e.details || "").replace(/\s+/g, " ");
    return h("details", {}, h("summary", {}, summary ? (summary.length > 48 ? summary.slice(0, 48) + "…" : summary) : "内容哈希"),
      h("pre", { class: "json" }, [text, extra].filter(Boolean).join("\n")));
  };
  const object_ = (o) => {
    const m = /^draft\/(.+)$/.exec(o || "");
    return m ? h("a", { href: `#/draft/${m[1]}/files` }, o) : (o || "—");
  };
  results.replaceChildren(
    h("div", { class: "toolbar" },
      h("span", { class: "muted" }, q.get("before") ? `本页 ${res.entries.length} 条（较早的记录）` : `最新的 ${res.entries.length} 条`, "，时间为北京时间，按时间由新到旧排列"),
      h("a", { href: "/admin/v1/audit?" + csv.toString(), id: "audit-csv", download: "" }, "按当前条件下载 CSV"),
      q.get("before") ? h("a", { href: here(""), id: "audit-first" }, "回到最新") : null,
      res.next_before ? h("a", { href: here(String(res.next_before)), id: "audit-next" }, "下一页（更早）") : null),
    h("table", { id: "audit", class: "audit" },
      h("thead", {}, h("tr", {}, ["时间", "用户", "操作", "对象", "辖区", "来源地址", "请求编号", "详情"].map((t) => h("th", {}, t)))),
      h("tbody", {}, res.entries.length ? res.entries.map((e) => h("tr", { "data-seq": e.seq, "data-action": e.action },
        h("td", { class: "nowrap" }, when(e.at)), h("td", {}, e.actor),
        h("td", {}, actionName(e.action), h("div", { class: "muted code-ish" }, e.action)),
        h("td", { class: "code-ish" }, object_(e.object)), h("td", {}, e.jurisdiction ? jname(e.jurisdiction) : "—"),
        h("td", { class: "code-ish" }, e.source || "—"), h("td", { class: "code-ish rid" }, e.request_id || "—"),
        h("td", { class: "det" }, details(e)))) : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "没有符合条件的审计记录")))));
}

// ---- 差异 ----

const changeNames = { added: "新增", modified: "修改", deleted: "删除" };

async function diffPage(params) {
  const q = new URLSearchParams(params || "");
  const [{ revisions, live }, { drafts }] = await Promise.all([api("GET", "/admin/v1/revisions"), api("GET", "/admin/v1/drafts")]);
  const served = revisions.filter((r) => !r.cancelled_at).slice().reverse();
  const revLabel = (r) => `#${r.number}${r.number === live ? "（线上）" : ""} ${kindNames[r.kind] || r.kind}${r.message ? "：" + r.message : ""}`;
  const open = drafts.filter((d) => d.state !== "abandoned");
  const newSel = h("select", { id: "d-new" },
    open.length ? h("optgroup", { label: "草稿" }, open.map((d) => h("option", { value: "draft:" + d.id, selected: q.get("draft") === d.id }, `草稿：${d.title}（${jname(d.jurisdiction)}）`))) : null,
    h("optgroup", { label: "版本" }, served.map((r) => h("option", { value: "rev:" + r.number, selected: !q.get("draft") && q.get("to") === String(r.number) }, revLabel(r)))));
  const oldSel = h("select", { id: "d-old" }, served.map((r) => h("option", { value: r.number,
    selected: (q.get("against") || q.get("from") || String(live)) === String(r.number) }, revLabel(r))));
  const out = h("div", { id: "diff" });
  main.replaceChildren(h("h1", {}, "差异"),
    h("form", { class: "panel inline", onsubmit: (e) => {
      e.preventDefault();
      const [kind, v] = newSel.value.split(/:(.*)/);
      location.hash = kind === "draft" ? `#/diff?draft=${encodeURIComponent(v)}&against=${oldSel.value}` : `#/diff?from=${oldSel.value}&to=${v}`;
    } }, h("label", { for: "d-old" }, "旧（左侧）：版本", oldSel), h("label", { for: "d-new" }, "新（右侧）：草稿或版本", newSel),
    h("button", { type: "submit", id: "d-compare" }, "比较"),
    h("span", { class: "muted" }, "草稿默认与线上版本比较；也可任选两个版本。")),
    out);
  let before, after, changes, title;
  try {
    if (q.get("draft")) {
      const against = q.get("against") || String(live);
      const [dd, d, oldFiles, newFiles] = await Promise.all([
        api("GET", `/admin/v1/drafts/${encodeURIComponent(q.get("draft"))}/diff?against=${encodeURIComponent(against)}`),
        api("GET", `/admin/v1/drafts/${encodeURIComponent(q.get("draft"))}`),
        api("GET", `/admin/v1/revisions/${encodeURIComponent(against)}/files`),
        api("GET", `/admin/v1/drafts/${encodeURIComponent(q.get("draft"))}/files`)]);
      before = oldFiles.files; after = newFiles.files;
      changes = dd.files.map((f) => ({ path: f.path, change: f.change }));
      title = [`版本 #${dd.against}${Number(dd.against) === live ? "（线上）" : ""}`, h("a", { href: `#/draft/${d.id}/files` }, `草稿“${d.title}”`)];
    } else if (q.get("from") && q.get("to")) {
      const [a, b] = await Promise.all([api("GET", `/admin/v1/revisions/${encodeURIComponent(q.get("from"))}/files`),
        api("GET", `/admin/v1/revisions/${encodeURIComponent(q.get("to"))}/files`)]);
      before = a.files; after = b.files;
      changes = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
        .filter((p) => before[p] !== after[p]).map((p) => ({ path: p, change: !(p in before) ? "added" : !(p in after) ? "deleted" : "modified" }));
      title = [`版本 #${a.number}`, `版本 #${b.number}`];
    } else {
      out.replaceChildren(h("p", { class: "muted" }, "选择要比较的草稿或版本，点“比较”。"));
      return;
    }
  } catch (err) { out.replaceChildren(h("p", { class: "err" }, say(err))); return; }
  const parts = [h("p", { id: "diff-summary" }, "旧：", title[0], " → 新：", title[1], `，共 ${changes.length} 个文件不同。`,
    changes.length > 1 ? h("span", { class: "muted" }, " 文件：", changes.flatMap((c, i) => [i ? "、" : "", h("a", { href: "#" + fileAnchor(c.path), "data-jump": fileAnchor(c.path) }, c.path)])) : null)];
  if (!changes.length) parts.push(h("p", { class: "muted" }, "两者内容相同。"));
  for (const c of changes) parts.push(fileDiff(c, before[c.path], after[c.path]));
  out.replaceChildren(...parts);
  // In-page links to a file would change the route: scroll instead.
  for (const a of out.querySelectorAll("a[data-jump]")) a.addEventListener("click", (e) => {
    e.preventDefault();
    const t = document.getElementById(a.dataset.jump);
    if (t) { t.scrollIntoView(); t.focus(); }
  });
}

function fileAnchor(path) { return "f-" + path.replace(/[^A-Za-z0-9_-]/g, "_"); }

function fileDiff(c, before, after) {
  const head = h("h2", { id: fileAnchor(c.path), tabindex: -1 }, c.path, " ", badge(changeNames[c.change] || c.change, c.change === "deleted" ? "bad" : c.change === "added" ? "ok" : "warn"));
  let values = null;
  if (c.path.endsWith(".json")) {
    const vs = valueChanges(before, after);
    if (vs && vs.length) {
      values = h("div", { class: "values" }, h("h3", {}, "参数值的变化"),
        h("ul", { class: "value-changes" }, vs.map((v) => h("li", {}, h("code", {}, v.path), "：", h("span", { class: "from" }, v.from), " → ", h("span", { class: "to" }, v.to)))));
    }
  }
  const rows = sideBySide(before, after);
  const side = (s, kind) => s ? [h("td", { class: "ln" }, String(s.n)), h("td", { class: "tx " + kind }, s.text)] : [h("td", { class: "ln" }), h("td", { class: "tx none" })];
  const marks = { changed: ["修改前", "修改后"], removed: ["删除", ""], added: ["", "新增"] };
  const table = h("table", { class: "sbs" },
    h("colgroup", {}, h("col", { class: "c-ln" }), h("col", {}), h("col", { class: "c-ln" }), h("col", {})),
    h("thead", {}, h("tr", {}, h("th", { colspan: 2 }, "旧"), h("th", { colspan: 2 }, "新"))),
    h("tbody", {}, rows.map((r) => r.kind === "skip"
      ? h("tr", { class: "skip" }, h("td", { colspan: 4 }, `…… 省略 ${r.count} 行相同内容 ……`))
      : h("tr", { class: r.kind, title: marks[r.kind] ? marks[r.kind].filter(Boolean).join(" / ") : undefined },
        side(r.left, r.kind === "same" ? "" : "del"), side(r.right, r.kind === "same" ? "" : "ins")))));
  return h("section", { class: "panel file-diff", "data-path": c.path }, head, values, h("div", { class: "sbs-wrap", tabindex: 0, role: "region", "aria-label": `${c.path} 的逐行对照` }, table));
}

// ---- router ----

async function route() {
  if (!me) return loginPage();
  const hash = location.hash.replace(/^#\/?/, "");
  const [pathPart, query] = hash.split("?");
  const parts = pathPart.split("/");
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("on", a.dataset.nav === (parts[0] === "draft" ? "drafts" : parts[0] || "tree"));
  try {
    switch (parts[0]) {
      case "drafts": return await draftsPage();
      case "draft": return await draftPage(parts[1], parts[2] || "files", parts.slice(3).join("/"));
      case "revisions": return await revisionsPage();
      case "log": return await logPage(query);
      case "audit": return await auditPage(query);
      case "diff": return await diffPage(query);
      default: return await treePage(parts[1]);
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { me = null; flash(say(err), true); return loginPage(); }
    main.replaceChildren(h("p", { class: "err" }, say(err)));
  }
}

async function start() {
  await loadReference();
  showWho();
  await route();
}

window.addEventListener("hashchange", () => { flash(""); route(); });

(async () => {
  try {
    me = await api("GET", "/admin/v1/me");
    await start();
  } catch (err) {
    loginPage();
  }
})();

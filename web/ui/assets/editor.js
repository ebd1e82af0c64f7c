// A small code editor: a textarea under a highlighted copy of its text, with
// line numbers and problem lines marked. Rego and JSON are highlighted.

import { h } from "./dom.js";

const regoKeywords = new Set(["package", "import", "if", "else", "default", "not", "some", "every", "in",
  "contains", "with", "as", "true", "false", "null", "future", "rego", "v1"]);

// tokens splits one line into [class, text] pairs.
function tokens(line, lang, state) {
  const out = [];
  let i = 0;
  const push = (cls, s) => out.push([cls, s]);
  if (lang === "rego" && state.rawString) {
    const end = line.indexOf("`");
    if (end < 0) { push("t-str", line); return out; }
    push("t-str", line.slice(0, end + 1));
    state.rawString = false;
    i = end + 1;
  }
  const head = lang === "rego" && /^[A-Za-z_][A-Za-z0-9_]*(\s*(:=|=|\[|\(|\{|contains\b|if\b)|\s*$)/.test(line) &&
    !/^(package|import|default|else)\b/.test(line);
  while (i < line.length) {
    const rest = line.slice(i);
    let m;
    if (lang === "rego" && rest[0] === "#") { push("t-com", rest); break; }
    if ((m = rest.match(/^"(?:[^"\\]|\\.)*"?/))) {
      const after = rest.slice(m[0].length);
      push(lang === "json" && /^\s*:/.test(after) ? "t-key" : "t-str", m[0]);
      i += m[0].length; continue;
    }
    if (lang === "rego" && rest[0] === "`") {
      const end = rest.indexOf("`", 1);
      if (end < 0) { push("t-str", rest); state.rawString = true; break; }
      push("t-str", rest.slice(0, end + 1)); i += end + 1; continue;
    }
    if ((m = rest.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) && !/[A-Za-z0-9_]/.test(line[i - 1] || "")) {
      push("t-num", m[0]); i += m[0].length; continue;
    }
    if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) {
      const w = m[0];
      if (i === 0 && head) push("t-head", w);
      else if (lang === "rego" && regoKeywords.has(w)) push("t-kw", w);
      else if (lang === "json" && (w === "true" || w === "false" || w === "null")) push("t-kw", w);
      else push("", w);
      i += w.length; continue;
    }
    push("", rest[0]); i += 1;
  }
  return out;
}

export function langOf(path) {
  if (path.endsWith(".rego")) return "rego";
  if (path.endsWith(".json")) return "json";
  return "text";
}

// Editor builds the editor; problems are [{line, message}].
export class Editor {
  constructor({ text, lang, readOnly, label }) {
    this.lang = lang;
    this.problems = [];
    this.gutter = h("div", { class: "gutter", "aria-hidden": "true" });
    this.pre = h("pre", { "aria-hidden": "true" });
    this.area = h("textarea", { spellcheck: "false", "aria-label": label || "代码", wrap: "off" });
    this.area.value = text;
    this.area.readOnly = !!readOnly;
    this.el = h("div", { class: "editor" }, this.gutter, h("div", { class: "code" }, this.pre, this.area));
    this.area.addEventListener("input", () => this.render());
    this.area.addEventListener("scroll", () => this.sync());
    this.area.addEventListener("keydown", (e) => {
      if (e.key === "Tab" && !e.shiftKey && !this.area.readOnly && !e.ctrlKey) {
        e.preventDefault();
        this.area.setRangeText("\t", this.area.selectionStart, this.area.selectionEnd, "end");
        this.render();
      }
    });
    this.render();
  }

  get value() { return this.area.value; }

  setProblems(problems) { this.problems = problems; this.render(); }

  render() {
    const bad = new Map(this.problems.filter((p) => p.line).map((p) => [p.line, p.message]));
    const lines = this.area.value.split("\n");
    const state = {};
    this.pre.replaceChildren(...lines.map((line, n) => {
      const row = h("div", { class: bad.has(n + 1) ? "line bad" : "line" });
      for (const [cls, s] of this.lang === "text" ? [["", line]] : tokens(line, this.lang, state)) {
        row.append(cls ? h("span", { class: cls }, s) : document.createTextNode(s));
      }
      if (!line) row.append("\u200b");
      return row;
    }));
    this.gutter.replaceChildren(...lines.map((_, n) => {
      const msg = bad.get(n + 1);
      return h("div", msg ? { class: "bad", title: msg, "data-line": String(n + 1) } : { "data-line": String(n + 1) }, String(n + 1));
    }));
    this.sync();
  }

  sync() {
    this.pre.scrollTop = this.area.scrollTop;
    this.pre.scrollLeft = this.area.scrollLeft;
    this.gutter.scrollTop = this.area.scrollTop;
  }

  // goto puts the caret at the start of line n.
  goto(n) {
    const lines = this.area.value.split("\n");
    let pos = 0;
    for (let i = 0; i < n - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    this.area.focus();
    this.area.setSelectionRange(pos, pos);
    this.area.scrollTop = Math.max(0, (n - 5) * 20);
    this.sync();
  }
}

// Comparing two versions of a file: side-by-side rows of lines, and for
// JSON (the parameter files) the values that changed, by key path.

function splitLines(text) {
  if (text === undefined || text === null || text === "") return [];
  const ls = text.split("\n");
  if (ls[ls.length - 1] === "") ls.pop();
  return ls;
}

// ops lists the edit script from a to b: ["=", i, j], ["-", i], ["+", j].
function ops(a, b) {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const out = [];
  for (let i = 0; i < pre; i++) out.push(["=", i, i]);
  const n = a.length - pre - suf, m = b.length - pre - suf;
  if (n * m > 4e6) { // too large to align: the middle is one change
    for (let i = 0; i < n; i++) out.push(["-", pre + i]);
    for (let j = 0; j < m; j++) out.push(["+", pre + j]);
  } else {
    // Longest common subsequence of the middle, from the end.
    const w = m + 1;
    const L = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        L[i * w + j] = a[pre + i] === b[pre + j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] === b[pre + j]) { out.push(["=", pre + i, pre + j]); i++; j++; }
      else if (j < m && (i === n || L[i * w + j + 1] >= L[(i + 1) * w + j])) { out.push(["+", pre + j]); j++; }
      else { out.push(["-", pre + i]); i++; }
    }
  }
  for (let k = 0; k < suf; k++) out.push(["=", a.length - suf + k, b.length - suf + k]);
  return out;
}

// sideBySide pairs the lines of before and after into rows
// {kind: "same"|"changed"|"removed"|"added"|"skip", left, right}, where a
// side is {n, text} (n counted from 1) or null; runs of unchanged lines
// longer than twice the context are folded into one "skip" row.
export function sideBySide(before, after, context = 3) {
  const a = splitLines(before), b = splitLines(after);
  const rows = [];
  const script = ops(a, b);
  for (let k = 0; k < script.length;) {
    if (script[k][0] === "=") {
      rows.push({ kind: "same", left: { n: script[k][1] + 1, text: a[script[k][1]] }, right: { n: script[k][2] + 1, text: b[script[k][2]] } });
      k++;
      continue;
    }
    const del = [], ins = [];
    while (k < script.length && script[k][0] !== "=") {
      if (script[k][0] === "-") del.push(script[k][1]); else ins.push(script[k][1]);
      k++;
    }
    for (let x = 0; x < Math.max(del.length, ins.length); x++) {
      const l = x < del.length ? { n: del[x] + 1, text: a[del[x]] } : null;
      const r = x < ins.length ? { n: ins[x] + 1, text: b[ins[x]] } : null;
      rows.push({ kind: l && r ? "changed" : l ? "removed" : "added", left: l, right: r });
    }
  }
  const out = [];
  for (let i = 0; i < rows.length;) {
    if (rows[i].kind !== "same") { out.push(rows[i++]); continue; }
    let j = i;
    while (j < rows.length && rows[j].kind === "same") j++;
    const head = i === 0 ? 0 : context, tail = j === rows.length ? 0 : context;
    if (j - i > head + tail + 1) {
      out.push(...rows.slice(i, i + head), { kind: "skip", count: j - i - head - tail }, ...rows.slice(j - tail, j));
    } else out.push(...rows.slice(i, j));
    i = j;
  }
  return out;
}

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;

function show(v) { return v === undefined ? "（无）" : JSON.stringify(v); }

// valueChanges lists the values that differ between two JSON documents by
// key path, as "credit_grade.bands[1].min: 790 → 800"; null when either
// side is not JSON.
export function valueChanges(before, after) {
  let a, b;
  try {
    a = before === undefined || before === null ? undefined : JSON.parse(before);
    b = after === undefined || after === null ? undefined : JSON.parse(after);
  } catch (err) { return null; }
  const out = [];
  const walk = (x, y, path) => {
    const obj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (obj(x) && obj(y)) {
      const keys = [...Object.keys(x), ...Object.keys(y).filter((k) => !(k in x))];
      for (const k of keys) walk(x[k], y[k], path === "" ? (ident.test(k) ? k : JSON.stringify([k])) : path + (ident.test(k) ? "." + k : `[${JSON.stringify(k)}]`));
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = 0; i < Math.max(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`);
      return;
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path: path || "（整个文件）", from: show(x), to: show(y) });
  };
  walk(a, b, "");
  return out;
}

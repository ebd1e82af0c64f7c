// The UI's only way to the server: the documented /admin/v1 and /v1 routes,
// with the session cookie and, on every state-changing request, the CSRF token.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)credpol_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

// api sends one request; body is JSON unless text is given.
export async function api(method, path, { body, text, headers = {} } = {}) {
  const h = { ...headers };
  if (method !== "GET" && method !== "HEAD") h["X-CSRF-Token"] = csrf();
  let payload;
  if (text !== undefined) {
    payload = text;
    h["Content-Type"] = "text/plain; charset=utf-8";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["Content-Type"] = "application/json";
  }
  const res = await fetch(path, { method, headers: h, body: payload, credentials: "same-origin" });
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("application/json") ? await res.json() : await res.text();
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || "http_" + res.status, e.message || String(data), e.details);
  }
  return data;
}

const messages = {
  four_eyes: "不能审核自己起草的草稿：须由另一位审核人审核（双人复核）",
  forbidden: "没有权限执行此操作",
  file_out_of_scope: "该文件不在您的辖区权限范围内，只读",
  csrf_failed: "安全校验失败，请刷新页面后重试",
  invalid_session: "登录已失效，请重新登录",
  unauthenticated: "请先登录",
  login_failed: "用户名或密码错误",
  login_locked: "登录失败次数过多，账户已临时锁定",
  draft_changed: "草稿已被修改，请重新打开后再保存",
  gate_failed: "检查未通过，不能提交、审核或发布",
  not_approved: "草稿尚未审核通过",
  not_submitted: "草稿尚未提交审核",
  draft_stale: "线上版本已更新，请先同步（rebase）草稿",
  publication_pending: "已有待生效的发布",
  draft_not_found: "找不到该草稿（或不在您的辖区内）",
  impact_not_run: "尚未进行影响分析",
  too_many_impact_runs: "您已有三个影响分析在排队或运行，请稍候",
};

// say turns an error into a sentence for policy staff.
export function say(err) {
  if (err instanceof ApiError) {
    const zh = messages[err.code];
    return zh ? `${zh}（${err.code}）` : `${err.message}（${err.code}）`;
  }
  return String(err && err.message ? err.message : err);
}

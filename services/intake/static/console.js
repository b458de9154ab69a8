// Operator console: create a case, read its number out, look a case up and follow it.
"use strict";

const LABELS = {
  channel: {
    phone: "电话", web: "网站", wechat: "微信", app: "手机应用",
    grid_patrol: "网格巡查", home_visit: "入户走访", open311: "开放接口",
  },
  difficulty: {
    simple: "简单（立即办）", general: "一般（协调办）",
    complex: "复杂（现场办/联动办）", legacy: "历史遗留（分阶段办理）",
  },
  tier: { village: "村/社区级", township: "乡镇/街道级", district: "区级" },
  state: {
    received: "已受理", dispatched: "待签收", accepted: "已签收", in_progress: "办理中",
    resolved: "已办结待回访", reopened: "重办中", closed: "已销号", merged: "已并入原工单",
    manual: "待人工派单", bounced: "已退单待改派",
  },
  requestType: {
    consultation: "咨询", help: "求助", complaint: "投诉", report: "举报",
    suggestion: "建议", praise: "表扬",
  },
  light: { green: "绿灯", yellow: "黄灯", red: "红灯" },
  kind: {
    dispatched: "派单", accepted: "签收", progressed: "反馈进展", resolved: "办结",
    reopened: "回访不满意，重办", closed: "销号", escalated: "超时升级",
    supervised: "督办", reopen_limit: "重办超限，升级", extension_requested: "申请延期",
    extension_decided: "延期审批", bounced: "退单", redispatched: "重新派单",
    callback_recorded: "回访", callback_overdue: "回访超期",
    progress_report_missed: "未按期报告进展", arbitration_opened: "提请仲裁",
  },
  notifyChannel: { in_app: "站内消息", sms: "短信", email: "邮件", webhook: "接口推送" },
  notifyStatus: { suppressed: "未发送：超出每个号码每小时短信上限" },
  event: {
    "minhu.case.received.v1": "受理", "minhu.case.dispatched.v1": "派单",
    "minhu.case.sla.v1": "时限", "minhu.case.action.v1": "办理", "minhu.case.closed.v1": "销号",
  },
  service: { dispatch: "派单服务", sla: "时限服务", notify: "通知服务", desk: "工单台账" },
};
const FIELDS = ["channel", "caller_phone", "caller_name", "title", "content", "address",
  "grid_code", "urgent", "anonymous", "callback_consent", "latitude", "longitude",
  "attachments", "urgent_reason", "request_type", "answer", "answered"];
const TEXT_FIELDS = ["caller_phone", "caller_name", "title", "content", "address", "grid_code",
  "urgent_reason"];
const ROLE_LABELS = { operator: "话务员", dispatcher: "派单员", admin: "管理员" };
// Anything without a Chinese name is shown as 其他 rather than as its code.
const UNNAMED = "其他";
// The same rules as the server, checked as the operator leaves a field (the server decides).
const PHONE = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;
const INLINE = {
  caller_phone: (v) => (!v && !$("f-anonymous").checked
    ? "请填写来电号码；来电人不愿留号码时请勾选匿名"
    : v && !PHONE.test(v.replace(/\s/g, "")) ? "电话号码格式不正确：应为 11 位手机号或带区号的固定电话" : ""),
  content: (v) => (!v ? "请填写诉求内容（至少 5 个字符）"
    : v.length < 5 ? "内容过短，至少 5 个字符" : ""),
  answer: (v) => ($("f-answered").checked && !v
    ? "勾选直接办结时请填写答复内容，或从知识库选用一条答复" : ""),
  latitude: (v) => (v && !(Math.abs(Number(v)) <= 90) ? "纬度应在 -90 到 90 之间" : ""),
  longitude: (v) => (v && !(Math.abs(Number(v)) <= 180) ? "经度应在 -180 到 180 之间" : ""),
};
let idempotencyKey = null; // one per unchanged form, so a retried submit cannot create twice
let me = null; // the signed-in person (GET /v1/me): name, role and the CSRF token
const POLL_MS = 2000;
const POLL_TRIES = 15;

const $ = (id) => document.getElementById(id);
const label = (group, key) => (key == null ? "—" : LABELS[group][key] || UNNAMED);

/** Build an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

const CENTRE_TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

/** An ISO instant in the centre's local time (Asia/Shanghai). */
function localTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : CENTRE_TIME.format(d);
}

/** 20261122000123 → "20261122 000123": date, then the daily sequence. */
const groupCaseNo = (no) => `${no.slice(0, 8)} ${no.slice(8)}`;

function lightDot(light) {
  return h("span", { class: `light light-${light}` },
    h("span", { class: "dot", "aria-hidden": "true" }), label("light", light));
}

/** A definition list from [term, value] pairs; empty values are skipped. */
function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [term, value] of pairs) {
    if (value == null || value === "") continue;
    dl.append(h("dt", {}, term), h("dd", {}, value));
  }
  return dl;
}

async function fetchJson(url, options) {
  const resp = await fetch(url, { credentials: "same-origin", ...options });
  let body = null;
  try { body = await resp.json(); } catch { body = null; }
  if (resp.status === 401) signedOut();
  return { status: resp.status, body };
}

/** The session ended (logout elsewhere, expiry): reloading the page leads to the login. */
function signedOut() {
  $("form-msg").textContent = "登录已失效，正在转到登录页面（已填写内容将丢失）…";
  setTimeout(() => window.location.reload(), 1500);
}

async function loadMe() {
  const { status, body } = await fetchJson("/v1/me");
  if (status !== 200) return;
  me = body;
  $("who-name").textContent = me.name;
  $("who-role").textContent = `（${ROLE_LABELS[me.role] || UNNAMED}）`;
  $("logout").href = me.logout_url;
  $("who").hidden = false;
}

// -- new case ------------------------------------------------------------------------

function clearErrors() {
  for (const name of FIELDS) {
    $(`e-${name}`).textContent = "";
    $(`f-${name}`).removeAttribute("aria-invalid");
  }
  $("form-msg").textContent = "";
}

function showErrors(errors) {
  let first = null;
  const general = [];
  for (const { field, message } of errors || []) {
    if (FIELDS.includes(field)) {
      const slot = $(`e-${field}`);
      slot.textContent = slot.textContent ? `${slot.textContent}；${message}` : message;
      $(`f-${field}`).setAttribute("aria-invalid", "true");
      first = first || $(`f-${field}`);
    } else {
      general.push(message);
    }
  }
  $("form-msg").textContent = general.length
    ? general.join("；") : "输入有误，请按提示修改标出的字段（已填写内容已保留）";
  (first || $("f-caller_phone")).focus();
}

function caseBody() {
  const anonymous = $("f-anonymous").checked;
  const urgent = $("f-urgent").checked;
  const body = {
    channel: $("f-channel").value, urgent, anonymous,
    callback_consent: !anonymous && $("f-callback_consent").checked,
  };
  for (const name of TEXT_FIELDS) {
    const value = $(`f-${name}`).value.trim();
    if (name === "caller_phone" && anonymous) continue;
    if (name === "urgent_reason" && !urgent) continue;
    if (value || name === "content") body[name] = value;
  }
  for (const name of ["latitude", "longitude"]) {
    const value = $(`f-${name}`).value.trim();
    if (value) body[name] = Number.isNaN(Number(value)) ? value : Number(value);
  }
  const refs = $("f-attachments").value.split("\n").map((x) => x.trim()).filter(Boolean);
  if (refs.length) body.attachments = refs;
  const kind = $("f-request_type").value;
  if (kind) body.request_type = kind;
  if (kind === "consultation" && $("f-answered").checked) {
    body.answer = $("f-answer").value.trim();
    if ($("f-answer").dataset.source) body.answer_source = $("f-answer").dataset.source;
  }
  return body;
}

function checkField(name) {
  const rule = INLINE[name];
  if (!rule) return true;
  const message = rule($(`f-${name}`).value.trim());
  $(`e-${name}`).textContent = message;
  if (message) $(`f-${name}`).setAttribute("aria-invalid", "true");
  else $(`f-${name}`).removeAttribute("aria-invalid");
  return !message;
}

function syncToggles() {
  const anonymous = $("f-anonymous").checked;
  $("f-caller_phone").disabled = anonymous;
  $("f-callback_consent").disabled = anonymous;
  if (anonymous) $("f-callback_consent").checked = false;
  $("urgent-reason-field").hidden = !$("f-urgent").checked;
}

/** The knowledge-base answers are offered for a consultation only. */
function syncAnswer() {
  $("answer-box").hidden = $("f-request_type").value !== "consultation";
  $("submit").textContent = submitLabel();
}

function submitLabel() {
  return $("f-request_type").value === "consultation" && $("f-answered").checked
    ? "答复并办结" : "提交受理";
}

// -- suggestions while the operator types --------------------------------------------

let suggestTimer = null;
let suggestSeq = 0;

function scheduleSuggest() {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(fetchSuggestions, 350);
}

async function fetchSuggestions() {
  const title = $("f-title").value.trim();
  const content = $("f-content").value.trim();
  if ((title + content).length < 4) {
    $("type-hint").replaceChildren();
    $("kb-list").replaceChildren();
    return;
  }
  const seq = ++suggestSeq;
  let resp;
  try {
    resp = await fetchJson("/v1/suggestions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": me ? me.csrf : "" },
      body: JSON.stringify({ title, content }),
    });
  } catch {
    return;
  }
  if (seq !== suggestSeq || resp.status !== 200) return;
  showTypeHint(resp.body.request_type);
  showAnswers(resp.body.answers);
}

function showTypeHint(t) {
  const select = $("f-request_type");
  // The operator's own choice stands; until they choose, the suggestion fills the field.
  if (!select.dataset.chosen) {
    select.value = t.type;
    syncAnswer();
  }
  const parts = [`建议类型：${t.label}（${t.explanation.replace(/^[^：]*：/, "")}）`];
  if (select.dataset.chosen && select.value !== t.type) {
    parts.push(h("button", { type: "button", class: "small link", id: "type-adopt",
      onclick: () => { select.value = t.type; select.dataset.chosen = ""; syncAnswer(); } },
    `改为${t.label}`));
  }
  $("type-hint").replaceChildren(...parts);
}

function showAnswers(answers) {
  const list = $("kb-list");
  if (!answers.length) {
    list.replaceChildren(h("li", { class: "muted" }, "知识库中暂无匹配的答复，可直接填写答复内容。"));
    return;
  }
  list.replaceChildren(...answers.map((a) => h("li", { class: "kb-item", "data-entry": a.entry_id },
    h("span", { class: "kb-title" }, a.title),
    h("span", { class: "kb-meta" },
      ` · ${a.topic} · 来源：${a.source_unit_name}${a.valid_until ? ` · 有效期至 ${a.valid_until}` : ""}`),
    h("p", { class: "kb-body" }, a.body),
    h("button", { type: "button", class: "small kb-use",
      onclick: () => useAnswer(a) }, "采用此答复"))));
}

function useAnswer(a) {
  $("f-answer").value = a.body;
  $("f-answer").dataset.source = String(a.entry_id);
  $("e-answer").textContent = "";
  $("f-answer").removeAttribute("aria-invalid");
  $("f-answered").checked = true;
  idempotencyKey = null;
  syncAnswer();
  $("f-answer").focus();
}

function resetForm() {
  // The operator's channel rarely changes between calls.
  const channel = $("f-channel").value;
  $("case-form").reset();
  $("f-channel").value = channel;
  idempotencyKey = null;
  syncToggles();
  clearErrors();
  $("f-request_type").dataset.chosen = "";
  $("f-answer").dataset.source = "";
  $("type-hint").replaceChildren();
  $("kb-list").replaceChildren();
  syncAnswer();
}

async function submitCase(event) {
  event.preventDefault();
  const button = $("submit");
  if (button.disabled) return;
  clearErrors();
  const bad = Object.keys(INLINE).filter((name) => !checkField(name));
  if (bad.length) {
    $("form-msg").textContent = "输入有误，请按提示修改标出的字段（已填写内容已保留）";
    $(`f-${bad[0]}`).focus();
    return;
  }
  button.disabled = true;
  button.textContent = "提交中…";
  idempotencyKey = idempotencyKey || newKey();
  try {
    const { status, body } = await fetchJson("/v1/cases", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotencyKey,
        "X-CSRF-Token": me ? me.csrf : "",
      },
      body: JSON.stringify(caseBody()),
    });
    if (status === 201 || status === 200) {
      const chosen = Array.from($("f-files").files || []);
      showCreated(body);
      resetForm();
      $("f-files").value = "";
      $("created").dataset.filesTo = body.repeat_of || body.case_no;
      $("files-msg").textContent = "";
      if (chosen.length) sendFiles(body.repeat_of || body.case_no, chosen);
      openCase(body.repeat_of || body.case_no);
      if (!body.repeat_of) followPlacement(body);
    } else if (status === 422) {
      showErrors(body && body.errors);
    } else if (status === 401) {
      // signedOut() has said what happens next.
    } else if (status === 403) {
      $("form-msg").textContent =
        `无法提交：${(body && body.message) || "没有受理权限"}（已填写内容已保留）`;
    } else if (status === 429) {
      $("form-msg").textContent = "提交过于频繁，请稍等几秒再提交（已填写内容已保留）";
    } else {
      $("form-msg").textContent =
        `提交失败：${(body && body.message) || `服务返回 ${status}`}（已填写内容已保留）`;
    }
  } catch {
    $("form-msg").textContent = "网络异常，未能提交，请稍后重试（已填写内容已保留）";
  } finally {
    button.disabled = false;
    button.textContent = submitLabel();
  }
}

// Files and photos go to the case once it is filed; the desk's record may take a moment to
// hold a new case (404 until then), so a few tries follow.
const FILE_TRIES = 20;
async function sendFiles(caseNo, files) {
  const msg = $("files-msg");
  msg.textContent = `正在上传 ${files.length} 个附件…`;
  const form = new FormData();
  for (const f of files) form.append("file", f, f.name);
  form.append("origin", "console");
  for (let attempt = 1; attempt <= FILE_TRIES; attempt += 1) {
    let resp;
    try {
      resp = await fetch(`/v1/cases/${caseNo}/files`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": me ? me.csrf : "" },
        body: form,
      });
    } catch {
      resp = null;
    }
    if (resp && resp.status === 201) {
      const got = await resp.json();
      msg.textContent = `已上传 ${got.files.length} 个附件：${got.files.map((f) => f.name).join("、")}`;
      document.body.dataset.filesUploaded = caseNo;
      return;
    }
    const retry = !resp || resp.status === 404 || resp.status === 503;
    if (!retry || attempt === FILE_TRIES) {
      const body = resp ? await resp.json().catch(() => null) : null;
      msg.textContent = `附件未上传：${(body && body.message) || "网络异常，请稍后重试"}`;
      return;
    }
    await new Promise((done) => setTimeout(done, 1500));
  }
}

async function uploadCreated(event) {
  event.preventDefault();
  const caseNo = $("created").dataset.filesTo;
  const files = Array.from($("c-files").files || []);
  if (!files.length) {
    $("files-msg").textContent = "请选择要上传的照片或文件";
    return;
  }
  await sendFiles(caseNo, files);
  $("c-files").value = "";
}

function newKey() {
  return window.crypto && crypto.randomUUID
    ? crypto.randomUUID() : `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

function showCreated(created) {
  const caseNo = created.case_no;
  $("created-no").textContent = groupCaseNo(caseNo);
  $("created").dataset.caseNo = caseNo;
  const note = $("created-repeat");
  note.hidden = !created.repeat_of;
  note.replaceChildren();
  if (created.repeat_of) {
    note.append(
      "重复来电：同一来电人 7 日内反映的同一事项，已并入未办结的工单 ",
      h("button", { type: "button", class: "link mono", id: "created-repeat-of",
        onclick: () => openCase(created.repeat_of) }, groupCaseNo(created.repeat_of)),
      "，不另行派单。请告知来电人原工单正在办理。");
  }
  $("created-where").textContent = "";
  $("created").hidden = false;
  $("created").focus();
}

// -- where the new case went -----------------------------------------------------------

let placeTimer = null;

/** Tell the operator which unit got the case once dispatch has placed it. */
function followPlacement(created, tries = POLL_TRIES) {
  clearTimeout(placeTimer);
  const where = $("created-where");
  if ($("created").dataset.caseNo !== created.case_no) return;
  if (created.status === "closed") {
    where.textContent = "咨询已直接答复并办结，不派单。";
    return;
  }
  if (tries === POLL_TRIES) where.textContent = "正在派单…";
  placeTimer = setTimeout(async () => {
    let resp;
    try {
      resp = await fetchJson(`/v1/cases/${created.case_no}/timeline`);
    } catch {
      resp = { status: 0 };
    }
    if ($("created").dataset.caseNo !== created.case_no) return;
    const d = resp.status === 200 ? resp.body.dispatch : null;
    if (d && d.manual) {
      where.textContent = `已转人工派单（系统建议：${d.unit_name}），派单员确认后送达承办单位。`;
    } else if (d) {
      const praise = created.request_type === "praise";
      where.replaceChildren(praise ? "表扬已转达：" : "已派至：",
        h("strong", { id: "created-unit" }, d.unit_name), `（${label("tier", d.tier)}）`);
      return;
    }
    if (tries > 1) followPlacement(created, tries - 1);
    else if (!d) where.textContent = "派单结果稍后可在右侧查询中查看。";
  }, tries === POLL_TRIES ? 500 : POLL_MS);
}

function newCase() {
  $("created").hidden = true;
  $("f-caller_phone").focus();
  $("f-caller_phone").scrollIntoView({ block: "center" });
}

// -- search and case view --------------------------------------------------------------

let pollTimer = null;

async function search(event) {
  event.preventDefault();
  const raw = $("q").value.replace(/[\s-]/g, "");
  $("e-q").textContent = "";
  $("results").replaceChildren();
  closeCase(); // a new search never leaves another caller's case open under its list
  if (/^\d{14}$/.test(raw)) return openCase(raw);
  if (!/^\d{7,13}$/.test(raw)) {
    $("e-q").textContent = "请输入 14 位工单编号或来电号码";
    return undefined;
  }
  try {
    const { status, body } = await fetchJson(`/v1/cases?phone=${encodeURIComponent(raw)}`);
    if (status !== 200) throw new Error(String(status));
    if (!body.length) {
      $("e-q").textContent = `未找到来电号码 ${raw} 的工单`;
      return undefined;
    }
    renderResults(body);
    if (body.length === 1) openCase(body[0].case_no);
  } catch {
    $("e-q").textContent = "查询失败，请稍后重试";
  }
  return undefined;
}

function renderResults(cases) {
  const list = h("ul", { class: "results", "aria-label": `找到 ${cases.length} 件工单` });
  for (const c of cases) {
    list.append(h("li", {},
      h("button", { type: "button", class: "result", onclick: () => openCase(c.case_no) },
        h("span", { class: "mono" }, groupCaseNo(c.case_no)),
        c.request_type && h("span", { class: "chip kind" }, label("requestType", c.request_type)),
        h("span", { class: "result-title" }, c.title || c.content.slice(0, 30)),
        h("span", { class: `chip state-${c.state || c.status}` }, label("state", c.state || c.status)),
        h("span", { class: "muted" }, localTime(c.received_at)))));
  }
  $("results").replaceChildren(h("p", { class: "muted" }, `共 ${cases.length} 件：`), list);
}

function closeCase() {
  clearTimeout(pollTimer);
  const view = $("case-view");
  view.dataset.caseNo = "";
  view.hidden = true;
  view.replaceChildren();
}

async function openCase(caseNo, tries = POLL_TRIES) {
  clearTimeout(pollTimer);
  const view = $("case-view");
  view.dataset.caseNo = caseNo;
  let resp;
  try {
    resp = await fetchJson(`/v1/cases/${caseNo}/timeline`);
  } catch {
    resp = { status: 0, body: null };
  }
  if (view.dataset.caseNo !== caseNo) return; // another case was opened meanwhile
  view.hidden = false;
  if (resp.status !== 200) {
    const msg = resp.status === 404 ? `未找到工单 ${groupCaseNo(caseNo)}` : "查询失败，请稍后重试";
    view.replaceChildren(h("p", { class: "notice" }, msg));
    return;
  }
  view.replaceChildren(...renderTimeline(resp.body));
  // Dispatch, sla and notify take a moment after intake: follow a fresh case until dispatch
  // placed it, sla set its deadlines and its unit was notified.
  const t = resp.body;
  const done = t.case.status === "closed" && (t.record || []).length > 1;
  const told = (t.notifications || []).some((n) => n.channel === "in_app");
  const settled = done || (t.dispatch && t.sla && t.sla.accept_due && told);
  if (!settled && tries > 1) pollTimer = setTimeout(() => openCase(caseNo, tries - 1), POLL_MS);
}

function renderTimeline(t) {
  const c = t.case;
  const state = c.status === "closed" ? "closed"
    : t.sla ? t.sla.state : t.dispatch ? (t.dispatch.manual ? "manual" : "dispatched") : c.status;
  const head = h("header", { class: "case-head" },
    h("h3", {}, "工单 ", h("span", { class: "mono" }, groupCaseNo(c.case_no))),
    h("span", { class: `chip state-${state}` }, label("state", state)),
    c.urgent && h("span", { class: "chip urgent" }, "紧急"),
    t.sla && lightDot(t.sla.light),
    h("button", { type: "button", class: "small", onclick: () => openCase(c.case_no) }, "刷新"));
  const out = [head];
  if (t.unavailable.length) {
    const names = t.unavailable.map((s) => label("service", s)).join("、");
    out.push(h("p", { class: "notice" }, `${names}暂不可用，相关信息稍后刷新再看。`));
  }
  if (c.repeat_of) {
    out.push(h("p", { class: "notice repeat-link" }, "重复件：已并入工单 ",
      h("button", { type: "button", class: "link mono", onclick: () => openCase(c.repeat_of) },
        groupCaseNo(c.repeat_of)), "，以下派单和时限为原工单的办理情况。"));
  }
  if (c.repeats && c.repeats.length) {
    out.push(h("p", { class: "notice repeat-link" }, `该工单有 ${c.repeats.length} 次重复来电：`,
      c.repeats.map((no) => h("button", { type: "button", class: "link mono",
        onclick: () => openCase(no) }, groupCaseNo(no)))));
  }
  out.push(section("诉求内容", facts([
    ["受理时间", localTime(c.received_at)],
    ["渠道", label("channel", c.channel)],
    ["诉求类型", c.request_type ? label("requestType", c.request_type) : "未分类"],
    ["来电人", c.anonymous ? "匿名" : c.caller_name],
    ["来电号码", c.caller_phone],
    ["回访", c.anonymous ? "匿名，不回访" : c.callback_consent ? "同意回访" : "未同意回访"],
    ["接线员", operatorName(t)],
    ["标题", c.title],
    ["地址", c.address],
    ["网格编码", c.grid_code],
    ["经纬度", c.latitude != null ? `${c.latitude}, ${c.longitude}` : null],
    ["紧急原因", c.urgent_reason],
    ["附件", c.attachments && c.attachments.length ? c.attachments.join("\n") : null],
  ]), h("p", { class: "content" }, c.content)));
  if (c.answer) {
    out.push(section("直接答复", h("p", { class: "notice", id: "answered-note" },
      "咨询已在来电时直接答复，即时办结，不派单。"), h("p", { class: "content" }, c.answer)));
    out.push(section("办理记录", recordPart(t) || h("p", { class: "muted" }, "暂无记录")));
    return out;
  }
  out.push(section("派单", dispatchPart(t)));
  out.push(section("时限", slaPart(t)));
  out.push(section("办理记录", recordPart(t) || historyPart(t.sla)));
  out.push(section("通知记录", notificationsPart(t)));
  return out;
}

/** Who took the call, by name: the record names them; the signed-in operator knows their own. */
function operatorName(t) {
  const op = t.case.operator;
  if (!op) return null;
  const line = (t.record || []).find((e) => e.kind === "received" && e.who);
  if (line) return line.who;
  return me && me.username === op ? me.name : op;
}

function section(title, ...body) {
  return h("section", { class: "part" }, h("h4", {}, title), ...body);
}

function pending(t, service, text) {
  return h("p", { class: "muted" }, t.unavailable.includes(service) ? "暂无法获取" : text);
}

function dispatchPart(t) {
  const d = t.dispatch;
  if (!d) return pending(t, "dispatch", "尚未派单，系统正在分派…");
  return [
    facts([
      ["事项分类", d.topic],
      ["难度", label("difficulty", d.difficulty)],
      ["层级", label("tier", d.tier)],
      ["承办单位", d.unit_name],
      ["协办单位", d.co_unit_ids.join("、")],
      ["派单方式", d.manual ? "待人工派单" : "系统自动派单"],
      ["置信度", `${Math.round(d.confidence * 100)}%`],
    ]),
    explanation(d),
  ];
}

/** The explanation's summary, then its grounds as a list (the text repeats them inline). */
function explanation(d) {
  const summary = d.reasons.length ? d.explanation.split("判定依据：")[0] : d.explanation;
  return [
    h("p", { class: "explain" }, summary),
    d.reasons.length ? h("p", { class: "muted" }, "判定依据：") : null,
    d.reasons.length ? h("ul", { class: "reasons" }, d.reasons.map((r) => h("li", {}, r))) : null,
  ];
}

function slaPart(t) {
  const s = t.sla;
  if (!s) return pending(t, "sla", "时限尚未开始计算");
  return facts([
    ["状态", label("state", s.state)],
    ["灯色", lightDot(s.light)],
    ["当前承办", `${s.unit_name}（${label("tier", s.tier)}）`],
    ["签收时限", localTime(s.accept_due)],
    ["办结时限", localTime(s.resolve_due)],
    ["升级次数", s.escalations.length ? String(s.escalations.length) : null],
  ]);
}

function historyPart(s) {
  if (!s || !s.history.length) return h("p", { class: "muted" }, "暂无记录");
  return h("ol", { class: "history" }, s.history.map((e) => h("li", {},
    h("time", { datetime: e.at }, localTime(e.at)),
    h("strong", {}, label("kind", e.kind)),
    e.note ? h("span", {}, e.note.replace(/：$/, "")) : null)));
}

// The case record (工单台账) outlives the workflow: its story is shown when it has one.
function recordPart(t) {
  if (!t.record || !t.record.length) return null;
  return h("ol", { class: "history record" }, t.record.map((e) => h("li", {},
    h("time", { datetime: e.at }, localTime(e.at)),
    h("strong", {}, e.what),
    e.who ? h("span", {}, e.signed ? `${e.signed}：${e.who}` : e.who) : null,
    e.note ? h("span", {}, e.note) : null)));
}

function notificationsPart(t) {
  if (!t.notifications.length) return pending(t, "notify", "暂无通知");
  return h("ol", { class: "history" }, t.notifications.map((n) => h("li", {},
    h("time", { datetime: n.sent_at }, localTime(n.sent_at)),
    h("strong", {}, `${label("notifyChannel", n.channel)} → ${n.recipient_name || n.recipient}`),
    n.status === "suppressed" ? h("span", {}, label("notifyStatus", n.status)) : null,
    h("span", {}, n.body))));
}

// -- keyboard and wiring ---------------------------------------------------------------

function shortcuts(event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  // event.code, not event.key: Alt+letter types other characters on some layouts.
  if (event.code === "KeyN") {
    event.preventDefault();
    newCase();
  } else if (event.code === "KeyS") {
    event.preventDefault();
    $("q").focus();
    $("q").select();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("case-form").addEventListener("submit", submitCase);
  $("f-content").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("case-form").requestSubmit();
  });
  $("clear").addEventListener("click", () => { resetForm(); $("f-caller_phone").focus(); });
  $("search-form").addEventListener("submit", search);
  $("created-next").addEventListener("click", newCase);
  $("created-files").addEventListener("submit", uploadCreated);
  $("created-copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("created").dataset.caseNo);
      $("created-copy").textContent = "已复制";
    } catch {
      $("created-copy").textContent = "请手动复制";
    }
    setTimeout(() => { $("created-copy").textContent = "复制编号"; }, 1500);
  });
  for (const name of FIELDS) {
    $(`f-${name}`).addEventListener("input", () => {
      $(`e-${name}`).textContent = "";
      $(`f-${name}`).removeAttribute("aria-invalid");
      if (!document.querySelector("#case-form [aria-invalid]")) $("form-msg").textContent = "";
      idempotencyKey = null; // a changed form is a new request
    });
    $(`f-${name}`).addEventListener("blur", () => checkField(name));
  }
  $("f-anonymous").addEventListener("change", syncToggles);
  $("f-request_type").addEventListener("change", () => {
    $("f-request_type").dataset.chosen = "1";
    syncAnswer();
  });
  $("f-answered").addEventListener("change", () => { checkField("answer"); syncAnswer(); });
  $("f-content").addEventListener("input", scheduleSuggest);
  $("f-title").addEventListener("input", scheduleSuggest);
  $("f-urgent").addEventListener("change", syncToggles);
  loadMe();
  syncToggles();
  syncAnswer();
  document.addEventListener("keydown", shortcuts);
  $("f-caller_phone").focus();
});

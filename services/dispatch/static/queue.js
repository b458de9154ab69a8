// Handlers' queue: a unit's cases with their SLA light and time left, and the case actions.
"use strict";

const LABELS = {
  difficulty: {
    simple: "简单（立即办）", general: "一般（协调办）",
    complex: "复杂（现场办/联动办）", legacy: "历史遗留（分阶段办理）",
  },
  tier: { village: "村/社区级", township: "乡镇/街道级", district: "区级" },
  state: {
    dispatched: "待签收", accepted: "已签收", in_progress: "办理中",
    resolved: "已办结待回访", reopened: "重办中", closed: "已销号",
  },
  light: { green: "绿灯", yellow: "黄灯", red: "红灯" },
  kind: {
    dispatched: "派单", accepted: "签收", progressed: "反馈进展", resolved: "办结",
    reopened: "回访不满意，重办", closed: "销号", escalated: "超时升级",
    supervised: "督办", reopen_limit: "重办超限，升级",
  },
};
const TIER_ORDER = ["village", "township", "district"];
const WORKING = ["accepted", "in_progress", "reopened"];
const REFRESH_MS = 5000;
const PARALLEL = 6;
const ACTIONS = [
  { id: "accept", text: "签收", states: ["dispatched"] },
  { id: "progress", text: "反馈进展", states: WORKING, note: true },
  { id: "resolve", text: "办结", states: WORKING, note: true },
  { id: "callback", text: "回访满意", states: ["resolved"], body: { satisfied: true } },
  { id: "callback", text: "回访不满意", states: ["resolved"], body: { satisfied: false } },
];
const DONE = {
  accept: "已签收", progress: "已反馈进展", resolve: "已办结，等待回访",
  callback: "已记录回访结果",
};

const $ = (id) => document.getElementById(id);
const label = (group, key) => (key == null ? "—" : LABELS[group][key] || key);

const view = {
  tab: "unit",
  unitId: localStorage.getItem("minhu.queue.unit") || "",
  items: [],
  sla: new Map(), // case_no → sla status, or {missing: true} / {error: true}
  selected: null, // the queue item whose panel is open
  timer: null,
  round: 0,
};

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
  timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});
const localTime = (iso) => (iso ? CENTRE_TIME.format(new Date(iso)) : "—");
const groupCaseNo = (no) => `${no.slice(0, 8)} ${no.slice(8)}`;

/** Handlers see callers' mobile numbers masked (138****8000), even inside free text. */
const maskPhones = (text) =>
  (text || "").replace(/(^|\D)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, "$1$2****$3");

function duration(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const d = Math.floor(minutes / 1440);
  const hrs = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d) return `${d}天${hrs}小时`;
  if (hrs) return `${hrs}小时${m}分`;
  return m ? `${m}分钟` : "不到1分钟";
}

/** What the case waits for next and how long is left, e.g. "签收剩余 1小时20分". */
function timeLeft(s) {
  if (!s || s.missing || s.error) return "";
  if (s.state === "closed") return "已销号";
  if (s.state === "resolved") return "待回访";
  const [what, due] = s.state === "dispatched" ? ["签收", s.accept_due] : ["办结", s.resolve_due];
  if (!due) return "";
  const ms = new Date(due).getTime() - Date.now();
  return ms >= 0 ? `${what}剩余 ${duration(ms)}` : `${what}已超时 ${duration(ms)}`;
}

/** A coloured dot; its name is visible when `named`, else only for screen readers. */
function lightDot(light, named) {
  return h("span", { class: `light light-${light}`, title: label("light", light) },
    h("span", { class: "dot", "aria-hidden": "true" }),
    h("span", { class: named ? "" : "sr" }, label("light", light)));
}

async function fetchJson(url, options) {
  const resp = await fetch(url, options);
  let body = null;
  try { body = await resp.json(); } catch { body = null; }
  return { status: resp.status, body };
}

// -- units and the list ----------------------------------------------------------------

async function loadUnits() {
  const { status, body } = await fetchJson("/v1/units");
  if (status !== 200) throw new Error("units");
  const select = $("unit");
  select.replaceChildren();
  for (const tier of TIER_ORDER) {
    const group = h("optgroup", { label: label("tier", tier) });
    for (const u of body.filter((x) => x.tier === tier)) {
      group.append(h("option", { value: u.id }, u.name));
    }
    if (group.children.length) select.append(group);
  }
  if (!body.some((u) => u.id === view.unitId)) view.unitId = body.length ? body[0].id : "";
  select.value = view.unitId;
}

/** Fetch SLA status of many cases, a few at a time; closed cases never change again. */
async function loadSla(caseNos) {
  const todo = caseNos.filter((no) => {
    const known = view.sla.get(no);
    return !(known && known.state === "closed");
  });
  const worker = async () => {
    while (todo.length) {
      const no = todo.shift();
      try {
        const { status, body } = await fetchJson(`/v1/cases/${no}/sla`);
        const value = status === 200 ? body : status === 404 ? { missing: true } : { error: true };
        view.sla.set(no, value);
      } catch {
        view.sla.set(no, { error: true });
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

async function refresh() {
  clearTimeout(view.timer);
  const round = ++view.round; // a tab or unit switch starts a new round; older ones stop
  const url = view.tab === "manual"
    ? "/v1/manual-queue" : `/v1/queue?unit_id=${encodeURIComponent(view.unitId)}`;
  try {
    const { status, body } = await fetchJson(url);
    if (status !== 200) throw new Error(String(status));
    const open = view.selected ? [view.selected.case_no] : [];
    await loadSla([...new Set([...body.map((i) => i.case_no), ...open])]);
    if (round !== view.round) return;
    view.items = body;
    listMessage("");
    $("updated").textContent = `更新于 ${new Date().toLocaleTimeString("zh-CN", { hour12: false })}`;
  } catch {
    if (round !== view.round) return;
    listMessage("队列加载失败，稍后自动重试");
  }
  renderList();
  if (view.selected) renderStatus();
  view.timer = setTimeout(refresh, REFRESH_MS);
}

function listMessage(text) {
  $("list-msg").textContent = text;
  $("list-msg").hidden = !text;
}

function renderList() {
  const showClosed = $("show-closed").checked;
  const items = view.items.filter((i) => showClosed || (view.sla.get(i.case_no) || {}).state !== "closed");
  $(`count-${view.tab}`).textContent = `(${items.length})`;
  const focused = document.activeElement && document.activeElement.dataset.caseNo;
  const list = $("list");
  list.replaceChildren(...items.map(row));
  if (!items.length) {
    list.append(h("li", { class: "muted empty" },
      view.tab === "manual" ? "人工派单队列为空" : "本单位暂无待办工单"));
  }
  if (focused) {
    const again = list.querySelector(`[data-case-no="${focused}"]`);
    if (again) again.focus();
  }
}

function row(item) {
  const s = view.sla.get(item.case_no);
  const live = s && !s.missing && !s.error;
  const overdue = live && /已超时/.test(timeLeft(s));
  return h("li", {}, h("button", {
    type: "button",
    class: `row${view.selected && view.selected.case_no === item.case_no ? " selected" : ""}`,
    "data-case-no": item.case_no,
    "aria-current": view.selected && view.selected.case_no === item.case_no ? "true" : null,
    onclick: () => openCase(item),
  },
  h("span", { class: "row-head" },
    live ? lightDot(s.light) : h("span", { class: "light light-none" },
      h("span", { class: "dot", "aria-hidden": "true" })),
    h("span", { class: "mono" }, groupCaseNo(item.case_no)),
    item.urgent && h("span", { class: "chip urgent" }, "紧急"),
    live && h("span", { class: `chip state-${s.state}` }, label("state", s.state))),
  h("span", { class: "row-title" }, maskPhones(item.title || item.content)),
  h("span", { class: "row-meta" },
    `${item.topic} · ${label("difficulty", item.difficulty)}`,
    view.tab === "manual" && ` · 建议：${item.unit_name}`,
    live && h("span", { class: overdue ? "left overdue" : "left" }, timeLeft(s)),
    s && s.missing && h("span", { class: "left" }, "时限未开始"),
    s && s.error && h("span", { class: "left" }, "时限暂不可用"))));
}

// -- the case panel ---------------------------------------------------------------------

async function openCase(item) {
  view.selected = item;
  renderList();
  const panel = $("case");
  panel.replaceChildren(h("p", { class: "muted" }, "加载中…"));
  const [assign] = await Promise.all([
    fetchJson(`/v1/cases/${item.case_no}`).catch(() => ({ status: 0, body: null })),
    loadSla([item.case_no]),
  ]);
  if (view.selected !== item) return; // another case was opened meanwhile
  const a = assign.status === 200 ? assign.body : null;
  panel.replaceChildren(
    h("header", { class: "case-head" },
      h("h2", { id: "case-title", tabindex: "-1" },
        "工单 ", h("span", { class: "mono" }, groupCaseNo(item.case_no))),
      item.urgent && h("span", { class: "chip urgent" }, "紧急"),
      h("button", { type: "button", class: "small close", onclick: closePanel,
        "aria-label": "关闭详情" }, "关闭")),
    h("div", { id: "status" }),
    section("诉求内容",
      item.title && h("p", { class: "case-title" }, maskPhones(item.title)),
      h("p", { class: "content" }, maskPhones(item.content))),
    section("分类说明", a ? [
      facts([
        ["事项分类", a.topic],
        ["难度", label("difficulty", a.difficulty)],
        ["派单层级", label("tier", a.tier)],
        ["派往单位", a.unit_name],
        ["置信度", `${Math.round(a.confidence * 100)}%`],
        ["派单方式", a.manual ? "待人工派单" : "系统自动派单"],
      ]),
      explanation(a),
    ] : h("p", { class: "muted" }, "派单记录暂不可用")),
    actionBox(),
    section("办理记录", h("div", { id: "history" })));
  renderStatus();
  // Focus the heading, not the note: on a phone a focused text box pops the keyboard up.
  $("case-title").focus();
}

function closePanel() {
  const no = view.selected && view.selected.case_no;
  view.selected = null;
  $("case").replaceChildren(h("p", { class: "muted placeholder" }, "从左侧队列选择一件工单查看和办理。"));
  renderList();
  const back = no && $("list").querySelector(`[data-case-no="${no}"]`);
  if (back) back.focus();
}

function section(title, ...body) {
  return h("section", { class: "part" }, h("h3", {}, title), ...body);
}

function facts(pairs) {
  const dl = h("dl", { class: "facts" });
  for (const [term, value] of pairs) {
    if (value == null || value === "") continue;
    dl.append(h("dt", {}, term), h("dd", {}, value));
  }
  return dl;
}

/** The explanation's summary, then its grounds as a list (the text repeats them inline). */
function explanation(a) {
  const summary = a.reasons.length ? a.explanation.split("判定依据：")[0] : a.explanation;
  return [
    h("p", { class: "explain" }, summary),
    a.reasons.length ? h("p", { class: "muted" }, "判定依据：") : null,
    a.reasons.length ? h("ul", { class: "reasons" }, a.reasons.map((r) => h("li", {}, r))) : null,
  ];
}

function actionBox() {
  return section("办理",
    h("label", { for: "note", class: "lbl" }, "办理说明（反馈进展、办结情况或回访意见）"),
    h("textarea", { id: "note", rows: "3", maxlength: "2000",
      placeholder: "反馈进展和办结时必填" }),
    h("div", { class: "buttons", id: "actions" }, ACTIONS.map((act) => h("button", {
      type: "button", "data-action": act.id, onclick: () => doAction(act),
    }, act.text))),
    h("p", { id: "action-msg", class: "action-msg", role: "alert" }));
}

/** The SLA block and history of the open case; the note being typed is left alone. */
function renderStatus() {
  const s = view.sla.get(view.selected.case_no);
  const box = $("status");
  if (!box) return;
  if (!s || s.missing || s.error) {
    box.replaceChildren(h("p", { class: "notice" },
      s && s.missing ? "时限尚未开始计算（工单未派至办理单位）" : "时限服务暂不可用，稍后自动刷新"));
    $("history").replaceChildren();
    return;
  }
  const left = timeLeft(s);
  box.replaceChildren(facts([
    ["状态", h("span", {}, lightDot(s.light, true), " · ", label("state", s.state))],
    ["时限", h("span", { class: /已超时/.test(left) ? "overdue" : "" }, left)],
    ["当前承办", `${s.unit_name}（${label("tier", s.tier)}）`],
    ["签收时限", localTime(s.accept_due)],
    ["办结时限", localTime(s.resolve_due)],
    ["升级次数", s.escalations.length ? String(s.escalations.length) : null],
  ]));
  for (const btn of $("actions").children) {
    const act = ACTIONS.find((a) => a.text === btn.textContent);
    btn.classList.toggle("primary", act.states.includes(s.state));
  }
  $("history").replaceChildren(s.history.length
    ? h("ol", { class: "history" }, s.history.map((e) => h("li", {},
      h("time", { datetime: e.at }, localTime(e.at)),
      h("strong", {}, label("kind", e.kind)),
      h("span", {}, maskPhones(e.note.replace(/：$/, ""))))))
    : h("p", { class: "muted" }, "暂无记录"));
}

/** sla's refusal as handlers say it: no error-type prefix, states by their Chinese names. */
const readable = (message) => String(message || "")
  .replace(/^[A-Za-z]+:\s*/, "")
  .replace(/「(\w+)」/g, (all, code) => `「${LABELS.state[code] || code}」`);

async function doAction(act) {
  const msg = $("action-msg");
  const actor = $("actor").value.trim();
  msg.className = "action-msg";
  if (!actor) {
    msg.textContent = "请先在页面顶部填写操作人";
    $("actor").focus();
    return;
  }
  const item = view.selected;
  const body = { actor, note: $("note").value.trim(), ...(act.body || {}) };
  const buttons = [...$("actions").children];
  buttons.forEach((b) => { b.disabled = true; });
  msg.textContent = `${act.text}中…`;
  try {
    const { status, body: reply } = await fetchJson(
      `/v1/cases/${item.case_no}/actions/${act.id}`,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
    );
    if (view.selected !== item) return;
    if (status === 200) {
      view.sla.set(item.case_no, reply);
      $("note").value = "";
      msg.className = "action-msg ok";
      msg.textContent = act.id === "callback"
        ? (reply.state === "closed" ? "回访满意，工单已销号" : "回访不满意，工单已重新交办")
        : DONE[act.id];
      renderStatus();
      renderList();
    } else {
      msg.className = "action-msg refused";
      const fields = reply && reply.errors ? reply.errors.map((e) => e.message).join("；") : "";
      msg.textContent = readable((reply && reply.message) || `操作失败（${status}）`)
        + (fields ? `：${fields}` : "");
    }
  } catch {
    msg.className = "action-msg refused";
    msg.textContent = "网络异常，操作未完成，请稍后重试";
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// -- tabs and wiring ---------------------------------------------------------------------

function selectTab(tab) {
  view.tab = tab;
  for (const name of ["unit", "manual"]) {
    const btn = $(`tab-${name}`);
    btn.setAttribute("aria-selected", String(name === tab));
    btn.tabIndex = name === tab ? 0 : -1;
  }
  $("list").setAttribute("aria-labelledby", `tab-${tab}`);
  view.items = [];
  renderList();
  refresh();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("actor").value = localStorage.getItem("minhu.queue.actor") || "";
  $("actor").addEventListener("change", () => {
    localStorage.setItem("minhu.queue.actor", $("actor").value.trim());
  });
  $("unit").addEventListener("change", () => {
    view.unitId = $("unit").value;
    localStorage.setItem("minhu.queue.unit", view.unitId);
    if (view.tab !== "unit") selectTab("unit");
    else refresh();
  });
  $("tab-unit").addEventListener("click", () => selectTab("unit"));
  $("tab-manual").addEventListener("click", () => selectTab("manual"));
  $("tab-unit").parentElement.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const next = view.tab === "unit" ? "manual" : "unit";
    selectTab(next);
    $(`tab-${next}`).focus();
  });
  $("show-closed").addEventListener("change", renderList);
  try {
    await loadUnits();
  } catch {
    listMessage("单位目录加载失败，请刷新页面");
    return;
  }
  refresh();
});

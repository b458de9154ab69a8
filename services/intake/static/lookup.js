// Citizens' look-up: the state, the unit and the answer of a case, by number and last digits.
"use strict";

const $ = (id) => document.getElementById(id);
const TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});
const when = (iso) => (iso ? TIME.format(new Date(iso)) : "—");

function row(dl, term, value) {
  if (value == null || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  dl.append(dt, dd);
}

function show(found) {
  const view = $("lookup-result");
  const head = document.createElement("h3");
  head.textContent = `工单 ${found.case_no}`;
  const dl = document.createElement("dl");
  dl.className = "facts";
  row(dl, "诉求类型", found.request_type);
  row(dl, "办理状态", found.state);
  row(dl, "承办单位", found.unit_name || "正在派单");
  row(dl, "受理时间", when(found.received_at));
  row(dl, "办结时间", found.closed_at ? when(found.closed_at) : "");
  const parts = [head, dl];
  if (found.answer) {
    const h4 = document.createElement("h4");
    h4.textContent = "答复内容";
    const p = document.createElement("p");
    p.className = "content";
    p.id = "lookup-answer";
    p.textContent = found.answer;
    parts.push(h4, p);
  }
  view.replaceChildren(...parts);
  view.hidden = false;
}

async function lookup(event) {
  event.preventDefault();
  const caseNo = $("l-case_no").value.replace(/\s/g, "");
  const last4 = $("l-phone_last4").value.trim();
  $("e-case_no").textContent = /^\d{14}$/.test(caseNo) ? "" : "工单编号应为 14 位数字";
  $("e-phone_last4").textContent = /^\d{4}$/.test(last4) ? "" : "请输入来电号码的后四位数字";
  $("lookup-msg").textContent = "";
  $("lookup-result").hidden = true;
  if ($("e-case_no").textContent || $("e-phone_last4").textContent) return;
  try {
    const resp = await fetch("/v1/lookup", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ case_no: caseNo, phone_last4: last4 }),
    });
    const body = await resp.json().catch(() => null);
    if (resp.status === 200) show(body);
    else if (resp.status === 429) $("lookup-msg").textContent = "查询过于频繁，请稍后再试";
    else $("lookup-msg").textContent = (body && body.message) || "查询失败，请稍后重试";
  } catch {
    $("lookup-msg").textContent = "网络异常，请稍后重试";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("lookup-form").addEventListener("submit", lookup);
  $("l-case_no").focus();
});

// Queue UI enhancements: live refresh over server-sent events, remaining-time clocks, and
// action forms sent as JSON with the server's Chinese messages shown in place.
"use strict";

const main = document.getElementById("main");
const toast = document.getElementById("toast");
const live = document.body.dataset.live || "";
// Every state-changing request carries the session's CSRF token (the server checks it).
const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const csrf = csrfMeta ? csrfMeta.content : "";

function say(text, bad) {
  toast.textContent = text;
  toast.className = bad ? "show bad" : "show";
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { toast.className = ""; }, 4000);
}

// Remaining time counts working time (office hours on working days) where sla's policy does:
// the server renders what was left at data-at; the browser subtracts what has been worked
// since, from the working spans /ui/worktime gives (clock time beyond them).
let work = null;
async function loadWork() {
  try {
    const resp = await fetch("/ui/worktime", { credentials: "same-origin" });
    const body = resp.ok ? await resp.json() : null;
    work = body && body.spans ? body : null;
  } catch (err) {
    work = null;
  }
  tick();
}

function workedUntil(t) {
  // Milliseconds of working time from work.from to t (clock time outside the known spans).
  if (t <= work.from) return t - work.from;
  const end = Math.min(t, work.until);
  let total = 0;
  for (const [a, b] of work.spans) {
    if (a >= end) break;
    total += Math.min(b, end) - a;
  }
  return total + Math.max(0, t - work.until);
}

function elapsed(basis, since, now) {
  if (basis === "working" && work) return workedUntil(now) - workedUntil(since);
  return now - since;
}

function remaining(left, basis, day) {
  const late = left < 0;
  let s = Math.abs(Math.round(left));
  const unit = basis === "working" ? "个工作日" : "天";
  const per = basis === "working" ? day : 86400;
  const d = Math.floor(s / per);
  s -= d * per;
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const txt = d ? (h ? `${d}${unit}${h}小时` : `${d}${unit}`) : h ? `${h}小时${m}分` : `${m}分`;
  return (late ? "已超时 " : "剩余 ") + txt;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-left]")) {
    const at = Number(el.dataset.at);
    const left = Number(el.dataset.left) - elapsed(el.dataset.basis, at, now) / 1000;
    el.textContent = remaining(left, el.dataset.basis, Number(el.dataset.day) || 86400);
    el.classList.toggle("late", left < 0);
  }
}

let refreshing = null;
async function refresh() {
  // The same list, page and filters as shown, only its main part.
  const url = new URL(location.href);
  url.searchParams.set("part", "main");
  const resp = await fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } });
  if (resp.status === 401 || resp.redirected) { location.reload(); return; }
  const keep = document.activeElement && main.contains(document.activeElement) &&
    /INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName);
  if (keep) { setTimeout(schedule, 2000); return; }  // never wipe what someone is typing
  main.innerHTML = await resp.text();
  showOutcome();
  tick();
  if (typeof drawCharts === "function") drawCharts();  // charts.js, where the page has charts
  document.body.dataset.refreshed = String(Date.now());
}
function schedule() {
  clearTimeout(refreshing);
  refreshing = setTimeout(refresh, 150);
}

if (live) {
  const source = new EventSource("/ui/stream");
  source.addEventListener("case", (ev) => {
    const change = JSON.parse(ev.data);
    if (live.startsWith("case:") && change.case_no && change.case_no !== live.slice(5)) return;
    schedule();
  });
  source.onopen = () => { document.body.dataset.stream = "open"; };
}

function fields(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.name === "csrf" || el.type === "file") continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (["approve", "satisfied", "accept"].includes(el.name)) out[el.name] = el.value === "true";
    else if (el.type === "number") out[el.name] = Number(el.value);
    else out[el.name] = el.value.trim();
  }
  return out;
}

function target(form) {
  const no = form.dataset.case;
  if (form.classList.contains("act")) return `/ui/cases/${no}/act/${form.dataset.action}`;
  if (form.classList.contains("manual-reject")) return `/ui/manual/${no}/reject`;
  if (form.classList.contains("manual")) return `/ui/manual/${no}`;
  if (form.classList.contains("arbitrate")) return `/ui/arbitrations/${no}`;
  return null;
}

function problem(body, status) {
  if (body && body.errors && body.errors.length) {
    return body.errors.map((e) => e.message).join("；");
  }
  if (body && body.message) return body.message;
  if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  return `操作失败（${status}）`;
}

// The last action's outcome stays in place for a while, across the refresh it causes.
let outcome = null;
function showOutcome() {
  const msg = document.getElementById("action-msg");
  if (!msg || !outcome || Date.now() - outcome.at > 15000) return;
  msg.textContent = outcome.text;
  msg.className = outcome.cls;
}

function reveal() {
  const msg = document.getElementById("action-msg");
  if (msg) msg.scrollIntoView({ block: "nearest" });
}

main.addEventListener("submit", async (ev) => {
  const form = ev.target;
  const url = target(form);
  if (!url) return;
  ev.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    // A photo in the form (办结's) is stored first; the action follows only if it was.
    const photos = Array.from(form.querySelectorAll('input[type="file"]'));
    const refused = photos.length && typeof uploadFiles === "function"
      ? await uploadFiles(form.dataset.case, photos) : null;
    if (refused) {
      outcome = { text: refused, cls: "msg bad", at: Date.now() };
      showOutcome();
      if (form.closest("#actions")) reveal(); else say(refused, true);
      return;
    }
    const resp = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(fields(form)),
    });
    const body = await resp.json().catch(() => null);
    // On the case page the outcome is said in place, above the forms: a toast there would
    // cover the very form (办结) the handler is filling in.
    const inPlace = Boolean(form.closest("#actions"));
    if (resp.ok) {
      const label = form.querySelector("legend, button").textContent;
      outcome = { text: `${label}成功`, cls: "msg ok", at: Date.now() };
      showOutcome();
      if (inPlace) reveal(); else say(`${label}成功`);
      schedule();
    } else {
      const text = problem(body, resp.status);
      outcome = { text, cls: "msg bad", at: Date.now() };
      showOutcome();
      if (inPlace) reveal(); else say(text, true);
    }
  } catch (err) {
    say("网络异常，请稍后重试", true);
  } finally {
    button.disabled = false;
  }
});

// Printable pages (通报) offer a print button; no inline handlers under the page's CSP.
document.addEventListener("click", (ev) => {
  if (ev.target.closest && ev.target.closest("[data-print]")) window.print();
});

// Only a signed-in page (it has the top navigation) may ask for the working spans: the login
// page would be refused them.
if (document.querySelector("nav.top")) {
  loadWork();
  setInterval(loadWork, 3600000);
}
setInterval(tick, 30000);

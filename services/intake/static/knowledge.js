// Knowledge base upkeep: a unit's people keep their unit's entries, admins every entry.
"use strict";

const $ = (id) => document.getElementById(id);
const FIELDS = ["title", "body", "topic", "keywords", "source_unit_id", "valid_from", "valid_until"];
let me = null;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
}

async function json(url, options) {
  const resp = await fetch(url, { credentials: "same-origin", ...options });
  let body = null;
  try { body = await resp.json(); } catch { body = null; }
  return { status: resp.status, body };
}

async function loadList() {
  const mine = $("mine").checked && me && me.role !== "admin";
  const url = mine ? `/v1/knowledge?unit=${encodeURIComponent(me.unit_id)}` : "/v1/knowledge";
  const { status, body } = await json(url);
  const list = $("entries");
  if (status !== 200) {
    list.replaceChildren(el("li", "muted", "无法读取知识库，请稍后重试"));
    return;
  }
  if (!body.length) {
    list.replaceChildren(el("li", "muted", "暂无条目"));
    return;
  }
  list.replaceChildren(...body.map((entry) => {
    const li = el("li", "kb-item");
    const open = el("button", "link kb-open", entry.title);
    open.type = "button";
    open.addEventListener("click", () => {
      $("entry-msg").textContent = "";
      edit(entry.entry_id);
    });
    const until = entry.valid_until ? `至 ${entry.valid_until}` : "长期有效";
    li.append(open, el("span", "kb-meta",
      ` · ${entry.topic} · ${entry.source_unit_name} · ${entry.valid_from} ${until}` +
      `${entry.valid_today ? "" : " · 不在有效期内"} · 第 ${entry.version} 版`));
    return li;
  }));
}

async function edit(entryId) {
  const { status, body } = await json(`/v1/knowledge/${entryId}`);
  if (status !== 200) return;
  $("k-entry_id").value = String(entryId);
  for (const name of FIELDS) $(`k-${name}`).value = body[name] || "";
  $("edit-h").textContent = `修改条目 ${entryId}`;
  $("entry-history").replaceChildren(...body.history.map((h) => el("li", "",
    `${h.at.slice(0, 16).replace("T", " ")} 第 ${h.version} 版 ${h.action === "created" ? "新增" : "修改"}：` +
    `${h.by_username}（${h.by_unit || "—"}）`)));
}

function blank() {
  $("entry-form").reset();
  $("k-entry_id").value = "";
  $("edit-h").textContent = "新增条目";
  $("entry-history").replaceChildren();
  $("entry-msg").textContent = "";
  if (me) $("k-source_unit_id").value = me.unit_id;
  $("k-valid_from").value = new Date().toISOString().slice(0, 10);
}

async function save(event) {
  event.preventDefault();
  for (const name of FIELDS) $(`e-${name}`).textContent = "";
  const body = {};
  for (const name of FIELDS) body[name] = $(`k-${name}`).value.trim();
  if (!body.valid_until) body.valid_until = null;
  const id = $("k-entry_id").value;
  const { status, body: answer } = await json(id ? `/v1/knowledge/${id}` : "/v1/knowledge", {
    method: id ? "PUT" : "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": me ? me.csrf : "" },
    body: JSON.stringify(body),
  });
  if (status === 200 || status === 201) {
    $("entry-msg").textContent = `已保存（第 ${answer.version} 版）`;
    await loadList();
    await edit(answer.entry_id);
    return;
  }
  for (const e of (answer && answer.errors) || []) {
    const slot = $(`e-${e.field}`);
    if (slot) slot.textContent = e.message;
  }
  $("entry-msg").textContent = (answer && answer.message) || `保存失败（${status}）`;
}

document.addEventListener("DOMContentLoaded", async () => {
  const who = await json("/v1/me");
  if (who.status === 200) {
    me = who.body;
    $("who-name").textContent = me.name;
    $("who-unit").textContent = `（${me.unit_id}）`;
    $("who").hidden = false;
  }
  $("entry-form").addEventListener("submit", save);
  $("entry-new").addEventListener("click", blank);
  $("mine").addEventListener("change", loadList);
  blank();
  await loadList();
});

// Files and photos of a case: the upload form (a phone's camera or chosen files) and the
// photo of 办结, both sent as multipart to /cases/<no>/files; the server's Chinese
// messages are shown in place.
"use strict";

function filesCsrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Uploads the chosen files of the given inputs; resolves to null when stored, or to the
// server's message when refused.
async function uploadFiles(caseNo, inputs) {
  const chosen = inputs.filter((el) => el.files && el.files.length);
  if (!chosen.length) return null;
  const body = new FormData();
  for (const el of chosen) for (const f of el.files) body.append("file", f, f.name);
  body.append("origin", chosen.some((el) => el.dataset.origin === "phone") ? "phone" : "case");
  let resp;
  try {
    resp = await fetch(`/cases/${caseNo}/files`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": filesCsrf(), "Accept": "application/json" },
      body,
    });
  } catch (err) {
    return "网络异常，附件未上传，请稍后重试";
  }
  if (resp.ok) return null;
  const answer = await resp.json().catch(() => null);
  return (answer && answer.message) || `上传失败（${resp.status}）`;
}

document.addEventListener("submit", async (ev) => {
  const form = ev.target;
  if (!form.classList || !form.classList.contains("upload")) return;
  ev.preventDefault();
  const msg = form.querySelector(".msg");
  const inputs = Array.from(form.querySelectorAll('input[type="file"]'));
  if (!inputs.some((el) => el.files && el.files.length)) {
    msg.textContent = "请选择要上传的文件或照片";
    msg.className = "msg bad";
    return;
  }
  const button = form.querySelector("button");
  button.disabled = true;
  msg.textContent = "上传中…";
  msg.className = "msg";
  const refused = await uploadFiles(form.dataset.case, inputs);
  button.disabled = false;
  if (refused) {
    msg.textContent = refused;
    msg.className = "msg bad";
    return;
  }
  for (const el of inputs) el.value = "";
  msg.textContent = "上传成功";
  msg.className = "msg ok";
  document.body.dataset.uploaded = String(Date.now());
  if (typeof schedule === "function") schedule();  // queue.js: the page shows the new file
});

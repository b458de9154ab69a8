// 显示完整号码: asks the desk for a caller's number and name in full (the desk writes the read
// to its access audit first) and shows them in place of the masked ones. The page's live
// refresh redraws the masked line; what was shown here is put back without asking again.
"use strict";

(() => {
  const shownFor = {};

  function csrfOf(form) {
    const field = form.querySelector("input[name=csrf]");
    if (field && field.value) return field.value;
    const meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function show(caseNo) {
    const got = shownFor[caseNo];
    const form = document.getElementById("reveal-form");
    if (!got || !form || form.dataset.case !== caseNo) return;
    const phone = document.getElementById("caller-phone");
    const name = document.getElementById("caller-name");
    if (phone) {
      phone.textContent = got.caller_phone || "—";
      phone.classList.add("revealed");
    }
    if (name) name.textContent = got.caller_name;
    form.hidden = true;
  }

  function message(text) {
    const msg = document.getElementById("action-msg");
    if (msg) {
      msg.textContent = text;
      msg.className = "msg bad";
    }
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.classList || !form.classList.contains("reveal")) return;
    ev.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const resp = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": csrfOf(form), "Accept": "application/json" },
      });
      const body = await resp.json().catch(() => null);
      if (resp.ok && body) {
        shownFor[form.dataset.case] = body;
        show(form.dataset.case);
      } else {
        const detail = body && (body.message || (body.detail && body.detail.message));
        message(detail || `无法显示完整号码（${resp.status}）`);
      }
    } catch (err) {
      message("网络异常，请稍后重试");
    } finally {
      button.disabled = false;
    }
  });

  const main = document.getElementById("main");
  if (main) {
    new MutationObserver(() => {
      const form = document.getElementById("reveal-form");
      if (form && !form.hidden) show(form.dataset.case);
    }).observe(main, { childList: true });
  }
})();

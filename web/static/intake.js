// 录入来电、来信: as the officer types, ask the classifier for its proposal and pre-fill category, severity
// and section with it (reasons shown). A field the officer changed stays theirs. Without this script the
// fields stay on "按研判建议" and the server applies the same proposal on save.
(function () {
  "use strict";
  var form = document.getElementById("case-form");
  if (!form || !window.fetch) return;
  var title = document.getElementById("case-title");
  var content = document.getElementById("case-content");
  var statusEl = document.getElementById("triage-status");
  var reasonsEl = document.getElementById("triage-reasons");
  var suggestedEl = document.getElementById("case-suggested");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-triage]"));
  var timer = null;
  var asked = 0;
  var suggested = {};

  selects.forEach(function (select) {
    // Kept from a refused save: a value already there that the page did not put is the officer's.
    select.addEventListener("change", function () { select.setAttribute("data-touched", "1"); });
  });

  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "complaint";
  }

  function show(proposal) {
    selects.forEach(function (select) {
      var name = select.getAttribute("data-triage");
      var value = proposal[name] === null || proposal[name] === undefined ? "" : String(proposal[name]);
      if (select.getAttribute("data-touched")) return;
      if (!select.querySelector('option[value="' + value + '"]')) return;
      select.value = value;
      suggested[name] = value;
    });
    suggestedEl.value = Object.keys(suggested).map(function (k) { return k + "=" + suggested[k]; }).join("&");
    statusEl.textContent = "研判建议：" + proposal.category_label + " · " + proposal.severity + " · " +
      (proposal.section || "待人工分派") + "。已预填，可直接修改。";
    reasonsEl.textContent = "";
    proposal.reasons.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      reasonsEl.appendChild(li);
    });
  }

  function ask() {
    if (!(title.value.trim() || content.value.trim())) return;
    var mine = ++asked;
    var body = new FormData();
    body.append("title", title.value);
    body.append("content", content.value);
    body.append("kind", kind());
    var csrf = form.querySelector("input[name=csrf]");
    statusEl.textContent = "正在研判…";
    fetch(form.getAttribute("data-triage-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf ? csrf.value : "" }
    })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (proposal) { if (mine === asked) show(proposal); })
      .catch(function () {
        if (mine === asked) statusEl.textContent = "暂时无法研判，保存时将自动研判。";
      });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 500);
  }
  title.addEventListener("input", later);
  content.addEventListener("input", later);
  form.querySelectorAll("input[name=kind]").forEach(function (radio) { radio.addEventListener("change", later); });
  if (title.value.trim() || content.value.trim()) ask();
})();

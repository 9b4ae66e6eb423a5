// 牧情 response form: "用这一稿" puts another draft (a 口径 or a similar case's answer) into the box and
// records where it came from. Progressive enhancement: without it, the best draft is already in the box.
(function () {
  "use strict";
  var box = document.getElementById("respond-content");
  var statement = document.getElementById("draft-statement-id");
  var similar = document.getElementById("draft-alert-id");
  if (!box || !statement || !similar) return;
  document.querySelectorAll("button.use-draft").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var edited = box.value.trim() && box.value !== box.getAttribute("data-offered");
      if (edited && !window.confirm("用这一稿替换已编辑的回应内容？")) return;
      box.value = button.getAttribute("data-text");
      box.setAttribute("data-offered", box.value);
      statement.value = button.getAttribute("data-statement") || "";
      similar.value = button.getAttribute("data-alert") || "";
      box.focus();
    });
  });
  box.setAttribute("data-offered", box.value);
})();

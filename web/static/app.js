// 牧情 page script: progressive enhancement only — every page works without it.
// - keeps deadline countdowns current;
// - on the duty console, listens to the live stream, refreshes the board, plays a sound and shows a
//   browser notification for each new alert.
(function () {
  "use strict";

  function duration(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) return days + "天" + (hours ? hours + "小时" : "");
    if (hours) return hours + "小时" + (mins ? mins + "分" : "");
    return Math.max(mins, 1) + "分钟";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.due[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - now) / 1000;
      if (isNaN(left)) return;
      var state = left < 0 ? "overdue" : left < 7200 ? "soon" : "ok";
      el.className = "due " + state;
      el.textContent = left < 0 ? "已超期 " + duration(left) : "剩 " + duration(left);
    });
  }
  tick();
  setInterval(tick, 30000);

  var board = document.getElementById("board");
  if (!board || !window.EventSource) return;

  var statusEl = document.getElementById("live-status");
  var newBox = document.getElementById("new-alerts");
  var enableBtn = document.getElementById("enable-alerts");
  var audio = null;
  var source = null;
  var refreshing = false;
  var again = false;

  function setStatus(text, cls) {
    statusEl.textContent = text;
    statusEl.className = "live " + cls;
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.25].forEach(function (offset) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.2, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + offset);
        osc.stop(audio.currentTime + offset + 0.2);
      });
    } catch (e) { /* sound is a courtesy; the banner still shows */ }
  }

  function notify(item) {
    var text = "【" + item.severity + "】" + item.title + (item.section ? "（" + item.section + "）" : "");
    var line = document.createElement("p");
    var link = document.createElement("a");
    link.href = "/alerts/" + item.id;
    link.textContent = "新预警 #" + item.id + "：" + text;
    line.appendChild(link);
    newBox.prepend(line);
    while (newBox.children.length > 5) newBox.removeChild(newBox.lastChild);
    beep();
    if (window.Notification && Notification.permission === "granted") {
      var n = new Notification("牧情：新预警", { body: text, tag: "alert-" + item.id });
      n.onclick = function () { window.focus(); location.href = "/alerts/" + item.id; };
    }
  }

  function refresh(freshIds) {
    if (refreshing) { again = true; return; }
    refreshing = true;
    // Keep the user's place: skip a refresh while they type in a form on the board.
    var active = document.activeElement;
    if (active && board.contains(active) && /INPUT|SELECT|TEXTAREA/.test(active.tagName)) {
      refreshing = false;
      setTimeout(function () { refresh(freshIds); }, 5000);
      return;
    }
    fetch(board.getAttribute("data-board"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected || r.status === 401) { location.href = "/login?expired=1"; throw new Error("signed out"); }
        return r.text();
      })
      .then(function (html) {
        board.innerHTML = html;
        (freshIds || []).forEach(function (id) {
          var card = board.querySelector('[data-alert="' + id + '"]');
          if (card) card.classList.add("fresh");
        });
        tick();
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  function connect() {
    var meta = board.querySelector(".board-meta");
    var url = board.getAttribute("data-stream") + "?since=" + encodeURIComponent(meta.getAttribute("data-since")) +
      "&max_id=" + encodeURIComponent(meta.getAttribute("data-max-id"));
    source = new EventSource(url);
    source.onopen = function () { setStatus("实时更新已连接", "on"); };
    source.onerror = function () { setStatus("实时更新已断开，正在重连…", "off"); };
    var fresh = [];
    source.addEventListener("alert", function (e) {
      var item = JSON.parse(e.data);
      fresh.push(item.id);
      notify(item);
    });
    source.addEventListener("change", function () {
      refresh(fresh);
      fresh = [];
    });
    source.addEventListener("expired", function () {
      source.close();
      location.href = "/login?expired=1";
    });
  }

  if (enableBtn && window.Notification && Notification.permission !== "granted") {
    enableBtn.hidden = false;
    enableBtn.addEventListener("click", function () {
      beep();
      Notification.requestPermission().then(function (p) {
        if (p === "granted") enableBtn.hidden = true;
      });
    });
  }
  setStatus("正在连接实时更新…", "");
  connect();
})();

// Print buttons (reports).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// A link to an action (#act-dismiss, #act-escalate …) opens its folded form and puts the cursor in it.
(function () {
  "use strict";
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) return;
    if (target.tagName === "DETAILS") target.open = true;
    var field = target.querySelector("textarea, input:not([type=hidden]), select");
    if (field) field.focus();
  }
  openTarget();
  window.addEventListener("hashchange", openTarget);
})();

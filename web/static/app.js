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
  var refreshing = false;
  var again = false;

  function setStatus(text, cls) {
    if (statusEl.textContent !== text) statusEl.textContent = text;
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

  // A card the officer is working in (focus inside, a folded form open, a field changed) is kept as it is.
  function busy(card) {
    if (card.contains(document.activeElement) && document.activeElement !== card) return true;
    if (card.querySelector("details[open]")) return true;
    return Array.prototype.some.call(card.querySelectorAll("input, textarea, select"), function (f) {
      if (f.type === "hidden") return false;
      if (f.tagName === "SELECT") {
        return Array.prototype.some.call(f.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return f.value !== f.defaultValue;
    });
  }

  function merge(html, freshIds) {
    var next = document.createElement("div");
    next.innerHTML = html;
    var active = document.activeElement;
    board.querySelectorAll("article.case[data-alert]").forEach(function (old) {
      var twin = next.querySelector('article.case[data-alert="' + old.getAttribute("data-alert") + '"]');
      if (twin && busy(old)) twin.replaceWith(old);
    });
    (freshIds || []).forEach(function (id) {
      var card = next.querySelector('[data-alert="' + id + '"]');
      if (card) card.classList.add("fresh");
    });
    var focusedCard = active && active.matches && active.matches("article.case") ? active.getAttribute("data-alert") : null;
    board.replaceChildren.apply(board, Array.prototype.slice.call(next.childNodes));
    if (active && board.contains(active)) {
      active.focus({ preventScroll: true });
    } else if (focusedCard) {
      var same = board.querySelector('article.case[data-alert="' + focusedCard + '"]');
      if (same) same.focus({ preventScroll: true });
    }
    tick();
  }

  function refresh(freshIds) {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(board.getAttribute("data-board"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) {
        if (r.redirected || r.status === 401) { location.href = "/login?expired=1"; throw new Error("signed out"); }
        return r.text();
      })
      .then(function (html) { merge(html, freshIds); })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  // Liveness: the server sends a ping every second; 3.5 s without any event means the link is gone (shown within 5 s).
  var WATCHDOG_MS = 3500;
  var source = null;
  var lastBeat = 0;
  var resumeId = "";
  var retryTimer = null;
  var everConnected = false;

  function streamUrl() {
    var meta = board.querySelector(".board-meta");
    var since = meta.getAttribute("data-since");
    var maxId = meta.getAttribute("data-max-id");
    if (resumeId.indexOf("|") > 0) {
      since = resumeId.split("|")[0];
      maxId = resumeId.split("|")[1];
    }
    return board.getAttribute("data-stream") + "?since=" + encodeURIComponent(since) + "&max_id=" + encodeURIComponent(maxId);
  }

  function alive() {
    lastBeat = Date.now();
    setStatus("实时更新已连接", "on");
  }

  function reconnect() {
    if (source) source.close();
    source = null;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, 1500);
  }

  function connect() {
    var fresh = [];
    var first = true;
    source = new EventSource(streamUrl());
    lastBeat = Date.now();
    source.addEventListener("ping", function () {
      alive();
      // Back after a break: the stream replays what changed meanwhile; reload the board once to be sure.
      if (first) { first = false; if (everConnected) refresh(); everConnected = true; }
    });
    source.onerror = function () {
      setStatus("实时更新已断开，正在重连…", "off");
      reconnect();
    };
    source.addEventListener("alert", function (e) {
      alive();
      var item = JSON.parse(e.data);
      fresh.push(item.id);
      notify(item);
    });
    source.addEventListener("change", function (e) {
      alive();
      if (e.lastEventId) resumeId = e.lastEventId;
      refresh(fresh);
      fresh = [];
    });
    source.addEventListener("expired", function () {
      source.close();
      location.href = "/login?expired=1";
    });
  }

  setInterval(function () {
    if (source && Date.now() - lastBeat > WATCHDOG_MS) {
      setStatus("实时更新已断开，正在重连…", "off");
      reconnect();
    }
  }, 250);

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

// The header's 消息 link: the unread count, kept current over the inbox stream; new messages are announced.
(function () {
  "use strict";
  var link = document.getElementById("inbox-link");
  var count = document.getElementById("inbox-count");
  var said = document.getElementById("inbox-live");
  if (!link || !count || !window.EventSource) return;
  var list = document.querySelector(".inbox-list");

  function show(unread) {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    link.setAttribute("aria-label", "消息，" + unread + " 条未读");
  }

  function add(item) {
    if (!list || document.getElementById("inbox-" + item.id)) return;
    var li = document.createElement("li");
    li.id = "inbox-" + item.id;
    li.className = "card inbox-item unread";
    var head = document.createElement("p");
    head.className = "inbox-head";
    var kind = document.createElement("span");
    kind.className = "badge kind";
    kind.textContent = item.label;
    head.appendChild(kind);
    var title = document.createElement("p");
    title.className = "inbox-title";
    var target = item.alert_id ? document.createElement("a") : document.createElement("span");
    if (item.alert_id) target.href = "/alerts/" + item.alert_id;
    target.textContent = item.title;
    title.appendChild(target);
    li.appendChild(head);
    li.appendChild(title);
    list.prepend(li);
  }

  var source = new EventSource(link.getAttribute("data-stream"));
  source.addEventListener("inbox", function (e) {
    var data = JSON.parse(e.data);
    show(data.unread);
    data.items.forEach(add);
    if (said && data.items.length) {
      said.textContent = "新消息：" + data.items.map(function (i) { return i.label + "，" + i.title; }).join("；");
    }
  });
  source.addEventListener("expired", function () { source.close(); });
  window.addEventListener("pagehide", function () { source.close(); });
})();

// Keyboard on the duty console and the workbench: j/k move between cards, s signs for, a assigns,
// d dismisses, o or Enter opens the case, ? shows the keys. Focus comes back to the card after an action.
(function () {
  "use strict";
  var scope = document.getElementById("board") || document.querySelector(".workbench-board");
  if (!scope) return;
  var help = document.getElementById("keys-help");

  function cards() { return Array.prototype.slice.call(scope.querySelectorAll("article.case[data-alert]")); }
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("article.case[data-alert]") : null;
  }
  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  var wanted = /^#case-(\d+)$/.exec(location.hash);
  if (wanted) focusCard(document.getElementById("case-" + wanted[1]));

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (/^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName) || t.isContentEditable)) return;
    var all = cards();
    var card = current();
    var at = card ? all.indexOf(card) : -1;
    var key = e.key;
    if (key === "j" || key === "k") {
      e.preventDefault();
      var next = key === "j" ? Math.min(at + 1, all.length - 1) : Math.max(at - 1, 0);
      focusCard(all[at === -1 ? 0 : next]);
    } else if (key === "?") {
      if (help) { help.open = !help.open; e.preventDefault(); }
    } else if (card && (key === "s" || key === "a" || key === "d" || key === "o" || (key === "Enter" && t === card))) {
      if (key === "s") {
        var sign = card.querySelector('button[value="acknowledge"]');
        if (sign) { e.preventDefault(); sign.click(); }
      } else if (key === "a") {
        var select = card.querySelector("form.assign select");
        if (select) { e.preventDefault(); select.focus(); }
      } else if (key === "d") {
        var more = card.querySelector("details.case-more");
        if (more) { e.preventDefault(); more.open = true; more.querySelector("input[name=note]").focus(); }
      } else {
        e.preventDefault();
        location.href = card.querySelector("h3 a").href;
      }
    }
  });
})();

// 消息 while a portal tab is open: the top bar's count is asked every 30 s (not per
// page: the tab keeps what it knows in sessionStorage), 204 while nothing changed.
// Where the person allowed it with a click on the 消息 page, the browser shows each
// new one (Notification API); without it the count still shows.
(function () {
  "use strict";
  var link = document.querySelector("[data-notices-poll]");
  if (!link) return;
  var badge = link.querySelector("[data-notices-count]");
  var KEY = "notices-state";
  var EVERY = 30000;
  var canNotify = "Notification" in window;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch (e) { return null; }
  }
  function save(state) { sessionStorage.setItem(KEY, JSON.stringify(state)); }

  function paint(count) {
    badge.textContent = String(count);
    badge.hidden = false;
    badge.classList.toggle("zero", !count);
    badge.setAttribute("aria-label", "未读消息 " + count + " 条");
  }

  function show(items) {
    if (!canNotify || Notification.permission !== "granted") return;
    items.forEach(function (n) {
      var shown = new Notification("青山网格门户 · " + n.kind, {body: n.title, tag: "notice-" + n.id});
      shown.onclick = function () { window.focus(); window.location.href = link.getAttribute("href"); };
    });
  }

  function poll() {
    var state = load();
    var first = state === null;
    state = state || {after: 0, count: -1};
    fetch(link.getAttribute("data-notices-poll") + "?after=" + state.after + "&n=" + state.count,
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (answer) {
        if (answer) {
          var newest = answer.notices.reduce(function (m, n) { return Math.max(m, n.id); }, state.after);
          if (!first) show(answer.notices);
          state = {after: newest, count: answer.count};
        }
        state.at = Date.now();
        save(state);
        paint(state.count);
      }, function () { /* offline: ask again later */ });
  }

  // The 消息 page itself knows the count.
  var onPage = document.querySelector("[data-notices-unread]");
  var known = load();
  if (onPage && known) { known.count = Number(onPage.getAttribute("data-notices-unread")); save(known); }
  if (known && known.count >= 0) paint(known.count);
  var wait = known && known.at ? Math.max(0, EVERY - (Date.now() - known.at)) : 0;
  setTimeout(function () { poll(); setInterval(poll, EVERY); }, wait);

  // The permission is asked only after a click (the 消息 page's button).
  var ask = document.querySelector("[data-notices-permission]");
  var said = document.querySelector("[data-notices-permission-state]");
  function state() {
    if (!said) return;
    if (!canNotify) { said.textContent = "此浏览器不支持弹出提醒，消息仍会显示在顶栏。"; return; }
    said.textContent = {granted: "已开启弹出提醒。", denied: "弹出提醒已被浏览器禁止，可在浏览器设置中开启。"}[Notification.permission] || "";
    if (ask) ask.hidden = Notification.permission !== "default";
  }
  if (ask && canNotify) {
    ask.addEventListener("click", function () { Notification.requestPermission().then(state); });
  }
  state();
})();

// 消息 while a portal tab is open: the top bar's count asks every 30 s (204 while
// nothing new is unread) and, where the person allowed it with a click on the 消息
// page, the browser shows each new one (Notification API; works without it too).
(function () {
  "use strict";
  var link = document.querySelector("[data-notices-poll]");
  if (!link) return;
  var badge = link.querySelector("[data-notices-count]");
  var KEY = "notices-after";
  var canNotify = "Notification" in window;

  function show(items) {
    if (!canNotify || Notification.permission !== "granted") return;
    items.forEach(function (n) {
      var shown = new Notification("青山网格门户 · " + n.kind, {body: n.title, tag: "notice-" + n.id});
      shown.onclick = function () { window.focus(); window.location.href = link.getAttribute("href"); };
    });
  }

  function poll() {
    var after = sessionStorage.getItem(KEY);
    var first = after === null;
    fetch(link.getAttribute("data-notices-poll") + "?after=" + (after || "0"),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (answer) {
        if (first) sessionStorage.setItem(KEY, "0");
        if (!answer) return;
        var newest = answer.notices.reduce(function (m, n) { return Math.max(m, n.id); }, Number(after || 0));
        sessionStorage.setItem(KEY, String(newest));
        badge.textContent = String(answer.count);
        badge.classList.toggle("zero", !answer.count);
        badge.setAttribute("aria-label", "未读消息 " + answer.count + " 条");
        if (!first) show(answer.notices);
      }, function () { /* offline: ask again later */ });
  }

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
  poll();
  setInterval(poll, 30000);
})();

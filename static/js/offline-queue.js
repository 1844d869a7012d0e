// 离线补传: the worker's own status taps, kept on the phone (IndexedDB) while the
// line is down and sent in order when it is back (on reconnect, on every page load,
// and every 30 s while something waits). The server takes each with its id and the
// tap's time (portal/activity/offline.py); what it refuses is shown with the reason.
// Only the worker's own panel (#me-panel) queues; the meta tag names the account,
// so a tap is never sent under someone else's login.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="offline-queue"]');
  if (!meta || !window.indexedDB) return;
  // Installable: the service worker keeps the shell and the last 我的状态 (static/js/sw.js).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(meta.getAttribute("data-worker")).catch(function () {});
  }
  var URL_ = meta.getAttribute("content");
  var OWNER = meta.getAttribute("data-owner");
  var NEXT = {patrol_start: ["patrol_end", "巡查结束"], visit_start: ["visit_end", "入户结束"],
              errand: ["back", "返回（在岗）"], meeting: ["back", "返回（在岗）"]};
  var FIELDS = ["destination", "household", "back_in", "return_at", "note"];
  var dbPromise = null;
  var flushing = false;
  var waiting = 0;
  var lastError = "";
  // Said once after the reload that follows a replay, and kept on this page.
  var justSent = sessionStorage.getItem("offline-queue-sent");
  sessionStorage.removeItem("offline-queue-sent");

  function open() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var request = indexedDB.open("portal-offline", 1);
      request.onupgradeneeded = function () {
        var db = request.result;
        db.createObjectStore("taps", {keyPath: "seq", autoIncrement: true});
        db.createObjectStore("refused", {keyPath: "seq", autoIncrement: true});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return dbPromise;
  }

  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function mine(name) {
    return store(name, "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return rows.filter(function (r) { return r.owner === OWNER; })
        .sort(function (a, b) { return a.at - b.at || a.seq - b.seq; });
    });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function hhmm(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function enqueue(kind, label, fields, at) {
    var tap = {id: uuid(), owner: OWNER, kind: kind, label: label, at: at, fields: fields || {}};
    return store("taps", "readwrite", function (s) { return s.add(tap); }).then(render).then(flush);
  }

  function tapFrom(config) {
    var data = config.formData;
    var fields = {};
    FIELDS.forEach(function (name) { var v = data.get(name); if (v) fields[name] = v; });
    var kind = data.get("kind") || "";
    var button = config.elt.querySelector('button[name="kind"][value="' + kind + '"]');
    return {kind: kind, label: button ? button.textContent.trim() : kind, fields: fields};
  }

  function panelForm(elt) {
    return elt && elt.matches && elt.matches("#me-panel form.status-form");
  }

  // While taps wait, a new tap joins the queue (the order is the day's order).
  document.addEventListener("htmx:configRequest", function (event) {
    var config = event.detail;
    if (!panelForm(config.elt)) return;
    config.elt.dataset.tapAt = String(Date.now());
    if (waiting > 0 || navigator.onLine === false) {
      event.preventDefault();
      var tap = tapFrom(config);
      enqueue(tap.kind, tap.label, tap.fields, Date.now());
    }
  });
  // The request never reached the server: keep the tap.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !panelForm(config.elt)) return;
    var tap = tapFrom(config);
    enqueue(tap.kind, tap.label, tap.fields, Number(config.elt.dataset.tapAt) || Date.now());
  });

  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function send(tap) {
    var body = new URLSearchParams({id: tap.id, kind: tap.kind, at: String(tap.at), csrf_token: token()});
    Object.keys(tap.fields).forEach(function (name) { body.append(name, tap.fields[name]); });
    return fetch(URL_, {method: "POST", body: body, credentials: "same-origin",
                        headers: {"X-CSRFToken": token(), "Accept": "application/json"}});
  }

  function forget(name, seq) {
    return store(name, "readwrite", function (s) { return s.delete(seq); });
  }

  function refuse(tap, reason) {
    var row = {owner: OWNER, kind: tap.kind, label: tap.label, at: tap.at, reason: reason};
    return store("refused", "readwrite", function (s) { return s.add(row); }).then(function () {
      return forget("taps", tap.seq);
    });
  }

  // Sends the waiting taps one by one, oldest first; stops at the first that cannot
  // reach the server (still offline), and reloads the page once any was taken.
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    var sent = 0;
    function next(taps) {
      if (!taps.length) return null;
      var tap = taps[0];
      return send(tap).then(function (response) {
        if (response.ok) {
          sent += 1;
          return forget("taps", tap.seq).then(function () { return next(taps.slice(1)); });
        }
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (response.status === 422 || response.status === 403) {
            return refuse(tap, answer.reason || "服务器拒绝了这条记录。").then(function () { return next(taps.slice(1)); });
          }
          lastError = answer.reason || "服务器暂时无法处理，稍后自动重试。";
          return null;
        });
      }, function () { lastError = ""; return null; });
    }
    return mine("taps").then(next).then(function () {
      flushing = false;
      if (sent) {
        sessionStorage.setItem("offline-queue-sent", String(sent));
        window.location.reload();
        return;
      }
      return render();
    }, function () { flushing = false; });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function render() {
    return Promise.all([mine("taps"), mine("refused")]).then(function (found) {
      var taps = found[0], refused = found[1];
      waiting = taps.length;
      document.querySelectorAll("[data-offline-queue]").forEach(function (box) {
        box.replaceChildren();
        if (justSent) {
          box.append(el("p", {"class": "queue-sent", role: "status"}, "已补传 " + justSent + " 条离线记录（标记为离线补传）。"));
        }
        if (taps.length) {
          var head = el("p", {"class": "queue-head", role: "status"});
          head.append(el("strong", {}, "待发送 " + taps.length));
          head.append(" 条：网络恢复后自动按顺序发送，以点击时的时间记录；发送后上方状态随之更新。");
          box.append(head);
          var list = el("ol", {"class": "queue-list"});
          taps.forEach(function (t) { list.append(el("li", {}, hhmm(t.at) + " " + t.label)); });
          box.append(list);
          if (lastError) box.append(el("p", {"class": "warn"}, lastError));
          var actions = el("div", {"class": "quick-buttons"});
          var after = NEXT[taps[taps.length - 1].kind];
          if (after) {
            actions.append(el("button", {type: "button", "class": "primary", "data-queue-kind": after[0]}, after[1]));
          }
          actions.append(el("button", {type: "button", "data-queue-retry": "1"}, "立即重试发送"));
          box.append(actions);
        }
        if (refused.length) {
          var errors = el("div", {"class": "card-errors", role: "alert"});
          refused.forEach(function (r) {
            errors.append(el("p", {"class": "error"}, "未能补传：" + hhmm(r.at) + " " + r.label + "——" + r.reason));
          });
          errors.append(el("button", {type: "button", "data-queue-dismiss": "1"}, "知道了"));
          box.append(errors);
        }
        box.hidden = !box.childNodes.length;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-queue-kind], [data-queue-retry], [data-queue-dismiss]");
    if (!button) return;
    if (button.dataset.queueKind) {
      enqueue(button.dataset.queueKind, button.textContent.trim(), {}, Date.now());
    } else if (button.dataset.queueRetry) {
      flush();
    } else {
      mine("refused").then(function (rows) {
        return Promise.all(rows.map(function (r) { return forget("refused", r.seq); }));
      }).then(render);
    }
  });
  document.addEventListener("htmx:afterSettle", function () { render(); });
  window.addEventListener("online", function () { flush(); });
  setInterval(function () { if (waiting) flush(); }, 30000);
  render().then(flush);
})();

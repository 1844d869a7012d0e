// No work lost on a flaky line: forms marked data-keep (the leave form, the
// inspection answers) keep what was typed in sessionStorage until the server took
// it. A submit that cannot reach the server leaves the page as it was and says so,
// with a button to try again; a page opened again (after the browser's own error
// page, or a reload) gets the typed text back and says so.
(function () {
  "use strict";
  var PREFIX = "keep:";
  var PENDING = "keep-pending";

  function keyOf(form) { return PREFIX + (form.getAttribute("data-keep") || form.getAttribute("action")); }

  function fields(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "file" || el.type === "hidden" ||
          el.type === "submit" || el.tagName === "BUTTON") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      out[el.name + (el.type === "radio" || el.type === "checkbox" ? "=" + el.value : "")] = el.value;
    });
    return out;
  }

  function save(form) { sessionStorage.setItem(keyOf(form), JSON.stringify(fields(form))); }

  function restore(form, saved) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden") return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = (el.name + "=" + el.value) in saved;
      } else if (el.name in saved) {
        el.value = saved[el.name];
      }
    });
  }

  function say(form, text, retry) {
    var box = form.querySelector(":scope > .keep-note") || document.createElement("div");
    box.className = "keep-note";
    box.setAttribute("role", "alert");
    box.replaceChildren();
    var p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    if (retry) {
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = "重试提交";
      again.addEventListener("click", function () {
        box.remove();
        var submitter = form.lastSubmitter && form.contains(form.lastSubmitter) ? form.lastSubmitter : null;
        form.requestSubmit(submitter || undefined);
      });
      box.append(again);
    }
    form.prepend(box);
  }

  var forms = document.querySelectorAll("form[data-keep]");
  var pending = sessionStorage.getItem(PENDING);
  // The page after a plain submit: the form is gone, so the server took it.
  if (pending && !document.querySelector('form[data-keep="' + pending + '"]')) {
    sessionStorage.removeItem(PREFIX + pending);
  }
  sessionStorage.removeItem(PENDING);

  forms.forEach(function (form) {
    var raw = sessionStorage.getItem(keyOf(form));
    // A server's answer that points at mistakes shows what was sent: keep that.
    if (raw && !form.querySelector(".error, [aria-invalid=true]")) {
      try { restore(form, JSON.parse(raw)); } catch (e) { /* a broken copy: ignore */ }
      say(form, "已恢复您上次填写但未成功提交的内容，请检查后再提交。", false);
    }
    form.addEventListener("input", function () { save(form); });
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function (event) {
      save(form);
      form.lastSubmitter = event.submitter || form.lastSubmitter;
      if (navigator.onLine === false) {
        event.preventDefault();
        event.stopImmediatePropagation();
        say(form, "当前没有网络，未能提交；填写的内容已保留在本页，恢复网络后请点“重试提交”。", true);
        return;
      }
      if (!form.hasAttribute("hx-post")) sessionStorage.setItem(PENDING, form.getAttribute("data-keep"));
    }, true);
  });

  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb === "get") return;  // a preview, not a submit
    var form = config.elt && config.elt.closest && config.elt.closest("form[data-keep]");
    if (form) say(form, "网络中断，未能提交；填写的内容已保留，请点“重试提交”。", true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-keep]");
    if (form && event.detail.successful) sessionStorage.removeItem(keyOf(form));
  });
})();

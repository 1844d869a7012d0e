// Behaviour that CSP keeps out of the markup: no double submits, plain or htmx.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
    if (form.dataset.submitting === "1") { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    // Disable after the browser has collected the submitter's name and value.
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  // A page restored from the back/forward cache must be usable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    // Only submissions: a GET (a poll, a preview while typing) must not lock the form.
    if (event.detail.requestConfig && event.detail.requestConfig.verb === "get") return;
    var elt = event.detail.elt;
    var form = elt.closest("form");
    (form ? form.querySelectorAll("button, input[type=submit]") : [elt]).forEach(function (b) {
      if (b.tagName === "BUTTON" || b.type === "submit") { b.disabled = true; b.dataset.htmxDisabled = "1"; }
    });
  });
  // After a status change the changed card (or the worker's own panel) keeps the
  // focus, instead of it falling back to the page; polls never move it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb !== "post") return;
    var id = event.detail.target && event.detail.target.id;
    var fresh = id && document.getElementById(id);
    if (fresh && fresh.matches("#me-panel, .person-card")) {
      fresh.setAttribute("tabindex", "-1");
      fresh.focus({preventScroll: true});
    }
  });
  // The inspection: once an answer is saved the focus moves on to the next unanswered
  // one, which the sticky bar that came back with it names (data-next; empty once all
  // are given, then to 提交); after a refusal, to the field to put right.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    var id = event.detail.target && event.detail.target.id;
    var card = id && document.getElementById(id);
    if (!config || !card || !card.classList.contains("check-item") || !/\/answer$/.test(config.path)) return;
    if (event.detail.xhr.status !== 200) {
      var wrong = card.querySelector("[aria-invalid=true]");
      if (wrong) wrong.focus();
      return;
    }
    var bar = document.getElementById("answer-bar");
    if (!bar) return;
    var next = bar.dataset.next && document.getElementById(bar.dataset.next);
    var button = next ? next.querySelector("button.verdict") : bar.querySelector("button[type=submit]");
    if (!button) return;
    if (next) {
      var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      next.scrollIntoView({block: "center", behavior: calm ? "auto" : "smooth"});
    }
    button.focus({preventScroll: true});
  });
  // "复制链接": copies the text of the element named by data-copy.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var selector = button.getAttribute("data-copy");
    var source = document.querySelector(selector);
    var said = document.querySelector('[data-copied-for="' + selector + '"]');
    if (!source) return;
    var done = function () { if (said) said.textContent = "已复制"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.textContent.trim()).then(done, function () { select(source); });
    } else {
      select(source);
      if (document.execCommand && document.execCommand("copy")) done();
    }
  });
  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("htmx:afterRequest", function () {
    document.querySelectorAll("[data-htmx-disabled]").forEach(function (b) {
      b.disabled = false; delete b.dataset.htmxDisabled;
    });
  });
})();

// Baton's small behaviours. No inline scripts anywhere (the CSP forbids them).
(function () {
  "use strict";

  // Polling components back off: each data-poll element doubles its delay up to a ceiling.
  document.addEventListener("htmx:afterSwap", function (event) {
    var el = event.detail.target && event.detail.target.querySelector ? event.detail.target.querySelector("[data-poll-delay]") : null;
    if (!el) { return; }
    var delay = Math.min(parseInt(el.getAttribute("data-poll-delay"), 10) || 1000, 15000);
    el.setAttribute("hx-trigger", "load delay:" + delay + "ms");
    if (window.htmx) { window.htmx.process(el); }
  });

  // Forms marked data-confirm ask before a destructive or final step.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // Focus the error summary so keyboard and screen-reader users land on what needs fixing.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();

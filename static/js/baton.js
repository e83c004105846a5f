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

  // A scoring cell the browser refuses (e.g. 7 on a 0-5 scale) sends no request, so htmx would stay silent: say why
  // beside the cell, in its status line, and let the browser point at the field.
  document.addEventListener("htmx:validation:halted", function (event) {
    var form = event.target;
    var errors = (event.detail && event.detail.errors) || [];
    if (!form || !form.classList || !form.classList.contains("sc-cell") || !errors.length) { return; }
    var status = form.querySelector(".sc-status");
    var field = errors[0].elt;
    if (status) {
      var message = document.createElement("span");
      message.className = "sc-error";
      message.setAttribute("role", "alert");
      message.textContent = "Not saved: " + (errors[0].message || "this value is not allowed") +
        (field && field.max ? " (scores run from " + (field.min || 0) + " to " + field.max + ")" : "");
      status.replaceChildren(message);
    }
    if (field) { field.setAttribute("aria-invalid", "true"); }
  });

  // After the server answers a scoring cell, its field is marked invalid only while the answer is a refusal.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("sc-status")) { return; }
    var field = target.closest("form") ? target.closest("form").querySelector(".sc-value") : null;
    if (!field) { return; }
    if (target.querySelector(".sc-error")) { field.setAttribute("aria-invalid", "true"); }
    else { field.removeAttribute("aria-invalid"); }
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

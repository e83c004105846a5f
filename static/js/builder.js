// The scorecard builder (issue 21): a row can be taken out of the page before saving. Without JavaScript the
// row's "Remove" box does the same on save. No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function enhance(root) {
    (root || document).querySelectorAll("[data-remove-row]").forEach(function (button) {
      button.hidden = false;
      var box = button.parentNode.querySelector("input[type=checkbox][name$='-remove']");
      if (box && box.parentNode.tagName === "LABEL") { box.parentNode.hidden = true; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.detail.target); });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-remove-row]") : null;
    if (!button) { return; }
    event.preventDefault();
    var row = button.closest("tr");
    var form = button.closest("form");
    if (!row) { return; }
    var focus = row.nextElementSibling || row.previousElementSibling;
    row.parentNode.removeChild(row);
    var status = document.getElementById("builder-status");
    if (status) { status.textContent = "Row removed. It is removed from the scorecard when you save."; }
    var target = focus ? focus.querySelector("input, select, textarea") : null;
    if (target) { target.focus(); }
    if (form) { form.dispatchEvent(new CustomEvent("builder-changed", { bubbles: true })); }
  });
})();

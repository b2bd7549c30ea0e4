// Keyboard-first worklist: j/k or arrow keys move, Enter opens, "/" searches.
(function () {
  "use strict";
  function rows() { return Array.from(document.querySelectorAll("tbody tr[data-href]")); }
  function select(list, i) {
    list.forEach(function (r) { r.classList.remove("sel"); r.removeAttribute("aria-selected"); });
    var row = list[i];
    if (!row) return;
    row.classList.add("sel");
    row.setAttribute("aria-selected", "true");
    var link = row.querySelector("a");
    if (link) link.focus({ preventScroll: false });
  }
  function current(list) { return list.findIndex(function (r) { return r.classList.contains("sel"); }); }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    var list = rows();
    if (e.key === "/") {
      var q = document.querySelector("input[type=search]");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
      return;
    }
    if (!list.length) return;
    var i = current(list);
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); select(list, Math.min(i + 1, list.length - 1)); }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); select(list, Math.max(i - 1, 0)); }
    else if (e.key === "Enter" && i >= 0 && t.tagName !== "A" && t.tagName !== "BUTTON") {
      e.preventDefault(); window.location.href = list[i].dataset.href;
    }
  });
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tbody tr[data-href]");
    if (row && !e.target.closest("a, button, input, select, form")) window.location.href = row.dataset.href;
  });
  // Rows that arrive by htmx keep keyboard navigation: select the first one.
  document.addEventListener("htmx:afterSwap", function () { var l = rows(); if (l.length && current(l) < 0) l[0].classList.add("sel"); });
  document.addEventListener("DOMContentLoaded", function () {
    var l = rows(); if (l.length) l[0].classList.add("sel");
    var summary = document.querySelector(".error-summary"); if (summary) summary.focus();
  });
})();

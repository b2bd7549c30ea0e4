// Keyboard-first worklist: j/k or arrow keys move, Enter opens, "/" searches; the down arrow
// in a search box moves into its results, the up arrow on the first row back to the box.
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
  function isSearch(t) { return t && t.tagName === "INPUT" && t.type === "search"; }
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (isSearch(t) && e.key === "ArrowDown" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
      var found = rows();
      if (found.length) { e.preventDefault(); select(found, 0); }
      return;
    }
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
    else if (e.key === "ArrowUp" && i === 0 && document.querySelector("input[type=search]")) {
      e.preventDefault(); document.querySelector("input[type=search]").focus();
    }
    else if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); select(list, Math.max(i - 1, 0)); }
    else if (e.key === "Enter" && i >= 0 && t.tagName !== "A" && t.tagName !== "BUTTON") {
      e.preventDefault(); window.location.href = list[i].dataset.href;
    }
  });
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tbody tr[data-href]");
    if (row && !e.target.closest("a, button, input, select, form")) window.location.href = row.dataset.href;
  });
  // A filter picked from a list (select, checkbox) hands the keyboard back to the rows when the
  // new list arrives, so j/k work at once; typing in the search box keeps its focus.
  var filterPicked = false;
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.closest && t.closest("form.filters") && !(t.tagName === "INPUT" && (t.type === "search" || t.type === "text"))) {
      filterPicked = true;
    }
  });
  // Rows that arrive by htmx keep keyboard navigation: select the first one. After the settle,
  // not the swap: htmx's settle step puts back the server's class on rows whose id it knew.
  document.addEventListener("htmx:afterSettle", function () {
    var l = rows();
    if (l.length && current(l) < 0) l[0].classList.add("sel");
    if (filterPicked) { filterPicked = false; if (l.length) select(l, Math.max(current(l), 0)); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var l = rows(); if (l.length) l[0].classList.add("sel");
    var summary = document.querySelector(".error-summary"); if (summary) summary.focus();
  });
})();

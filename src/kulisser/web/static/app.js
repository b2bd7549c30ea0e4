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
    else if (e.key === "Enter" && i >= 0 && t.tagName !== "A" && t.tagName !== "BUTTON" && t.tagName !== "SUMMARY") {
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
  // Every refusal is shown, one mechanism for all htmx requests. A 4xx answer is swapped like
  // a 2xx one (htmx would drop it): the route re-renders the form or row the user acted on
  // with its message and the typed text. A generic error page (.error-box), a 5xx or no answer
  // at all replaces nothing (the typed text stays) and shows its message at that form.
  function actingForm(elt) { return (elt && elt.closest && elt.closest("form")) || elt; }
  function slot(at) {
    // A form holds its message inside; any other element (a search field, a poll) right after it.
    if (!at) return null;
    if (at.tagName === "FORM" || at.tagName === "MAIN" || at.tagName === "BODY") return at.querySelector(":scope > [data-htmx-error]");
    var next = at.nextElementSibling;
    return next && next.hasAttribute("data-htmx-error") ? next : null;
  }
  function clearMessage(elt) { var old = slot(actingForm(elt)); if (old) old.remove(); }
  function showMessage(elt, text) {
    var at = actingForm(elt);
    if (!at || !at.isConnected) at = document.querySelector("main") || document.body;
    clearMessage(at);
    var p = document.createElement("p");
    p.className = "err";
    p.setAttribute("role", "alert");
    p.setAttribute("data-htmx-error", "");
    p.textContent = text;
    if (at.tagName === "FORM" || at.tagName === "MAIN" || at.tagName === "BODY") at.prepend(p);
    else at.insertAdjacentElement("afterend", p);
  }
  function messageOf(html) {
    if (!html) return "";
    var doc = new DOMParser().parseFromString(html, "text/html");
    var box = doc.querySelector(".error-box") || doc.body;
    var parts = Array.from(box.querySelectorAll("h1, li")).map(function (n) { return n.textContent.trim(); });
    return parts.filter(Boolean).join(" ");
  }
  function fallback() { return document.body.dataset.msgFailed || ""; }
  document.addEventListener("htmx:beforeSwap", function (e) {
    var d = e.detail, status = d.xhr.status, elt = d.requestConfig && d.requestConfig.elt;
    if (status < 400) { clearMessage(elt); return; }
    var body = typeof d.serverResponse === "string" ? d.serverResponse : "";
    if (status < 500 && body.indexOf('class="error-box"') < 0) {
      d.shouldSwap = true; d.isError = false; return;
    }
    d.shouldSwap = false;
    showMessage(elt, messageOf(body) || fallback());
  });
  function unanswered(e) { showMessage(e.detail.requestConfig && e.detail.requestConfig.elt || e.target, document.body.dataset.msgOffline || fallback()); }
  document.addEventListener("htmx:sendError", unanswered);
  document.addEventListener("htmx:timeout", unanswered);
  document.addEventListener("DOMContentLoaded", function () {
    var l = rows(); if (l.length) l[0].classList.add("sel");
    var summary = document.querySelector(".error-summary"); if (summary) summary.focus();
  });
})();
// Narrow screens (app.css decides the widths). The header menu folds behind its button: the
// button shows only with this script, so without it the menu simply stays open. A table's rows
// stack into cards on a phone; each cell is labelled with its column's header (data-label),
// unless its template gave one, including rows that arrive by htmx.
(function () {
  "use strict";
  function setUpMenu() {
    var button = document.querySelector("header.top .menu-toggle");
    if (!button) return;
    var header = button.closest("header");
    button.hidden = false;
    header.classList.add("menu-folds");
    function open(yes) { button.setAttribute("aria-expanded", yes ? "true" : "false"); }
    button.addEventListener("click", function () { open(button.getAttribute("aria-expanded") !== "true"); });
    header.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && button.getAttribute("aria-expanded") === "true") { open(false); button.focus(); }
    });
  }
  function label(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("main table:not([data-wide])").forEach(function (table) {
      var heads = table.tHead ? Array.from(table.tHead.rows[0] ? table.tHead.rows[0].cells : []) : [];
      if (!heads.length) return;
      Array.from(table.tBodies).forEach(function (body) {
        Array.from(body.rows).forEach(function (row) {
          var col = 0;
          Array.from(row.cells).forEach(function (cell) {
            var head = heads[col];
            if (head && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", head.textContent.trim());
            col += cell.colSpan || 1;
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setUpMenu(); label(document); });
  document.addEventListener("htmx:afterSettle", function () { label(document); });
})();

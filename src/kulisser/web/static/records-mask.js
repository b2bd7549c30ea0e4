// Masking on the record copy's compile page: selecting a passage of a picked document's text
// (mouse, or Shift+arrows in the focused text) fills the form's start/end with the selection's
// offsets in code points, which is how the server counts the stored text. Typing a passage in
// the field instead clears them (the typed passage is masked wherever it occurs). Without this
// script the typed passage is the way to mask.
(function () {
  "use strict";

  function codePoints(text) {
    return Array.from(text).length;
  }

  function offsetIn(container, node, offset) {
    var range = document.createRange();
    range.setStart(container, 0);
    range.setEnd(node, offset);
    return codePoints(range.toString());
  }

  function formFor(container) {
    var article = container.closest("[data-document]");
    return article ? article.querySelector("[data-mask-form]") : null;
  }

  function note(form, text) {
    var shown = form.querySelector("[data-mask-selection]");
    if (!shown) {
      shown = document.createElement("p");
      shown.setAttribute("data-mask-selection", "");
      shown.setAttribute("role", "status");
      shown.className = "muted";
      form.insertBefore(shown, form.querySelector("button[type=submit]"));
    }
    shown.textContent = text;
  }

  function capture(container) {
    var form = formFor(container);
    var selection = window.getSelection();
    if (!form || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return;
    }
    var range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) {
      return;
    }
    var start = offsetIn(container, range.startContainer, range.startOffset);
    var end = offsetIn(container, range.endContainer, range.endOffset);
    if (end <= start) {
      return;
    }
    form.querySelector("[data-mask-start]").value = String(start);
    form.querySelector("[data-mask-end]").value = String(end);
    form.querySelector("[data-mask-passage]").value = "";
    var text = range.toString();
    note(form, (form.getAttribute("data-selected-label") || "") + ": " + (text.length > 80 ? text.slice(0, 77) + "…" : text));
  }

  document.querySelectorAll("[data-mask-text]").forEach(function (container) {
    container.addEventListener("mouseup", function () { capture(container); });
    container.addEventListener("keyup", function () { capture(container); });
  });
  document.querySelectorAll("[data-mask-passage]").forEach(function (input) {
    input.addEventListener("input", function () {
      var form = input.closest("form");
      form.querySelector("[data-mask-start]").value = "";
      form.querySelector("[data-mask-end]").value = "";
      var shown = form.querySelector("[data-mask-selection]");
      if (shown) { shown.textContent = ""; }
    });
  });
})();

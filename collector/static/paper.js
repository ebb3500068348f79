/* Paper entry: keying a paper copy fast from the keyboard, with the form's skip logic live.

   In a focused list of answers (choice, yes/no, scale, tick boxes, a grid row)
   the number keys pick the nth answer (on a scale, the point with that number;
   on tick boxes they tick or untick). Enter moves to the first field of the next
   question that is shown, and from the last one to Save; Ctrl+Enter saves.

   The page is deliberately not a form.survey: app.js keeps a survey page's
   answers in the browser to restore them, and answers must never pass from one
   copy to the next. Its show_if trees are evaluated by showif.js, as on survey
   pages. Plain script, no build step; the Content-Security-Policy allows only
   scripts served from the collector. */
(function () {
  "use strict";

  var PICKABLE = { choice: true, yes_no: true, scale: true, choices: true, grid: true };

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function ticked(wrap, name) {
    return Array.prototype.filter.call(wrap.querySelectorAll("input[type=radio], input[type=checkbox]"), function (i) {
      return i.checked && (name === undefined || i.name === name);
    });
  }

  /* Paper sections with nothing left to ask are hidden too. */
  function hideEmptySections(form) {
    each(form.querySelectorAll(".paper-section"), function (section) {
      section.hidden = !section.querySelector(".question:not([hidden])");
    });
  }

  function applySkipLogic(form, announce) {
    window.CollectorSkipLogic.apply(form, announce, hideEmptySections);
  }

  function fieldsOf(wrap) {
    return Array.prototype.filter.call(wrap.querySelectorAll("input, select, textarea"), function (el) {
      return !el.disabled && el.type !== "hidden";
    });
  }

  /* Where the keyboard lands in a question: its first field (the ticked answer of a list, as Tab would). */
  function firstField(wrap) {
    var first = fieldsOf(wrap)[0];
    if (first && first.type === "radio") return ticked(wrap, first.name)[0] || first;
    return first || null;
  }

  function moveOn(form, wrap) {
    var shown = Array.prototype.filter.call(form.querySelectorAll(".question"), function (w) {
      return !w.hidden && firstField(w);
    });
    var next = shown[shown.indexOf(wrap) + 1];
    var target = next ? firstField(next) : form.querySelector("[data-save]");
    if (target) target.focus();
  }

  /* The digit's answer in the focused list; true when one was picked. */
  function pick(wrap, el, digit) {
    var group = Array.prototype.filter.call(wrap.querySelectorAll("input[type=radio], input[type=checkbox]"), function (i) {
      return i.name === el.name;
    });
    var target = el.closest(".scale")
      ? group.filter(function (i) { return i.value === String(digit); })[0]
      : group[digit - 1];
    if (!target) return false;
    target.checked = target.type === "checkbox" ? !target.checked : true;
    target.focus();
    target.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function save(form) {
    var button = form.querySelector("[data-save]");
    if (form.requestSubmit) form.requestSubmit(button); else button.click();
  }

  function onKey(form, event) {
    var el = event.target;
    var wrap = el.closest ? el.closest(".question") : null;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      save(form);
      return;
    }
    if (!wrap || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "Enter" && !event.shiftKey && el.tagName !== "TEXTAREA") {
      event.preventDefault();
      moveOn(form, wrap);
    } else if (/^[0-9]$/.test(event.key) && (el.type === "radio" || el.type === "checkbox") && PICKABLE[wrap.dataset.type]) {
      if (pick(wrap, el, parseInt(event.key, 10))) event.preventDefault();
    }
  }

  function setUp(form) {
    applySkipLogic(form, false);
    form.addEventListener("input", function () { applySkipLogic(form, true); });
    form.addEventListener("change", function () { applySkipLogic(form, true); });
    form.addEventListener("keydown", function (event) { onKey(form, event); });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") { event.preventDefault(); return; }
      form.dataset.sending = "1";
      setTimeout(function () { form.dataset.sending = ""; }, 8000);
    });
    if (!document.querySelector("[data-error-summary]")) {
      var first = Array.prototype.filter.call(form.querySelectorAll(".question"), function (w) { return !w.hidden; })[0];
      var field = first && firstField(first);
      if (field) field.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    each(document.querySelectorAll("form[data-paper-entry]"), setUp);
  });
})();

/* Skip logic on a page: each question whose show_if holds for the answers
   before it is shown, live as people answer, with the answers read and
   normalised as forms/validate.py would. Used by survey pages (app.js) and
   paper entry (paper.js); the show_if trees are evaluated by showif.js. */
(function () {
  "use strict";

  var NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

  function checked(wrap) {
    return Array.prototype.filter.call(wrap.querySelectorAll("input[type=radio], input[type=checkbox]"), function (i) { return i.checked; });
  }

  /* The answer a question holds right now, normalised as forms/validate.py would
     (trimmed, spaces squeezed, numbers without thousands commas, postcodes in
     capitals with one space), so the page shows what the server will ask for. */
  function answerOf(wrap) {
    var type = wrap.dataset.type;
    var qid = wrap.dataset.qid;
    if (type === "note") return undefined;
    if (type === "choice" || type === "yes_no") {
      var one = wrap.querySelector("input[name='" + qid + "']:checked");
      return one ? one.value : undefined;
    }
    if (type === "choices") {
      return checked(wrap).filter(function (i) { return i.name === qid; }).map(function (i) { return i.value; });
    }
    if (type === "scale") {
      var point = wrap.querySelector("input[name='" + qid + "']:checked");
      return point ? parseInt(point.value, 10) : undefined;
    }
    if (type === "consent") {
      var box = wrap.querySelector("input[type=checkbox]");
      return box && box.checked ? true : undefined;
    }
    if (type === "grid") {
      var rows = {};
      checked(wrap).forEach(function (i) {
        var sid = i.name.slice(qid.length + 1);
        rows[sid] = NUMBER.test(i.value) ? parseInt(i.value, 10) : i.value;
      });
      return rows;
    }
    if (type === "ranking") {
      var ranks = [];
      wrap.querySelectorAll("select").forEach(function (s) {
        if (s.value) ranks.push([parseInt(s.value, 10), s.name.slice(qid.length + 1)]);
      });
      ranks.sort(function (a, b) { return a[0] - b[0]; });
      return ranks.map(function (r) { return r[1]; });
    }
    var field = wrap.querySelector("input, textarea");
    if (!field) return undefined;
    var text = field.value.trim();
    if (type === "number") {
      var compact = text.replace(/\s/g, "").replace(/(\d),(?=\d{3}\b)/g, "$1");
      return NUMBER.test(compact) ? Number(compact) : undefined;
    }
    if (type === "postcode") {
      var code = text.toUpperCase().replace(/\s/g, "");
      var parts = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$/.exec(code);
      return parts ? parts[1] + " " + parts[2] : (code === "GIR0AA" ? "GIR 0AA" : undefined);
    }
    if (type !== "textarea") text = text.split(/\s+/).join(" ");
    return text || undefined;
  }

  /* Show each question whose show_if holds for the answers before it; tell
     screen-reader users when an answer brings a new question into view. */
  function apply(form, announce, after) {
    var answers = {};
    var appeared = [];
    try { answers = JSON.parse(form.dataset.earlier || "{}"); } catch (e) { answers = {}; }
    form.querySelectorAll(".question").forEach(function (wrap) {
      var rule = wrap.dataset.showIf;
      var shown = true;
      if (rule && window.ShowIf) {
        shown = window.ShowIf.evaluate(JSON.parse(rule), answers) === true;
      }
      if (shown && wrap.hidden) appeared.push(wrap);
      wrap.hidden = !shown;
      if (shown) {
        var value = answerOf(wrap);
        if (value !== undefined) answers[wrap.dataset.qid] = value;
      }
    });
    if (after) after(form);
    var live = form.querySelector("[data-announce]");
    if (announce && live && appeared.length) {
      var label = appeared[0].querySelector("legend, .question-label, .consent label, .note");
      live.textContent = (live.dataset.template || "{label}").replace("{label}", label ? label.textContent.trim() : "");
    }
  }

  window.CollectorSkipLogic = { answerOf: answerOf, apply: apply };
})();

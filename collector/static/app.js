/* Collector's page behaviour: live skip logic, pages posted in the background
   so a dropped connection loses nothing (with outbox.js), kiosk reset.
   Plain script, no build step; the pages' Content-Security-Policy allows only
   scripts served from the collector itself. */
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
  function applySkipLogic(form, announce) {
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
    var live = form.querySelector("[data-announce]");
    if (announce && live && appeared.length) {
      var label = appeared[0].querySelector("legend, .question-label, .consent label, .note");
      live.textContent = (live.dataset.template || "{label}").replace("{label}", label ? label.textContent.trim() : "");
    }
  }

  function show(form, selector) {
    form.querySelectorAll(".sending").forEach(function (panel) { panel.hidden = true; });
    var panel = form.querySelector(selector);
    if (panel) panel.hidden = false;
  }

  /* Let the browser post the page itself, so the laptop's own page (with its
     error messages) is shown. */
  function nativeSubmit(form, submitter) {
    form.dataset.native = "1";
    if (form.requestSubmit) form.requestSubmit(submitter); else form.submit();
  }

  /* Next, Back or a language switch: posted in the background, so a dropped
     connection keeps the page and its answers on screen and simply tries again. */
  function move(form, submitter, attempt) {
    var data = new FormData(form, submitter);
    var options = { method: "POST", body: data, credentials: "same-origin", headers: { "X-Collector-Fetch": "1" } };
    window.fetch(form.action, options).then(function (response) {
      var next = response.headers.get("X-Next");
      if (response.status === 204 && next) window.location.assign(next);
      else nativeSubmit(form, submitter);
    }, function () {
      show(form, "[data-waiting-status]");
      window.CollectorOutbox.autosave(form);
      var retry = function () {
        window.removeEventListener("online", retry);
        clearTimeout(timer);
        move(form, submitter, attempt + 1);
      };
      var timer = setTimeout(retry, Math.min(2000 * Math.pow(2, attempt), 30000));
      window.addEventListener("online", retry);
    });
  }

  /* The last page: the whole response goes into the outbox first, and leaves it
     only when the laptop acknowledges that it has stored it. */
  function sendFinal(form, submitter) {
    var box = window.CollectorOutbox;
    var others = {};
    try { others = JSON.parse(form.dataset.others || "{}"); } catch (e) { others = {}; }
    var answers = box.answersOf(form);
    Object.keys(answers).forEach(function (k) { others[k] = answers[k]; });
    var entry = {
      id: form.dataset.response, token: form.dataset.token, form_id: form.dataset.form,
      version: form.dataset.version, lang: form.dataset.lang, source: form.dataset.source,
      started_at: form.dataset.started, answers: others,
      url: form.dataset.sendUrl, thanks: form.dataset.thanksUrl
    };
    box.keep(entry);
    var settle = function (result) {
      if (result === "sent") window.location.replace(entry.thanks);
      else if (result === "invalid") nativeSubmit(form, submitter);
    };
    document.addEventListener("collector:sent", function (event) {
      if (event.detail.id === entry.id) settle(event.detail.result);
    });
    box.deliver(entry).then(function (result) {
      if (result !== "kept") { settle(result); return; }
      show(form, "[data-outbox-status]");
      box.flush();
    });
  }

  function setUpSurvey(form) {
    var box = window.CollectorOutbox;
    if (box) box.restore(form);
    applySkipLogic(form, false);
    var changed = function () {
      applySkipLogic(form, true);
      if (box) box.autosave(form);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      if (form.dataset.native === "1" || !box || !window.fetch) return;
      event.preventDefault();
      if (form.dataset.sending === "1") return;
      form.dataset.sending = "1";
      var submitter = event.submitter;
      if (submitter && submitter.value === "submit") sendFinal(form, submitter);
      else move(form, submitter, 0);
    });
  }

  /* The start page says how many answers on this tablet are still to be sent,
     and offers them as a file when nothing else works. */
  function setUpUnsent(panel) {
    var box = window.CollectorOutbox;
    var update = function () {
      var n = box.entries().length;
      panel.hidden = n === 0;
      panel.querySelector("[data-unsent-count]").textContent = (panel.dataset.template || "{n}").replace("{n}", n);
    };
    var button = panel.querySelector("[data-download-unsent]");
    if (button) button.addEventListener("click", box.download);
    document.addEventListener("collector:outbox", update);
    update();
  }

  /* Nothing of the last person stays, except answers still on their way. */
  function clearBrowserStorage() {
    if (window.CollectorOutbox) window.CollectorOutbox.clearAllButOutbox();
  }

  function setUpKiosk(body) {
    var home = body.dataset.kioskHome || "/";
    var goHome = function () { clearBrowserStorage(); window.location.replace(home); };
    if (window.location.pathname === home) clearBrowserStorage();
    var idle = parseInt(body.dataset.kioskIdle || "0", 10);
    if (idle > 0 && window.location.pathname !== home) {
      var timer = null;
      var reset = function () { clearTimeout(timer); timer = setTimeout(goHome, idle * 1000); };
      ["input", "click", "keydown", "touchstart", "scroll"].forEach(function (name) {
        document.addEventListener(name, reset, { passive: true });
      });
      reset();
    }
    var back = parseInt(body.dataset.kioskReturn || "0", 10);
    if (back > 0) setTimeout(goHome, back * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.survey").forEach(setUpSurvey);
    /* Only where the browser allows it: localhost, or `collector serve --https`. */
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* pages work without it */ });
    }
    if (window.CollectorOutbox) {
      var unsent = document.querySelector("[data-unsent]");
      if (unsent) setUpUnsent(unsent);
      /* Any page of the collector sends what is waiting, now and when the connection returns. */
      window.CollectorOutbox.flush();
      window.addEventListener("online", window.CollectorOutbox.flushNow);
    }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
    if (document.body.dataset.kiosk) setUpKiosk(document.body);
  });
})();

/* Collector's page behaviour: live skip logic, pages posted in the background
   so a dropped connection loses nothing (with outbox.js), kiosk reset.
   Plain script, no build step; the pages' Content-Security-Policy allows only
   scripts served from the collector itself. */
(function () {
  "use strict";

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
    window.CollectorSkipLogic.apply(form, false);
    var changed = function () {
      window.CollectorSkipLogic.apply(form, true);
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
    /* First, so that no page puts back typing the laptop has let go of. */
    if (window.CollectorOutbox) window.CollectorOutbox.dropOldDrafts(parseInt(document.body.dataset.keepDays || "0", 10));
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

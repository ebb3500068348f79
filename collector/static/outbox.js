/* The tablet's safety net: answers autosaved in the browser, and an outbox
   that keeps a finished response until the laptop says it has stored it.
   Tablets reach the laptop over plain HTTP on the local network, where
   browsers allow no service worker, so this page script is what keeps
   answers through Wi-Fi drops, reloads and closed tabs.

   Storage keys:
     collector:outbox          {response id: entry to send}
     collector:draft:<id>      {base: the server's save time, pages: {n: fields}, at: when typed, by this browser's clock}
*/
(function () {
  "use strict";

  var OUTBOX = "collector:outbox";
  var DRAFT = "collector:draft:";
  var MAX_DELAY = 60000;

  function read(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function write(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false; /* storage full or switched off: the server copy still stands */
    }
  }

  function entries() {
    var box = read(OUTBOX) || {};
    return Object.keys(box).map(function (id) { return box[id]; });
  }

  function keep(entry) {
    var box = read(OUTBOX) || {};
    box[entry.id] = entry;
    return write(OUTBOX, box);
  }

  /* Drop the copies of this response's pages the service worker kept, if any. */
  function dropCachedPages(id) {
    if (!window.caches) return;
    window.caches.keys().then(function (names) {
      names.forEach(function (name) {
        window.caches.open(name).then(function (cache) {
          cache.keys().then(function (requests) {
            requests.forEach(function (r) { if (r.url.indexOf("/r/" + id + "/") >= 0) cache.delete(r); });
          });
        });
      });
    }).catch(function () { /* no cache to clear */ });
  }

  function forget(id) {
    var box = read(OUTBOX) || {};
    delete box[id];
    write(OUTBOX, box);
    write(DRAFT + id, null);
    dropCachedPages(id);
  }

  /* Every field on a page by name: one value, or a list for checkboxes. */
  function fieldsOf(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "_action" || el.type === "submit" || el.type === "button") return;
      if (el.type === "checkbox") {
        if (!out[el.name]) out[el.name] = [];
        if (el.checked) out[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (!(el.name in out)) out[el.name] = "";
        if (el.checked) out[el.name] = el.value;
      } else {
        out[el.name] = el.value;
      }
    });
    return out;
  }

  function restoreFields(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in fields)) return;
      var value = fields[el.name];
      if (el.type === "checkbox") el.checked = Array.isArray(value) && value.indexOf(el.value) >= 0;
      else if (el.type === "radio") el.checked = value === el.value;
      else if (el.type !== "submit" && el.type !== "hidden") el.value = value;
    });
  }

  /* This page's answers shaped as the server keeps them (see collector/fields.py). */
  function answersOf(form) {
    var fields = fieldsOf(form);
    var answers = {};
    form.querySelectorAll(".question").forEach(function (wrap) {
      var qid = wrap.dataset.qid;
      var type = wrap.dataset.type;
      var value;
      if (type === "grid" || type === "ranking") {
        value = {};
        Object.keys(fields).forEach(function (name) {
          if (name.indexOf(qid + ".") === 0 && name !== qid + ".other" && String(fields[name]).trim()) {
            value[name.slice(qid.length + 1)] = fields[name];
          }
        });
        if (!Object.keys(value).length) value = undefined;
      } else if (type === "choices") {
        value = (fields[qid] || []).length ? fields[qid] : undefined;
      } else if (type !== "note") {
        value = fields[qid] && String(fields[qid]).trim() ? fields[qid] : undefined;
      }
      if (value !== undefined) answers[qid] = value;
      var other = fields[qid + ".other"];
      if (other && other.trim()) answers[qid + ".other"] = other;
    });
    return answers;
  }

  /* -- autosave ---------------------------------------------------------- */

  function autosave(form) {
    var id = form.dataset.response;
    var record = read(DRAFT + id);
    if (!record || record.base !== form.dataset.saved) record = { base: form.dataset.saved, pages: {} };
    record.pages[form.dataset.page] = fieldsOf(form);
    record.at = Date.now();
    write(DRAFT + id, record);
  }

  /* What was typed into a response never sent is not kept for ever: it goes once the laptop
     would have dropped the response itself (its draft_days setting), by this browser's clock.
     A copy from before copies were dated is dated now. Finished responses waiting in the
     outbox are never dropped here. */
  function dropOldDrafts(days) {
    if (!(days > 0)) return;
    var now = Date.now();
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(DRAFT) === 0) keys.push(key);
      }
    } catch (e) {
      return; /* storage switched off */
    }
    keys.forEach(function (key) {
      var record = read(key);
      if (!record) return;
      if (typeof record.at !== "number") {
        record.at = now;
        write(key, record);
      } else if (now - record.at > days * 86400000) {
        write(key, null);
      }
    });
  }

  /* Put back what was typed on this page since the laptop last saved it.
     Compared by the laptop's own save time, so a tablet's wrong clock cannot matter. */
  function restore(form) {
    var record = read(DRAFT + form.dataset.response);
    if (!record) return false;
    var fields = record.base === form.dataset.saved && record.pages && record.pages[form.dataset.page];
    if (!fields) return false;
    restoreFields(form, fields);
    return true;
  }

  /* -- sending ----------------------------------------------------------- */

  /* Resolves to "sent", "invalid" (the laptop refused the answers: the page must
     show why) or "kept" (not reached, or not accepted yet: still in the outbox). */
  function deliver(entry) {
    var body = JSON.stringify({
      token: entry.token, form_id: entry.form_id, version: entry.version, lang: entry.lang,
      source: entry.source, started_at: entry.started_at, answers: entry.answers
    });
    return window.fetch(entry.url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: body, credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (reply) {
        if (response.ok && reply.ok && reply.id === entry.id) {
          forget(entry.id);
          return "sent";
        }
        if (response.status === 422) {
          forget(entry.id);
          return "invalid";
        }
        return "kept";
      });
    }, function () { return "kept"; });
  }

  var flushing = false;
  var delay = 2000;
  var timer = null;

  /* Send everything waiting, now and then again later with a growing pause.
     Each response that leaves the outbox is announced as a "collector:sent"
     event ({id, result}), whoever started the sending. */
  function flush() {
    if (flushing) return;
    var waiting = entries();
    if (!waiting.length) return;
    flushing = true;
    clearTimeout(timer);
    var pending = waiting.length;
    var keptAny = false;
    waiting.forEach(function (entry) {
      deliver(entry).then(function (result) {
        if (result === "kept") keptAny = true;
        else document.dispatchEvent(new CustomEvent("collector:sent", { detail: { id: entry.id, result: result } }));
        pending -= 1;
        if (pending === 0) {
          flushing = false;
          if (keptAny) {
            timer = setTimeout(flush, delay);
            delay = Math.min(delay * 2, MAX_DELAY);
          } else {
            delay = 2000;
          }
          document.dispatchEvent(new CustomEvent("collector:outbox"));
        }
      });
    });
  }

  /* Try again at once, from the shortest pause: the connection is back. */
  function flushNow() {
    delay = 2000;
    clearTimeout(timer);
    flush();
  }

  function download() {
    var lines = entries().map(function (e) {
      var row = { id: e.id, language: e.lang, source: e.source, started_at: e.started_at };
      Object.keys(e.answers).forEach(function (k) { row[k] = e.answers[k]; });
      return JSON.stringify(row);
    });
    var blob = new Blob([lines.join("\n") + "\n"], { type: "application/x-ndjson" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "unsent-answers-" + new Date().toISOString().slice(0, 10) + ".jsonl";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /* Forget everything in this browser except answers not yet sent. */
  function clearAllButOutbox() {
    try {
      var box = window.localStorage.getItem(OUTBOX);
      window.localStorage.clear();
      if (box && box !== "{}") window.localStorage.setItem(OUTBOX, box);
    } catch (e) { /* storage may be off */ }
    try { window.sessionStorage.clear(); } catch (e) { /* storage may be off */ }
    if (window.caches) {
      window.caches.keys().then(function (names) {
        names.forEach(function (name) { window.caches.delete(name); });
      }).catch(function () { /* no cache to clear */ });
    }
  }

  window.CollectorOutbox = {
    answersOf: answersOf, autosave: autosave, restore: restore, dropOldDrafts: dropOldDrafts, keep: keep, forget: forget,
    deliver: deliver, flush: flush, flushNow: flushNow, entries: entries, download: download, clearAllButOutbox: clearAllButOutbox
  };
})();

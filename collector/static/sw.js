/* Keeps a copy of each survey page on the tablet, so a reload still works while
   the laptop cannot be reached. Browsers run service workers only on localhost
   or over HTTPS (`collector serve --https`); over plain HTTP the pages' own
   outbox.js is the safety net. Coordinator pages and the API are never kept. */
"use strict";

var CACHE = "collector-pages-v1";
var NEVER = ["/coordinator", "/paper", "/api/"];

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (NEVER.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; })) return;
  /* The laptop first, always: the copy is only for when it cannot be reached. */
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return caches.match(request).then(function (hit) { return hit || Response.error(); });
  }));
});

// The portal's service worker (served from /sw.js, which prepends RELEASE, SHELL and HOME).
// - The shell (CSS, scripts, icons) is kept per release and served from the cache.
// - Pages always come from the network. Only the home page (我的状态, the installed
//   app's start) is kept, as last loaded, and shown offline with a banner that says it
//   is a saved copy and when it was saved: never stale without saying so.
// - Logging out forgets the kept page.
"use strict";
const STATIC = "shell-" + RELEASE;
const PAGES = "pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("shell-") === 0 && k !== STATIC; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function isHome(url) {
  return url.origin === self.location.origin && url.pathname === HOME;
}

function stamp() {
  const d = new Date();
  return ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2) + " "
    + ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
}

function offlineCopy(cached) {
  return cached.text().then(function (html) {
    const saved = cached.headers.get("X-Saved-At") || "";
    const banner = '<p class="offline-banner" role="alert">当前没有网络：这是 ' + saved
      + ' 保存的页面，状态和数字可能已经变化。现在点按的状态会保存在手机上，恢复网络后自动补传。</p>';
    return new Response(html.replace('<main id="main" tabindex="-1">', '<main id="main" tabindex="-1">' + banner),
                        {status: 200, headers: {"Content-Type": "text/html; charset=utf-8",
                                                "Content-Security-Policy": cached.headers.get("Content-Security-Policy") || ""}});
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname.endsWith("/logout")) {
    caches.delete(PAGES);
    return;
  }
  if (request.method !== "GET") return;
  if (SHELL.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request, {ignoreSearch: true}).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate" && isHome(url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        copy.text().then(function (body) {
          const headers = new Headers(copy.headers);
          headers.set("X-Saved-At", stamp());
          return caches.open(PAGES).then(function (cache) {
            return cache.put(HOME, new Response(body, {headers: headers}));
          });
        });
      }
      return response;
    }, function () {
      return caches.open(PAGES).then(function (cache) { return cache.match(HOME); }).then(function (cached) {
        if (cached) return offlineCopy(cached);
        return new Response("<!doctype html><meta charset=utf-8><title>无网络</title><p>当前没有网络，请恢复网络后再打开。</p>",
                            {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
      });
    }));
  }
});

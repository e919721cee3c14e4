// sw.js — DigitLab's service worker. Two jobs, both for pages on hosts we do not control:
//
// 1. Threads on any static host. WebAssembly threads need SharedArrayBuffer, which a browser gives
//    only to a cross-origin-isolated page, i.e. one served with the headers
//    Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.
//    GitHub Pages and most school servers cannot send them; this worker adds them to every response
//    it gives the page (all of the page's files are its own origin), so from the second load on a
//    plain host runs the threaded build too. Where service workers are unavailable (http on a host
//    other than localhost, some private modes) the page runs its single-threaded build.
// 2. Offline use. On install it stores the app (page, loader, both builds, model, font, manifest,
//    icons) in a cache named after the build's VERSION, a hash of those files written into this
//    file by the build (web/copy_dist.cmake): a new build is a new sw.js, hence a new install, a new
//    cache, and the old one is deleted on activation. The MNIST files are stored the first time the
//    page fetches them (in a cache that outlives versions: MNIST does not change). The app's files
//    are answered from the cache first; anything else goes to the network, falling back to the
//    cache when offline.
'use strict';

const VERSION = '@DIGITLAB_VERSION@';  // replaced at build time
const APP_CACHE = 'digitlab-app-' + VERSION;
const DATA_CACHE = 'digitlab-data-1';
// The files every version has; files.json adds the builds, the model and the font it lists.
const SHELL = ['index.html', 'loader.js', 'style.css', 'favicon.svg', 'manifest.webmanifest',
  'icon-192.png', 'icon-512.png', 'icon-maskable-512.png', 'files.json'];

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

async function appFiles() {
  const res = await fetch('files.json', { cache: 'no-cache' });
  if (!res.ok) throw new Error('files.json: HTTP ' + res.status);
  const listed = Object.keys(await res.json()).filter((f) => !f.startsWith('mnist/'));
  return SHELL.concat(listed);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(APP_CACHE);
    // no-cache: revalidate with the server (a 304 costs nothing), never take a stale HTTP-cache copy
    // into a new version.
    await cache.addAll((await appFiles()).map((f) => new Request(f, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('digitlab-app-') && name !== APP_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The same response with the isolation headers added (a cached or fetched response's headers are
// immutable, so this makes a new one around the same body).
function isolated(res) {
  if (!res || res.status === 0 || res.type === 'opaque' || res.type === 'opaqueredirect') return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function answer(request) {
  const url = new URL(request.url);
  const app = await caches.open(APP_CACHE);
  // The page itself: the cached index.html for any navigation inside the scope.
  const key = request.mode === 'navigate' ? 'index.html' : request;
  const hit = await app.match(key, { ignoreSearch: true });
  if (hit) return hit;
  const isData = url.pathname.includes('/mnist/');
  if (isData) {
    const data = await caches.open(DATA_CACHE);
    const stored = await data.match(request, { ignoreSearch: true });
    if (stored) return stored;
    const res = await fetch(request);
    if (res.ok) await data.put(request, res.clone());
    return res;
  }
  try {
    return await fetch(request);
  } catch (e) {
    const any = await caches.match(request, { ignoreSearch: true });
    if (any) return any;
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(answer(request).then(isolated));
});

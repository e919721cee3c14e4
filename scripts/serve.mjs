#!/usr/bin/env node
// serve.mjs — a small static file server for DigitLab's web build (build/web/dist by default), on
// 127.0.0.1 only. Sends the right MIME types (application/wasm included), gzip when the browser
// accepts it, and the cross-origin isolation headers (COOP/COEP), so the page behaves as it would
// on a well-configured static host. Any static host works for the page; this one is for the
// README's main command and the browser tests.
//
//   node scripts/serve.mjs [--plain] [--any-host] [folder]   PORT=8080 by default; PORT=0 picks a free port
//
// --plain leaves out the isolation headers, as a plain static host would: the page then runs its
// single-threaded build (for trying that fallback).
//
// It answers only what a static host should (issue 12, finding 11): files under the folder, with
// symbolic links followed only while they stay in it (its real path); and only requests whose Host
// header names this machine's loopback (127.0.0.1, localhost or [::1], with or without the port),
// so that a web page elsewhere cannot reach it through DNS rebinding. --any-host lifts the Host
// check (e.g. behind a proxy that rewrites it).
//
// Prints "DigitLab: serving <folder> at http://127.0.0.1:<port>/" once it listens.
import { createServer } from 'node:http';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const plain = args.includes('--plain');
const anyHost = args.includes('--any-host');
const folder = args.find((a) => !a.startsWith('--'));
const root = path.resolve(folder || path.join(here, '..', 'build', 'web', 'dist'));
const port = process.env.PORT !== undefined && process.env.PORT !== '' ? Number(process.env.PORT) : 8080;
const host = '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.ttf', '.txt', '.safetensors', '.webmanifest']);

// gzip results by path, reused while the file's size and mtime stay the same.
const gzipCache = new Map();

async function gzipped(file, stat) {
  const hit = gzipCache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.data;
  const data = zlib.gzipSync(await fs.readFile(file), { level: 6 });
  gzipCache.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, data });
  return data;
}

// Cross-origin isolation: gives the page SharedArrayBuffer, hence WebAssembly threads.
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function send(res, status, headers, body) {
  res.writeHead(status, {
    ...(plain ? {} : ISOLATION),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    ...headers,
  });
  res.end(body);
}

// The root's real path (symbolic links resolved), set once the server starts.
let realRoot = null;

// A Host header that names the loopback: 127.0.0.1, localhost or [::1], with no port or ours.
function loopbackHost(value) {
  const m = /^(127\.0\.0\.1|localhost|\[::1\])(?::(\d+))?$/i.exec(value || '');
  return !!m && (m[2] === undefined || Number(m[2]) === server.address().port);
}

async function handle(req, res) {
  if (!anyHost && !loopbackHost(req.headers.host)) {
    send(res, 403, { 'Content-Type': 'text/plain; charset=utf-8' },
      'Forbidden: the Host header must be 127.0.0.1, localhost or [::1] (start serve.mjs with --any-host to allow others)\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' }, 'Method not allowed\n');
    return;
  }
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch (e) {
    send(res, 400, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Bad request\n');
    return;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(root, '.' + rel);
  if (file !== root && !file.startsWith(root + path.sep)) {  // no way out of the folder
    send(res, 403, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Forbidden\n');
    return;
  }
  let stat, real;
  try {
    real = await fs.realpath(file);
    stat = await fs.stat(real);
    if (!stat.isFile()) throw new Error('not a file');
  } catch (e) {
    send(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Not found\n');
    return;
  }
  if (!real.startsWith(realRoot + path.sep)) {  // a symbolic link that leads out of the folder
    send(res, 403, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Forbidden\n');
    return;
  }
  const ext = path.extname(file).toLowerCase();
  // A validator, as static hosts send: a revalidation (the service worker's, or no-cache fetches)
  // of an unchanged file costs a 304 instead of the whole file.
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = { 'Content-Type': TYPES[ext] || 'application/octet-stream', Vary: 'Accept-Encoding', ETag: etag };
  if (req.headers['if-none-match'] === etag) {
    send(res, 304, { ETag: etag, Vary: 'Accept-Encoding' });
    return;
  }
  const gzipOk = /\bgzip\b/.test(req.headers['accept-encoding'] || '');
  let body;
  if (gzipOk && COMPRESSIBLE.has(ext)) {
    body = await gzipped(real, stat);
    headers['Content-Encoding'] = 'gzip';
  } else {
    body = await fs.readFile(real);
  }
  headers['Content-Length'] = body.length;
  send(res, 200, headers, req.method === 'HEAD' ? undefined : body);
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    send(res, 500, { 'Content-Type': 'text/plain; charset=utf-8' }, 'Server error\n');
    console.error('serve.mjs:', e && e.message ? e.message : e);
  });
});
server.on('error', (e) => {
  console.error(e.code === 'EADDRINUSE'
    ? `serve.mjs: port ${port} is in use; set PORT to another number (PORT=0 picks a free one)`
    : `serve.mjs: ${e.message}`);
  process.exit(1);
});
fs.stat(path.join(root, 'index.html')).then(async () => {
  realRoot = await fs.realpath(root);
  server.listen(port, host, () => {
    console.log(`DigitLab: serving ${root} at http://${host}:${server.address().port}/` +
      (plain ? ' (without cross-origin isolation: one thread)' : ''));
  });
}, () => {
  console.error(`serve.mjs: ${root} has no index.html; build the web app first (cmake --preset web && cmake --build --preset web)`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));

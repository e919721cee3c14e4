// serve.test.mjs — scripts/serve.mjs answers only what it should (issue 12, finding 11): no file
// reached through a symbolic link that leads out of its folder, and no answer to a request whose
// Host header is not a loopback name (DNS rebinding), unless started with --any-host.
// Plain HTTP requests from Node; no browser needed.
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, writeFileSync, symlinkSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, assert, startServer } from './lib.mjs';

function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
  });
}

test('serve.mjs: no symlinks out of its folder, loopback Host names only (finding 11)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'digitlab-serve-'));
  const outside = mkdtempSync(path.join(os.tmpdir(), 'digitlab-outside-'));
  let server = null, anyHost = null;
  try {
    const root = path.join(dir, 'dist');
    mkdirSync(root);
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(path.join(root, 'inside.txt'), 'inside');
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret.txt'));
    symlinkSync(outside, path.join(root, 'elsewhere'));
    symlinkSync(path.join(root, 'inside.txt'), path.join(root, 'alias.txt'));  // stays inside: fine

    server = await startServer({ folder: root });
    const port = new URL(server.url).port;
    let r = await get(server.url + 'inside.txt');
    assert(r.status === 200 && r.body === 'inside', `inside.txt: ${r.status}`);
    r = await get(server.url + 'alias.txt');
    assert(r.status === 200 && r.body === 'inside', `a symlink within the folder: ${r.status}`);
    r = await get(server.url + 'secret.txt');
    assert(r.status === 403 && !/secret/.test(r.body), `a symlink to a file outside: ${r.status} ${r.body}`);
    r = await get(server.url + 'elsewhere/secret.txt');
    assert(r.status === 403 && !/secret/.test(r.body), `a symlinked folder outside: ${r.status} ${r.body}`);

    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', '127.0.0.1']) {
      r = await get(server.url + 'inside.txt', { Host: host });
      assert(r.status === 200, `Host ${host}: ${r.status}`);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`]) {
      r = await get(server.url + 'inside.txt', { Host: host });
      assert(r.status === 403 && /Host/.test(r.body) && !/inside/.test(r.body), `Host '${host}': ${r.status} ${r.body}`);
    }

    // No Host header at all (HTTP/1.0): refused too.
    const raw = await new Promise((resolve, reject) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('GET /inside.txt HTTP/1.0\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => { got += d; });
      sock.on('end', () => resolve(got));
      sock.on('error', reject);
    });
    assert(/^HTTP\/1\.[01] 403/.test(raw) && !/\r\n\r\ninside/.test(raw), `no Host header: ${raw.slice(0, 60)}`);

    anyHost = await startServer({ folder: root, extraArgs: ['--any-host'] });
    r = await get(anyHost.url + 'inside.txt', { Host: 'digitlab.example' });
    assert(r.status === 200, `--any-host answers another Host: ${r.status}`);
    r = await get(anyHost.url + 'secret.txt', { Host: 'digitlab.example' });
    assert(r.status === 403, `--any-host still refuses the symlink out: ${r.status}`);
  } finally {
    if (server) server.stop();
    if (anyHost) anyHost.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

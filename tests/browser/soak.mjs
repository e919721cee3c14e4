#!/usr/bin/env node
// soak.mjs — a long run of the page (not in CI; by hand): R1 trains in the Train view for
// SOAK_MINUTES (default 10) while the drawing pad is used in between (a digit drawn with the mouse
// every 20 s, the trained model put on the pad and taken off, the Layers view shown), and the
// memory is read before and after: the WebAssembly heap (its size, and the bytes malloc holds) and
// the JavaScript heap (after a garbage collection, through the DevTools protocol).
//
//   MNIST_DIR=<folder of the four MNIST .gz files> node tests/browser/soak.mjs     (build/web/dist built
//   with MNIST_DIR set: cmake --preset web && cmake --build --preset web)
//
// The bound it checks: after the first minute and one round of everything the loop does (the MNIST
// files are in, the models planned, the Layers view's caches made, the first run saved in IndexedDB), the WebAssembly heap does not grow by more than 16 MiB, malloc's bytes by
// more than 8 MiB, and the JavaScript heap by more than 32 MiB. Prints the figures as one JSON
// line and exits 1 when a bound is exceeded.
import { test, tests, startServer, launchBrowser, openPage, state, drawWithMouse, settled, assert } from './lib.mjs';

const MINUTES = Number(process.env.SOAK_MINUTES || 10);
const BOUNDS = { heapBytes: 16 << 20, mallocBytes: 8 << 20, jsHeapBytes: 32 << 20 };

function one(pad) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  return [[p(0.45, 0.2), p(0.5, 0.2), p(0.5, 0.5), p(0.5, 0.8)]];
}

async function click(page, r) {
  const x = r.x + r.width / 2, y = r.y + r.height / 2;
  await page.mouse.move(x, y);
  await page.waitForTimeout(120);
  await page.mouse.click(x, y);
}

async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const js = await cdp.send('Runtime.getHeapUsage');
  const m = await page.evaluate(() => window.digitlab.memory());
  return { heapBytes: m.heapBytes, mallocBytes: m.mallocBytes, jsHeapBytes: js.usedSize, at: new Date().toISOString() };
}

async function showView(page, name) {
  const s = await state(page);
  if (s.view === name) return;
  await click(page, s.views[name]);
  await page.waitForFunction((v) => window.digitlab.state().view === v, name);
}

test('soak', async (ctx) => {
  if (!process.env.MNIST_DIR) throw new Error('set MNIST_DIR: the soak test trains on MNIST');
  const page = await openPage(ctx);
  const cdp = await page.context().newCDPSession(page);
  await showView(page, 'train');
  const r = await page.evaluate(() => window.digitlab.train.start({ preset: 'R1', epochs: 30, batch: 32 }));
  assert(r.ok, `R1 starts: ${r.error}`);
  await page.waitForFunction(() => window.digitlab.state().train.step > 0, null, { timeout: 120000 });
  // Warm-up: a minute of training, then one round of everything the loop does (a drawing with the
  // trained model on the pad and off it, the Layers view, whose models and caches are made on its
  // first showing), and a save to IndexedDB, so that what is measured is growth, not first use.
  await page.waitForTimeout(60000);
  await showView(page, 'draw');
  for (const on of [true, false]) {
    await page.evaluate((v) => window.digitlab.train.useOnPad(v), on);
    await page.evaluate(() => window.digitlab.clear());
    await drawWithMouse(page, one((await state(page)).drawPad));
    await settled(page, 1);
  }
  await showView(page, 'layers');
  await page.waitForTimeout(2000);
  await showView(page, 'train');
  await page.waitForTimeout(5000);
  await page.evaluate(() => window.digitlab.stored);
  const start = await memory(page, cdp);
  const t0 = Date.now();
  let drawings = 0, rounds = 0;
  const series = [];  // malloc's KiB every fourth round: a leak climbs, first use steps once
  while (Date.now() - t0 < MINUTES * 60000) {
    rounds++;
    await showView(page, 'draw');
    if (rounds % 3 === 0) await page.evaluate((on) => window.digitlab.train.useOnPad(on), rounds % 6 === 0);
    await page.evaluate(() => window.digitlab.clear());
    const s = await state(page);
    await drawWithMouse(page, one(s.drawPad));
    await settled(page, 1);
    drawings++;
    if (rounds % 4 === 0) { await showView(page, 'layers'); await page.waitForTimeout(2000); }
    await showView(page, 'train');
    await page.waitForTimeout(15000);
    const t = (await state(page)).train;
    assert(!t.diverged && t.status !== 'idle', `training runs: ${t.status} ${t.message}`);
    if (rounds % 4 === 0) series.push(Math.round((await memory(page, cdp)).mallocBytes / 1024));
    if (t.status === 'finished') {
      await page.evaluate(() => window.digitlab.train.start({ preset: 'R1', epochs: 30, batch: 32 }));
    }
  }
  await page.evaluate(() => window.digitlab.train.pause());
  await page.evaluate(() => window.digitlab.stored);
  const end = await memory(page, cdp);
  const t = (await state(page)).train;
  const growth = {};
  for (const k of Object.keys(BOUNDS)) growth[k] = end[k] - start[k];
  const report = { minutes: MINUTES, mallocKiBSeries: series, steps: t.step, imagesSeen: t.imagesSeen, drawings, start, end, growth, bounds: BOUNDS,
    problems: page.problems };
  console.log(JSON.stringify(report));
  for (const k of Object.keys(BOUNDS)) {
    assert(growth[k] <= BOUNDS[k], `${k} grew by ${(growth[k] / 1048576).toFixed(1)} MiB, more than ${(BOUNDS[k] / 1048576).toFixed(0)} MiB`);
  }
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

let failed = false, server = null, browser = null;
try {
  server = await startServer();
  browser = await launchBrowser();
  const ctx = { url: server.url, browser, metrics: {} };
  for (const t of tests) {
    try {
      await t.fn(ctx);
      console.log(`ok   ${t.name}`);
    } catch (e) {
      failed = true;
      console.log(`FAIL ${t.name}: ${e && e.stack ? e.stack : e}`);
    }
  }
} finally {
  if (browser) await browser.close();
  if (server) server.stop();
}
process.exit(failed ? 1 : 0);

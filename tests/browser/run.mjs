#!/usr/bin/env node
// run.mjs — runs DigitLab's browser tests: serves build/web/dist with scripts/serve.mjs on a free
// port, drives headless Chromium (playwright-core, /usr/bin/chromium), runs every *.test.mjs in
// this folder, writes screenshots to build/web/screenshots/, prints the measured figures (transfer
// size, time to the first frame, prediction latency) and ends with "N passed, N failed".
//
//   node tests/browser/run.mjs [name-filter]     MNIST_DIR=<folder of the MNIST .gz files>
//
// Tests that draw MNIST digits need MNIST_DIR, the pen-digit tests PEN_DIGITS (the JSON list);
// without them they are skipped (and counted so).
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tests, startServer, launchBrowser, screenshotPath } from './lib.mjs';
import { loadMnistTest } from './mnist.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const f of readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort()) {
  await import(pathToFileURL(path.join(here, f)).href);
}
const filter = process.argv[2] || '';
const selected = tests.filter((t) => t.name.includes(filter));

let passed = 0, failed = 0, skipped = 0;
let server = null, browser = null;
try {
  server = await startServer();
  browser = await launchBrowser();
  const ctx = { url: server.url, browser, metrics: {}, mnist: null };
  if (process.env.MNIST_DIR) ctx.mnist = loadMnistTest(process.env.MNIST_DIR);
  console.log(`browser tests against ${server.url} (${selected.length} tests)`);
  for (const t of selected) {
    const t0 = Date.now();
    try {
      const r = await t.fn(ctx);
      if (r === 'skip') {
        skipped++;
        console.log(`skip ${t.name} (needs MNIST_DIR, or PEN_DIGITS for the pen digits)`);
      } else {
        passed++;
        console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}: ${e && e.stack ? e.stack : e}`);
    }
  }
  if (Object.keys(ctx.metrics).length) {
    console.log('\nmeasured (headless Chromium, SwiftShader WebGL):');
    for (const [k, v] of Object.entries(ctx.metrics)) console.log(`  ${k}: ${v}`);
    writeFileSync(screenshotPath('metrics.json'), JSON.stringify(ctx.metrics, null, 2) + '\n');
  }
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e && e.message ? e.message : e}`);
} finally {
  if (browser) await browser.close();
  if (server) server.stop();
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);

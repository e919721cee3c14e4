#!/usr/bin/env node
// pen_replay.mjs — replays the pen-digit set through the page in headless Chromium with real
// pointer events and prints the accuracy per writer (the README's table): every digit, or the
// first N per writer, with the mouse on the desktop layout and/or by touch on a phone layout, and
// how often the page's answer equals the native pipeline's (`digitlab pen --answers`).
//
//   PEN_DIGITS=<pen digits .json> node scripts/pen_replay.mjs [--mode mouse|touch|both] [--per N]
//       [--model FILE.safetensors] [--csv FILE]
//
// Needs build/web/dist (cmake --build --preset web); build/native/bin/digitlab for the comparison.
// A full run (7,494 digits, both modes) takes about an hour on two cores: a script to run and
// quote, not a CI stage (tests/browser/pen.test.mjs replays a sample in CI).
import { writeFileSync, readFileSync } from 'node:fs';
import { startServer, launchBrowser, openPage } from '../tests/browser/lib.mjs';
import { loadPenDigits, replayDigit, nativeAnswers, perWriter } from '../tests/browser/pen.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const mode = opt('mode', 'both'), per = Number(opt('per', '0')), csv = opt('csv', ''), model = opt('model', '');
if (!['mouse', 'touch', 'both'].includes(mode) || !(per >= 0)) {
  console.error('pen_replay: --mode mouse|touch|both, --per N (0: all digits)');
  process.exit(2);
}
const digits = loadPenDigits();
if (!digits) {
  console.error('pen_replay: set PEN_DIGITS to the pen digits JSON file (a list of {label, writer, strokes})');
  process.exit(2);
}
const chosen = [];
const seen = new Map();
digits.forEach((d, i) => {
  const n = seen.get(d.writer) || 0;
  if (per === 0 || n < per) chosen.push(i);
  seen.set(d.writer, n + 1);
});
const native = nativeAnswers(undefined, model || undefined);

const server = await startServer();
const browser = await launchBrowser();
const rows = [];
try {
  for (const m of mode === 'both' ? ['mouse', 'touch'] : [mode]) {
    const page = m === 'touch'
      ? await openPage({ url: server.url, browser }, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
      : await openPage({ url: server.url, browser });
    if (model) {
      const bytes = [...readFileSync(model)];
      await page.evaluate((b) => window.digitlab.loadModel(new Uint8Array(b), 'model'), bytes);
    }
    const t0 = Date.now();
    const results = [];
    for (const i of chosen) {
      const d = digits[i];
      const answer = await replayDigit(page, d, m, { size: 0.6, cx: 0.5, cy: 0.5 });
      results.push({ index: i, writer: d.writer, label: d.label, answer, native: native ? native[i] : null });
      if (results.length % 500 === 0) console.error(`${m}: ${results.length} / ${chosen.length}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    await page.closeAll();
    const table = perWriter(results);
    const acc = table.map((w) => w.correct / w.digits);
    const same = native ? results.filter((r) => r.answer === r.native).length : null;
    console.log(`\n${m}: ${results.length} digits of ${table.length} writers in ${seconds.toFixed(0)} s`);
    console.log(table.map((w) => `  writer ${String(w.writer).padStart(2)}  ${(100 * w.correct / w.digits).toFixed(1)}% of ${w.digits}`).join('\n'));
    console.log(`${m}: mean per-writer accuracy ${(100 * acc.reduce((a, b) => a + b, 0) / acc.length).toFixed(2)}%, ` +
      `worst ${(100 * Math.min(...acc)).toFixed(1)}%` + (native ? `, same answer as digitlab pen for ${same} of ${results.length}` : ''));
    for (const w of table) rows.push(`${m},${w.writer},${w.digits},${(w.correct / w.digits).toFixed(4)}`);
  }
} finally {
  await browser.close();
  server.stop();
}
if (csv) {
  writeFileSync(csv, 'mode,writer,digits,accuracy\n' + rows.join('\n') + '\n');
  console.log(`table written to ${csv}`);
}

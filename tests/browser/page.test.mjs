// page.test.mjs — the page itself: it loads with no console errors and nothing from other
// origins, window.digitlab answers, the buttons and keys work, the layouts (desktop, projector,
// phone, classroom) are chosen, and a browser without WebAssembly SIMD or WebGL 2 gets a sentence.
import { test, assert, openPage, state, settled, drawWithMouse, screenshotPath } from './lib.mjs';

// A hand-made "7": two strokes in pad fractions, for tests that only need some ink.
function seven(pad) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  return [[p(0.3, 0.25), p(0.5, 0.25), p(0.7, 0.25)], [p(0.7, 0.25), p(0.6, 0.5), p(0.5, 0.78)]];
}

test('page loads: no console errors, same-origin only, API complete', async (ctx) => {
  const page = await openPage(ctx);
  const s = await state(page);
  assert(s.prediction === null, `empty pad: prediction ${s.prediction}, expected null`);
  assert(Array.isArray(s.probabilities) && s.probabilities.length === 10, 'probabilities: 10 numbers');
  assert(Array.isArray(s.input28) && s.input28.length === 784 && s.input28.every((v) => v === 0), 'input28: 784 zeros');
  assert(s.model && s.model.name === 'digitlab.safetensors' && s.model.spec.length > 0,
    `the shipped model is loaded (got ${JSON.stringify(s.model)}, error ${s.modelError})`);
  assert(s.modelError === null, `no model error (got ${s.modelError})`);
  const vp = page.viewportSize();
  const pad = s.drawPad;
  assert(pad.width > 300 && pad.x >= 0 && pad.y >= 0 && pad.x + pad.width <= vp.width && pad.y + pad.height <= vp.height,
    `draw pad inside the viewport: ${JSON.stringify(pad)}`);
  assert(s.layout === 'desktop', `1280x800 gets the desktop layout (got ${s.layout})`);
  assert(s.timing.firstFrameMs > 0, 'time to first frame measured');
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  assert(/default-src 'none'/.test(csp) && /script-src 'self' 'wasm-unsafe-eval'/.test(csp), `CSP: ${csp}`);
  const foreign = page.requests.filter((u) => !u.startsWith(ctx.url));
  assert(foreign.length === 0, `requests to other origins: ${foreign.join(', ')}`);
  // Transfer size as the browser saw it (the server gzips like a static host would).
  const transfer = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /digitlab(-mt)?\.(js|wasm|safetensors)$|\.ttf$/.test(e.name))
    .map((e) => ({ name: e.name.split('/').pop(), transfer: e.transferSize, size: e.decodedBodySize })));
  const sum = (f) => transfer.filter(f).reduce((a, e) => a + e.transfer, 0);
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  // The program is digitlab-mt here (the server isolates the page); its workers fetch their script
  // themselves, outside the page's resource timings.
  ctx.metrics[`transfer, gzip: ${s.build.program}.js + .wasm + model`] = kb(sum((e) => !e.name.endsWith('.ttf')));
  ctx.metrics['transfer, gzip: font (DejaVuSans.ttf)'] = kb(sum((e) => e.name.endsWith('.ttf')));
  for (const e of transfer) ctx.metrics[`  ${e.name}`] = `${kb(e.transfer)} transferred, ${kb(e.size)} unpacked`;
  ctx.metrics['navigation to first interactive frame (1280x800, dpr 1)'] = `${s.timing.firstFrameMs.toFixed(0)} ms`;
  await page.screenshot({ path: screenshotPath('desktop-empty-1280x800.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('clear and undo: buttons, keys and the API', async (ctx) => {
  const page = await openPage(ctx);
  let s = await state(page);
  await drawWithMouse(page, seven(s.drawPad));
  s = await settled(page, 2);
  assert(s.prediction !== null, 'a drawing gets an answer');
  assert(s.notSure === (Math.max(...s.probabilities) < s.notSureThreshold), 'notSure follows the threshold');
  await page.keyboard.press('Control+z');
  s = await settled(page, 1);
  await page.keyboard.press('Delete');
  s = await settled(page, 0);
  assert(s.prediction === null, 'Delete clears the pad');
  await drawWithMouse(page, seven(s.drawPad));
  s = await settled(page, 2);
  const undo = s.buttons.undo;
  await page.mouse.click(undo.x + undo.width / 2, undo.y + undo.height / 2);
  s = await settled(page, 1);
  const clear = s.buttons.clear;
  await page.mouse.click(clear.x + clear.width / 2, clear.y + clear.height / 2);
  s = await settled(page, 0);
  await drawWithMouse(page, seven(s.drawPad));
  await settled(page, 2);
  await page.evaluate(() => window.digitlab.clear());
  s = await state(page);
  assert(s.strokes === 0 && s.prediction === null && s.input28.every((v) => v === 0), 'clear() empties the pad at once');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('layouts: projector 1920x1080, classroom toggle, phone 360x740', async (ctx) => {
  let page = await openPage(ctx, { viewport: { width: 1920, height: 1080 } });
  let s = await state(page);
  assert(s.layout === 'desktop', `1920x1080: desktop layout (got ${s.layout})`);
  assert(s.fontPx >= 24, `projector font is large (got ${s.fontPx} px)`);
  await drawWithMouse(page, seven(s.drawPad));
  await settled(page, 2);
  await page.screenshot({ path: screenshotPath('projector-1920x1080.png') });
  const normal = s.fontPx;
  const toggle = s.buttons.classroom;
  await page.mouse.click(toggle.x + toggle.width / 2, toggle.y + toggle.height / 2);
  await page.waitForFunction(() => window.digitlab.state().classroom);
  await page.waitForFunction((f) => window.digitlab.state().fontPx > f * 1.4, normal);
  await page.waitForTimeout(200);
  await page.screenshot({ path: screenshotPath('classroom-1920x1080.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();

  page = await openPage(ctx, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  s = await state(page);
  assert(s.layout === 'phone', `360x740: phone layout (got ${s.layout})`);
  assert(s.devicePixelRatio === 2, `canvas follows devicePixelRatio 2 (got ${s.devicePixelRatio})`);
  const backing = await page.$eval('#canvas', (c) => [c.width, c.height]);
  assert(backing[0] === 720 && backing[1] === 1480, `canvas backing store 720x1480 (got ${backing})`);
  assert(s.drawPad.width >= 300 && s.drawPad.y < 120, `phone: the pad is on top, nearly full width (${JSON.stringify(s.drawPad)})`);
  const bars = s.buttons.loadModel;
  assert(bars.y > s.drawPad.y + s.drawPad.height, 'phone: the answer and model come below the pad');
  await page.screenshot({ path: screenshotPath('phone-empty-360x740.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('no WebAssembly SIMD: a plain sentence, nothing downloaded', async (ctx) => {
  const page = await openPage(ctx, { waitReady: false, initScript: () => { WebAssembly.validate = () => false; } });
  const outcome = await page.evaluate(() => window.digitlab.ready.then(() => 'resolved', (e) => e.message));
  const text = await page.textContent('#message');
  assert(/needs WebAssembly SIMD/.test(text) && (await page.isVisible('#message')), `message shown: "${text}"`);
  assert(outcome === text, 'ready rejects with the same sentence');
  assert(!page.requests.some((u) => /\.wasm$|safetensors$/.test(u)), 'nothing large was downloaded');
  await page.screenshot({ path: screenshotPath('no-simd.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('no WebGL 2: a plain sentence', async (ctx) => {
  const page = await openPage(ctx, {
    waitReady: false,
    initScript: () => {
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
        return type === 'webgl2' ? null : original.call(this, type, ...rest);
      };
    },
  });
  await page.evaluate(() => window.digitlab.ready.catch(() => null));
  const text = await page.textContent('#message');
  assert(/needs WebGL 2/.test(text) && (await page.isVisible('#message')), `message shown: "${text}"`);
  assert(!page.requests.some((u) => /\.wasm$/.test(u)), 'the app was not downloaded');
  await page.screenshot({ path: screenshotPath('no-webgl2.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

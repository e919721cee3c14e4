// draw.test.mjs — real handwriting, drawn with real pointer events: MNIST test digits, traced into
// pen strokes (mnist.mjs), drawn with the mouse on the desktop layout and with a finger (touch
// events) on the phone layout — big and centred, small, and off in a corner — and the network's
// answer must be the MNIST label for every one. The 28x28 input must come out centred and sized
// like MNIST's digits.
import { test, assert, openPage, state, settled, drawWithMouse, drawWithTouch, inkStats, screenshotPath } from './lib.mjs';
import { digitStrokes, placeStrokes } from './mnist.mjs';

// The first `per` test images of every digit, starting after `skip` of them.
function pick(mnist, per, skip = 0) {
  const out = [];
  for (let d = 0; d < 10; d++) {
    let seen = 0;
    for (let i = 0; i < mnist.count && seen < skip + per; i++) {
      if (mnist.label(i) !== d) continue;
      if (seen++ >= skip) out.push(i);
    }
  }
  return out;
}

// Where a drawing goes on the pad: size of its longer side and centre, as fractions of the pad.
const PLACES = [
  { size: 0.62, cx: 0.5, cy: 0.5, what: 'big, centred' },
  { size: 0.3, cx: 0.25, cy: 0.27, what: 'small, top left' },
  { size: 0.3, cx: 0.74, cy: 0.72, what: 'small, bottom right' },
  { size: 0.45, cx: 0.68, cy: 0.33, what: 'medium, top right' },
  { size: 0.22, cx: 0.3, cy: 0.75, what: 'tiny, bottom left' },
];

async function drawAndCheck(page, mnist, index, place, draw, results) {
  let s = await state(page);
  const strokes = placeStrokes(digitStrokes(mnist.image(index)), s.drawPad, place);
  await draw(page, strokes);
  s = await settled(page, strokes.length);
  const label = mnist.label(index);
  const ink = inkStats(s.input28);
  results.push({ index, label, got: s.prediction, p: s.prediction === null ? 0 : s.probabilities[s.prediction],
    place: place.what, ms: s.predictMs, forwardMs: s.forwardMs, ink });
  return s;
}

function report(results) {
  const wrong = results.filter((r) => r.got !== r.label);
  const off = results.filter((r) => Math.abs(r.ink.cx - 14) > 1 || Math.abs(r.ink.cy - 14) > 1 ||
    Math.max(r.ink.width, r.ink.height) < 18 || Math.max(r.ink.width, r.ink.height) > 22);
  const line = (r) => `#${r.index} (${r.label}, ${r.place}) -> ${r.got} p=${r.p.toFixed(2)} ` +
    `com=(${r.ink.cx.toFixed(2)}, ${r.ink.cy.toFixed(2)}) box=${r.ink.width}x${r.ink.height}`;
  assert(wrong.length === 0, `${wrong.length} of ${results.length} drawings read wrong:\n  ${wrong.map(line).join('\n  ')}`);
  assert(off.length === 0, `28x28 input not centred / not 20 px:\n  ${off.map(line).join('\n  ')}`);
}

test('mouse: 20 MNIST digits, all ten, big / small / off-centre, read right and centred', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openPage(ctx);
  const results = [];
  const indices = pick(ctx.mnist, 2);
  for (let k = 0; k < indices.length; k++) {
    const place = PLACES[k % PLACES.length];
    await drawAndCheck(page, ctx.mnist, indices[k], place, drawWithMouse, results);
    if (k === 0) await page.screenshot({ path: screenshotPath('desktop-1280x800.png') });
    if (k === 1) await page.screenshot({ path: screenshotPath('desktop-small-digit-1280x800.png') });
    await page.evaluate(() => window.digitlab.clear());
  }
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  ctx.metrics['prediction latency per drawing (raster + preprocess + forward + softmax), median / max'] =
    `${ms[ms.length >> 1].toFixed(2)} ms / ${ms[ms.length - 1].toFixed(2)} ms over ${ms.length} drawings`;
  const fw = results.map((r) => r.forwardMs).sort((a, b) => a - b);
  ctx.metrics['of which forward pass + softmax, median'] = `${fw[fw.length >> 1].toFixed(2)} ms`;
  ctx.metrics['mouse drawings read right'] = `${results.filter((r) => r.got === r.label).length} / ${results.length}`;
  report(results);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('touch on a phone (360x740): 10 MNIST digits, no scrolling or zooming', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openPage(ctx, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const results = [];
  const indices = pick(ctx.mnist, 1, 2);  // other images than the mouse test's
  for (let k = 0; k < indices.length; k++) {
    await drawAndCheck(page, ctx.mnist, indices[k], PLACES[(k + 2) % PLACES.length], drawWithTouch, results);
    if (k === 0) await page.screenshot({ path: screenshotPath('phone-360x740.png') });
    const view = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY, scale: window.visualViewport.scale }));
    assert(view.x === 0 && view.y === 0 && view.scale === 1, `the page moved while drawing: ${JSON.stringify(view)}`);
    const s = await state(page);
    const clear = s.buttons.clear;
    await page.touchscreen.tap(clear.x + clear.width / 2, clear.y + clear.height / 2);  // the real button
    await settled(page, 0);
  }
  ctx.metrics['touch drawings read right'] = `${results.filter((r) => r.got === r.label).length} / ${results.length}`;
  report(results);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

// A zigzag across the pad: five teeth, eight samples each, in CSS pixels of the viewport.
function zigzag(pad) {
  const pts = [];
  for (let i = 0; i <= 40; i++) {
    const t = i / 40, tooth = (t * 5) % 1;
    const up = tooth < 0.5 ? tooth * 2 : 2 - tooth * 2;
    pts.push([pad.x + pad.width * (0.2 + 0.6 * t), pad.y + pad.height * (0.75 - 0.5 * up)]);
  }
  return pts;
}

// One stroke's events sent while the page's main thread is busy for `busyMs` (a slow frame): the
// browser can hand the page only one move for all of them, with the rest in getCoalescedEvents().
// Returns how many pointermove events the page saw for the stroke's moves.
async function drawDuringSlowFrame(page, cdp, line, mode, busyMs) {
  await page.evaluate(() => {
    window.movesSeen = 0;
    document.querySelector('canvas').addEventListener('pointermove', () => { window.movesSeen++; }, { capture: true });
  });
  const busy = page.evaluate((ms) => { const t0 = performance.now(); while (performance.now() - t0 < ms); }, busyMs);
  await new Promise((r) => setTimeout(r, 50));  // the busy loop has started
  const sends = [];
  if (mode === 'touch') {
    const pt = ([x, y]) => [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 1 }];
    sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: pt(line[0]) }));
    for (const p of line.slice(1)) sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: pt(p) }));
    sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] }));
  } else {
    const ev = (type, [x, y], buttons) => ({ type, x, y, button: 'left', buttons, clickCount: 1 });
    sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseMoved', line[0], 0)));
    sends.push(cdp.send('Input.dispatchMouseEvent', ev('mousePressed', line[0], 1)));
    for (const p of line.slice(1)) sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseMoved', p, 1)));
    sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseReleased', line[line.length - 1], 0)));
  }
  await Promise.all([busy, ...sends]);
  return page.evaluate(() => window.movesSeen);
}

// The ink of two 28x28 inputs that differs, as a fraction of the first's ink.
function inkDifference(a, b) {
  let diff = 0, ink = 0;
  for (let i = 0; i < 784; i++) { diff += Math.abs(a[i] - b[i]); ink += a[i]; }
  return diff / ink;
}

test('a fast stroke in a slow frame keeps its shape: merged pointer samples reach the pad (mouse, touch)', async (ctx) => {
  for (const mode of ['mouse', 'touch']) {
    const page = mode === 'touch'
      ? await openPage(ctx, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
      : await openPage(ctx);
    const line = zigzag((await state(page)).drawPad);
    (mode === 'touch' ? await drawWithTouch(page, [line]) : await drawWithMouse(page, [line]));
    const slow = (await settled(page, 1)).input28;
    await page.evaluate(() => window.digitlab.clear());
    await settled(page, 0);

    const cdp = await page.context().newCDPSession(page);
    const seen = await drawDuringSlowFrame(page, cdp, line, mode, 800);
    const fast = (await settled(page, 1)).input28;
    await page.screenshot({ path: screenshotPath(`merged-moves-${mode}.png`) });
    // The check means something only if the browser did merge the moves.
    assert(seen <= line.length / 4, `${mode}: the page saw ${seen} moves for ${line.length - 1}; they were not merged`);
    const d = inkDifference(slow, fast);
    ctx.metrics[`${mode}: zigzag drawn in one slow frame vs drawn slowly, ink differing`] = `${(100 * d).toFixed(1)}% (${seen} moves seen)`;
    assert(d < 0.15, `${mode}: the zigzag drawn during one slow frame differs from the slow one by ${(100 * d).toFixed(1)}% of its ink`);
    assert(page.problems.length === 0, page.problems.join('\n'));
    await cdp.detach();
    await page.closeAll();
  }
});

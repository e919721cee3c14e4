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

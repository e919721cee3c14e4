// frames.test.mjs — training off the frame loop, measured as a person would feel it: the page's
// requestAnimationFrame callbacks per second over 5 s while nothing happens (after a drawing) and
// while R1 and R2 train with the Train view on screen, in the same run at 1280x800; how fast each
// trains meanwhile; and the drawing latency while R1 trains — from a real pointer event (its
// timeStamp) to the answer that read it (state().answeredMs), median and p95 over 20 strokes.
// The target is 0.9x the idle callbacks while training, measured and quoted from quiet runs (README).
// What the test asserts is a floor, kFrameFloor of lib.mjs (0.8x): frame rates are timings, and on
// a busy 2-core machine the same build measured 0.87x to 0.96x; training in the frame loop, the
// regression this guards against, kept 0.56x. Figures go to ctx.metrics.
import { test, assert, openPage, state, settled, drawWithMouse, kFrameFloor, rafPerSecond } from './lib.mjs';

async function click(page, r) {
  const x = r.x + r.width / 2, y = r.y + r.height / 2;
  await page.mouse.move(x, y);
  await page.waitForTimeout(120);
  await page.mouse.click(x, y);
}

async function showView(page, name) {
  const s = await state(page);
  if (s.view === name) return;
  await click(page, s.views[name]);
  await page.waitForFunction((v) => window.digitlab.state().view === v, name);
}

function stroke(pad, i) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  const dx = 0.04 * (i % 5);
  return [[p(0.35 + dx, 0.2), p(0.45 + dx, 0.3), p(0.5 + dx, 0.45), p(0.5 + dx, 0.6), p(0.48 + dx, 0.75)]];
}

// Pointer-to-answer latency for `n` strokes drawn with the mouse: each stroke's last move event
// (timeStamp: when the browser made it; dispatched: when the page got it) to the first answer that
// took its input after that dispatch.
async function drawingLatencies(page, n) {
  await page.evaluate(() => {
    window.__lastMove = null;
    window.addEventListener('pointermove', (e) => {
      if (e.buttons & 1) window.__lastMove = { made: e.timeStamp, dispatched: performance.now() };
    }, { capture: true });
  });
  const pad = (await state(page)).drawPad;
  const ms = [];
  for (let i = 0; i < n; i++) {
    await page.evaluate(() => window.digitlab.clear());
    await drawWithMouse(page, stroke(pad, i));
    const lat = await page.evaluate(() => new Promise((resolve, reject) => {
      const move = window.__lastMove;
      const t0 = performance.now();
      const look = () => {
        const s = window.digitlab.state();
        if (s.inputMs >= move.dispatched && s.answeredMs >= s.inputMs) resolve(s.answeredMs - move.made);
        else if (performance.now() - t0 > 10000) reject(new Error('no answer within 10 s of the stroke'));
        else setTimeout(look, 2);
      };
      look();
    }));
    ms.push(lat);
    await page.waitForTimeout(150);
  }
  return ms.sort((a, b) => a - b);
}
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

test('frames: training off the frame loop keeps the page\'s frames (rAF/s idle vs R1 and R2 training, drawing latency)', async (ctx) => {
  if (!process.env.MNIST_DIR) return 'skip';
  const page = await openPage(ctx);
  let s = await state(page);
  assert(s.train.data.state !== 'missing', 'the web build has the MNIST files (configure it with MNIST_DIR set)');
  const threaded = s.build.crossOriginIsolated;

  // Idle after a drawing, on the Draw view.
  await drawWithMouse(page, stroke(s.drawPad, 0));
  await settled(page, 1);
  await rafPerSecond(page, 1);  // warm-up
  const idle = await rafPerSecond(page, 5);
  const idleLatency = await drawingLatencies(page, 10);

  // R1 (the default recipe over three epochs, so that it trains through the whole measurement),
  // the Train view on screen.
  await showView(page, 'train');
  const r1Start = await page.evaluate(() => window.digitlab.train.start({ preset: 'R1', epochs: 3 }));
  assert(r1Start.ok, `R1 starts: ${r1Start.error}`);
  await page.waitForFunction(() => window.digitlab.state().train.step > 20, null, { timeout: 120000 });
  const r1 = await rafPerSecond(page, 5);
  let t = (await state(page)).train;
  const r1Speed = t.imagesPerSecond;
  assert(t.offFrame === threaded, `the run trains ${t.offFrame ? 'on its own thread' : 'in the frame loop'}`);

  // Drawing while R1 trains.
  await showView(page, 'draw');
  const busyLatency = await drawingLatencies(page, 20);
  t = (await state(page)).train;
  assert(t.running, `R1 still trains while the person draws (${t.status})`);

  // R2, the original project's network, the Train view on screen.
  await showView(page, 'train');
  const r = await page.evaluate(() => window.digitlab.train.start({ preset: 'R2', subset: 2000, epochs: 1, batch: 32 }));
  assert(r.ok, `R2 starts: ${r.error}`);
  await page.waitForFunction(() => window.digitlab.state().train.elapsed >= 8, null, { timeout: 120000, polling: 500 });
  const r2 = await rafPerSecond(page, 5);
  t = (await state(page)).train;
  const r2Speed = t.imagesPerSecond;
  await page.evaluate(() => window.digitlab.train.pause());

  const where = `${threaded ? 'own thread' : 'frame loop'}, ${t.threads} threads, 1280x800`;
  ctx.metrics[`rAF callbacks/s idle after a drawing (${where})`] = idle.toFixed(1);
  ctx.metrics['rAF callbacks/s while R1 trains, Train view on screen (ratio to idle)'] = `${r1.toFixed(1)} (${(r1 / idle).toFixed(2)}x)`;
  ctx.metrics['rAF callbacks/s while R2 trains, Train view on screen (ratio to idle)'] = `${r2.toFixed(1)} (${(r2 / idle).toFixed(2)}x)`;
  ctx.metrics['R1 / R2 images/s meanwhile'] = `${r1Speed.toFixed(0)} / ${r2Speed.toFixed(1)}`;
  ctx.metrics['pointer-to-answer ms idle, median / p95 (10 strokes)'] =
    `${quantile(idleLatency, 0.5).toFixed(1)} / ${quantile(idleLatency, 0.95).toFixed(1)}`;
  ctx.metrics['pointer-to-answer ms while R1 trains, median / p95 (20 strokes)'] =
    `${quantile(busyLatency, 0.5).toFixed(1)} / ${quantile(busyLatency, 0.95).toFixed(1)}`;
  if (threaded) {
    assert(r1 >= kFrameFloor * idle, `while R1 trains the page keeps ${r1.toFixed(1)} of ${idle.toFixed(1)} callbacks/s`);
    assert(r2 >= kFrameFloor * idle, `while R2 trains the page keeps ${r2.toFixed(1)} of ${idle.toFixed(1)} callbacks/s`);
  }
  assert(r1Speed > 0 && r2Speed > 0, 'both trained');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

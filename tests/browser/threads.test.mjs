// threads.test.mjs — WebAssembly threads in the page. Served with the cross-origin isolation headers
// (scripts/serve.mjs), the page runs digitlab-mt and trains with one thread per core (at most 4);
// two runs with the same seed and thread count give the same loss, and one thread gives the same
// up to rounding. Served as a plain static host would (serve.mjs --plain), the page runs the
// single-threaded digitlab, says why it has one thread, and still answers and trains. Figures:
// R1 training images/s in the page with 1 and with 2 threads.
import { test, assert, openPage, state, startServer, settled, drawWithMouse } from './lib.mjs';

// Trains `steps` batches of R1 from seed 7 with `threads` threads, synchronously (start paused, so
// the training thread takes no slice first, then step()), and returns the training state. The data
// must be loaded already.
async function trainSteps(page, threads, steps) {
  return page.evaluate(({ threads, steps }) => {
    const t = window.digitlab.train;
    t.setThreads(threads);
    const r = t.start({ spec: 'R1', seed: 7, batch: 32, epochs: 1, subset: 6400, paused: true });
    if (!r.ok) throw new Error(r.error);
    for (let i = 0; i < steps; ++i) t.step();
    return window.digitlab.state().train;
  }, { threads, steps });
}

async function loadTrainingData(page) {
  await page.evaluate(() => window.digitlab.train.start({ spec: 'softmax', epochs: 0.01 }));
  await page.waitForFunction(() => window.digitlab.state().train.data.state === 'ready', null, { timeout: 90000 });
  await page.evaluate(() => window.digitlab.train.reset());
}

// Images per second while training R1 freely (on the training thread) with 1 and with 2 threads,
// switched back and forth within one run (windows of `seconds`); medians of `rounds`. Ten epochs:
// the run must outlast the measurement.
async function trainingRates(page, rounds, seconds) {
  // (start() keeps options not given from the previous start: name them all.)
  await page.evaluate(() => window.digitlab.train.start({ spec: 'R1', seed: 1, batch: 32, epochs: 10, subset: 0 }));
  await page.waitForFunction(() => window.digitlab.state().train.step > 20, null, { timeout: 60000 });
  const rates = { 1: [], 2: [] };
  for (let r = 0; r < rounds; ++r) {
    for (const n of [1, 2]) {
      await page.evaluate((n) => window.digitlab.train.setThreads(n), n);
      await page.waitForTimeout(1500);  // the chunk sizes adapt
      const a = (await state(page)).train;
      await page.waitForTimeout(seconds * 1000);
      const b = (await state(page)).train;
      assert(b.threads === n, `switched to ${n} threads: ${b.threads}`);
      rates[n].push((b.imagesSeen - a.imagesSeen) / seconds);
    }
  }
  await page.evaluate(() => window.digitlab.train.reset());
  const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return [median(rates[1]), median(rates[2])];
}

test('threads: an isolated page runs digitlab-mt; same seed and threads give the same loss; 1 vs 2 threads agree', async (ctx) => {
  if (!process.env.MNIST_DIR) return 'skip';
  const page = await openPage(ctx);
  const s = await state(page);
  assert(s.build.crossOriginIsolated && s.build.threads && s.build.program === 'digitlab-mt',
    `served with COOP/COEP the page runs digitlab-mt: ${JSON.stringify(s.build)}`);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert(s.train.maxThreads === Math.min(4, cores), `maxThreads ${s.train.maxThreads} for ${cores} cores`);
  assert(s.train.offFrame && s.train.threads === Math.max(1, s.train.maxThreads - 1),
    `trains off the frame loop and leaves the page one core: ${s.train.threads} of ${s.train.maxThreads} threads`);
  assert(s.train.threadsNote === null, `no note about threads: ${s.train.threadsNote}`);
  assert(s.train.maxThreads >= 2, `this test needs two cores; the browser reports ${cores}`);

  await loadTrainingData(page);
  const a = await trainSteps(page, 2, 24);
  const b = await trainSteps(page, 2, 24);
  const c = await trainSteps(page, 1, 24);
  assert(a.step === 24 && b.step === 24 && c.step === 24 && a.threads === 2 && c.threads === 1,
    `steps ${a.step}/${b.step}/${c.step}, threads ${a.threads}/${c.threads}`);
  assert(Number.isFinite(a.loss) && a.loss < 2.0, `R1 learns in 24 steps: loss ${a.loss}`);
  assert(a.loss === b.loss && a.trainAccuracy === b.trainAccuracy,
    `same seed, same threads, same result: ${a.loss} vs ${b.loss}`);
  assert(Math.abs(a.loss - c.loss) <= 1e-3 * Math.max(1, a.loss),
    `1 and 2 threads differ only by rounding: ${c.loss} vs ${a.loss}`);

  const [one, two] = await trainingRates(page, 3, 6);
  ctx.metrics['R1 training in the page, images/s, 1 thread vs 2 threads (digitlab-mt)'] = `${one.toFixed(0)} vs ${two.toFixed(0)}`;
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

// A plain host and a browser without service workers (or http on a LAN address, where browsers
// refuse them): no isolation at all. offline.test.mjs covers the plain host with a service worker.
test('threads: without cross-origin isolation the page runs digitlab (one thread), says so, answers and trains', async (ctx) => {
  const plain = await startServer({ plain: true });
  try {
    const page = await openPage({ ...ctx, url: plain.url }, { serviceWorkers: 'block' });
    let s = await state(page);
    assert(!s.build.crossOriginIsolated && !s.build.threads && s.build.program === 'digitlab',
      `a plain host gets the single-threaded build: ${JSON.stringify(s.build)}`);
    assert(!page.requests.some((u) => u.includes('digitlab-mt')), 'nothing of digitlab-mt is downloaded');
    assert(s.train.maxThreads === 1 && s.train.threads === 1, `one thread: ${s.train.threads}/${s.train.maxThreads}`);
    assert(/cross-origin isolated/.test(s.train.threadsNote || ''), `says why: ${s.train.threadsNote}`);

    // Drawing still gets an answer.
    await drawWithMouse(page, [[[s.drawPad.x + 0.5 * s.drawPad.width, s.drawPad.y + 0.2 * s.drawPad.height],
      [s.drawPad.x + 0.5 * s.drawPad.width, s.drawPad.y + 0.8 * s.drawPad.height]]]);
    s = await settled(page, 1);
    assert(s.probabilities.length === 10 && s.prediction !== null, `a drawn stroke gets an answer: ${s.prediction}`);

    if (process.env.MNIST_DIR) {
      await loadTrainingData(page);
      const t = await trainSteps(page, 2, 8);  // asks for 2, gets 1
      assert(t.threads === 1 && t.step === 8 && Number.isFinite(t.loss), `trains on one thread: ${JSON.stringify({ threads: t.threads, step: t.step, loss: t.loss })}`);
      assert(/cross-origin isolated/.test(t.threadsNote || ''), `the Train view says why there is one thread: ${t.threadsNote}`);
    }
    assert(page.problems.length === 0, page.problems.join('\n'));
    await page.closeAll();
  } finally {
    plain.stop();
  }
});

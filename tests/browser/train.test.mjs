// train.test.mjs — training in the browser, started by clicking the Train view's buttons as a person
// would: the loss falls and the accuracy rises well above chance; Pause stops the step count and
// Resume continues it; Evaluate fills a confusion matrix that sums to the test images evaluated; the
// trained model used on the drawing pad, downloaded and loaded back, answers the same; the run
// survives a reload; a diverging learning rate is caught and the page keeps working; R1 is past 98%
// within 60 s of training. Figures (images per second for R1 and R2, R1's test accuracy) go to
// ctx.metrics; the page's frames while training are measured in frames.test.mjs. Needs MNIST_DIR
// (the web build copies the files next to the page).
import { readFileSync } from 'node:fs';
import { test, assert, openPage, state, settled, drawWithMouse, screenshotPath } from './lib.mjs';

// Moves the mouse onto the control first and lets a frame pass, as a person's hand does: an ImGui
// tab pressed in the same frame that the pointer arrives on it is not taken.
async function click(page, r) {
  const x = r.x + r.width / 2, y = r.y + r.height / 2;
  await page.mouse.move(x, y);
  await page.waitForTimeout(120);
  await page.mouse.click(x, y);
}

function one(pad) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  return [[p(0.45, 0.2), p(0.5, 0.2), p(0.5, 0.5), p(0.5, 0.8)]];
}

async function openTrainView(ctx) {
  const page = await openPage(ctx);
  const s = await state(page);
  assert(s.train.data.state !== 'missing', 'the web build has the MNIST files (configure it with MNIST_DIR set)');
  await click(page, s.views.train);
  await page.waitForFunction(() => window.digitlab.state().view === 'train');
  return page;
}

// Types into an ImGui input field: click it, select all, type, Enter.
async function typeInto(page, rect, text) {
  await click(page, rect);
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

const trainState = (page) => page.evaluate(() => window.digitlab.state().train);

async function drawOneAndRead(page) {
  let s = await state(page);
  if (s.view !== 'draw') {
    await click(page, s.views.draw);
    await page.waitForFunction(() => window.digitlab.state().view === 'draw');
    s = await state(page);
  }
  await page.evaluate(() => window.digitlab.clear());
  await drawWithMouse(page, one(s.drawPad));
  return settled(page, 1);
}

const maxDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

test('train: Start trains R1 (loss falls), Pause/Resume, Evaluate, use on pad, download + load, reload', async (ctx) => {
  if (!process.env.MNIST_DIR) return 'skip';
  const page = await openTrainView(ctx);
  let t = await trainState(page);
  assert(t.status === 'idle' && t.data.state === 'notLoaded', `fresh page: ${t.status}, data ${t.data.state}`);
  await click(page, t.buttons.start);
  await page.waitForFunction(() => window.digitlab.state().train.step > 0, null, { timeout: 90000 });
  t = await trainState(page);
  assert(t.data.state === 'ready' && t.running, `training runs: ${t.status}, data ${t.data.state}`);

  await page.waitForTimeout(3000);
  t = await trainState(page);
  ctx.metrics['R1 training in the page, images/s (batch 32, Adam)'] = t.imagesPerSecond.toFixed(0);

  // The loss falls and the accuracy rises well above chance (10%).
  await page.waitForFunction(() => {
    const c = window.digitlab.state().train.curve;
    const n = c.loss.length;
    return n >= 6 && c.loss[n - 1] < 0.5 * c.loss[0] && c.accuracy[n - 1] > 0.6;
  }, null, { timeout: 150000, polling: 500 });
  t = await trainState(page);
  assert(t.curve.loss[0] > 1.5, `the first loss is near ln 10 (got ${t.curve.loss[0]})`);
  await page.screenshot({ path: screenshotPath('train-running-1280x800.png') });

  // Pause stops the step count; Resume continues it.
  await click(page, t.buttons.pause);
  await page.waitForFunction(() => window.digitlab.state().train.status === 'paused');
  const paused = (await trainState(page)).step;
  await page.waitForTimeout(1500);
  t = await trainState(page);
  assert(t.step === paused && !t.running, `paused at ${paused}, now ${t.step}`);
  await click(page, t.buttons.resume);
  await page.waitForFunction((n) => window.digitlab.state().train.step > n + 2, paused, { timeout: 60000 });
  t = await trainState(page);
  await click(page, t.buttons.pause);
  await page.waitForFunction(() => window.digitlab.state().train.status === 'paused');

  // Evaluate: the confusion matrix sums to the test images evaluated; a cell opens its gallery.
  t = await trainState(page);
  await click(page, t.buttons.evaluate);
  await page.waitForFunction(() => {
    const e = window.digitlab.state().evaluation;
    return e && !e.evaluating && e.count > 0;
  }, null, { timeout: 240000, polling: 500 });
  let e = (await state(page)).evaluation;
  const sum = e.confusion.flat().reduce((a, b) => a + b, 0);
  const diag = e.confusion.reduce((a, row, i) => a + row[i], 0);
  assert(e.count === 10000 && sum === e.count, `confusion matrix sums to ${sum}, ${e.count} evaluated`);
  assert(diag === e.correct && e.accuracy > 0.6, `accuracy ${e.accuracy}, diagonal ${diag}, correct ${e.correct}`);
  assert(e.perClass.length === 10 && e.mistakes.length > 0, 'per-class accuracy and mistakes');
  t = await trainState(page);
  let m = t.buttons.confusion;
  // Scroll the results column with the mouse wheel until the whole matrix is on screen.
  for (let i = 0; i < 20 && m.y + m.height > 790; i++) {
    await page.mouse.move(m.x + m.width / 2, 400);
    await page.mouse.wheel(0, 120);
    await page.waitForTimeout(250);
    m = (await trainState(page)).buttons.confusion;
  }
  assert(m.width > 0 && m.y >= 0 && m.y + m.height <= 800, `the confusion matrix is on screen: ${JSON.stringify(m)}`);
  await click(page, { x: m.x + 9 * m.width / 10, y: m.y + 4 * m.height / 10, width: m.width / 10, height: m.height / 10 });
  await page.waitForFunction(() => JSON.stringify(window.digitlab.state().evaluation.selectedCell) === '[4,9]');
  await page.screenshot({ path: screenshotPath('train-evaluation-1280x800.png') });

  // The trained model on the drawing pad.
  await click(page, t.buttons.useTrained);
  await page.waitForFunction(() => window.digitlab.state().train.useTrained);
  const trained = await drawOneAndRead(page);
  assert(/trained/.test(trained.model.name) && trained.model.spec === t.model.spec,
    `the pad uses the trained model (${trained.model.name}, ${trained.model.spec})`);
  await page.screenshot({ path: screenshotPath('train-model-on-pad-1280x800.png') });

  // Download it, load the file back through the page's file input: the same answer.
  let s = await state(page);
  await click(page, s.views.train);
  await page.waitForFunction(() => window.digitlab.state().view === 'train');
  t = await trainState(page);
  const [download] = await Promise.all([page.waitForEvent('download'), click(page, t.buttons.download)]);
  const bytes = readFileSync(await download.path());
  assert(bytes.length > 8 && /\.safetensors$/.test(download.suggestedFilename()), `downloaded ${download.suggestedFilename()}`);
  await page.setInputFiles('#model-file', { name: 'downloaded.safetensors', mimeType: 'application/octet-stream', buffer: bytes });
  await page.waitForFunction(() => (window.digitlab.state().model || {}).name === 'downloaded.safetensors');
  const loaded = await drawOneAndRead(page);
  assert(maxDiff(loaded.probabilities, trained.probabilities) < 1e-5,
    `downloaded model answers the same: ${loaded.probabilities} vs ${trained.probabilities}`);

  // The run survives a reload (kept in IndexedDB on pause).
  await page.evaluate(() => window.digitlab.stored);
  const before = await trainState(page);
  await page.reload();
  await page.evaluate(() => window.digitlab.ready.then(() => true));
  const after = await trainState(page);
  assert(after.status === 'paused' && after.step === before.step, `after reload: ${after.status} at step ${after.step}, was ${before.step}`);
  assert(after.curve.loss.length === before.curve.loss.length && maxDiff(after.curve.loss, before.curve.loss) < 1e-4,
    'the curves came back');
  await page.evaluate(() => window.digitlab.train.useOnPad(true));
  const reloaded = await drawOneAndRead(page);
  assert(maxDiff(reloaded.probabilities, trained.probabilities) < 1e-5, 'the reloaded weights answer the same');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('train: a diverging learning rate pauses with a message, restores the weights, the page keeps working', async (ctx) => {
  if (!process.env.MNIST_DIR) return 'skip';
  const page = await openTrainView(ctx);
  let t = await trainState(page);
  await typeInto(page, t.buttons.learningRate, '1e20');
  await page.waitForFunction(() => window.digitlab.state().train.options.lr > 1e19);
  await click(page, t.buttons.start);
  await page.waitForFunction(() => window.digitlab.state().train.diverged, null, { timeout: 120000 });
  t = await trainState(page);
  assert(t.status === 'paused' && /diverged/.test(t.message) && /lower learning rate/.test(t.message) && t.step === 0, `message: ${t.message}`);
  await page.screenshot({ path: screenshotPath('train-diverged-1280x800.png') });
  // The restored weights are finite: the model answers on the pad.
  await page.evaluate(() => window.digitlab.train.useOnPad(true));
  let s = await drawOneAndRead(page);
  assert(s.probabilities.every(Number.isFinite), `finite answers after divergence: ${s.probabilities}`);
  // Reset and a sane rate train again.
  await click(page, s.views.train);
  await page.waitForFunction(() => window.digitlab.state().view === 'train');
  t = await trainState(page);
  await click(page, t.buttons.reset);
  await page.waitForFunction(() => window.digitlab.state().train.status === 'idle');
  t = await trainState(page);
  await typeInto(page, t.buttons.learningRate, '0.003');
  await click(page, t.buttons.start);
  await page.waitForFunction(() => {
    const tr = window.digitlab.state().train;
    return tr.step > 5 && tr.loss !== null && Number.isFinite(tr.loss) && !tr.diverged;
  }, null, { timeout: 60000 });
  // And the shipped model on the Draw view still reads a 1.
  await page.evaluate(() => window.digitlab.train.pause());
  s = await drawOneAndRead(page);
  assert(s.prediction === 1 && s.model.name === 'digitlab.safetensors', `shipped model reads ${s.prediction}`);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('train: R1 test accuracy after 60 s of training, R2 images/s (figures)', async (ctx) => {
  if (!process.env.MNIST_DIR) return 'skip';
  const page = await openTrainView(ctx);
  let t = await trainState(page);
  await click(page, t.buttons.start);  // the default recipe for R1
  await page.waitForFunction(() => {
    const tr = window.digitlab.state().train;
    return tr.elapsed >= 60 || tr.status === 'finished';
  }, null, { timeout: 240000, polling: 250 });
  await page.evaluate(() => window.digitlab.train.pause());
  t = await trainState(page);
  await page.evaluate(() => window.digitlab.train.evaluate());
  await page.waitForFunction(() => {
    const e = window.digitlab.state().evaluation;
    return e && !e.evaluating && e.count === 10000;
  }, null, { timeout: 240000, polling: 500 });
  const e = (await state(page)).evaluation;
  const o = t.options;
  ctx.metrics[`R1 test accuracy after ${t.elapsed.toFixed(0)} s of training (${o.optimizer} lr ${o.lr} ${o.schedule}, batch ${o.batch}, ${o.epochs} epoch(s) planned, ${t.epoch.toFixed(2)} done)`] =
    `${(100 * e.accuracy).toFixed(2)}%`;
  ctx.metrics['R1 images/s over that run'] = (t.imagesSeen / t.elapsed).toFixed(0);
  assert(e.accuracy >= 0.98, `R1 past 98% within 60 s of training: ${e.accuracy} after ${t.elapsed} s`);

  // R2, the original project's network: throughput only.
  const r = await page.evaluate(() => window.digitlab.train.start({ preset: 'R2', subset: 2000, epochs: 1, batch: 32 }));
  assert(r.ok, `R2 starts: ${r.error}`);
  await page.waitForFunction(() => window.digitlab.state().train.elapsed >= 20, null, { timeout: 120000, polling: 500 });
  t = await trainState(page);
  ctx.metrics['R2 (original network) training in the page, images/s'] = (t.imagesSeen / t.elapsed).toFixed(1);
  assert(t.step >= 0 && !t.diverged, 'R2 trains');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

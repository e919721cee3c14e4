// probes.test.mjs — the Layers view's three instruments for what each hidden layer knows, driven by
// real clicks as a person would: the Probes panel (Compute probes, a bar per step; the input's probe
// is softmax regression on pixels, the last hidden layer's reads the digit almost perfectly), the
// Map panel (the drawing's marker moves when the drawing changes; a click on a point makes that test
// image the input), and knock-outs (a click on a map in knock-out mode changes the answer; every map
// of a layer off gives chance accuracy; reset gives back exactly the same probabilities). Also the
// page's frames while the probes compute (threaded page: at least 0.9x idle), the seconds each
// instrument takes in the page, the API's refusals of bad input, and screenshots of each panel
// (build/web/screenshots/instrument-*.png).
import { test, assert, openPage, state, settled, drawWithMouse, kFrameFloor, rafPerSecond, screenshotPath, startServer, clickRect, nextFrame } from './lib.mjs';
import { digitStrokes, placeStrokes } from './mnist.mjs';

const layerView = async (page) => (await state(page)).layerView;

async function openLayers(ctx, options) {
  const page = await openPage(ctx, options);
  assert(await page.evaluate(() => window.digitlab.layers.testImagesReady()), 'the page loaded the MNIST test images');
  await clickRect(page, (await state(page)).views.layers, 'the Layers tab');
  await page.waitForFunction(() => window.digitlab.state().view === 'layers');
  return page;
}

// Draws test image `index` (traced into pen strokes) on the pad on screen, with real mouse events.
async function drawDigit(ctx, page, index, strokesBefore = 0) {
  const s = await state(page);
  const strokes = placeStrokes(digitStrokes(ctx.mnist.image(index)), s.drawPad, { size: 0.65, cx: 0.5, cy: 0.5 });
  await drawWithMouse(page, strokes);
  return settled(page, strokesBefore + strokes.length);
}

test('probes: Compute probes by a click, a bar per step (input about 90%, last hidden layer >= 99%), frames kept', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openLayers(ctx);
  let s = await state(page);
  assert(s.train.data.state !== 'missing', 'the web build has the MNIST files (configure it with MNIST_DIR set)');
  const threaded = s.build.threads;
  await clickRect(page, s.layerView.buttons.probes, 'the Probes panel button');
  s = await state(page);
  assert(s.layerView.panel === 'probes', `the Probes panel is on screen (${s.layerView.panel})`);
  await rafPerSecond(page, 1);  // warm-up
  const idle = await rafPerSecond(page, 4);

  const t0 = Date.now();
  await clickRect(page, s.layerView.buttons.computeProbes, 'Compute probes');
  // The MNIST training images come first (download and parsing, in the main thread), then the run.
  await page.waitForFunction(() => ['running', 'done', 'failed'].includes(window.digitlab.state().layerView.probes.phase),
    null, { timeout: 120000 });
  const tRun = Date.now();
  let p = (await layerView(page)).probes;
  assert(p.phase !== 'failed', `the probes start: ${p.message}`);
  const from = p.progress;
  const busy = p.phase === 'running' ? await rafPerSecond(page, 4) : null;
  const midway = (await layerView(page)).probes;
  await page.waitForFunction(() => ['done', 'failed'].includes(window.digitlab.state().layerView.probes.phase),
    null, { timeout: 300000, polling: 250 });
  const wall = (Date.now() - tRun) / 1000;
  p = (await layerView(page)).probes;
  assert(p.phase === 'done', `the probes finish: ${p.message}`);
  await nextFrame(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: screenshotPath('instrument-probes.png') });

  const results = await page.evaluate(() => window.digitlab.layers.probes());
  const steps = (await layerView(page)).steps;
  assert(results.length === steps.length - 1, `one probe per step from the input to the logits: ${results.length} for ${steps.length - 1}`);
  results.forEach((r, i) => {
    assert(r.step === i && r.name === steps[i].name && r.kind === steps[i].kind, `probe ${i}: ${JSON.stringify(r)} vs step ${JSON.stringify(steps[i])}`);
    assert(r.accuracy >= 0 && r.accuracy <= 1, `probe ${i}: accuracy ${r.accuracy} is a fraction`);
  });
  const last = results.length - 1;  // the logits; the step before it is the last hidden layer's output
  const table = results.map((r) => `${r.name} ${(100 * r.accuracy).toFixed(1)}`).join(', ');
  console.log(`probes (shipped model, 5,000 images): ${table}`);
  assert(results[0].name === 'input' && results[0].accuracy >= 0.80 && results[0].accuracy <= 0.95,
    `the input's probe (softmax regression on pixels) is about 92%: ${results[0].accuracy}`);
  assert(results[last - 1].accuracy >= 0.99, `the last hidden layer's probe (${results[last - 1].name}) reads >= 99%: ${results[last - 1].accuracy}`);

  ctx.metrics['probes, shipped model, 5,000 training images, in the page'] =
    `${p.seconds.toFixed(1)} s of work (${threaded ? 'own thread' : 'between frames'}), ${wall.toFixed(1)} s from start to bars; ` +
    `${((tRun - t0) / 1000).toFixed(1)} s for the MNIST download before`;
  ctx.metrics['probe accuracy per step (shipped model)'] = table;
  console.log(`probes: ${p.seconds.toFixed(1)} s of work, ${wall.toFixed(1)} s wall (MNIST download ${((tRun - t0) / 1000).toFixed(1)} s before)`);
  if (busy !== null) {
    ctx.metrics[`rAF callbacks/s idle vs while the probes compute (Layers view, ${threaded ? 'threaded' : 'one thread'}, 1280x800)`] =
      `${idle.toFixed(1)} vs ${busy.toFixed(1)} (${(busy / idle).toFixed(2)}x; measured between ${(100 * from).toFixed(0)}% and ${(100 * midway.progress).toFixed(0)}% of the run)`;
    console.log(`frames: idle ${idle.toFixed(1)}/s, while computing probes ${busy.toFixed(1)}/s (${(busy / idle).toFixed(2)}x)`);
    if (threaded) assert(busy >= kFrameFloor * idle, `while the probes compute the page keeps ${busy.toFixed(1)} of ${idle.toFixed(1)} callbacks/s`);
  }

  // Hostile options are refused with a sentence, before anything starts.
  for (const bad of [{ images: 5 }, { images: 1e9 }, { images: 'many' }, { images: 2.5 }, { foo: 1 }, null, 7, [1]]) {
    const err = await page.evaluate((o) => window.digitlab.layers.probes(o).then(() => null, (e) => e.message), bad);
    assert(err && /probes/.test(err), `probes(${JSON.stringify(bad)}) is refused: ${err}`);
  }
  assert((await layerView(page)).probes.phase === 'done', 'a refused request leaves the computed probes');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('probes: the map of a layer, its marker follows the drawing, a click on a point picks that test image', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openLayers(ctx);
  let s = await state(page);
  // The last hidden layer (the step before the logits) separates the digits most clearly.
  const step = s.layerView.steps.length - 3;
  await page.evaluate((k) => window.digitlab.layers.select(k), step);
  await clickRect(page, s.layerView.buttons.map, 'the Map panel button');
  await page.waitForFunction(() => window.digitlab.state().layerView.map.phase === 'done', null, { timeout: 60000 });
  const pca = await page.evaluate((k) => window.digitlab.layers.embedding(k, { method: 'pca' }), step);
  assert(pca.points.length === 2000 && pca.labels.length === 2000, `2,000 points: ${pca.points.length}`);
  assert(pca.drawing === null, 'no marker without a drawing');

  // Draw a 7, then a 1 instead: the marker moves.
  const seven = await drawDigit(ctx, page, 0);
  assert(seven.prediction === 7, `the drawn 7 is read as ${seven.prediction}`);
  const m7 = (await page.evaluate((k) => window.digitlab.layers.embedding(k), step)).drawing;
  s = await state(page);
  assert(m7 && s.layerView.map.marker && Math.abs(m7[0] - s.layerView.map.marker[0]) < 1e-6, `the marker is shown: ${m7}`);
  await page.waitForTimeout(200);
  await page.screenshot({ path: screenshotPath('instrument-map-pca.png') });
  await page.evaluate(() => window.digitlab.clear());
  const one = await drawDigit(ctx, page, 2);
  assert(one.prediction === 1, `the drawn 1 is read as ${one.prediction}`);
  const m1 = (await page.evaluate((k) => window.digitlab.layers.embedding(k), step)).drawing;
  const b = s.layerView.map.bounds;
  const extent = b.xmax - b.xmin;
  const moved = Math.hypot(m1[0] - m7[0], m1[1] - m7[1]);
  assert(moved > 0.05 * extent, `the marker moved with the drawing: ${moved} of a map ${extent} wide`);
  // The 7's marker lies among the 7s: most of its nearest test points are 7s.
  const nearest = (m) => pca.points.map((p, i) => [Math.hypot(p[0] - m[0], p[1] - m[1]), pca.labels[i]])
    .sort((x, y) => x[0] - y[0]).slice(0, 20);
  const sevens = nearest(m7).filter((x) => x[1] === 7).length;
  assert(sevens >= 10, `the drawn 7 lands among the 7s: ${sevens} of its 20 nearest points`);

  // Click the test point that stands most apart on screen: the input becomes that test image.
  s = await state(page);
  const { plot, bounds } = s.layerView.map;
  const toScreen = (p) => [plot.x + (p[0] - bounds.xmin) / (bounds.xmax - bounds.xmin) * plot.width,
    plot.y + (bounds.ymax - p[1]) / (bounds.ymax - bounds.ymin) * plot.height];
  const screen = pca.points.map(toScreen);
  let pick = -1, best = 0;
  for (let i = 0; i < screen.length; i += 7) {
    const [x, y] = screen[i];
    if (x < plot.x + 10 || y < plot.y + 10 || x > plot.x + plot.width - 10 || y > plot.y + plot.height - 10) continue;
    let d = Infinity;
    for (let j = 0; j < screen.length; j++) if (j !== i) d = Math.min(d, Math.hypot(screen[j][0] - x, screen[j][1] - y));
    if (d > best) { best = d; pick = i; }
  }
  assert(pick >= 0 && best >= 3, `a point to click (${pick}, ${best.toFixed(1)} px from the next)`);
  await page.mouse.move(screen[pick][0], screen[pick][1]);
  await page.waitForTimeout(100);
  await page.mouse.click(screen[pick][0], screen[pick][1]);
  await nextFrame(page);
  const v = await layerView(page);
  assert(v.input === pick, `a click on point ${pick} makes it the input: ${v.input}`);
  const input = (await page.evaluate(() => window.digitlab.layers.activations(0))).values;
  const image = ctx.mnist.image(pick);
  for (let k = 0; k < 784; k++) assert(Math.abs(input[k] - image[k] / 255) < 1e-6, `the input is test image ${pick} (pixel ${k})`);
  const picked = (await page.evaluate((k) => window.digitlab.layers.embedding(k), step)).drawing;
  assert(Math.hypot(picked[0] - pca.points[pick][0], picked[1] - pca.points[pick][1]) < 1e-3 * extent,
    `the marker sits on the picked point: ${picked} vs ${pca.points[pick]}`);

  // t-SNE of the same step, by the radio button; then back to the drawing.
  await page.evaluate(() => window.digitlab.layers.pickTestImage(-1));
  await clickRect(page, s.layerView.buttons.tsne, 'the t-SNE button');
  await page.waitForFunction(() => ['done', 'failed'].includes(window.digitlab.state().layerView.map.phase) &&
    window.digitlab.state().layerView.map.method === 'tsne', null, { timeout: 180000, polling: 250 });
  const tsne = await page.evaluate((k) => window.digitlab.layers.embedding(k, { method: 'tsne' }), step);
  assert(tsne.points.length === 2000 && tsne.drawing, `a t-SNE map with the marker: ${tsne.points.length}, ${tsne.drawing}`);
  await nextFrame(page);
  await page.waitForTimeout(200);
  await page.screenshot({ path: screenshotPath('instrument-map-tsne.png') });
  ctx.metrics[`map of ${s.layerView.steps[step].name}, 2,000 test images, in the page`] =
    `PCA ${pca.seconds.toFixed(2)} s (forward passes ${pca.featuresSeconds.toFixed(2)} s, PCA ${pca.projectionSeconds.toFixed(3)} s), t-SNE ${tsne.seconds.toFixed(1)} s (t-SNE itself ${tsne.projectionSeconds.toFixed(1)} s)`;
  console.log(`map: PCA ${pca.seconds.toFixed(3)} s, t-SNE ${tsne.seconds.toFixed(1)} s (${s.layerView.steps[step].name})`);

  // Refusals.
  for (const [k, o] of [[-1, {}], [999, {}], [1.5, {}], [step, { method: 'umap' }], [step, { colour: 'red' }], [step, null]]) {
    const err = await page.evaluate(([a, b]) => window.digitlab.layers.embedding(a, b).then(() => null, (e) => e.message), [k, o]);
    assert(err && /embedding/.test(err), `embedding(${k}, ${JSON.stringify(o)}) is refused: ${err}`);
  }
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('probes: knock-outs by a click change the answer, a whole layer off gives chance, reset restores it exactly', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openLayers(ctx);
  let s = await state(page);
  const relu1 = s.layerView.steps.findIndex((st) => st.kind === 'relu');
  await page.evaluate((k) => window.digitlab.layers.select(k), relu1);
  await nextFrame(page);
  const drawn = await drawDigit(ctx, page, 0);
  assert(drawn.prediction === 7, `the drawn 7 is read as ${drawn.prediction}`);
  const before = drawn.probabilities;
  const softmaxStep = s.layerView.steps.length - 1;
  const beforeView = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep)).values;
  const logitsBefore = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep - 1)).values;

  s = await state(page);
  await clickRect(page, s.layerView.buttons.knockOut, 'the Knock out toggle');
  s = await state(page);
  assert(s.layerView.knockOut, 'knock-out mode is on');
  const channels = s.layerView.shape[0];
  assert(s.layerView.cells.length === channels, `${channels} maps on screen: ${s.layerView.cells.length}`);
  // The map that fires most for this drawing matters most to its answer.
  const acts = (await page.evaluate((k) => window.digitlab.layers.activations(k), relu1)).values;
  const per = acts.length / channels;
  let strongest = 0, most = -1;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let k = 0; k < per; k++) sum += acts[c * per + k];
    if (sum > most) { most = sum; strongest = c; }
  }
  await clickRect(page, s.layerView.cells[strongest], `map ${strongest}`);
  s = await state(page);
  assert(s.layerView.knockouts.count === 1 && s.layerView.knockouts.off[0][0] === relu1 && s.layerView.knockouts.off[0][1] === strongest,
    `map ${strongest} of step ${relu1} is off: ${JSON.stringify(s.layerView.knockouts.off)}`);
  assert(s.layerView.channel === null, 'in knock-out mode a click does not enlarge the map');
  // A confident 7 keeps p(7) near 1 in float: the logits show the change at full size.
  const logitsAfter = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep - 1)).values;
  const logitChange = logitsAfter.reduce((m, z, i) => Math.max(m, Math.abs(z - logitsBefore[i])), 0);
  assert(logitChange > 1e-2, `the logits change: largest change ${logitChange}`);
  const after = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep)).values;
  assert(after.some((p, i) => p !== beforeView[i]), 'the probabilities change');
  // The Draw view answers with the same network: its probabilities are the Layers view's.
  for (let d = 0; d < 10; d++) {
    assert(Math.abs(s.probabilities[d] - after[d]) <= 1e-6 + 1e-5 * after[d], `the Draw view's p(${d}) ${s.probabilities[d]} is the Layers view's ${after[d]}`);
  }
  const mapOff = (await page.evaluate((k) => window.digitlab.layers.activations(k), relu1)).values.slice(strongest * per, (strongest + 1) * per);
  assert(mapOff.every((x) => x === 0), 'the map switched off is 0');
  const one = await page.evaluate(() => window.digitlab.layers.ablationAccuracy());
  await page.waitForFunction(() => window.digitlab.state().layerView.knockouts.phase === 'done');
  await nextFrame(page);
  await page.waitForTimeout(200);
  await page.screenshot({ path: screenshotPath('instrument-knockout.png') });
  console.log(`knock-out of ${s.layerView.name} map ${strongest}: test accuracy ${(100 * one.baseline).toFixed(2)}% -> ${(100 * one.accuracy).toFixed(2)}%`);

  // Every map of the step off (the "All off" button): chance.
  s = await state(page);
  await clickRect(page, s.layerView.buttons.allOff, 'All off');
  s = await state(page);
  assert(s.layerView.knockouts.count === channels, `all ${channels} maps off: ${s.layerView.knockouts.count}`);
  const t0 = Date.now();
  const all = await page.evaluate(() => window.digitlab.layers.ablationAccuracy());
  const wall = (Date.now() - t0) / 1000;
  assert(all.units === channels && all.accuracy <= 0.12, `every map of ${s.layerView.name} off: accuracy ${all.accuracy} (chance 0.1)`);
  assert(all.perClass.length === 10 && all.baselinePerClass.length === 10, 'per-digit accuracies');
  await nextFrame(page);
  await page.waitForTimeout(200);
  await page.screenshot({ path: screenshotPath('instrument-knockout-all.png') });
  ctx.metrics['ablation accuracy over 10,000 test images, in the page'] =
    `${all.seconds.toFixed(2)} s of work, ${wall.toFixed(2)} s wall (all ${channels} maps of ${s.layerView.name} off: ${(100 * all.accuracy).toFixed(1)}%; one map: ${(100 * one.accuracy).toFixed(2)}% vs ${(100 * one.baseline).toFixed(2)}%)`;
  console.log(`ablation accuracy: ${all.seconds.toFixed(2)} s of work, ${wall.toFixed(2)} s wall; all off ${(100 * all.accuracy).toFixed(1)}%`);

  // Reset all: exactly the probabilities of before.
  await clickRect(page, s.layerView.buttons.resetAll, 'Reset all');
  s = await state(page);
  assert(s.layerView.knockouts.count === 0, 'every unit is on again');
  for (let d = 0; d < 10; d++) assert(s.probabilities[d] === before[d], `p(${d}) ${s.probabilities[d]} is exactly ${before[d]} again`);
  const again = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep)).values;
  for (let d = 0; d < 10; d++) assert(again[d] === beforeView[d], `the Layers view's p(${d}) is exactly as before`);
  const logitsAgain = (await page.evaluate((k) => window.digitlab.layers.activations(k), softmaxStep - 1)).values;
  for (let d = 0; d < 10; d++) assert(logitsAgain[d] === logitsBefore[d], `logit ${d} is exactly as before`);

  // The API: the same through ablate/ablateReset, and refusals.
  assert(await page.evaluate((k) => window.digitlab.layers.ablate(k, 0, true), relu1) === true, 'ablate returns true');
  assert((await state(page)).layerView.knockouts.count === 1, 'ablate switched one map off');
  await page.evaluate(() => window.digitlab.layers.ablateReset());
  const reset = await state(page);
  for (let d = 0; d < 10; d++) assert(reset.probabilities[d] === before[d], `after ablateReset p(${d}) is exactly as before`);
  const count = s.layerView.steps.length;
  for (const args of [[0, 0, true], [count - 1, 0, true], [relu1, channels, true], [relu1, -1, true], [1.5, 0, true],
    [relu1, 0, 'yes'], ['1', 0, true], [1e12, 0, true]]) {
    const err = await page.evaluate((a) => { try { window.digitlab.layers.ablate(...a); return null; } catch (e) { return e.message; } }, args);
    assert(err && /ablate/.test(err), `ablate(${args}) is refused: ${err}`);
  }
  assert((await state(page)).layerView.knockouts.count === 0, 'refused calls switch nothing off');

  // A new model clears the knock-outs (the same file again is a new model).
  await page.evaluate((k) => window.digitlab.layers.ablate(k, 1, true), relu1);
  const bytes = await page.evaluate(async () => [...new Uint8Array(await (await fetch('digitlab.safetensors')).arrayBuffer())]);
  await page.evaluate((b) => window.digitlab.loadModel(new Uint8Array(b), 'again.safetensors'), bytes);
  await nextFrame(page);
  assert((await state(page)).layerView.knockouts.count === 0, 'loading a model clears the knock-outs');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('probes: the instruments in classroom mode and on a phone', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  for (const [name, viewport, classroom] of [['instrument-map-classroom-1920x1080.png', { width: 1920, height: 1080 }, true],
    ['instrument-map-phone-360x740.png', { width: 360, height: 740 }, false]]) {
    const page = await openLayers(ctx, { viewport });
    await page.evaluate((on) => window.digitlab.setClassroom(on), classroom);
    const steps = (await layerView(page)).steps;
    await page.evaluate((k) => window.digitlab.layers.select(k), steps.length - 3);
    await page.evaluate(() => window.digitlab.layers.showPanel('map'));
    await page.waitForFunction(() => window.digitlab.state().layerView.map.phase === 'done', null, { timeout: 60000 });
    await drawDigit(ctx, page, 4);
    await nextFrame(page);
    await page.screenshot({ path: screenshotPath(name) });
    const s = await state(page);
    assert(s.layerView.map.marker, `${name}: the marker is there`);
    const plot = s.layerView.map.plot;
    assert(plot.width > 100 && plot.x >= 0 && plot.x + plot.width <= viewport.width + 1, `${name}: the map fits: ${JSON.stringify(plot)}`);
    // Knock-outs in the same layout.
    await page.evaluate((k) => window.digitlab.layers.select(k), 3);
    await page.evaluate(() => { window.digitlab.layers.showPanel('activations'); window.digitlab.layers.setKnockOut(true); });
    await page.evaluate(() => window.digitlab.layers.ablate(3, 2, true));
    await page.evaluate(() => window.digitlab.layers.ablationAccuracy());
    await nextFrame(page);
    await page.screenshot({ path: screenshotPath(name.replace('map', 'knockout')) });
    assert(page.problems.length === 0, page.problems.join('\n'));
    await page.closeAll();
  }
});

// Without threads (a plain static host) the jobs work a slice of each frame: the map and the
// knock-outs' figure still come, and the page keeps drawing.
test('probes: on a plain host (one thread) the map and the knock-outs work between frames', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const plain = await startServer({ plain: true });
  try {
    const page = await openLayers({ ...ctx, url: plain.url }, { serviceWorkers: 'block' });
    const s = await state(page);
    assert(!s.build.threads, `the single-threaded build: ${JSON.stringify(s.build)}`);
    const step = s.layerView.steps.length - 3;
    const t0 = Date.now();
    const map = await page.evaluate((k) => window.digitlab.layers.embedding(k, { method: 'pca' }), step);
    const mapWall = (Date.now() - t0) / 1000;
    assert(map.points.length === 2000, 'the map is there');
    await rafPerSecond(page, 1);
    const idle = await rafPerSecond(page, 3);
    await page.evaluate(() => window.digitlab.layers.ablate(1, 0, true));
    const t1 = Date.now();
    const pending = page.evaluate(() => window.digitlab.layers.ablationAccuracy());
    const busy = await rafPerSecond(page, 3);
    const r = await pending;
    const ablationWall = (Date.now() - t1) / 1000;
    ctx.metrics['one thread (plain host): rAF callbacks/s idle vs while the knock-outs\' figure computes (Layers view)'] =
      `${idle.toFixed(1)} vs ${busy.toFixed(1)} (${(busy / idle).toFixed(2)}x)`;
    console.log(`one thread: frames idle ${idle.toFixed(1)}/s, while computing ${busy.toFixed(1)}/s`);
    assert(r.units === 1 && r.accuracy > 0.9, `one conv1 map off: ${r.accuracy}`);
    ctx.metrics['one thread (plain host), slices in and between frames: map (PCA) / ablation accuracy with its baseline, wall'] =
      `${mapWall.toFixed(1)} s / ${ablationWall.toFixed(1)} s`;
    console.log(`one thread: map ${mapWall.toFixed(1)} s, ablation (and its baseline) ${ablationWall.toFixed(1)} s wall`);
    assert(page.problems.length === 0, page.problems.join('\n'));
    await page.closeAll();
  } finally {
    plain.stop();
  }
});

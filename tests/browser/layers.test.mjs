// layers.test.mjs — the Layers view: stepping through the shipped model with the keyboard (and a
// swipe), the activations the page shows against the engine's native forward pass, saliency on the
// ink, the top images of a channel, frame rates with every feature map of the big models on screen,
// and a screenshot of every step for a person to look at (build/web/screenshots/layer-<i>.png).
//
// The native reference: `digitlab activations MODEL --index N` (tools/digitlab) prints every
// layer's output for test image N, computed by the same engine compiled natively. Comparing against
// it checks the whole chain the page adds — the page's IDX/gzip loading of the test set, the
// WebAssembly build of the kernels, copying the activations out of the model, the API — against an
// independent build, instead of re-implementing the network in JavaScript (a second implementation
// would need its own tests). The test is skipped when the native binary has not been built.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { test, assert, openPage, state, settled, drawWithMouse, screenshotPath, ROOT } from './lib.mjs';
import { digitStrokes, placeStrokes } from './mnist.mjs';

const NATIVE = process.env.DIGITLAB_NATIVE_BIN || path.join(ROOT, 'build', 'native', 'bin', 'digitlab');
const MODEL = path.join(ROOT, 'assets', 'digitlab.safetensors');

const layerView = async (page) => (await state(page)).layerView;
const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// Expected steps from the model's spec, worked out here from the spec grammar (README,
// "Architecture specs"): conv -> (bn) -> relu, pool, dropout, flatten before the first dense, dense ->
// (bn) -> relu except the last; plus the input and the softmax.
function stepsFromSpec(spec) {
  const steps = [['input', [1, 28, 28]]];
  let [c, h, w] = [1, 28, 28];
  const tokens = spec.trim().split(/\s+/);
  const lastDense = tokens.map((t) => t[0]).lastIndexOf('f');
  tokens.forEach((t, i) => {
    let m;
    if ((m = /^c(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?(b?)$/.exec(t))) {
      const k = +m[2], s = m[3] ? +m[3] : 1, p = m[4] !== undefined ? +m[4] : Math.floor(k / 2);
      c = +m[1]; h = Math.floor((h + 2 * p - k) / s) + 1; w = Math.floor((w + 2 * p - k) / s) + 1;
      steps.push(['conv', [c, h, w]]);
      if (m[5]) steps.push(['batchnorm', [c, h, w]]);
      steps.push(['relu', [c, h, w]]);
    } else if ((m = /^p(\d+)(?:s(\d+))?$/.exec(t))) {
      const k = +m[1], s = m[2] ? +m[2] : k;
      h = Math.floor((h - k) / s) + 1; w = Math.floor((w - k) / s) + 1;
      steps.push(['maxpool', [c, h, w]]);
    } else if (/^d/.test(t)) {
      steps.push(['dropout', [c, h, w]]);
    } else if ((m = /^f(\d+)(b?)$/.exec(t))) {
      if (h !== 1 || w !== 1) { c = c * h * w; h = 1; w = 1; steps.push(['flatten', [c, 1, 1]]); }
      c = +m[1];
      steps.push(['dense', [c, 1, 1]]);
      if (m[2]) steps.push(['batchnorm', [c, 1, 1]]);
      if (i !== lastDense) steps.push(['relu', [c, 1, 1]]);
    } else {
      throw new Error(`spec token ${t} not understood by the test`);
    }
  });
  steps.push(['softmax', [10, 1, 1]]);
  return steps;
}

test('layers: the arrow keys step through every layer, with the shapes of the spec', async (ctx) => {
  const page = await openPage(ctx);
  const s0 = await state(page);
  const expected = stepsFromSpec(s0.model.spec);
  await page.evaluate(() => window.digitlab.layers.select(0));
  await nextFrame(page);
  let v = await layerView(page);
  assert(v.index === 0 && v.name === 'input', `starts at the input: ${JSON.stringify(v).slice(0, 200)}`);
  assert(v.count === expected.length, `${v.count} steps, the spec gives ${expected.length}`);
  const visited = [];
  for (let i = 0; i < expected.length; i++) {
    v = await layerView(page);
    visited.push(v.index);
    assert(v.index === i, `after ${i} presses of the right arrow the view is at step ${v.index}`);
    assert(v.kind === expected[i][0], `step ${i} (${v.name}) is a ${v.kind}, the spec says ${expected[i][0]}`);
    assert(JSON.stringify(v.shape) === JSON.stringify(expected[i][1]),
      `step ${i} (${v.name}) has shape ${v.shape}, the spec says ${expected[i][1]}`);
    const a = await page.evaluate((k) => window.digitlab.layers.activations(k), i);
    assert(a.values.length === a.shape[0] * a.shape[1] * a.shape[2], `step ${i}: ${a.values.length} values for shape ${a.shape}`);
    await page.keyboard.press('ArrowRight');
    await nextFrame(page);
  }
  v = await layerView(page);
  assert(v.index === expected.length - 1, 'the right arrow stops at the last step');
  await page.keyboard.press('ArrowLeft');
  await nextFrame(page);
  assert((await layerView(page)).index === expected.length - 2, 'the left arrow steps back');
  await page.keyboard.press('Home');
  await nextFrame(page);
  assert((await layerView(page)).index === 0, 'Home goes back to the input');

  // A swipe to the left (a drag across the maps area) steps forward, to the right steps back.
  const win = s0.window;
  const y = win.height * 0.75, x0 = win.width * 0.85, x1 = win.width * 0.45;
  await page.mouse.move(x0, y);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) await page.mouse.move(x0 + (x1 - x0) * k / 8, y);
  await page.mouse.up();
  await nextFrame(page);
  assert((await layerView(page)).index === 1, 'a swipe to the left steps forward');
  await page.mouse.move(x1, y);
  await page.mouse.down();
  for (let k = 1; k <= 8; k++) await page.mouse.move(x1 + (x0 - x1) * k / 8, y);
  await page.mouse.up();
  await nextFrame(page);
  assert((await layerView(page)).index === 0, 'a swipe to the right steps back');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('layers: activations for a test image equal the native engine\'s forward pass', async (ctx) => {
  if (!ctx.mnist || !existsSync(NATIVE)) return 'skip';
  const page = await openPage(ctx);
  assert(await page.evaluate(() => window.digitlab.layers.testImagesReady()), 'the page loaded the MNIST test images');
  let worst = 0;
  for (const index of [0, 1234]) {
    const ref = JSON.parse(execFileSync(NATIVE, ['activations', MODEL, '--index', String(index)],
      { env: { ...process.env }, maxBuffer: 64 << 20 }).toString());
    assert(await page.evaluate((i) => window.digitlab.layers.pickTestImage(i), index), `picked test image ${index}`);
    const input = await page.evaluate(() => window.digitlab.layers.activations(0));
    for (let k = 0; k < 784; k++) {
      assert(Math.abs(input.values[k] - ref.input[k]) < 1e-6, `image ${index}: input pixel ${k} ${input.values[k]} vs ${ref.input[k]}`);
    }
    for (const layer of ref.layers) {
      const got = await page.evaluate((k) => window.digitlab.layers.activations(k), layer.index + 1);
      assert(got.name === layer.name && JSON.stringify(got.shape) === JSON.stringify(layer.shape),
        `step ${layer.index + 1} is ${got.name} ${got.shape}, native ${layer.name} ${layer.shape}`);
      // Float tolerance: the WebAssembly and native kernels sum in different orders (SIMD width),
      // which moves the last bits; 1e-4 of the layer's largest magnitude is far above that drift
      // and far below any real difference (a wrong weight or a shifted map changes values by >1%).
      let scale = 1e-6;
      for (const r of layer.values) scale = Math.max(scale, Math.abs(r));
      for (let k = 0; k < layer.values.length; k++) {
        const d = Math.abs(got.values[k] - layer.values[k]) / scale;
        worst = Math.max(worst, d);
        assert(d <= 1e-4, `image ${index}, ${layer.name}[${k}]: page ${got.values[k]}, native ${layer.values[k]}`);
      }
    }
    const probs = await page.evaluate((k) => window.digitlab.layers.activations(k), ref.layers.length + 1);
    for (let d = 0; d < 10; d++) assert(Math.abs(probs.values[d] - ref.probabilities[d]) < 1e-5, `image ${index}: p(${d})`);
  }
  ctx.metrics['layer view vs native forward: largest difference (relative to the layer\'s max)'] = worst.toExponential(2);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

// The share of saliency within 2 pixels of the ink, and the share of the image that region covers.
function saliencyNearInk(input, sal) {
  const near = new Uint8Array(784);
  for (let k = 0; k < 784; k++) {
    if (input[k] <= 0.2) continue;
    const x = k % 28, y = (k / 28) | 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      const xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < 28 && yy < 28) near[yy * 28 + xx] = 1;
    }
  }
  let inside = 0, all = 0, area = 0;
  for (let k = 0; k < 784; k++) { all += sal[k]; if (near[k]) { inside += sal[k]; area++; } }
  return { share: inside / all, area: area / 784 };
}

test('layers: saliency of a drawn digit is concentrated on the ink', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openPage(ctx);
  await page.evaluate(() => window.digitlab.layers.select(0));
  await nextFrame(page);
  const results = [];
  for (const index of [0, 2, 3, 4]) {  // a 7, a 1, a 0, a 4
    await page.evaluate(() => window.digitlab.clear());
    const s = await state(page);
    const strokes = placeStrokes(digitStrokes(ctx.mnist.image(index)), s.drawPad, { size: 0.65, cx: 0.5, cy: 0.5 });
    await drawWithMouse(page, strokes);
    const after = await settled(page, strokes.length);
    assert(after.prediction === ctx.mnist.label(index), `drawn ${ctx.mnist.label(index)} read as ${after.prediction}`);
    const v = await layerView(page);
    assert(v.input === 'drawing' && v.answer === after.prediction, `the view shows the drawing: ${v.input}, ${v.answer}`);
    const input = (await page.evaluate(() => window.digitlab.layers.activations(0))).values;
    const sal = await page.evaluate(() => window.digitlab.layers.saliency());
    assert(sal.length === 784 && sal.some((x) => x > 0), 'saliency has 784 values, not all zero');
    for (let k = 0; k < 784; k++) assert(Math.abs(input[k] - after.input28[k]) < 1e-3, 'the view runs on the drawing');
    // Plain input gradients are noisy off the ink too; "concentrated" here means that a pixel near
    // the ink carries on average at least twice the saliency of a pixel away from it (uniform
    // saliency gives 1), and that most of it lies near the ink.
    const r = saliencyNearInk(input, sal);
    const ratio = (r.share / r.area) / ((1 - r.share) / (1 - r.area));
    results.push(`${ctx.mnist.label(index)}: ${(100 * r.share).toFixed(0)}% on ${(100 * r.area).toFixed(0)}% of the image (x${ratio.toFixed(1)} per pixel)`);
    assert(ratio >= 2 && r.share >= 0.5,
      `drawn ${ctx.mnist.label(index)}: ${(100 * r.share).toFixed(1)}% of the saliency within 2 px of the ink, which covers ${(100 * r.area).toFixed(1)}% of the image (x${ratio.toFixed(2)} per pixel)`);
  }
  ctx.metrics['saliency near the ink (drawn digits)'] = results.join('; ');
  await page.screenshot({ path: screenshotPath('layers-saliency.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('layers: the top images of a channel are reported and activate it most', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openPage(ctx);
  assert(await page.evaluate(() => window.digitlab.layers.testImagesReady()), 'the page loaded the MNIST test images');
  const v0 = await page.evaluate(() => window.digitlab.layers.select(3));  // relu1 of the shipped model
  const t0 = Date.now();
  const top = await page.evaluate(() => window.digitlab.layers.topImages(3, 5));
  const ms = Date.now() - t0;
  assert(Array.isArray(top) && top.length === 9 && new Set(top).size === 9, `9 different images: ${top}`);
  assert(top.every((i) => Number.isInteger(i) && i >= 0 && i < 10000), `test-set indices: ${top}`);
  const t = (await layerView(page)).top;
  for (let k = 1; k < 9; k++) assert(t.values[k] <= t.values[k - 1], `best first: ${t.values}`);
  // Each reported image's channel maximum is what the scan says, and no sampled other image beats the 9th.
  const channelMax = async (index) => {
    await page.evaluate((i) => window.digitlab.layers.pickTestImage(i), index);
    const a = await page.evaluate((k) => window.digitlab.layers.activations(k), 3);
    const [, h, w] = a.shape;
    return Math.max(...a.values.slice(5 * h * w, 6 * h * w));
  };
  for (let k = 0; k < 9; k += 4) {
    const m = await channelMax(top[k]);
    assert(Math.abs(m - t.values[k]) <= 1e-4 * Math.max(1, Math.abs(m)), `image ${top[k]}: max ${m}, scan said ${t.values[k]}`);
  }
  for (const other of [7, 99, 4242, 9999]) {
    if (top.includes(other)) continue;
    const m = await channelMax(other);
    assert(m <= t.values[8] + 1e-4, `image ${other} activates channel 5 with ${m}, more than the 9th best ${t.values[8]}`);
  }
  ctx.metrics[`top 9 images of ${v0.name} channel 5 over 10,000 test images`] = `${(t.ms / 1000).toFixed(1)} s of work, ${(ms / 1000).toFixed(1)} s wall`;
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

// A drawn 7 (test image 0 traced into pen strokes) on the Layers view's pad.
async function drawSeven(ctx, page) {
  const s = await state(page);
  const strokes = placeStrokes(digitStrokes(ctx.mnist.image(0)), s.drawPad, { size: 0.65, cx: 0.5, cy: 0.5 });
  await drawWithMouse(page, strokes);
  return settled(page, strokes.length);
}

test('layers: a screenshot of every step of the shipped model, classroom, tablet and phone too', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const page = await openPage(ctx);
  await page.evaluate(() => window.digitlab.layers.testImagesReady());
  await page.evaluate(() => window.digitlab.layers.select(0));
  await nextFrame(page);
  const drawn = await drawSeven(ctx, page);
  assert(drawn.prediction === 7, `the drawn 7 is read as ${drawn.prediction}`);
  const count = (await layerView(page)).count;
  for (let i = 0; i < count; i++) {
    await page.evaluate((k) => window.digitlab.layers.select(k), i);
    await nextFrame(page);
    await page.screenshot({ path: screenshotPath(`layer-${i}.png`) });
  }
  // A map enlarged, its filter and its top images (conv1, channel 4).
  await page.evaluate(() => window.digitlab.layers.select(1));
  await page.evaluate(() => window.digitlab.layers.topImages(1, 4));
  await page.evaluate(() => window.digitlab.layers.enlarge(4));
  await nextFrame(page);
  await page.screenshot({ path: screenshotPath('layers-enlarged.png') });
  // A deeper layer's filter per input channel (conv3 of the shipped model: step 9).
  await page.evaluate(() => { window.digitlab.layers.select(9); window.digitlab.layers.enlarge(10); });
  await nextFrame(page);
  await page.screenshot({ path: screenshotPath('layers-deep-filter.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();

  // Classroom mode on a 1920x1080 projector, and a tablet held upright.
  for (const [name, viewport, classroom] of [['layers-classroom-1920x1080.png', { width: 1920, height: 1080 }, true],
    ['layers-tablet-portrait-768x1024.png', { width: 768, height: 1024 }, false],
    ['layers-phone-360x740.png', { width: 360, height: 740 }, false]]) {
    const p = await openPage(ctx, { viewport });
    await p.evaluate((on) => window.digitlab.setClassroom(on), classroom);
    await p.evaluate(() => window.digitlab.layers.select(3));
    await nextFrame(p);
    const d = await drawSeven(ctx, p);
    assert(d.prediction === 7, `${name}: the drawn 7 is read as ${d.prediction}`);
    await nextFrame(p);
    await p.screenshot({ path: screenshotPath(name) });
    const s = await state(p);
    assert(s.layerView.index === 3 && s.view === 'layers', `${name}: the Layers view at step 3`);
    assert(p.problems.length === 0, p.problems.join('\n'));
    await p.closeAll();
  }
});

// Frames per second while the view re-runs the network and re-uploads every texture each frame
// (setLive: what training or drawing does), with every feature map of the step that has the most
// maps on screen, at 1280x800 and devicePixelRatio 1 (SwiftShader frame times grow with pixels).
async function measureFps(page, label, ctx) {
  const v = await page.evaluate(() => window.digitlab.layers.select(0));
  let best = 0, bestMaps = -1;
  v.steps.forEach((st, i) => { if ((st.shape[1] > 1) && st.shape[0] * st.shape[1] * st.shape[2] > bestMaps) { best = i; bestMaps = st.shape[0] * st.shape[1] * st.shape[2]; } });
  const out = {};
  // Baseline: the same frame with the input step (one 28x28 map) instead of all the maps.
  await page.evaluate(() => window.digitlab.layers.setLive('upload'));
  await nextFrame(page);
  {
    const f0 = (await state(page)).frame, t0 = Date.now();
    await page.waitForTimeout(3000);
    out.baseline = ((await state(page)).frame - f0) / ((Date.now() - t0) / 1000);
    await page.evaluate(() => window.digitlab.layers.setLive(false));
  }
  const stepInfo = await page.evaluate((k) => window.digitlab.layers.select(k), best);
  for (const mode of ['upload', 'recompute']) {
    await page.evaluate((m) => window.digitlab.layers.setLive(m), mode);
    await nextFrame(page);
    const f0 = (await state(page)).frame, t0 = Date.now();
    await page.waitForTimeout(3000);
    const s1 = await state(page), t1 = Date.now();
    await page.evaluate(() => window.digitlab.layers.setLive(false));
    out[mode] = (s1.frame - f0) / ((t1 - t0) / 1000);
    out[mode + 'Ms'] = s1.layerView.drawMs;
  }
  ctx.metrics[`layer view fps, ${label}, ${stepInfo.name} ${stepInfo.shape.join('x')}, all maps on screen`] =
    `${out.upload.toFixed(1)} (every texture re-uploaded each frame; the view's CPU time ${out.uploadMs.toFixed(1)} ms/frame), ` +
    `${out.recompute.toFixed(1)} (also forward + saliency each frame; ${out.recomputeMs.toFixed(1)} ms/frame); ` +
    `the input step alone: ${out.baseline.toFixed(1)}`;
  return out.upload;
}

test('layers: frame rate with every feature map of the big models on screen', async (ctx) => {
  const page = await openPage(ctx);
  await page.evaluate(() => window.digitlab.layers.select(0));
  const fps = await measureFps(page, 'shipped model', ctx);
  assert(fps > 0, 'frames were drawn');
  // R2, the original project's network, untrained (a few steps, enough for a valid file), when the
  // native command line is there to write it.
  if (existsSync(NATIVE) && ctx.mnist) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'digitlab-r2-'));
    const out = path.join(dir, 'r2.safetensors');
    execFileSync(NATIVE, ['train', 'R2', '--epochs', '1', '--subset', '128', '--validation', '64', '--no-augment',
      '--weights-only', '--out', out], { env: { ...process.env }, stdio: 'ignore' });
    const r = await page.evaluate((bytes) => window.digitlab.loadModel(new Uint8Array(bytes), 'r2.safetensors'),
      [...readFileSync(out)]);
    assert(r.ok, `R2 loads: ${r.error}`);
    await measureFps(page, 'R2 (original project network)', ctx);
  }
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

// model.test.mjs — loading other model files: a broken file (through the API, and through the page's
// file input as a person would pick it) gives a clear message and the current model keeps working;
// a good file picked with the "Load model" button replaces it.
import { test, assert, openPage, state, settled, drawWithMouse, screenshotPath } from './lib.mjs';

function one(pad) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  return [[p(0.45, 0.2), p(0.5, 0.2), p(0.5, 0.5), p(0.5, 0.8)]];
}

test('a bad model file shows an error and the old model keeps working', async (ctx) => {
  const page = await openPage(ctx);
  const before = await state(page);
  assert(before.model, 'a model is loaded at start');

  const garbage = await page.evaluate(() => {
    const bytes = new Uint8Array(5000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) & 255;
    return window.digitlab.loadModel(bytes, 'garbage.safetensors');
  });
  assert(garbage.ok === false && /garbage\.safetensors/.test(garbage.error), `loadModel(garbage): ${JSON.stringify(garbage)}`);
  let s = await state(page);
  assert(s.modelError === garbage.error && /still in use/.test(s.modelError), `modelError: ${s.modelError}`);
  assert(s.model.name === before.model.name && s.model.spec === before.model.spec, 'the old model is still loaded');

  // A truncated copy of the real model, picked through the page's file input.
  const real = Buffer.from(await (await fetch(ctx.url + 'digitlab.safetensors')).arrayBuffer());
  await page.setInputFiles('#model-file', { name: 'truncated.safetensors', mimeType: 'application/octet-stream',
    buffer: real.subarray(0, Math.floor(real.length / 2)) });
  await page.waitForFunction(() => /truncated\.safetensors/.test(window.digitlab.state().modelError || ''));

  await drawWithMouse(page, one(s.drawPad));
  s = await settled(page, 1);
  assert(s.prediction === 1, `the old model still answers: a drawn 1 read as ${s.prediction}`);
  await page.screenshot({ path: screenshotPath('bad-model-1280x800.png') });
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('"Load model" button: a good file picked in the file chooser replaces the model', async (ctx) => {
  const page = await openPage(ctx);
  let s = await state(page);
  const real = Buffer.from(await (await fetch(ctx.url + 'digitlab.safetensors')).arrayBuffer());
  const b = s.buttons.loadModel;
  // The app opens the chooser from its next frame; on a loaded machine that frame can come after
  // the click's user activation has lapsed and the browser then ignores the request. A person would
  // click again, and so does the test (a chooser that never opens still fails it).
  let chooser = null;
  for (let attempt = 0; attempt < 4 && !chooser; attempt++) {
    const waiter = page.waitForEvent('filechooser', { timeout: 15000 }).catch(() => null);
    await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
    chooser = await waiter;
  }
  assert(chooser, 'the Load model button opens the file chooser');
  await chooser.setFiles({ name: 'another-copy.safetensors', mimeType: 'application/octet-stream', buffer: real });
  await page.waitForFunction(() => (window.digitlab.state().model || {}).name === 'another-copy.safetensors');
  s = await state(page);
  assert(s.modelError === null, `no error after a good file (got ${s.modelError})`);
  await drawWithMouse(page, one(s.drawPad));
  s = await settled(page, 1);
  assert(s.prediction === 1, `the new model answers: a drawn 1 read as ${s.prediction}`);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

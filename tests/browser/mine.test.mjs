// mine.test.mjs — "Teach it your handwriting", driven as a person would: digits drawn with real mouse
// events (1s and 7s as pen polylines), each kept by a click on its digit button under the answer;
// Teach it pressed on the page; the before → after figures shown; Undo teach putting back the very
// same probabilities for the drawing on the pad; My digits surviving a reload (IndexedDB); export →
// clear → import giving the same digits back; a corrupt import refused with a sentence and the digits
// kept; wrong API options refused. Also the phone layout (the digit buttons a finger wide) and
// screenshots of the panel and of a finished teach (assets/screenshots/mine.png, teach.png).
import path from 'node:path';
import { test, assert, openPage, state, settled, drawWithMouse, screenshotPath, ROOT, clickRect, nextFrame } from './lib.mjs';

const mine = async (page) => (await state(page)).mine;
const SHOTS = path.join(ROOT, 'assets', 'screenshots');

// Presses a button of state().mine.buttons, scrolling the answer column (mouse wheel) first when
// the button is outside the window.
async function pressMine(page, name, what) {
  for (let i = 0; i < 8; i++) {
    const s = await state(page);
    const r = s.mine.buttons[name];
    const h = s.window.height;
    if (r.width > 0 && r.y >= 0 && r.y + r.height <= h) return clickRect(page, r, what);
    await page.mouse.move(s.mine.buttons.header.x + 20, h / 2);
    await page.mouse.wheel(0, r.y + r.height > h || r.width === 0 ? 200 : -200);
    await nextFrame(page);
  }
  throw new Error(`${what} could not be brought on screen`);
}
const log = (t0, what) => console.log(`     ${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);

// A polyline through the points (pad fractions) with a point every few pixels, as a hand moves.
function line(pad, pts) {
  const out = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const [ax, ay] = pts[i], [bx, by] = pts[i + 1];
    const n = Math.max(2, Math.ceil(Math.hypot(bx - ax, by - ay) * pad.width / 24));  // the pad smooths between samples
    for (let k = 0; k < n; k++) {
      const t = k / n;
      out.push([pad.x + (ax + (bx - ax) * t) * pad.width, pad.y + (ay + (by - ay) * t) * pad.height]);
    }
  }
  const [lx, ly] = pts[pts.length - 1];
  out.push([pad.x + lx * pad.width, pad.y + ly * pad.height]);
  return out;
}
// Someone's 1 (with a flag) and 7 (with a bar across), a little different each time.
const one = (pad, k) => {
  const dx = 0.04 * ((k % 3) - 1), lean = 0.03 * ((k % 2) ? 1 : -1);
  return [line(pad, [[0.4 + dx, 0.32], [0.52 + dx, 0.2], [0.5 + dx + lean, 0.8]])];
};
const seven = (pad, k) => {
  const dx = 0.03 * ((k % 3) - 1), dy = 0.03 * ((k % 2) ? 1 : -1);
  return [line(pad, [[0.3 + dx, 0.24 + dy], [0.7 + dx, 0.22 + dy], [0.46 + dx, 0.8]]),
    line(pad, [[0.4 + dx, 0.52], [0.64 + dx, 0.5]])];
};

async function drawAndKeep(page, shape, label, k) {
  let s = await state(page);
  const lines = shape(s.drawPad, k);
  await drawWithMouse(page, lines);
  s = await settled(page, lines.length);
  const before = s.mine.count;
  await clickRect(page, s.mine.buttons.correct[label], `the digit button ${label}`);
  await page.waitForFunction((n) => window.digitlab.state().mine.count === n + 1, before, { timeout: 10000 });
  return { answer: s.prediction, state: await state(page) };
}

test('mine: correct by clicks, Teach it, before -> after, Undo exact, reload keeps, export/import round trip', async (ctx) => {
  if (!ctx.mnist) return 'skip';
  const tStart = Date.now();
  const page = await openPage(ctx);
  let s = await state(page);
  assert(s.mine && s.mine.count === 0, `a fresh browser has no digits (${JSON.stringify(s.mine && s.mine.count)})`);
  assert(s.mine.buttons.correct.length === 10, 'ten digit buttons');
  for (const r of s.mine.buttons.correct) assert(r.width >= 44 && r.height >= 44, `digit buttons a finger wide: ${JSON.stringify(r)}`);

  // The first correction: the count rises, the pad is cleared, a sentence says what happened.
  const first = await drawAndKeep(page, one, 1, 0);
  s = first.state;
  assert(s.mine.count === 1 && s.mine.perLabel[1] === 1, `one 1 kept: ${JSON.stringify(s.mine.perLabel)}`);
  assert(s.strokes === 0, 'the pad is cleared for the next digit');
  assert(/as a 1 — 1 of your digits/.test(s.mine.notice), `the confirmation: ${s.mine.notice}`);
  const list = await page.evaluate(() => window.digitlab.mine.list());
  assert(list.length === 1 && list[0].label === 1 && list[0].strokes === 1 && list[0].points > 10,
    `the strokes are kept: ${JSON.stringify(list)}`);
  const answers = [first.answer];
  for (let k = 1; k < 6; k++) answers.push((await drawAndKeep(page, one, 1, k)).answer);
  for (let k = 0; k < 6; k++) answers.push((await drawAndKeep(page, seven, 7, k)).answer);
  s = await state(page);
  assert(s.mine.count === 12 && s.mine.perLabel[1] === 6 && s.mine.perLabel[7] === 6, `12 digits: ${JSON.stringify(s.mine.perLabel)}`);
  ctx.metrics['mine: answers before teaching (1s then 7s)'] = answers.join('');
  log(tStart, '12 digits drawn and kept');

  // A drawing on the pad for the screenshot and for Undo's check.
  const lines = seven(s.drawPad, 3);
  await drawWithMouse(page, lines);
  s = await settled(page, lines.length);
  const probsBefore = s.probabilities;
  const modelBefore = s.model.name;
  await page.mouse.move(5, 5);  // no tooltip over the panel
  await nextFrame(page);
  await page.screenshot({ path: path.join(SHOTS, 'mine.png') });

  // Wrong options are refused with a sentence, and nothing starts.
  for (const [o, re] of [[{ steps: 0 }, /steps must be/], [{ steps: 2.5 }, /steps must be/], [{ holdout: 2 }, /holdout must be/],
    [{ seed: -1 }, /seed must be/], [{ speed: 1 }, /unknown option 'speed'/]]) {
    const err = await page.evaluate((opt) => window.digitlab.mine.teach(opt).then(() => null, (e) => e.message), o);
    assert(err && re.test(err), `teach(${JSON.stringify(o)}) is refused: ${err}`);
  }
  const badAdd = await page.evaluate(() => { try { window.digitlab.mine.add(12); return null; } catch (e) { return e.message; } });
  assert(/from 0 to 9/.test(badAdd), `add(12) is refused: ${badAdd}`);
  assert(!(await mine(page)).teaching, 'no teach started');

  // Teach it, by the button (the MNIST images are downloaded first when the page has none yet).
  const t0 = Date.now();
  await pressMine(page, 'teach', 'Teach it');
  await page.waitForFunction(() => window.digitlab.state().mine.teaching, null, { timeout: 5000 });
  await page.waitForFunction(() => window.digitlab.state().mine.phase === 'training', null, { timeout: 180000 });
  await page.mouse.move(5, 5);
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshotPath('mine-teaching.png') });
  await page.waitForFunction(() => { const m = window.digitlab.state().mine; return !m.teaching; }, null, { timeout: 180000 });
  s = await state(page);
  assert(s.mine.lastTeach, `the teach finished: ${s.mine.error}`);
  const t = s.mine.lastTeach;
  ctx.metrics['mine: teach (page, 12 digits, ' + t.steps + ' steps)'] =
    `${t.seconds.toFixed(1)} s (train ${t.trainSeconds.toFixed(1)} s, measuring ${t.evalSeconds.toFixed(1)} s; ` +
    `${((Date.now() - t0) / 1000).toFixed(1)} s from the click, MNIST download included)`;
  ctx.metrics['mine: held-out digits before -> after'] = `${t.heldOut} held out: ${(100 * t.before).toFixed(1)}% -> ${(100 * t.after).toFixed(1)}%`;
  ctx.metrics['mine: MNIST test before -> after'] = `${(100 * t.mnistBefore).toFixed(2)}% -> ${(100 * t.mnistAfter).toFixed(2)}% (${t.mnistImages} images)${t.forgot ? ', forgot' : ''}`;
  assert(t.taught + t.heldOut === 12 && t.heldOut >= 1, `some digits held out: ${t.taught} taught, ${t.heldOut} held out`);
  assert(t.after >= 0 && t.after <= 1 && t.mnistAfter > 0.9, `figures: ${JSON.stringify(t)}`);
  assert(s.model.name === 'digitlab + your digits', `the taught model is on the pad: ${s.model.name}`);
  assert(s.mine.canUndo && s.mine.buttons.undoTeach.width > 0, 'Undo teach is offered');
  await nextFrame(page);
  s = await settled(page, lines.length);
  const probsTaught = s.probabilities;
  assert(probsTaught.some((p, i) => p !== probsBefore[i]), 'the taught model answers differently');
  await page.mouse.move(5, 5);
  await nextFrame(page);
  await page.screenshot({ path: path.join(SHOTS, 'teach.png') });
  log(tStart, 'taught by the button');

  // Undo teach by its button: the same probabilities, bit for bit (state() prints floats with 9 digits).
  await pressMine(page, 'undoTeach', 'Undo teach');
  s = await settled(page, lines.length);
  assert(s.model.name === modelBefore, `the previous model is back: ${s.model.name}`);
  assert(JSON.stringify(s.probabilities) === JSON.stringify(probsBefore),
    `Undo gives the same probabilities:\n  ${probsBefore}\n  ${s.probabilities}`);
  assert(!s.mine.canUndo, 'nothing left to undo');
  const undoAgain = await page.evaluate(() => { try { window.digitlab.mine.undoTeach(); return null; } catch (e) { return e.message; } });
  assert(undoAgain, 'a second undo is refused');

  // A teach through the API with options, and its answer.
  const r = await page.evaluate(() => window.digitlab.mine.teach({ steps: 5, seed: 3, holdout: 0 }));
  assert(r.heldOut === 0 && r.taught === 12 && typeof r.mnistAfter === 'number' && r.seconds > 0, `teach(options): ${JSON.stringify(r)}`);
  ctx.metrics['mine: teach via API (5 steps, nothing held out, MNIST before known)'] = `${r.seconds.toFixed(1)} s, your digits ${(100 * r.before).toFixed(0)}% -> ${(100 * r.after).toFixed(0)}%, MNIST ${(100 * r.mnistBefore).toFixed(2)}% -> ${(100 * r.mnistAfter).toFixed(2)}%`;
  await page.evaluate(() => window.digitlab.mine.undoTeach());

  log(tStart, 'taught through the API');

  // Reload: My digits come back from IndexedDB.
  const perLabel = (await mine(page)).perLabel;
  await page.evaluate(() => window.digitlab.stored);
  await page.reload();
  await page.evaluate(() => window.digitlab.ready.then(() => true));
  s = await state(page);
  assert(s.mine.count === 12 && JSON.stringify(s.mine.perLabel) === JSON.stringify(perLabel),
    `the digits are kept over a reload: ${JSON.stringify(s.mine.perLabel)}`);

  // Export -> clear -> import (the labels file first: either order works).
  const ex = await page.evaluate(async () => {
    const r = await window.digitlab.mine.export();
    return { images: Array.from(r.images), labels: Array.from(r.labels) };
  });
  assert(ex.images[0] === 0x1f && ex.images[1] === 0x8b && ex.labels[0] === 0x1f, 'the export is gzip');
  await page.evaluate(() => window.digitlab.mine.clear());
  assert((await mine(page)).count === 0, 'cleared');
  let m = await page.evaluate((e) => window.digitlab.mine.import(new Uint8Array(e.labels), new Uint8Array(e.images)), ex);
  assert(m.count === 12 && JSON.stringify(m.perLabel) === JSON.stringify(perLabel), `import gives the digits back: ${JSON.stringify(m.perLabel)}`);

  // Corrupt files: refused with a sentence, the digits kept.
  for (const what of ['a broken gzip', 'two label files', 'a cut images file']) {
    const err = await page.evaluate(async ({ e, what }) => {
      const raw = await new Response(new Blob([new Uint8Array(e.images)]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
      const pairs = {
        'a broken gzip': [new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]), new Uint8Array(e.labels)],
        'two label files': [new Uint8Array(e.labels), new Uint8Array(e.labels)],
        'a cut images file': [new Uint8Array(e.labels), new Uint8Array(raw).slice(0, 1000)],
      };
      try { await window.digitlab.mine.import(...pairs[what]); return null; } catch (x) { return x.message; }
    }, { e: ex, what });
    m = await mine(page);
    assert(err && m.error && m.count === 12, `${what}: refused (${err}), the digits kept (${m.count}), the page says: ${m.error}`);
    ctx.metrics[`mine: import of ${what}`] = m.error;
  }
  // The × of the first thumbnail removes that digit (the first 1); a wrong index is refused.
  await pressMine(page, 'firstRemove', 'the × of the first thumbnail');
  await page.waitForFunction(() => window.digitlab.state().mine.count === 11, null, { timeout: 10000 });
  m = await mine(page);
  assert(m.perLabel[1] === perLabel[1] - 1 && m.perLabel[7] === perLabel[7], `a 1 was removed: ${JSON.stringify(m.perLabel)}`);
  const badRemove = await page.evaluate(() => { try { window.digitlab.mine.remove(99); return null; } catch (e) { return e.message; } });
  assert(/no digit 99/.test(badRemove), `remove(99) is refused: ${badRemove}`);
  log(tStart, 'reload, export, import, corrupt imports, remove');
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('mine: phone layout — the digit buttons a finger wide, My digits below the model', async (ctx) => {
  const page = await openPage(ctx, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const s = await state(page);
  assert(s.layout === 'phone', 'phone layout');
  for (const r of s.mine.buttons.correct) {
    assert(r.width >= 44 && r.height >= 44 && r.x >= 0 && r.x + r.width <= 390, `a finger-sized button on screen: ${JSON.stringify(r)}`);
  }
  assert(s.mine.buttons.correct[0].y > s.drawPad.y + s.drawPad.height, 'the digit buttons are under the pad');
  assert(s.mine.buttons.header.y > s.buttons.loadModel.y, 'My digits comes after the model\'s button on a phone');
  await page.screenshot({ path: screenshotPath('mine-phone.png') });
  await page.closeAll();
});

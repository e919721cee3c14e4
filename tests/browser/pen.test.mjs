// pen.test.mjs — real pen-written digits of the 30 writers of the pen-digit set, replayed through
// the page with real mouse events (desktop) and real touch events (phone): the page must read them
// as the native pipeline does (`digitlab pen`, the same rasteriser and preprocessing), so the
// per-writer table the CLI gives for all 7,494 digits is the page's. A sample keeps CI short:
// two digits per writer with the mouse (every class six times, big and centred or small in a
// corner), one per writer by touch. scripts/pen_replay.mjs replays every digit.
import { test, assert, openPage } from './lib.mjs';
import { loadPenDigits, replayDigit, nativeAnswers } from './pen.mjs';

// For each writer, the first digit of each of the given classes (the class picked from the writer id).
function sample(digits, classesOf) {
  const out = [];
  const writers = [...new Set(digits.map((d) => d.writer))].sort((a, b) => a - b);
  for (const w of writers) {
    for (const c of classesOf(w)) {
      const i = digits.findIndex((d) => d.writer === w && d.label === c);
      if (i >= 0) out.push(i);
    }
  }
  return out;
}

async function replaySample(page, digits, indices, mode, places, native) {
  const results = [];
  for (let k = 0; k < indices.length; k++) {
    const d = digits[indices[k]];
    const answer = await replayDigit(page, d, mode, places[k % places.length]);
    results.push({ index: indices[k], writer: d.writer, label: d.label, answer, native: native ? native[indices[k]] : null });
  }
  return results;
}

function check(ctx, what, results, native) {
  const right = results.filter((r) => r.answer === r.label).length;
  const wrong = results.filter((r) => r.answer !== r.label).map((r) => `#${r.index} (writer ${r.writer}, a ${r.label}) -> ${r.answer}`);
  ctx.metrics[`pen digits by ${what}, read right`] = `${right} / ${results.length}` + (wrong.length ? ` (${wrong.join(', ')})` : '');
  assert(right >= 0.9 * results.length, `${what}: only ${right} of ${results.length} pen digits read right: ${wrong.join(', ')}`);
  if (native) {
    const differ = results.filter((r) => r.answer !== r.native);
    ctx.metrics[`pen digits by ${what}, same answer as the native pipeline`] = `${results.length - differ.length} / ${results.length}`;
    // Pointer events arrive at whole CSS pixels and the pad drops samples closer than 0.3% of its
    // side, so the page's strokes are not bit for bit the file's: a digit on the edge between two
    // answers may differ, nothing more.
    assert(differ.length <= Math.ceil(0.05 * results.length),
      `${what}: ${differ.length} answers differ from digitlab pen's: ` +
      differ.map((r) => `#${r.index} page ${r.answer} native ${r.native}`).join(', '));
  }
}

test('pen digits of 30 writers: mouse on the desktop, touch on a phone, read as digitlab pen reads them', async (ctx) => {
  const digits = loadPenDigits();
  if (!digits) return 'skip';
  const native = nativeAnswers();
  const page = await openPage(ctx);
  const mouse = await replaySample(page, digits, sample(digits, (w) => [w % 10, (w + 5) % 10]), 'mouse',
    [{ size: 0.6, cx: 0.5, cy: 0.5 }, { size: 0.3, cx: 0.3, cy: 0.7 }], native);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
  check(ctx, 'mouse', mouse, native);

  const phone = await openPage(ctx, { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const touch = await replaySample(phone, digits, sample(digits, (w) => [(w + 2) % 10]), 'touch',
    [{ size: 0.7, cx: 0.5, cy: 0.5 }], native);
  assert(phone.problems.length === 0, phone.problems.join('\n'));
  await phone.closeAll();
  check(ctx, 'touch', touch, native);
});

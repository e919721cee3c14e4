// pen.mjs — recorded pen-written digits replayed through the page with real pointer events: the
// trajectories of the pen-digit set (a JSON list of {label, writer, strokes}), placed on the pad
// the way dl::place_on_pad does (engine/pen_digits.cpp: bounding box scaled so that its larger side
// is `size` of the pad, centred at (cx, cy)), drawn with the mouse or a finger, and the page's
// answer read back. The native pipeline's answers for the same digits come from
// `digitlab pen --answers` (the same rasteriser and preprocessing, without the pointer sampling).
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { ROOT, state, settled } from './lib.mjs';

export const PEN_DIGITS = process.env.PEN_DIGITS || '';

export function loadPenDigits(file = PEN_DIGITS) {
  if (!file || !existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8'));
}

// The digit's strokes in CSS pixels of the viewport.
export function penToPad(digit, pad, { size = 0.6, cx = 0.5, cy = 0.5 } = {}) {
  let x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const s of digit.strokes) for (const [x, y] of s) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  const scale = (size * pad.width) / Math.max(x1 - x0, y1 - y0, 1e-6);
  const mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
  return digit.strokes.map((s) => s.map(([x, y]) => [
    pad.x + cx * pad.width + (x - mx) * scale,
    pad.y + cy * pad.height + (y - my) * scale,
  ]));
}

// Real input events through the Chrome DevTools Protocol (Input.dispatchMouseEvent /
// dispatchTouchEvent), every point of the recording at the rate it was recorded (the pen-digit
// tablet sampled 100 points a second): the browser then hands the page the moves it would hand a
// person's pen, coalesced to one per frame. The commands are sent without waiting for each
// answer (the protocol keeps their order), so the pacing is the recording's, not round trips'.
export const PEN_SAMPLE_MS = 10;
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
async function drawLines(cdp, lines, mode) {
  const sends = [];
  for (const line of lines) {
    const [x0, y0] = line[0];
    if (mode === 'touch') {
      const pt = (x, y) => [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 1 }];
      sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: pt(x0, y0) }));
      for (const [x, y] of line.slice(1)) {
        await pause(PEN_SAMPLE_MS);
        sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: pt(x, y) }));
      }
      sends.push(cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] }));
    } else {
      const ev = (type, x, y, buttons) => ({ type, x, y, button: 'left', buttons, clickCount: 1 });
      sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseMoved', x0, y0, 0)));
      sends.push(cdp.send('Input.dispatchMouseEvent', ev('mousePressed', x0, y0, 1)));
      for (const [x, y] of line.slice(1)) {
        await pause(PEN_SAMPLE_MS);
        sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseMoved', x, y, 1)));
      }
      const [xn, yn] = line[line.length - 1];
      sends.push(cdp.send('Input.dispatchMouseEvent', ev('mouseReleased', xn, yn, 0)));
    }
  }
  await Promise.all(sends);
}

// Draws one digit with 'mouse' or 'touch', waits for the answer, clears the pad. Returns the answer.
export async function replayDigit(page, digit, mode, place) {
  const s = await state(page);
  const lines = penToPad(digit, s.drawPad, place);
  if (!page.penCdp) page.penCdp = await page.context().newCDPSession(page);
  await drawLines(page.penCdp, lines, mode);
  const done = await settled(page, lines.length);
  await page.evaluate(() => window.digitlab.clear());
  await settled(page, 0);
  return done.prediction;
}

// The native pipeline's answer for every digit of the file (index in the file order), or null
// when the CLI is not built.
export function nativeAnswers(file = PEN_DIGITS, model = path.join(ROOT, 'assets', 'digitlab.safetensors')) {
  const bin = path.join(ROOT, 'build', 'native', 'bin', 'digitlab');
  if (!existsSync(bin) || !file) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'digitlab-pen-'));
  try {
    execFileSync(bin, ['pen', model, '--pen', file, '--answers', path.join(dir, 'answers.csv')], { stdio: 'ignore' });
    const lines = readFileSync(path.join(dir, 'answers.csv'), 'utf8').trim().split('\n').slice(1);
    return lines.map((l) => Number(l.split(',')[3]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Accuracy per writer: [{writer, digits, correct}], sorted by writer.
export function perWriter(results) {
  const by = new Map();
  for (const r of results) {
    const w = by.get(r.writer) || { writer: r.writer, digits: 0, correct: 0 };
    w.digits++;
    if (r.answer === r.label) w.correct++;
    by.set(r.writer, w);
  }
  return [...by.values()].sort((a, b) => a.writer - b.writer);
}

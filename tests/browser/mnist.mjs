// mnist.mjs — real handwriting for the browser tests: MNIST test images turned into pen strokes.
//
// An MNIST digit is a 28x28 grey image, not a pen path. To draw it on the pad like a person would,
// its ink is thinned to a one-pixel skeleton (Zhang-Suen), and the skeleton is traced into
// polylines (from line ends first, loops last). The tests then draw those polylines with real
// pointer events, scaled and moved anywhere on the pad; the app's pen gives them their width back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

// Reads t10k images and labels from dir (the four canonical .gz files, as in MNIST_DIR).
export function loadMnistTest(dir) {
  const images = gunzipSync(readFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz')));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) {
    throw new Error(`${dir}: not MNIST IDX files (wrong magic numbers)`);
  }
  const count = images.readUInt32BE(4);
  return {
    count,
    label: (i) => labels[8 + i],
    image: (i) => images.subarray(16 + i * 784, 16 + (i + 1) * 784),  // (28, 28) bytes, ink = 255
  };
}

// Zhang-Suen thinning of a binary 28x28 image (Uint8Array of 0/1), in place.
function thin(img) {
  const at = (x, y) => (x < 0 || y < 0 || x >= 28 || y >= 28 ? 0 : img[y * 28 + x]);
  for (let changed = true; changed;) {
    changed = false;
    for (let pass = 0; pass < 2; pass++) {
      const remove = [];
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          if (!img[y * 28 + x]) continue;
          // Neighbours p2..p9 clockwise from north.
          const p = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1),
            at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
          const b = p.reduce((s, v) => s + v, 0);
          if (b < 2 || b > 6) continue;
          let a = 0;
          for (let k = 0; k < 8; k++) if (!p[k] && p[(k + 1) % 8]) a++;
          if (a !== 1) continue;
          if (pass === 0 ? (p[0] * p[2] * p[4] || p[2] * p[4] * p[6]) : (p[0] * p[2] * p[6] || p[0] * p[4] * p[6])) continue;
          remove.push(y * 28 + x);
        }
      }
      for (const i of remove) img[i] = 0;
      if (remove.length) changed = true;
    }
  }
}

const N8 = [[0, -1], [1, 0], [0, 1], [-1, 0], [1, -1], [1, 1], [-1, 1], [-1, -1]];  // 4-neighbours first

// The skeleton of image i as polylines of pixel centres [[x, y], ...] in 28x28 coordinates.
export function digitStrokes(image, threshold = 100) {
  const img = new Uint8Array(784);
  for (let i = 0; i < 784; i++) img[i] = image[i] >= threshold ? 1 : 0;
  thin(img);
  const on = (x, y) => x >= 0 && y >= 0 && x < 28 && y < 28 && img[y * 28 + x] === 1;
  const degree = (x, y) => N8.reduce((s, [dx, dy]) => s + (on(x + dx, y + dy) ? 1 : 0), 0);
  const left = new Set();
  for (let i = 0; i < 784; i++) if (img[i]) left.add(i);
  const strokes = [];
  while (left.size > 0) {
    // Start at a line end if one is left, else anywhere (a loop), top-left first.
    let start = -1;
    for (const i of left) if (degree(i % 28, (i / 28) | 0) === 1) { start = i; break; }
    if (start < 0) start = Math.min(...left);
    const path = [[start % 28, (start / 28) | 0]];
    left.delete(start);
    for (;;) {
      const [x, y] = path[path.length - 1];
      let next = null;
      for (const [dx, dy] of N8) {
        if (left.has((y + dy) * 28 + (x + dx)) && on(x + dx, y + dy)) { next = [x + dx, y + dy]; break; }
      }
      if (!next) {
        // Join the pixel this branch ran into (a junction or the loop's start), so no gap is left.
        const prev = path.length > 1 ? path[path.length - 2] : null;
        for (const [dx, dy] of N8) {
          const q = [x + dx, y + dy];
          if (on(q[0], q[1]) && !(prev && prev[0] === q[0] && prev[1] === q[1]) && !path.some((p) => p[0] === q[0] && p[1] === q[1])) {
            path.push(q);
            break;
          }
        }
        if (path.length > 2) {
          const [sx, sy] = path[0];
          const [ex, ey] = path[path.length - 1];
          if (Math.abs(sx - ex) <= 1 && Math.abs(sy - ey) <= 1) path.push([sx, sy]);  // close a loop
        }
        break;
      }
      path.push(next);
      left.delete(next[1] * 28 + next[0]);
    }
    strokes.push(path);
  }
  // Single stray pixels of the skeleton are noise, not pen strokes.
  const real = strokes.filter((s) => s.length >= 3);
  return (real.length ? real : strokes).map(smoothPath).map((s) => resample(s, 1.6));
}

// Pointer events come every few pixels, not at every pixel: keep points at least `step` apart (in
// 28x28 pixels; the ends stay). The app interpolates between them as it does for a real pen.
function resample(path, step) {
  const out = [path[0]];
  for (let i = 1; i < path.length - 1; i++) {
    const [x, y] = out[out.length - 1];
    if (Math.hypot(path[i][0] - x, path[i][1] - y) >= step) out.push(path[i]);
  }
  if (path.length > 1) out.push(path[path.length - 1]);
  return out;
}

// A hand moves smoothly: round off the skeleton's pixel staircase ([1 2 1] / 4, twice; the ends stay).
function smoothPath(path) {
  let p = path;
  for (let pass = 0; pass < 2; pass++) {
    p = p.map((q, i) => (i === 0 || i === p.length - 1 ? q
      : [(p[i - 1][0] + 2 * q[0] + p[i + 1][0]) / 4, (p[i - 1][1] + 2 * q[1] + p[i + 1][1]) / 4]));
  }
  return p;
}

// Places strokes (28x28 coordinates) on a pad: the ink's box is scaled so that its longer side is
// `size` (a fraction of the pad) and centred at (cx, cy) (fractions of the pad). Returns polylines
// in CSS pixels of the viewport.
export function placeStrokes(strokes, pad, { size, cx, cy }) {
  let x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (const s of strokes) for (const [x, y] of s) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
  const extent = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const scale = (size * pad.width) / extent;
  const mx = (x0 + x1 + 1) / 2, my = (y0 + y1 + 1) / 2;
  return strokes.map((s) => s.map(([x, y]) => [
    pad.x + cx * pad.width + (x + 0.5 - mx) * scale,
    pad.y + cy * pad.height + (y + 0.5 - my) * scale,
  ]));
}

// lib.mjs — what DigitLab's browser tests share: the server (scripts/serve.mjs on a free port),
// headless Chromium through playwright-core, opening the page with console capture, drawing with
// real mouse and touch events, and reading the answer through window.digitlab.
import { spawn } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = process.env.DIGITLAB_DIST || path.join(ROOT, 'build', 'web', 'dist');
export const SCREENSHOTS = path.join(ROOT, 'build', 'web', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The frame-rate floor the tests assert while the page computes off its frame loop (training, the
// Layers view's jobs): a guard against work moving back into the frames, not the 0.9x target, which
// is measured and quoted from quiet runs (rAF rates are timings; on a busy 2-core machine the same
// build measured 0.87x to 0.96x of idle while R2 trained).
export const kFrameFloor = 0.8;

// --- a tiny test registry ----------------------------------------------------------------------
export const tests = [];
export function test(name, fn) { tests.push({ name, fn }); }

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// --- server and browser -------------------------------------------------------------------------
// Serves `folder` (default: the web app's dist) with scripts/serve.mjs on a free port. plain: without
// the cross-origin isolation headers, like a plain static host. extraArgs: more serve.mjs options.
export async function startServer({ plain = false, folder = DIST, extraArgs = [] } = {}) {
  if (!existsSync(path.join(folder, 'index.html'))) {
    throw new Error(`${folder} has no index.html: build the web app first (cmake --preset web && cmake --build --preset web)`);
  }
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'serve.mjs'), ...(plain ? ['--plain'] : []), ...extraArgs, folder], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('serve.mjs did not print its address within 30 s'));
    }, 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve.mjs exited (${code})`)); });
  });
  // stop() ends the server gently (open keep-alive connections may still be answered); kill() at
  // once, as a host that goes away, and resolves when the process is gone.
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { url, stop: () => child.kill('SIGTERM'), kill: () => { child.kill('SIGKILL'); return exited; } };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--enable-unsafe-swiftshader'],
  });
}

// Opens the page in a fresh context; collects console errors and page errors in page.problems.
// options: viewport, deviceScaleFactor, isMobile, hasTouch, initScript, waitReady (default true),
// serviceWorkers ('allow' by default, or 'block').
export async function openPage(ctx, options = {}) {
  const context = await ctx.browser.newContext({
    viewport: options.viewport || { width: 1280, height: 800 },
    deviceScaleFactor: options.deviceScaleFactor || 1,
    isMobile: !!options.isMobile,
    hasTouch: !!options.hasTouch,
    // 'block' is a browser without service workers (http on a LAN address, some private modes).
    serviceWorkers: options.serviceWorkers || 'allow',
  });
  if (options.initScript) await context.addInitScript(options.initScript);
  context.setDefaultTimeout(60000);
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('request', (r) => page.requests.push(r.url()));
  await page.goto(ctx.url);
  if (options.waitReady !== false) {
    await page.evaluate(() => window.digitlab.ready.then(() => true));
  }
  page.closeAll = () => context.close();
  return page;
}

export function screenshotPath(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}

export const state = (page) => page.evaluate(() => window.digitlab.state());

// requestAnimationFrame callbacks per second over `seconds`, counted in the page.
export const rafPerSecond = (page, seconds) => page.evaluate((ms) => new Promise((resolve) => {
  let n = 0;
  const t0 = performance.now();
  const tick = (t) => {
    n++;
    if (t - t0 < ms) requestAnimationFrame(tick);
    else resolve(n / ((t - t0) / 1000));
  };
  requestAnimationFrame(tick);
}), seconds * 1000);


// Resolves after two animation frames: what a click changed is drawn and in state().
export const nextFrame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// A real mouse click in the middle of a rectangle the API reports (a button of state()), with a
// hover first as a person's pointer gives ImGui; asserts the rectangle is on screen.
export async function clickRect(page, r, what) {
  assert(r && r.width > 0 && r.height > 0, `${what} is on screen: ${JSON.stringify(r)}`);
  const x = r.x + r.width / 2, y = r.y + r.height / 2;
  await page.mouse.move(x, y);
  await page.waitForTimeout(80);
  await page.mouse.click(x, y);
  await nextFrame(page);
}

// Waits until the app has taken in `strokes` strokes, the pen is up, and the answer is for them.
export async function settled(page, strokes) {
  await page.waitForFunction((n) => {
    const s = window.digitlab.state();
    return s.strokes === n && !s.drawing && s.fresh;
  }, strokes, { timeout: 60000 });
  return state(page);
}

// --- drawing -------------------------------------------------------------------------------------
// polylines: [[[x, y], ...], ...] in CSS pixels of the viewport. Real mouse events along each line.
export async function drawWithMouse(page, polylines) {
  for (const line of polylines) {
    await page.mouse.move(line[0][0], line[0][1]);
    await page.mouse.down();
    for (let i = 1; i < line.length; i++) await page.mouse.move(line[i][0], line[i][1]);
    await page.mouse.up();
  }
}

// Real touch events (Chrome DevTools Protocol Input.dispatchTouchEvent), one finger per line.
export async function drawWithTouch(page, polylines) {
  const cdp = await page.context().newCDPSession(page);
  for (const line of polylines) {
    const pt = (p) => [{ x: p[0], y: p[1], id: 1, radiusX: 4, radiusY: 4, force: 1 }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: pt(line[0]) });
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1], b = line[i];
      const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: pt(mid) });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: pt(b) });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  }
  await cdp.detach();
}

// Centre of mass and ink box of a 28x28 input (pixel-index coordinates, as MNIST: ~(14, 14)).
export function inkStats(input28) {
  let m = 0, sx = 0, sy = 0, x0 = 28, y0 = 28, x1 = -1, y1 = -1;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = input28[y * 28 + x];
      m += v; sx += v * x; sy += v * y;
      if (v > 0.1) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    }
  }
  return { mass: m, cx: sx / m, cy: sy / m, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

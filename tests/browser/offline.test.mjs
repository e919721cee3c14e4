// offline.test.mjs — the page on a host we do not control, and with no host at all.
//
// A plain static host (scripts/serve.mjs --plain: no COOP/COEP headers, like GitHub Pages) first
// runs the single-threaded build; DigitLab's service worker (shell/sw.js) stores the app, and after
// one reload the page is cross-origin isolated through it and runs the threaded build with one
// thread per core. Then the server is stopped: a reload still starts the page, which answers a
// drawing and, with the MNIST files fetched once before, trains. The page links a web app manifest
// that names the app and its icons (installable on a tablet's home screen).
import { test, assert, openPage, state, settled, drawWithMouse, startServer, screenshotPath } from './lib.mjs';

// One vertical stroke through the pad's middle; resolves with the settled state.
async function drawStroke(page) {
  const s = await state(page);
  const x = s.drawPad.x + 0.5 * s.drawPad.width;
  await drawWithMouse(page, [[[x, s.drawPad.y + 0.2 * s.drawPad.height], [x, s.drawPad.y + 0.8 * s.drawPad.height]]]);
  return settled(page, s.strokes + 1);
}

async function reload(page) {
  await page.reload();
  await page.evaluate(() => window.digitlab.ready.then(() => true));
}

// Starts training R1 for a few steps (the MNIST files come from wherever the page gets them).
async function trainFewSteps(page) {
  await page.evaluate(() => window.digitlab.train.start({ spec: 'R1', seed: 3, batch: 32, epochs: 1, subset: 3200 }));
  await page.waitForFunction(() => window.digitlab.state().train.data.state === 'ready', null, { timeout: 120000 });
  await page.waitForFunction(() => window.digitlab.state().train.step >= 5, null, { timeout: 120000 });
  const t = (await state(page)).train;
  await page.evaluate(() => window.digitlab.train.reset());
  return t;
}

test('offline: a plain static host gets threads through the service worker, and the page works with the server gone', async (ctx) => {
  const plain = await startServer({ plain: true });
  let stopped = false;
  try {
    const page = await openPage({ ...ctx, url: plain.url });
    let s = await state(page);
    assert(!s.build.crossOriginIsolated && s.build.program === 'digitlab',
      `first visit to a plain host: one thread until the service worker is in place: ${JSON.stringify(s.build)}`);
    const sw = await page.evaluate(() => window.digitlab.offlineReady());
    assert(sw === 'active', `the service worker stores the app: ${sw}`);

    // The manifest: linked from index.html, names the app and its icons, which exist.
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector('link[rel="manifest"]');
      if (!link) return null;
      const m = await (await fetch(link.href)).json();
      const icons = [];
      for (const icon of m.icons) {
        const r = await fetch(new URL(icon.src, link.href));
        icons.push({ src: icon.src, sizes: icon.sizes, ok: r.ok, type: r.headers.get('content-type') });
      }
      return { name: m.name, short: m.short_name, display: m.display, start: m.start_url, icons };
    });
    assert(manifest, 'index.html links a manifest with <link rel="manifest">');
    assert(/DigitLab/.test(manifest.name) && manifest.short === 'DigitLab', `the manifest names the app: ${JSON.stringify(manifest)}`);
    assert(manifest.icons.some((i) => i.sizes === '192x192') && manifest.icons.some((i) => i.sizes === '512x512'),
      `icons of 192 and 512 px: ${JSON.stringify(manifest.icons)}`);
    assert(manifest.icons.every((i) => i.ok && /^image\//.test(i.type)), `every icon is served: ${JSON.stringify(manifest.icons)}`);

    // MNIST once, through the service worker (which keeps it for offline training).
    if (process.env.MNIST_DIR) {
      const t = await trainFewSteps(page);
      assert(Number.isFinite(t.loss), `trains on the first visit: loss ${t.loss}`);
    }

    // One reload: cross-origin isolated through the service worker, the threaded build, all cores.
    await reload(page);
    s = await state(page);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert(s.offline.controlled, `the service worker answers the page: ${JSON.stringify(s.offline)}`);
    assert(s.build.crossOriginIsolated && s.build.threads && s.build.program === 'digitlab-mt',
      `after one reload a plain host runs the threaded build: ${JSON.stringify(s.build)}`);
    assert(s.train.maxThreads === Math.min(4, cores) && s.train.maxThreads > 1 && s.train.offFrame,
      `threads: up to ${s.train.maxThreads} (${cores} cores), training off the frame loop: ${s.train.offFrame}`);
    s = await drawStroke(page);
    assert(s.prediction !== null && s.probabilities.length === 10, `the threaded page answers: ${s.prediction}`);

    // The server goes away: the page still starts, answers and trains.
    await plain.kill();
    stopped = true;
    const gone = await page.evaluate(() => fetch('no-such-file').then(() => 'reachable', () => 'gone'));
    assert(gone === 'gone', 'the server is gone');
    await reload(page);
    s = await state(page);
    assert(s.offline.controlled && s.build.program === 'digitlab-mt', `offline reload starts from the stored app: ${JSON.stringify({ offline: s.offline, build: s.build })}`);
    s = await drawStroke(page);
    assert(s.prediction !== null && s.probabilities.length === 10, `offline, a drawing gets an answer: ${s.prediction}`);
    await page.screenshot({ path: screenshotPath('offline-1280x800.png') });
    if (process.env.MNIST_DIR) {
      const t = await trainFewSteps(page);
      assert(t.step >= 5 && Number.isFinite(t.loss), `offline, the Train view trains from the stored MNIST: ${JSON.stringify({ step: t.step, loss: t.loss })}`);
    }
    ctx.metrics['offline reload (server gone)'] = 'page started, answered a drawing' +
      (process.env.MNIST_DIR ? ', trained R1 from the stored MNIST' : '');
    // While offline the browser may log its failed check for a new sw.js; nothing else may fail.
    const problems = page.problems.filter((p) => !/ServiceWorker|sw\.js|ERR_CONNECTION_REFUSED|Failed to load resource/.test(p));
    assert(problems.length === 0, problems.join('\n'));
    await page.closeAll();
  } finally {
    if (!stopped) plain.stop();
  }
});

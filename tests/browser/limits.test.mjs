// limits.test.mjs — issue 12 in the page: no file, spec, option or saved run can stop the page or
// make it eat the machine. A refused input gets a sentence, the loaded model stays and answers.
// Each test names the finding it covers (the engine's side is in tests/hostile_files_test.cpp).
// None needs MNIST: everything here is refused (or restored) before any training data is needed.
import { test, assert, openPage, state, settled, drawWithMouse } from './lib.mjs';

function one(pad) {
  const p = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  return [[p(0.45, 0.2), p(0.5, 0.2), p(0.5, 0.5), p(0.5, 0.8)]];
}

// The shipped model still reads a drawn 1: the page is alive and its model was kept.
async function modelStillAnswers(page, name = 'digitlab.safetensors') {
  await page.evaluate(() => window.digitlab.clear());
  const s0 = await state(page);
  assert(s0.model && s0.model.name === name, `the loaded model is kept (${s0.model && s0.model.name})`);
  await drawWithMouse(page, one(s0.drawPad));
  const s = await settled(page, 1);
  assert(s.prediction === 1, `the kept model reads a drawn 1 as ${s.prediction}`);
}

// Bytes into page.evaluate as base64 (an array of numbers is slow to pass).
const b64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');

// A safetensors file (DigitLab's layout) from metadata and named Float32Arrays, as a Uint8Array.
function safetensors(metadata, tensors) {
  const header = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  const parts = [head, Buffer.from(text)];
  for (const name of names) parts.push(Buffer.from(tensors[name].data.buffer));
  return new Uint8Array(Buffer.concat(parts));
}

// A saved run of softmax regression (spec f10, Adam) as the page stores it (run_format 2: the run's
// state in run_* metadata next to the optimizer's), with `run` merged into its digitlab_run JSON.
function savedRun(run) {
  const w = new Float32Array(7840).map((_, i) => Math.sin(i) * 0.01);
  const zeros = (n) => new Float32Array(n);
  const t = (shape, data) => ({ shape, data });
  const digitlabRun = {
    run_format: 2, spec: 'f10', optimizer: 'adam', lr: 0.003, cosine: true, batch: 32, epochs: 1, augment: false, subset: 0,
    seed: 1, step: 5, total_steps: 1844, steps_per_epoch: 1844, train_images: 59000, images_seen: 160, elapsed: 1.5,
    finished: false, curve: [[0.001, 5, 2.1, 0.3]], validation: [], ...run,
  };
  return safetensors(
    { format: 'digitlab', spec: 'f10', optimizer: 'adam', optimizer_steps: '5', epochs: '0.00',
      run_step: String(digitlabRun.step), run_steps_per_epoch: '1844',
      name: 'trained in the browser (f10)', trained_with: 'DigitLab web app', digitlab_run: JSON.stringify(digitlabRun) },
    {
      'fc1.weight': t([10, 784], w), 'fc1.bias': t([10], zeros(10)),
      'optimizer.m.fc1.weight': t([10, 784], zeros(7840)), 'optimizer.m.fc1.bias': t([10], zeros(10)),
      'optimizer.v.fc1.weight': t([10, 784], zeros(7840)), 'optimizer.v.fc1.bias': t([10], zeros(10)),
    });
}

// Opens IndexedDB's digitlab/runs store in the page, as loader.js does (defined in the page once).
async function defineOpenRunsDb(page) {
  await page.evaluate(() => {
    window.__openRunsDb = () => new Promise((resolve, reject) => {
      const req = indexedDB.open('digitlab', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('runs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  });
}

// Writes IndexedDB's digitlab/runs entries as loader.js keeps them (key "current": the run's bytes;
// key "restoring": the mark set while a restore is under way).
async function storeRunInPage(page, bytes, restoringMark) {
  await defineOpenRunsDb(page);
  await page.evaluate(async ({ bytes, restoringMark }) => {
    await window.digitlab.stored;
    const db = await window.__openRunsDb();
    await new Promise((resolve, reject) => {
      const tx = db.transaction('runs', 'readwrite');
      const st = tx.objectStore('runs');
      st.put(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)).buffer, 'current');
      if (restoringMark) st.put(Date.now(), 'restoring'); else st.delete('restoring');
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, { bytes: b64(bytes), restoringMark });
}

async function storedKeys(page) {
  await defineOpenRunsDb(page);
  return page.evaluate(async () => {
    await window.digitlab.stored;
    const db = await window.__openRunsDb();
    const keys = await new Promise((resolve) => {
      const req = db.transaction('runs', 'readonly').objectStore('runs').getAllKeys();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(['?']);
    });
    db.close();
    return keys;
  });
}

async function reload(page) {
  await page.reload();
  await page.evaluate(() => window.digitlab.ready.then(() => true));
}

test('limits: hostile model files (finding 1, 2) are refused and the model is kept', async (ctx) => {
  const page = await openPage(ctx);
  // Finding 1: 300 bytes whose spec asks for 13.7 billion parameters.
  const spec1 = Array(19).fill('c1024k27').join(' ') + ' f10';
  const r1 = await page.evaluate((b) => window.digitlab.loadModel(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)),
    'huge-spec.safetensors'), b64(safetensors({ format: 'digitlab', spec: spec1 }, {})));
  assert(!r1.ok && /huge-spec\.safetensors/.test(r1.error) && /parameter/.test(r1.error) && /still in use/.test(r1.error),
    `finding 1: ${JSON.stringify(r1)}`);
  // Finding 2: a valid 2.5 MB file whose im2col scratch is 17 GB (it wrapped to 35,584 floats here).
  const f32 = (n) => new Float32Array(n).fill(0.01);
  const file2 = safetensors({ format: 'digitlab', spec: 'c620k10p23 c1k28p28 f10' }, {
    'conv1.weight': { shape: [620, 1, 10, 10], data: f32(62000) }, 'conv1.bias': { shape: [620], data: f32(620) },
    'conv2.weight': { shape: [1, 620, 28, 28], data: f32(486080) }, 'conv2.bias': { shape: [1], data: f32(1) },
    'fc1.weight': { shape: [10, 8836], data: f32(88360) }, 'fc1.bias': { shape: [10], data: f32(10) },
  });
  const r2 = await page.evaluate((b) => window.digitlab.loadModel(Uint8Array.from(atob(b), (c) => c.charCodeAt(0)),
    'im2col.safetensors'), b64(file2));
  assert(!r2.ok && /conv2/.test(r2.error) && /MiB/.test(r2.error), `finding 2: ${JSON.stringify(r2)}`);
  await modelStillAnswers(page);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('limits: a dropped file larger than the page takes gets a sentence (finding 6)', async (ctx) => {
  const page = await openPage(ctx);
  // A 300 MB file dropped on the page, as a person would (a DataTransfer with a File).
  await page.evaluate(() => {
    const file = new File([new Uint8Array(300 * 1024 * 1024)], 'enormous.safetensors');
    const dt = new DataTransfer();
    dt.items.add(file);
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => /enormous\.safetensors/.test(window.digitlab.state().modelError || ''), null, { timeout: 30000 });
  const s = await state(page);
  assert(/MB/.test(s.modelError) && /at most/.test(s.modelError) && /still in use/.test(s.modelError), `modelError: ${s.modelError}`);
  // The same through the API.
  const r = await page.evaluate(() => window.digitlab.loadModel(new Uint8Array(300 * 1024 * 1024), 'api.safetensors'));
  assert(!r.ok && /at most/.test(r.error), `loadModel(300 MB): ${JSON.stringify(r)}`);
  await modelStillAnswers(page);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('limits: train.start options are typed and range-checked, specs over the budget refused (finding 4, 9)', async (ctx) => {
  const page = await openPage(ctx);
  const start = (o) => page.evaluate((o) => window.digitlab.train.start(o), o);
  const bad = [
    [{ spec: 'c1k1p28 c256k1p22 p16 f10', batch: 1024 }, /batch.*at most [0-9]+/],  // finding 4
    [{ lr: 1e39 }, /learning rate/],                                                 // finding 9
    [{ batch: 1e300 }, /batch/],
    [{ batch: 2.5 }, /batch/],
    [{ epochs: 1e39 }, /[Ee]pochs/],
    [{ subset: -5 }, /subset|images/],
    [{ seed: -1 }, /seed/],
    [{ seed: 1e300 }, /seed/],
    [{ spec: 'f1 '.repeat(100000) + 'f10' }, /characters/],
  ];
  for (const [o, re] of bad) {
    const r = await start(o);
    const shown = JSON.stringify(o).slice(0, 80);
    assert(!r.ok && re.test(r.error || ''), `train.start(${shown}): ${JSON.stringify(r).slice(0, 300)}`);
  }
  const t = (await state(page)).train;
  assert(t.status === 'idle' && t.data.state !== 'loading', `nothing started: ${t.status}, data ${t.data.state}`);
  await modelStillAnswers(page);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

test('limits: a saved run whose restore fails in any way is removed and the page says so (finding 7, 9)', async (ctx) => {
  const page = await openPage(ctx);
  // A good run comes back paused (the control case).
  await storeRunInPage(page, savedRun({}), false);
  await reload(page);
  let t = (await state(page)).train;
  assert(t.status === 'paused' && t.step === 5 && t.model && t.model.spec === 'f10', `a good run is restored: ${t.status} ${t.step}`);

  // A run whose file asks for 110 GB (finding 1's spec, no tensors): before, its restore aborted the
  // page at every start (finding 7); now it is refused, removed, and said so.
  const hugeSpec = Array(19).fill('c1024k27').join(' ') + ' f10';
  await storeRunInPage(page, safetensors({ format: 'digitlab', spec: hugeSpec, optimizer: 'adam', optimizer_steps: '1',
    digitlab_run: JSON.stringify({ spec: hugeSpec, step: 0, curve: [] }) }, {}), false);
  await reload(page);
  t = (await state(page)).train;
  assert(t.status === 'idle' && /could not be restored/.test(t.message || '') && (await storedKeys(page)).length === 0,
    `the 110 GB run: ${t.status}, ${t.message}`);

  // Values no run can have (finding 9: "lr":1e39, "batch":1e300) are refused, not converted.
  // A run saved before the page and the CLI shared one schedule (no run_format) cannot continue.
  for (const run of [{ run_format: undefined }, { lr: 1e39 }, { batch: 1e300 }, { step: -7 }, { step: 1e12 }, { epochs: 1e39 },
    { total_steps: 'x' }]) {
    await storeRunInPage(page, savedRun(run), false);
    await reload(page);
    t = (await state(page)).train;
    const keys = await storedKeys(page);
    assert(t.status === 'idle' && /could not be restored/.test(t.message || '') && keys.length === 0,
      `run ${JSON.stringify(run)}: status ${t.status}, message ${t.message}, stored ${JSON.stringify(keys)}`);
    await modelStillAnswers(page);
  }

  // Finding 7: a restore that stopped the page (the "restoring" mark is still set at the next start)
  // is not tried again: the run is removed and the page says why.
  await storeRunInPage(page, savedRun({}), true);
  await reload(page);
  t = (await state(page)).train;
  let keys = await storedKeys(page);
  assert(t.status === 'idle' && /stopped the page/.test(t.message || '') && keys.length === 0,
    `after a crashed restore: ${t.status}, message ${t.message}, stored ${JSON.stringify(keys)}`);
  // And the next start is clean.
  await reload(page);
  t = (await state(page)).train;
  keys = await storedKeys(page);
  assert(t.status === 'idle' && !t.message && keys.length === 0, `the next start: ${t.status} ${t.message} ${JSON.stringify(keys)}`);
  await modelStillAnswers(page);
  assert(page.problems.length === 0, page.problems.join('\n'));
  await page.closeAll();
});

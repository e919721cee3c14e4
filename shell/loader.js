// loader.js — starts DigitLab in the page.
//
// 1. Checks, before downloading anything, that the browser has WebAssembly SIMD and WebGL 2; if
//    not, says so in a plain sentence instead of leaving a blank page.
// 2. Picks the program: digitlab-mt (WebAssembly threads, a pool of workers) when the page is
//    cross-origin isolated, else digitlab (one thread; any static host). Downloads its .wasm, the
//    default model and the UI font with one progress bar (the sizes come from files.json, written
//    at build time, so compression does not confuse the bar), then its .js, and starts the program
//    with those bytes (no Emscripten file system).
// 3. Defines window.digitlab, the automation API (see the README): ready, state(), clear(),
//    undo(), loadModel(bytes, name), setClassroom(on), layers (the Layers view, with its
//    instruments: probes, embedding, ablate, ablateReset, ablationAccuracy) and mine (My digits and
//    Teach it: add, list, remove, clear, export, import, teach, undoTeach); after the first frame
//    it fetches the MNIST test images for the Layers view, if the server has them.
// 4. Loads model files picked with the app's "Load model…" button or dropped on the page.
// 5. For the Train view: fetches the MNIST files (mnist/, next to the page) when training first
//    needs them, with a progress bar in the app, decompressed by the browser's DecompressionStream
//    (the WebAssembly build has no zlib);
//    offers trained models as downloads (a Blob and <a download>); keeps the training run in
//    IndexedDB so it survives a reload. Plain IndexedDB from here rather than Emscripten's IDBFS:
//    the app has no file system (-sFILESYSTEM=0 keeps it small), the run is one blob of bytes, and
//    it must be read before the program starts, which is simplest here. My digits are kept the
//    same way (key "myDigits"), and exported and imported as the IDX pair, gzipped by the browser
//    (CompressionStream, DecompressionStream).
// 6. After the first frame, registers the service worker (sw.js): it makes the page cross-origin
//    isolated (threads) on hosts that cannot send the headers, from the next load on, and stores the
//    app for offline use. It never reloads the page by itself; a newer build shows a small note.
'use strict';

(function () {
  const overlay = document.getElementById('overlay');
  const statusEl = document.getElementById('status');
  const barFill = document.getElementById('bar-fill');
  const messageEl = document.getElementById('message');
  const canvas = document.getElementById('canvas');
  const fileInput = document.getElementById('model-file');
  const dropHint = document.getElementById('drop-hint');

  const MODEL_FILE = 'digitlab.safetensors';
  const FONT_FILE = 'DejaVuSans.ttf';
  const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  const MNIST_MISSING = 'This copy of DigitLab was built without the MNIST images, so it cannot train. ' +
    'To add them: scripts/get_mnist.sh ~/mnist, then build the web app again with MNIST_DIR=~/mnist ' +
    '(the build copies the four .gz files into dist/mnist/).';

  let module = null;  // the Emscripten module once started
  const timing = { firstFrameMs: null, downloadedBytes: 0, downloadMs: null };
  // Which build runs: digitlab-mt (threads) on a cross-origin-isolated page, else digitlab.
  const build = { program: null, threads: false, crossOriginIsolated: window.crossOriginIsolated === true };
  // The service worker (sw.js): 'unsupported', 'registering', 'installing', 'active' (the app is
  // stored for offline use) or 'failed: <why>'; controlled: whether it answered this page's load.
  const offline = { serviceWorker: 'unsupported', controlled: false, updateReady: false };

  // The MNIST test set for the Layers view's gallery and top images: fetched after the first frame
  // (so it never delays the start) when files.json lists it, i.e. when the build had MNIST_DIR.
  let resolveTestImages;
  const testImages = new Promise((resolve) => { resolveTestImages = resolve; });
  const TEST_IMAGES = 'mnist/t10k-images-idx3-ubyte.gz';
  const TEST_LABELS = 'mnist/t10k-labels-idx1-ubyte.gz';
  async function loadTestImages(sizes) {
    if (!sizes[TEST_IMAGES] || !sizes[TEST_LABELS]) { resolveTestImages(false); return; }
    try {
      const get = async (f) => {
        const res = await fetch(f, { cache: 'no-cache' });
        if (!res.ok) throw new Error(f + ': HTTP ' + res.status);
        return gunzipInBrowser(new Uint8Array(await res.arrayBuffer()));
      };
      const [images, labels] = await Promise.all([get(TEST_IMAGES), get(TEST_LABELS)]);
      resolveTestImages(api().layers.setTestImages(images, labels));
    } catch (e) {
      console.warn('DigitLab: the test images could not be loaded: ' + e.message);
      resolveTestImages(false);
    }
  }

  let resolveReady;
  let rejectReady;
  const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
  ready.catch(() => {});  // a failed start is shown on the page; callers may still await it

  function api() {
    if (!module || !module.digitlabApi) throw new Error('DigitLab has not started yet; await window.digitlab.ready');
    return module.digitlabApi;
  }

  window.digitlab = {
    ready,
    // The app's state; drawPad is converted to CSS pixels relative to the viewport.
    state() {
      if (!module || !module.digitlabApi) return { loading: true, timing: { ...timing }, build: { ...build }, offline: { ...offline } };
      const s = module.digitlabApi.state();
      const r = canvas.getBoundingClientRect();
      const scale = s.window && s.window.width > 0 ? r.width / s.window.width : 1;
      const toViewport = (b) => ({
        x: r.left + b.x * scale, y: r.top + b.y * scale, width: b.width * scale, height: b.height * scale,
      });
      s.drawPad = toViewport(s.drawPad);
      for (const k of Object.keys(s.buttons)) s.buttons[k] = toViewport(s.buttons[k]);
      for (const k of Object.keys(s.views)) s.views[k] = toViewport(s.views[k]);
      for (const k of Object.keys(s.train.buttons)) s.train.buttons[k] = toViewport(s.train.buttons[k]);
      const lv = s.layerView;
      if (lv && lv.buttons) {
        for (const k of Object.keys(lv.buttons)) lv.buttons[k] = toViewport(lv.buttons[k]);
        lv.cells = lv.cells.map(toViewport);
        lv.map.plot = toViewport(lv.map.plot);
      }
      const mb = s.mine && s.mine.buttons;
      if (mb) {
        for (const k of Object.keys(mb)) mb[k] = Array.isArray(mb[k]) ? mb[k].map(toViewport) : toViewport(mb[k]);
      }
      s.timing = { ...timing };
      s.build = { ...build };
      s.offline = { ...offline };
      return s;
    },
    clear() { api().clear(); },
    undo() { api().undo(); },
    // Memory in bytes: the WebAssembly heap's size and what malloc holds of it, and the JavaScript
    // heap where the browser tells (Chromium's performance.memory). For the soak test.
    memory() {
      const m = api().memory();
      m.jsHeapBytes = performance.memory ? performance.memory.usedJSHeapSize : null;
      return m;
    },
    // bytes: Uint8Array or ArrayBuffer of a .safetensors file. Returns {ok, error}; on error the
    // current model stays loaded.
    loadModel(bytes, name) { return api().loadModel(bytes, name || 'model file'); },
    setClassroom(on) { api().setClassroom(!!on); },
    // Training (the Train view). start(options) returns {ok, error}; see the README for the options.
    train: {
      start(options) { return api().trainStart(options || {}); },
      pause() { api().trainPause(); },
      resume() { api().trainResume(); },
      reset() { api().trainReset(); },
      step() { api().trainStep(); },
      evaluate(count) { api().trainEvaluate(count || 0); },
      useOnPad(on) { api().trainUseOnPad(!!on); },
      // Threads for training, 1 to state().train.maxThreads (more than 1 only on a cross-origin-isolated page).
      setThreads(n) { api().trainSetThreads(n); },
      // Trains softmax, mlp, conv1, R1, conv3 (and R2 with includeR2: true) one after the other
      // with the same options; results in state().compare.
      compare(options) { return api().trainCompare(options || {}); },
    },
    // The Layers view (README, "Automation API"). Steps: 0 the input, 1..N the model's layers,
    // N + 1 the softmax.
    layers: {
      select(step) { return api().layers.select(step); },
      show(on = true) { api().layers.show(on); },
      activations(step) { return api().layers.activations(step); },
      saliency() { return api().layers.saliency(); },
      pickTestImage(index) { return api().layers.pickTestImage(index); },
      enlarge(channel) { api().layers.enlarge(channel); },
      setNormalisation(mode) { api().layers.setNormalisation(mode); },
      // Frame-rate measurement: 'upload' draws every frame and re-uploads every texture,
      // 'recompute' also re-runs the network each frame; false stops.
      setLive(mode) { api().layers.setLive(mode); },
      // Resolves with the test-set indices of the 9 images that activate the channel most (best
      // first); the scan runs a few batches per frame, with its progress in state().layerView.top.
      async topImages(step, channel) {
        await testImages;
        if (!api().layers.startTopImages(step, channel)) {
          const s = api().state().layerView;
          throw new Error(s.testImages.loaded ? `step ${step} has no channel ${channel} with feature maps`
            : 'no MNIST test images on this server (build the page with MNIST_DIR set)');
        }
        for (;;) {
          await new Promise((r) => setTimeout(r, 50));
          const t = api().state().layerView.top;
          if (t.done) return t.indices;
        }
      },
      // Resolves once the page has tried to load the test images (true when it has them).
      testImagesReady() { return testImages; },
      // The panel of the Layers view on screen: 'activations', 'probes' or 'map' (shows the view).
      showPanel(which) {
        if (!['activations', 'probes', 'map'].includes(which)) {
          throw new Error(`showPanel: the panels are 'activations', 'probes' and 'map' (got ${JSON.stringify(which)})`);
        }
        api().layers.showPanel(which);
      },
      // Knock-out mode: a click on a map (or a unit) switches it off or on instead of enlarging it.
      setKnockOut(on) { api().layers.setKnockOut(!!on); },
      // Linear probes for the model on the Draw view: resolves with one {step, name, kind, accuracy}
      // per step from the input (0) to the logits (accuracy on the 10,000 test images, 0..1; also
      // trainAccuracy and features). options: {images} training images, 10 to 10,000 (default 5,000).
      // Downloads the MNIST training images first if the page does not have them yet.
      async probes(options) {
        if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
          throw new Error('probes: the options must be an object, e.g. {images: 5000}');
        }
        let why;
        try {
          why = api().layers.probesStart(options === undefined ? {} : { ...options });
        } catch (e) {
          throw new Error('probes: the options could not be read (' + (e && e.message ? e.message : e) + ')');
        }
        if (why) throw new Error(why);
        for (;;) {
          const r = api().layers.probesPoll();
          if (r.phase === 'done') return r.results;
          if (r.phase === 'failed') throw new Error('probes: ' + r.error);
          if (r.phase === 'idle') throw new Error('probes: stopped, because another model was loaded');
          await sleep(50);
        }
      },
      // The map of a step: resolves with {method, step, points: [[x, y], ...], labels, drawing, seconds,
      // featuresSeconds, projectionSeconds} for the first 2,000 test images (point i is test image i);
      // the last two split seconds into the forward passes and the projection; drawing is where the current input
      // (the drawing, or a picked test image) lands, or null without one. options: {method: 'pca'
      // (default) | 'tsne'}. The view moves to that step (its Map panel shows the same map).
      async embedding(step, options = {}) {
        if (!Number.isInteger(step) || Math.abs(step) > 1e9) {
          throw new Error(`embedding: step must be a whole number, one of state().layerView.steps (got ${String(step)})`);
        }
        if (options === null || typeof options !== 'object' || Array.isArray(options)) {
          throw new Error("embedding: the options must be an object, e.g. {method: 'tsne'}");
        }
        for (const k of Object.keys(options)) {
          if (k !== 'method') throw new Error(`embedding: unknown option '${k}' (the one option is method)`);
        }
        const method = options.method === undefined ? 'pca' : options.method;
        if (method !== 'pca' && method !== 'tsne') {
          throw new Error(`embedding: method must be 'pca' or 'tsne' (got ${JSON.stringify(method)})`);
        }
        await testImages;
        const why = api().layers.embeddingStart(step, method);
        if (why) throw new Error('embedding: ' + why);
        for (;;) {
          const r = api().layers.embeddingPoll();
          if (r.step !== step || r.method !== method || r.phase === 'idle') {
            throw new Error('embedding: stopped, because another model or another map was asked for');
          }
          if (r.phase === 'done') {
            return { method, step, points: r.points, labels: r.labels, drawing: r.drawing, seconds: r.seconds,
                     featuresSeconds: r.featuresSeconds, projectionSeconds: r.projectionSeconds };
          }
          if (r.phase === 'failed') throw new Error('embedding: ' + r.error);
          await sleep(50);
        }
      },
      // Knock-out: switches channel `channel` (a feature map, or a unit of a vector) of step `step`
      // off (off = true) or back on (false) in the model on the Draw view. Returns true; throws with a
      // sentence for a step or channel that does not exist.
      ablate(step, channel, off = true) {
        if (!Number.isInteger(step) || Math.abs(step) > 1e9) throw new Error(`ablate: step must be a whole number (got ${String(step)})`);
        if (!Number.isInteger(channel) || Math.abs(channel) > 1e9) throw new Error(`ablate: channel must be a whole number (got ${String(channel)})`);
        if (typeof off !== 'boolean') throw new Error('ablate: off must be true (switch off) or false (switch back on)');
        const why = api().layers.ablate(step, channel, off);
        if (why) throw new Error('ablate: ' + why);
        return true;
      },
      // Every unit back on.
      ablateReset() { api().layers.ablateReset(); },
      // Test accuracy over the 10,000 test images with the knock-outs as they are now:
      // {accuracy, perClass: [10], baseline, baselinePerClass: [10] (every unit on), units, seconds}.
      async ablationAccuracy() {
        if (!(await testImages)) throw new Error('ablationAccuracy: no MNIST test images on this server (build the page with MNIST_DIR set)');
        let idle = 0;
        for (;;) {
          const r = api().layers.ablationPoll();
          if (r.phase === 'done') {
            return { accuracy: r.accuracy, perClass: r.perClass, baseline: r.baseline, baselinePerClass: r.baselinePerClass,
              units: r.units, seconds: r.seconds };
          }
          if (r.phase === 'failed') throw new Error('ablationAccuracy: ' + r.error);
          if (r.phase === 'idle' && ++idle > 40) throw new Error('ablationAccuracy: nothing to compute (is a model loaded?)');
          await sleep(50);
        }
      },
    },
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // My digits and Teach it (README, "Automation API"): the person's digits with their labels, kept
  // in this browser (IndexedDB), exported and imported as the MNIST IDX pair, and the fine-tuning
  // of the model on the Draw view. Wrong arguments throw (or reject) with a sentence.
  window.digitlab.mine = {
    // Adds the drawing on the pad with this label (0..9) and clears the pad; returns state().mine.
    add(label) {
      if (!Number.isInteger(label) || label < 0 || label > 9) {
        throw new Error(`mine.add: the label must be a digit from 0 to 9 (got ${JSON.stringify(label)})`);
      }
      const why = api().mine.add(label);
      if (why) throw new Error('mine.add: ' + why);
      return api().mine.poll();
    },
    // [{index, label, strokes, points}] in the order the digits were added.
    list() { return api().mine.list(); },
    remove(i) {
      if (!Number.isInteger(i) || Math.abs(i) > 1e9) throw new Error(`mine.remove: the index must be a whole number (got ${String(i)})`);
      const why = api().mine.remove(i);
      if (why) throw new Error('mine.remove: ' + why);
      return api().mine.poll();
    },
    clear() { api().mine.clear(); },
    // Resolves with the IDX pair as the Export button saves it: {images, labels}, gzipped Uint8Arrays.
    async export() {
      const raw = api().mine.idx();
      return { images: await gzipInBrowser(raw.images), labels: await gzipInBrowser(raw.labels) };
    },
    // The two files of an IDX pair (Uint8Array or ArrayBuffer, either order, gzipped or raw): the
    // digits are appended as a whole, or not at all (rejects with the sentence the page shows).
    import(a, b) { return importItems([a, b]); },
    // Teaches the model on the Draw view your digits. options: {steps (1..10,000, default 60), seed
    // (whole, >= 0), holdout (0..0.9, default 0.2)}. Resolves with {before, after, mnistBefore,
    // mnistAfter, seconds, heldOut, taught, forgot} once the taught model is on the pad.
    async teach(options) {
      if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
        throw new Error('teach: the options must be an object, e.g. {steps: 60}');
      }
      const before = api().mine.poll();
      const lastId = before.lastTeach ? before.lastTeach.id : 0;
      let why;
      try {
        why = api().mine.teachStart(options === undefined ? {} : { ...options });
      } catch (e) {
        throw new Error('teach: the options could not be read (' + (e && e.message ? e.message : e) + ')');
      }
      if (why) throw new Error('teach: ' + why);
      for (;;) {
        await sleep(50);
        const m = api().mine.poll();
        if (m.lastTeach && m.lastTeach.id > lastId) {
          const t = m.lastTeach;
          return { before: t.before, after: t.after, mnistBefore: t.mnistBefore, mnistAfter: t.mnistAfter,
            seconds: t.seconds, heldOut: t.heldOut, taught: t.taught, forgot: t.forgot, steps: t.steps,
            trainSeconds: t.trainSeconds, evalSeconds: t.evalSeconds, mnistImages: t.mnistImages };
        }
        if (m.failures > before.failures) throw new Error('teach: ' + m.error);
      }
    },
    // Puts back the model from before the last teach, exactly; throws when there is none.
    undoTeach() {
      const why = api().mine.undoTeach();
      if (why) throw new Error('undoTeach: ' + why);
      return true;
    },
  };

  // --- My digits: the IDX pair in and out, and its keeping -------------------------------------------
  const IDX_IMAGES = 0x00000803, IDX_LABELS = 0x00000801;
  const MINE_MAX_FILE = 16 << 20;   // a file of the pair as given (2,000 digits are 1.6 MB raw)
  const MINE_MAX_RAW = 4 << 20;     // the same decompressed: a gzip bomb stops here
  async function gzipInBrowser(bytes) {
    if (typeof CompressionStream !== 'function') {
      throw new Error('this browser cannot write gzip (no CompressionStream); use a current Chrome, Edge, Firefox or Safari');
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // Gunzips at most `cap` bytes: more is refused while decompressing, not after.
  async function gunzipCapped(bytes, cap, name) {
    if (typeof DecompressionStream !== 'function') {
      throw new Error('this browser cannot decompress gzip (no DecompressionStream): import the files uncompressed');
    }
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    const chunks = [];
    let length = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        length += value.length;
        if (length > cap) {
          reader.cancel().catch(() => {});
          throw new Error(`${name} is more than ${(cap / 1048576).toFixed(0)} MB once decompressed; My digits holds at most 2,000 digits`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e && /decompressed/.test(e.message)) throw e;
      throw new Error(`${name} is not valid gzip (${e && e.message ? e.message : e})`);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }
  // items: [{bytes or ArrayBuffer or File-like with a name}]: the pair sorted into images and labels by
  // their IDX magic, each gunzipped when it starts with gzip's 1f 8b.
  async function readIdxPair(items) {
    const found = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const name = it && typeof it.name === 'string' ? it.name : `file ${i + 1}`;
      let bytes;
      if (it instanceof Uint8Array) bytes = it;
      else if (it instanceof ArrayBuffer) bytes = new Uint8Array(it);
      else if (it && typeof it.arrayBuffer === 'function') {
        if (it.size > MINE_MAX_FILE) throw new Error(`${name} is larger than ${MINE_MAX_FILE >> 20} MB`);
        bytes = new Uint8Array(await it.arrayBuffer());
      } else throw new Error(`${name} is not a file's bytes (a Uint8Array or an ArrayBuffer)`);
      if (bytes.length > MINE_MAX_FILE) throw new Error(`${name} is larger than ${MINE_MAX_FILE >> 20} MB`);
      if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzipCapped(bytes, MINE_MAX_RAW, name);
      if (bytes.length > MINE_MAX_RAW) throw new Error(`${name} is larger than ${MINE_MAX_RAW >> 20} MB`);
      const magic = bytes.length >= 4 ? ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0 : -1;
      found.push({ name, bytes, magic });
    }
    const images = found.filter((f) => f.magic === IDX_IMAGES), labels = found.filter((f) => f.magic === IDX_LABELS);
    if (images.length !== 1 || labels.length !== 1) {
      const what = found.map((f) => `${f.name}: ${f.magic === IDX_IMAGES ? 'images' : f.magic === IDX_LABELS ? 'labels' : 'not an IDX images or labels file'}`).join(', ');
      throw new Error('an import takes two files, the images (IDX magic 0x00000803, e.g. my-digits-images-idx3-ubyte.gz) ' +
        `and the labels (magic 0x00000801, my-digits-labels-idx1-ubyte.gz); got ${what || 'none'}`);
    }
    return { images: images[0].bytes, labels: labels[0].bytes };
  }
  async function importItems(items) {
    let pair;
    try {
      pair = await readIdxPair(items);
    } catch (e) {
      const why = e && e.message ? e.message : String(e);
      api().mine.importProblem(why);
      throw new Error('mine.import: ' + why);
    }
    const why = api().mine.importBytes(pair.images, pair.labels);
    if (why) throw new Error('mine.import: ' + why);
    return api().mine.poll();
  }
  // The Export button: the pair as two .gz downloads.
  async function exportMine(images, labels) {
    try {
      offerDownload(await gzipInBrowser(images), 'my-digits-images-idx3-ubyte.gz');
      offerDownload(await gzipInBrowser(labels), 'my-digits-labels-idx1-ubyte.gz');
    } catch (e) {
      api().mine.importProblem(e && e.message ? e.message : String(e));
    }
  }
  // The Import button: a file picker for the two files (one at a time works too: the second completes the pair).
  let mineInput = null;
  let minePending = [];
  function pickMine() {
    if (!mineInput) {
      mineInput = document.createElement('input');
      mineInput.type = 'file';
      mineInput.multiple = true;
      mineInput.accept = '.gz,.idx3-ubyte,.idx1-ubyte,application/gzip,application/octet-stream';
      mineInput.hidden = true;
      document.body.appendChild(mineInput);
      mineInput.addEventListener('change', async () => {
        const files = Array.from(mineInput.files || []);
        mineInput.value = '';
        const items = minePending.concat(files);
        minePending = [];
        if (items.length === 1) { minePending = items; return; }  // waits for its other half
        try {
          await importItems(items);
        } catch (e) { /* the page shows the sentence (mine.import reported it) */ }
      });
    }
    mineInput.click();
  }

  // --- 5. training: data, downloads, browser storage ----------------------------------------------
  let mnistSizes = {};
  let mnistFetching = false;

  // The MNIST files are gzip; the browser decompresses them (the WebAssembly build has no zlib).
  async function gunzipInBrowser(bytes) {
    if (typeof DecompressionStream !== 'function') {
      throw new Error('this browser cannot decompress gzip (no DecompressionStream); ' +
        'use a current Chrome, Edge, Firefox (113 or newer) or Safari (16.4 or newer) to train');
    }
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function fetchMnist() {
    if (mnistFetching || !module || !module.digitlabApi) return;
    mnistFetching = true;
    const a = module.digitlabApi;
    const total = MNIST_FILES.reduce((sum, f) => sum + (mnistSizes['mnist/' + f] || 0), 0);
    let got = 0;
    try {
      const files = await Promise.all(MNIST_FILES.map(async (f) => {
        const res = await fetch('mnist/' + f, { cache: 'force-cache' });
        if (!res.ok) throw new HttpError('mnist/' + f, res.status);
        const bytes = await readBody(res, (n) => { got += n; a.mnistProgress(got, total); });
        return gunzipInBrowser(bytes);
      }));
      files.forEach((bytes, i) => a.mnistFile(i, bytes));
      a.mnistDone('', false);
    } catch (e) {
      const missing = e instanceof HttpError && e.status === 404;
      a.mnistDone(missing ? MNIST_MISSING : 'The MNIST images could not be downloaded (' + (e && e.message ? e.message : e) +
        '). Check the connection and press Start again.', missing);
    } finally {
      mnistFetching = false;
    }
  }

  function offerDownload(bytes, name) {
    const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // IndexedDB: database "digitlab", store "runs", key "current" = the run's safetensors bytes, key
  // "restoring" = set from before the program restores the run until it says it is done. A mark
  // left at the next start means the restore stopped the page (an abort, a crash, a killed tab):
  // that run is removed instead of tried again, and the page says so (issue 12, finding 7).
  let restoring = false;
  function openStore() {
    return new Promise((resolve, reject) => {
      if (!window.indexedDB) { reject(new Error('no IndexedDB')); return; }
      const req = indexedDB.open('digitlab', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('runs');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function readRun() {
    try {
      const db = await openStore();
      const get = (key) => new Promise((resolve) => {
        const req = db.transaction('runs', 'readonly').objectStore('runs').get(key);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(undefined);
      });
      const bytes = await get('current');
      if (await get('restoring') !== undefined) {
        storeRun(null);
        await window.digitlab.stored;
        return { bytes: null, problem: 'The training run kept in this browser stopped the page while it was being ' +
          'restored last time, so it was removed.' };
      }
      if (!bytes) return { bytes: null, problem: '' };
      markRestoring(true);
      await window.digitlab.stored;
      return { bytes: new Uint8Array(bytes), problem: '' };
    } catch (e) {
      return { bytes: null, problem: '' };  // private mode or storage off: training works, it is just not kept
    }
  }
  function markRestoring(on) {
    restoring = on;
    storeChain = storeChain.then(async () => {
      try {
        const db = await openStore();
        await new Promise((resolve) => {
          const tx = db.transaction('runs', 'readwrite');
          if (on) tx.objectStore('runs').put(Date.now(), 'restoring'); else tx.objectStore('runs').delete('restoring');
          tx.oncomplete = tx.onerror = tx.onabort = resolve;
        });
      } catch (e) { /* storage unavailable: nothing kept */ }
    });
    window.digitlab.stored = storeChain;
  }
  let storeChain = Promise.resolve();
  function storeRun(bytes) {
    // Writes in order; window.digitlab.stored resolves when the last one is on disk (for tests).
    storeChain = storeChain.then(async () => {
      try {
        const db = await openStore();
        await new Promise((resolve) => {
          const tx = db.transaction('runs', 'readwrite');
          const st = tx.objectStore('runs');
          if (bytes) st.put(bytes.buffer, 'current'); else { st.delete('current'); st.delete('restoring'); }
          tx.oncomplete = resolve;
          tx.onerror = resolve;
          tx.onabort = resolve;
        });
      } catch (e) { /* storage unavailable: nothing kept */ }
    });
    window.digitlab.stored = storeChain;
  }
  window.digitlab.stored = Promise.resolve();
  // My digits: MyDigits::serialize() bytes under the key "myDigits" of the same store, rewritten on
  // every change (at most 2,000 digits with their strokes: a few MB), read before the program starts.
  function storeMine(bytes) {
    storeChain = storeChain.then(async () => {
      try {
        const db = await openStore();
        await new Promise((resolve) => {
          const tx = db.transaction('runs', 'readwrite');
          tx.objectStore('runs').put(bytes.buffer, 'myDigits');
          tx.oncomplete = tx.onerror = tx.onabort = resolve;
        });
      } catch (e) { /* storage unavailable: the digits last as long as the page */ }
    });
    window.digitlab.stored = storeChain;
  }
  async function readMine() {
    try {
      const db = await openStore();
      const bytes = await new Promise((resolve) => {
        const req = db.transaction('runs', 'readonly').objectStore('runs').get('myDigits');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => resolve(undefined);
      });
      return bytes ? new Uint8Array(bytes) : null;
    } catch (e) {
      return null;
    }
  }

  function fail(sentence) {
    overlay.classList.remove('done');
    overlay.classList.add('failed');
    messageEl.textContent = sentence;
    messageEl.hidden = false;
    rejectReady(new Error(sentence));
  }

  // --- 6. the service worker: threads on any static host, and offline use (see sw.js) -----------
  // Registered after the first frame, so that storing the app for offline use never delays the
  // start. It does not reload the page: the next load is isolated (threads) and works offline. When
  // a new build replaces the stored one while the page is open, a small note offers a reload.
  let swResolve;
  const swSettled = new Promise((resolve) => { swResolve = resolve; });
  async function registerServiceWorker() {
    offline.controlled = !!(navigator.serviceWorker && navigator.serviceWorker.controller);
    if (!('serviceWorker' in navigator) || !window.isSecureContext) { swResolve(offline.serviceWorker); return; }
    const hadController = offline.controlled;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (!hadController) return;  // the first install taking control of this page is no update
      offline.updateReady = true;
      document.getElementById('update').hidden = false;
    });
    document.getElementById('update-reload').addEventListener('click', () => location.reload());
    try {
      offline.serviceWorker = 'registering';
      const reg = await navigator.serviceWorker.register('sw.js');
      const worker = reg.installing || reg.waiting || reg.active;
      const follow = () => {
        offline.serviceWorker = worker.state === 'activated' ? 'active'
          : worker.state === 'redundant' ? 'failed: the app could not be stored for offline use' : 'installing';
        if (worker.state === 'activated' || worker.state === 'redundant') swResolve(offline.serviceWorker);
      };
      follow();
      worker.addEventListener('statechange', follow);
    } catch (e) {
      offline.serviceWorker = 'failed: ' + (e && e.message ? e.message : e);
      swResolve(offline.serviceWorker);
    }
  }
  // Resolves with the service worker's final state for this load ('active' once the app is stored).
  window.digitlab.offlineReady = () => swSettled;

  // --- 1. feature checks ----------------------------------------------------------------------
  // A tiny module whose one function returns a v128 (i32.const 0; i8x16.splat; i8x16.popcnt):
  // WebAssembly.validate accepts it only where SIMD is supported.
  const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
    65, 0, 253, 15, 253, 98, 11]);

  function hasWasmSimd() {
    try {
      return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch (e) {
      return false;
    }
  }

  function hasWebGL2() {
    try {
      const probe = document.createElement('canvas');
      const gl = probe.getContext('webgl2');
      if (!gl) return false;
      const lose = gl.getExtension('WEBGL_lose_context');
      if (lose) lose.loseContext();  // give the context back; the app makes its own
      return true;
    } catch (e) {
      return false;
    }
  }

  // --- 2. downloads with one progress bar --------------------------------------------------------
  let expectedTotal = 0;
  let received = 0;
  function progress(n) {
    received += n;
    timing.downloadedBytes = received;
    const pct = expectedTotal > 0 ? Math.min(100, (100 * received) / expectedTotal) : 0;
    barFill.style.width = pct.toFixed(1) + '%';
    statusEl.textContent = 'Loading… ' + (received / 1048576).toFixed(1) + ' MB' +
      (expectedTotal > 0 ? ' of ' + (expectedTotal / 1048576).toFixed(1) + ' MB' : '');
  }

  class HttpError extends Error {
    constructor(url, status) {
      super(url + ': HTTP ' + status);
      this.status = status;
    }
  }

  async function fetchBytes(url) {
    const res = await fetch(url, { cache: 'no-cache' });
    if (!res.ok) throw new HttpError(url, res.status);
    return readBody(res, progress);
  }

  // A response's bytes as one Uint8Array, calling onBytes(n) as each chunk of n bytes arrives.
  async function readBody(res, onBytes) {
    if (!res.body || !res.body.getReader) {
      const whole = new Uint8Array(await res.arrayBuffer());
      onBytes(whole.length);
      return whole;
    }
    const reader = res.body.getReader();
    const chunks = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
      onBytes(value.length);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  async function fileSizes() {
    try {
      const res = await fetch('files.json', { cache: 'no-cache' });
      return res.ok ? await res.json() : {};
    } catch (e) {
      return {};
    }
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('could not load ' + src));
      document.head.appendChild(s);
    });
  }

  async function start() {
    if (!hasWasmSimd()) {
      fail('DigitLab needs WebAssembly SIMD, which this browser does not support. ' +
           'Please open the page in a current Chrome, Edge, Firefox or Safari (16.4 or newer).');
      return;
    }
    if (!hasWebGL2()) {
      fail('DigitLab needs WebGL 2 to draw, and this browser or device does not provide it ' +
           '(it may be switched off). Please try a current Chrome, Edge, Firefox or Safari.');
      return;
    }

    const t0 = performance.now();
    const sizes = await fileSizes();
    // files.json lists what the build put on the server; what it does not list is not asked for.
    const known = Object.keys(sizes).length > 0;
    const listed = (f) => !known || sizes[f] !== undefined;
    // Threads need SharedArrayBuffer, which browsers give only to cross-origin-isolated pages
    // (served with COOP/COEP headers). Elsewhere the single-threaded build runs: same app, one core.
    const threaded = window.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function' &&
      known && listed('digitlab-mt.wasm') && listed('digitlab-mt.js') && listed('digitlab-mt.worker.js');
    const program = threaded ? 'digitlab-mt' : 'digitlab';
    build.threads = threaded;
    build.program = program;
    expectedTotal = [program + '.wasm', program + '.js', MODEL_FILE, FONT_FILE]
      .reduce((sum, f) => sum + (sizes[f] || 0), 0);

    mnistSizes = sizes;
    const hasMnist = !known || MNIST_FILES.every((f) => sizes['mnist/' + f] !== undefined);
    const savedRun = await readRun();
    const myDigits = await readMine();
    const [wasm, model, font] = await Promise.all([
      fetchBytes(program + '.wasm'),
      listed(MODEL_FILE) ? fetchBytes(MODEL_FILE).catch((e) => e) : Promise.resolve(new HttpError(MODEL_FILE, 404)),
      listed(FONT_FILE) ? fetchBytes(FONT_FILE).catch(() => null) : null,  // else ImGui's built-in font
    ]);
    let modelProblem = '';
    if (model instanceof Error) {
      modelProblem = model instanceof HttpError && model.status === 404
        ? 'No model file is on this server yet (' + MODEL_FILE + '). Drawing works; load a model file to get answers.'
        : 'The model file could not be downloaded (' + model.message + '). Load a model file to get answers.';
    }
    await loadScript(program + '.js');
    progress(sizes[program + '.js'] || 0);
    timing.downloadMs = performance.now() - t0;
    statusEl.textContent = 'Starting…';

    const config = {
      canvas,
      wasmBinary: wasm.buffer,
      digitlabAssets: {
        font,
        model: model instanceof Error ? null : model,
        modelName: MODEL_FILE,
        modelProblem,
        mnistMissing: hasMnist ? '' : MNIST_MISSING,
        savedRun: savedRun.bytes,
        savedRunProblem: savedRun.problem,
        myDigits,
      },
      digitlabRestoreDone: () => { if (restoring) markRestoring(false); },
      digitlabFetchMnist: () => { fetchMnist(); },
      digitlabDownload: offerDownload,
      digitlabStore: storeRun,
      digitlabStoreMine: storeMine,
      digitlabExportMine: exportMine,
      digitlabPickMine: pickMine,
      digitlabTakeMerged: takeMerged,
      onDigitLabFirstFrame() {
        // The first frame has been handed to the compositor; resolve on the next animation frame.
        requestAnimationFrame(() => {
          timing.firstFrameMs = performance.now();
          overlay.classList.add('done');
          resolveReady(window.digitlab);
          loadTestImages(sizes);
          registerServiceWorker();
        });
      },
      print: (text) => console.log(text),
      printErr: (text) => console.warn(text),
      onAbort: (what) => {
        if (restoring) {  // the saved run stopped the page: it goes, so that a reload works
          storeRun(null);
          fail('DigitLab stopped unexpectedly (' + what + ') while restoring the training run kept in this ' +
            'browser; that run has been removed, so reloading the page will work.');
          return;
        }
        fail('DigitLab stopped unexpectedly (' + what + '). Reloading the page may help.');
      },
    };
    module = config;
    /* global createDigitLab */
    await createDigitLab(config);
  }

  // --- 4. model files: the picker and drag and drop ---------------------------------------------
  async function loadModelFile(file) {
    if (!file || !module || !module.digitlabApi) return;
    const a = module.digitlabApi;
    // A file larger than the page reads is refused before it is read (issue 12, finding 6).
    if (file.size > a.maxModelBytes) { a.modelProblem(file.name, a.tooLarge(file.size)); return; }
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      a.modelProblem(file.name, 'the browser could not read it (' + (e && e.message ? e.message : e) + ')');
      return;
    }
    window.digitlab.loadModel(bytes, file.name);
  }
  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = '';  // picking the same file again still fires 'change'
    loadModelFile(file);
  });
  let dragDepth = 0;
  window.addEventListener('dragenter', (e) => { e.preventDefault(); dragDepth++; dropHint.hidden = false; });
  window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; dropHint.hidden = true; } });
  window.addEventListener('dragover', (e) => { e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    dragDepth = 0;
    dropHint.hidden = true;
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    loadModelFile(file);
  });

  // Pointer samples merged into one move. Browsers deliver moves once per frame; when a frame is
  // slow (a phone, a busy machine) the samples of a fast stroke between two frames arrive as one
  // event and the pad would draw a straight line across them. getCoalescedEvents() keeps them: one
  // entry per pressed primary move, in order, with the samples before the event's own position as
  // fractions of the canvas. When SDL hands the app that move, the app takes them (takeMerged,
  // through platform::merged_moves), matched by the move's position: SDL's queue and this one see
  // the same events in the same order, and an entry the app never asks for is dropped at the next.
  const merged = [];
  const MERGED_KEPT = 256;  // entries; more would mean the app stopped reading (a hidden tab)
  canvas.addEventListener('pointermove', (e) => {
    if (!e.isPrimary || (e.buttons & 1) === 0) return;
    const r = canvas.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) return;
    const list = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    const before = [];
    for (let i = 0; i + 1 < list.length; ++i) {
      before.push((list[i].clientX - r.left) / r.width, (list[i].clientY - r.top) / r.height);
    }
    merged.push({ x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height, before });
    if (merged.length > MERGED_KEPT) merged.shift();
  }, { capture: true, passive: true });
  // The samples merged into the move that reached (x, y) in a window of w x h, as a flat x, y list.
  function takeMerged(x, y, w, h) {
    const near = 1.5;  // SDL's positions are whole pixels
    for (let i = 0; i < merged.length; ++i) {
      const m = merged[i];
      if (Math.abs(m.x * w - x) <= near && Math.abs(m.y * h - y) <= near) {
        merged.splice(0, i + 1);
        return m.before.map((v, k) => v * (k % 2 === 0 ? w : h));
      }
    }
    return [];
  }

  // Touch: drawing must never scroll, zoom or open menus (CSS touch-action covers most browsers).
  document.addEventListener('touchmove', (e) => { if (e.touches.length > 1 || e.target === canvas) e.preventDefault(); }, { passive: false });
  document.addEventListener('gesturestart', (e) => e.preventDefault());
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());

  // A new devicePixelRatio (window moved to another screen, browser zoom) without a resize: tell
  // SDL through a resize event, so the canvas's backing store and the font follow.
  function watchPixelRatio() {
    const mq = window.matchMedia('(resolution: ' + window.devicePixelRatio + 'dppx)');
    const onChange = () => { window.dispatchEvent(new Event('resize')); watchPixelRatio(); };
    if (mq.addEventListener) mq.addEventListener('change', onChange, { once: true });
  }
  watchPixelRatio();

  start().catch((e) => fail('DigitLab could not start: ' + (e && e.message ? e.message : e) + '.'));
})();

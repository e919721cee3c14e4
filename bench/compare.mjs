#!/usr/bin/env node
// compare.mjs — DigitLab and the peer frameworks in one run, on one machine, and the side-by-side
// table with the ratios the speed bars are stated in.
//
//   MNIST_DIR=path/to/mnist node bench/compare.mjs [--peers DIR] [--runs N] [--no-peers] [--out FILE.jsonl]
//
// Runs, one after the other (never at the same time: the machine has two cores):
//   DigitLab native, 1 and 2 threads    build/native/bin/digitlab_bench   (cmake --preset native -DDIGITLAB_BUILD_BENCH=ON)
//   DigitLab WebAssembly under Node     build/web/bin/digitlab_bench.js    (cmake --preset web -DDIGITLAB_BUILD_BENCH=ON)
//   DigitLab WebAssembly in Chromium    build/web/bench-page/ (same build; 1 thread) and
//                                       build/web/mt/bench-page/ (the threaded twin; 2 threads),
//                                       in headless /usr/bin/chromium on a cross-origin-isolated page
//   the peers: PyTorch CPU (1, 2 threads), TensorFlow.js WebAssembly SIMD, ONNX Runtime Web, from
//   the peers folder (default ../shared/peers; copied to a temporary folder first when it is not
//   writable, since its Node scripts need `npm ci`). Their R1 one-epoch runs are skipped (--no-epoch).
// DigitLab's figures are the median over --runs whole runs (default 3; each already reports the
// median of its repetitions). Every JSON line goes to --out (default bench-results.jsonl), the table
// to stdout. Timings on a shared machine are noisy lower bounds: compare only within one run.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt; };
const runs = Math.max(1, parseInt(opt('--runs', '3'), 10));
const outFile = opt('--out', 'bench-results.jsonl');
const withPeers = !args.includes('--no-peers');
let peersDir = path.resolve(opt('--peers', path.join(root, '..', 'shared', 'peers')));

if (!process.env.MNIST_DIR) {
  console.error('compare.mjs: set MNIST_DIR to the folder with the four MNIST .gz files (the peers and DigitLab time real batches).');
  process.exit(2);
}

const lines = [];
function collect(text, source) {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try { lines.push({ ...JSON.parse(t), source }); } catch { /* not a result line */ }
  }
}
function run(cmd, argv, cwd, source) {
  console.error(`# ${source}: ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: process.env });
  if (r.status !== 0) {
    console.error(`# ${source} failed (exit ${r.status}): ${(r.stderr || '').split('\n').slice(-5).join(' | ')}`);
    return false;
  }
  collect(r.stdout, source);
  return true;
}

// ---- DigitLab --------------------------------------------------------------------------------
const model = path.join(root, 'assets', 'digitlab.safetensors');
const nativeBin = path.join(root, 'build', 'native', 'bin', 'digitlab_bench');
const wasmJs = path.join(root, 'build', 'web', 'bin', 'digitlab_bench.js');
const benchPages = [
  [path.join(root, 'build', 'web', 'bench-page'), '1'],
  [path.join(root, 'build', 'web', 'mt', 'bench-page'), '2'],
];

// The WebAssembly benchmark in a headless Chromium page: serves the page's folder (with the MNIST
// files copied into its mnist/), opens it with ?args= and collects the JSON lines it logs.
async function runInChromium(benchPage, argv, source) {
  const { startServer, launchBrowser } = await import('../tests/browser/lib.mjs');
  fs.mkdirSync(path.join(benchPage, 'mnist'), { recursive: true });
  for (const f of fs.readdirSync(process.env.MNIST_DIR).filter((f) => f.endsWith('-ubyte.gz')))
    fs.copyFileSync(path.join(process.env.MNIST_DIR, f), path.join(benchPage, 'mnist', f));
  console.error(`# ${source}: bench-page/?args=${argv.join(' ')}`);
  const server = await startServer({ folder: benchPage });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    let text = '';
    page.on('console', (m) => { text += m.text() + '\n'; });
    await page.goto(`${server.url}?args=${encodeURIComponent(argv.join(' '))}`);
    await page.waitForFunction(() => window.benchDone !== false, null, { timeout: 20 * 60000, polling: 1000 });
    const done = await page.evaluate(() => window.benchDone);
    if (done !== true) console.error(`# ${source} failed: ${done}`);
    collect(text, source);
  } finally {
    await browser.close();
    server.stop();
  }
}

// GEMM GFLOP/s (--gemm) once, then the model benchmarks --runs times.
if (fs.existsSync(nativeBin)) run(nativeBin, ['--gemm'], root, 'native gemm');
if (fs.existsSync(wasmJs)) run('node', ['--no-experimental-fetch', wasmJs, '--gemm'], root, 'wasm gemm');
if (fs.existsSync(path.join(benchPages[0][0], 'bench.wasm')))
  await runInChromium(benchPages[0][0], ['--gemm', '--peer', 'digitlab-chromium-wasm-simd'], 'chromium gemm');
for (let r = 0; r < runs; ++r) {
  if (fs.existsSync(nativeBin)) run(nativeBin, ['--arch', 'r1,r2,digitlab', '--threads', '1,2', '--model', model], root, `native run ${r + 1}`);
  else if (r === 0) console.error(`# ${nativeBin} missing: cmake --preset native -DDIGITLAB_BUILD_BENCH=ON && cmake --build build/native --target digitlab_bench`);
  if (fs.existsSync(wasmJs)) run('node', ['--no-experimental-fetch', wasmJs, '--arch', 'r1,r2,digitlab', '--threads', '1', '--model', model], root, `wasm run ${r + 1}`);
  else if (r === 0) console.error(`# ${wasmJs} missing: cmake --preset web -DDIGITLAB_BUILD_BENCH=ON && cmake --build build/web --target digitlab_bench`);
  for (const [benchPage, threads] of benchPages) {
    if (fs.existsSync(path.join(benchPage, 'bench.wasm')))
      await runInChromium(benchPage, ['--arch', 'r1,r2,digitlab', '--threads', threads, '--peer', 'digitlab-chromium-wasm-simd'], `chromium ${threads}t run ${r + 1}`);
    else if (r === 0) console.error(`# ${benchPage} missing: cmake --preset web -DDIGITLAB_BUILD_BENCH=ON && cmake --build --preset web`);
  }
}

// ---- peers -------------------------------------------------------------------------------------
if (withPeers) {
  if (!fs.existsSync(path.join(peersDir, 'torch_bench.py'))) {
    console.error(`# no peers at ${peersDir} (give --peers DIR): DigitLab only`);
  } else {
    try { fs.accessSync(peersDir, fs.constants.W_OK); } catch {
      const copy = path.join(os.tmpdir(), 'digitlab-peers');
      fs.rmSync(copy, { recursive: true, force: true });
      fs.cpSync(peersDir, copy, { recursive: true });
      execFileSync('chmod', ['-R', 'u+w', copy]);
      peersDir = copy;
    }
    for (const d of ['tfjs', 'ort']) {
      if (!fs.existsSync(path.join(peersDir, d, 'node_modules')))
        execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: path.join(peersDir, d), stdio: ['ignore', 2, 2] });
    }
    run('/usr/bin/python3', ['torch_bench.py', '--no-epoch'], peersDir, 'pytorch');
    run('node', ['tfjs_bench.js', '--backend', 'wasm', '--arch', 'r1,r2', '--no-epoch'], path.join(peersDir, 'tfjs'), 'tfjs');
    run('node', ['ort_bench.js'], path.join(peersDir, 'ort'), 'ort');
  }
}
fs.writeFileSync(outFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

// ---- the table ---------------------------------------------------------------------------------
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)] : undefined; };
function value(peer, arch, metric, threads) {
  const v = lines.filter((l) => l.peer === peer && l.arch === arch && l.metric === metric && l.threads === threads).map((l) => l.value);
  return median(v);
}
// One row per implementation and thread count, one column per metric.
const rows = [
  ['DigitLab native', 'digitlab-native', 1], ['DigitLab native', 'digitlab-native', 2],
  ['DigitLab wasm, Node', 'digitlab-wasm-simd', 1],
  ['DigitLab wasm, Chromium', 'digitlab-chromium-wasm-simd', 1], ['DigitLab wasm, Chromium', 'digitlab-chromium-wasm-simd', 2],
  ['PyTorch CPU', 'pytorch-cpu', 1], ['PyTorch CPU', 'pytorch-cpu', 2],
  ['TF.js wasm-SIMD, Node', 'tfjs-wasm-simd', 1], ['ORT Web wasm-SIMD, Node', 'ort-web-wasm-simd', 1], ['ORT Web wasm-SIMD, Node', 'ort-web-wasm-simd', 2],
];
const metrics = [['train_throughput', 'train images/s'], ['infer_b1_latency_median', 'batch-1 latency µs'], ['infer_b256_throughput', 'batch-256 images/s'],
  ['train_memory', 'heap while training MiB']];
const fmt = (v) => (v === undefined ? '–' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
const fmt1 = (v) => (v === undefined ? '–' : v.toFixed(1));
const host = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`;
console.log(`DigitLab vs peers, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${host}; DigitLab median of ${runs} runs.`);
console.log('Measured side by side in one run; rerun side by side before comparing.\n');
for (const arch of ['r1', 'r2', 'digitlab']) {
  console.log(`### ${arch}\n`);
  console.log(`| implementation | threads | ${metrics.map((m) => m[1]).join(' | ')} |`);
  console.log(`|---|---:|${metrics.map(() => '---:').join('|')}|`);
  for (const [label, p, t] of rows) {
    const cells = metrics.map(([m]) => value(p, arch, m, t));
    if (cells.every((v) => v === undefined)) continue;
    console.log(`| ${label} | ${t} | ${cells.map(fmt).join(' | ')} |`);
  }
  console.log('');
}

// GEMM throughput on the layers' shapes (digitlab_bench --gemm), one run each.
const gemmRows = [...new Set(lines.filter((l) => l.metric === 'gemm_gflops').map((l) => l.arch))];
if (gemmRows.length) {
  const gemmCols = [['native (Eigen)', 'digitlab-native'], ['wasm, Node', 'digitlab-wasm-simd'], ['wasm, Chromium', 'digitlab-chromium-wasm-simd']];
  console.log('### GEMM GFLOP/s, one thread (packed SIMD128 kernel in wasm)\n');
  console.log(`| shape | ${gemmCols.map((c) => c[0]).join(' | ')} |`);
  console.log(`|---|${gemmCols.map(() => '---:').join('|')}|`);
  for (const g of gemmRows) console.log(`| ${g.replace(/^gemm /, '')} | ${gemmCols.map(([, p]) => fmt1(value(p, g, 'gemm_gflops', 1))).join(' | ')} |`);
  console.log('');
}

// The bars of the speed issue: ratio = DigitLab / peer for throughputs, and for latencies too (so
// a latency bar is met below 1.0).
const bars = [
  ['R1 training, wasm 1t vs tfjs wasm', 'r1', 'train_throughput', ['digitlab-wasm-simd', 1], ['tfjs-wasm-simd', 1], '>=', 2.0],
  ['R2 training, wasm 1t vs tfjs wasm', 'r2', 'train_throughput', ['digitlab-wasm-simd', 1], ['tfjs-wasm-simd', 1], '>=', 2.5],
  ['R1 batch-1 latency, wasm 1t vs tfjs wasm', 'r1', 'infer_b1_latency_median', ['digitlab-wasm-simd', 1], ['tfjs-wasm-simd', 1], '<=', 1.0],
  ['R2 batch-1 latency, wasm 1t vs tfjs wasm', 'r2', 'infer_b1_latency_median', ['digitlab-wasm-simd', 1], ['tfjs-wasm-simd', 1], '<=', 1.0],
  ['R2 batch-256, wasm 1t vs tfjs wasm', 'r2', 'infer_b256_throughput', ['digitlab-wasm-simd', 1], ['tfjs-wasm-simd', 1], '>=', 1.0],
  ['R2 training, native 1t vs PyTorch 1t', 'r2', 'train_throughput', ['digitlab-native', 1], ['pytorch-cpu', 1], '>=', 0.75],
  ['R2 training, native 2t vs PyTorch 2t', 'r2', 'train_throughput', ['digitlab-native', 2], ['pytorch-cpu', 2], '>=', 0.75],
];
console.log('### bars\n');
console.log('| measure | DigitLab | peer | ratio | bar | met |');
console.log('|---|---:|---:|---:|---|---|');
for (const [label, arch, m, [p1, t1], [p2, t2], op, bar] of bars) {
  const a = value(p1, arch, m, t1), b = value(p2, arch, m, t2);
  const ratio = a !== undefined && b !== undefined ? a / b : undefined;
  const met = ratio === undefined ? 'not measured' : (op === '>=' ? ratio >= bar : ratio <= bar) ? 'yes' : 'NO';
  console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio === undefined ? '–' : ratio.toFixed(2) + 'x'} | ${op} ${bar}x | ${met} |`);
}
console.log('| R1 from scratch to >= 98% in headless Chromium | – | – | – | <= 60 s | measured by the browser tests, not here |');
console.log(`\nAll JSON lines: ${outFile}`);

// wasm_env.js — prepended (--pre-js) to the WebAssembly test binary engine_tests.js.
//
// 1. Emscripten's getenv() sees only its own small default environment, not Node's: copy Node's
//    process environment in before main() so MNIST_DIR and GTEST_* reach the tests as they do
//    natively.
// 2. The WebAssembly engine has no zlib (in the page the browser decompresses gzip): when MNIST_DIR
//    holds the .gz files, decompress them once with Node's own zlib into a temporary folder and point
//    the tests' MNIST_DIR there. The engine reads raw IDX files under the same names without .gz.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  if (typeof process === 'undefined' || typeof ENV === 'undefined') return;
  for (var key in process.env) ENV[key] = process.env[key];
  var dir = process.env.MNIST_DIR;
  if (!dir) return;
  var fs = require('fs'), path = require('path'), os = require('os'), zlib = require('zlib');
  var names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
  if (!names.every(function (n) { return fs.existsSync(path.join(dir, n + '.gz')); })) return;
  var raw = fs.mkdtempSync(path.join(os.tmpdir(), 'digitlab-mnist-'));
  names.forEach(function (n) {
    fs.writeFileSync(path.join(raw, n), zlib.gunzipSync(fs.readFileSync(path.join(dir, n + '.gz'))));
  });
  process.on('exit', function () { fs.rmSync(raw, { recursive: true, force: true }); });
  ENV['MNIST_DIR'] = raw;
});

// wasm_env.js — prepended (--pre-js) to the WebAssembly test binary engine_tests.js. Emscripten's
// getenv() sees only its own small default environment, not Node's; copy Node's process
// environment in before main() so MNIST_DIR and GTEST_* reach the tests as they do natively.
Module['preRun'] = Module['preRun'] || [];
Module['preRun'].push(function () {
  if (typeof process === 'undefined' || typeof ENV === 'undefined') return;
  for (var key in process.env) ENV[key] = process.env[key];
});

// page.js — runs bench.js (bench/bench.cpp as WebAssembly) in the page: fetches the MNIST files
// (mnist/) and the shipped model into Emscripten's in-memory file system, then runs main with the
// arguments in ?args= (space-separated). Every output line goes to the console and to #out;
// window.benchDone becomes true (or an error message) when main has returned (onExit: in the
// threaded build main runs in a worker, after createBench has resolved).
'use strict';
window.benchDone = false;
(async () => {
  const out = document.getElementById('out');
  const show = (t) => { console.log(t); out.textContent += t + '\n'; };
  try {
    const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const get = async (url) => { const r = await fetch(url); return r.ok ? new Uint8Array(await r.arrayBuffer()) : null; };
    const mnist = await Promise.all(files.map((f) => get('mnist/' + f)));
    const model = await get('digitlab.safetensors');
    const args = (new URLSearchParams(location.search).get('args') || '').split(' ').filter(Boolean);
    if (mnist.every(Boolean)) args.push('--mnist', '/mnist');
    if (model) args.push('--model', '/digitlab.safetensors');
    const script = document.createElement('script');
    script.src = 'bench.js';
    await new Promise((resolve, reject) => { script.onload = resolve; script.onerror = reject; document.head.appendChild(script); });
    /* global createBench */
    await createBench({
      arguments: args,
      print: show,
      printErr: show,
      onExit: (code) => { window.benchDone = code === 0 ? true : 'exit status ' + code; },
      preRun: [(M) => {
        M.FS.mkdir('/mnist');
        files.forEach((f, i) => { if (mnist[i]) M.FS.writeFile('/mnist/' + f, mnist[i]); });
        if (model) M.FS.writeFile('/digitlab.safetensors', model);
      }],
    });
  } catch (e) {
    show('bench page: ' + (e && e.message ? e.message : e));
    window.benchDone = String(e && e.message ? e.message : e);
  }
})();

#!/usr/bin/env bash
# run_test.sh — the README's main command, scripts/run.sh, run as a newcomer runs it, to a served
# page; prints how long it took.
#   1. No MNIST_DIR, an empty per-user cache and no mirror reachable (curl stubbed to fail): one line
#      says the page is served without training, and it is (files.json lists no MNIST).
#   2. The four MNIST files in the per-user cache (linked from MNIST_DIR when it is set): served with
#      them, nothing downloaded.
# Each time the page, both builds, the service worker and the manifest must answer HTTP 200.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
server=""
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/bin" "$tmp/cache"
printf '#!/bin/sh\necho "curl $*" >> "%s/calls"\nexit 6\n' "$tmp" > "$tmp/bin/curl"
chmod +x "$tmp/bin/curl"
fail() { echo "run_test: FAILED: $*" >&2; [ ! -f "$tmp/log" ] || tail -n 30 "$tmp/log" >&2; exit 1; }

# serve_once NAME: runs scripts/run.sh until it serves, checks the page, stops it; sets $url.
serve_once() {
  local start=$SECONDS
  (cd "$root" && env -u MNIST_DIR PATH="$tmp/bin:$PATH" XDG_CACHE_HOME="$tmp/cache" PORT=0 \
     scripts/run.sh > "$tmp/log" 2>&1) &
  server=$!
  url=""
  while [ -z "$url" ]; do
    kill -0 "$server" 2>/dev/null || fail "scripts/run.sh stopped before serving ($1)"
    [ $((SECONDS - start)) -lt 3000 ] || fail "scripts/run.sh did not serve within 50 minutes ($1)"
    sleep 2
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$tmp/log" | head -n1 || true)"
  done
  echo "run_test: $1: scripts/run.sh served $url after $((SECONDS - start)) s"
  grep '^run\.sh: ' "$tmp/log" | sed 's/^/  /'
  for f in index.html loader.js digitlab.js digitlab.wasm digitlab-mt.js digitlab-mt.wasm sw.js \
           manifest.webmanifest files.json digitlab.safetensors; do
    node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$url$f" ||
      fail "$url$f does not answer 200 ($1)"
  done
  node -e "fetch(process.argv[1]).then((r) => r.json()).then((j) => console.log(JSON.stringify(j)))" "${url}files.json" > "$tmp/files.json"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

serve_once "no MNIST anywhere, no mirror reachable"
grep -q "MNIST could not be downloaded" "$tmp/log" || fail "run.sh did not say that MNIST could not be downloaded"
[ -s "$tmp/calls" ] || fail "run.sh did not try to download MNIST"
! grep -q 'mnist/' "$tmp/files.json" || fail "the page lists MNIST files it does not have: $(cat "$tmp/files.json")"

if [ -n "${MNIST_DIR:-}" ]; then
  mkdir -p "$tmp/cache/digitlab/mnist"
  for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    ln -s "$MNIST_DIR/$f" "$tmp/cache/digitlab/mnist/$f"
  done
  rm -f "$tmp/calls"
  serve_once "MNIST in the per-user cache"
  [ ! -s "$tmp/calls" ] || fail "run.sh downloaded MNIST although the cache has it"
  grep -q 'mnist/t10k-images-idx3-ubyte.gz' "$tmp/files.json" || fail "the page does not offer the cached MNIST: $(cat "$tmp/files.json")"
fi
# Leave build/web configured with the caller's MNIST (the temporary cache above is about to go).
(cd "$root" && cmake --preset web "-DDIGITLAB_MNIST_DIR=${MNIST_DIR:-}" >/dev/null)
echo "run_test: passed"

#!/usr/bin/env bash
# DigitLab's main command (the README's): sets up the dependencies, gets MNIST if it is missing,
# builds the web app (CMake preset `web`, only the app: the page, its single-threaded and threaded
# builds, into build/web/dist/) and serves it on http://127.0.0.1 with scripts/serve.mjs.
# Arguments are passed on to scripts/serve.mjs (e.g. --plain).
#
# MNIST (for training in the page and the Layers view's test images), first found wins:
#   1. MNIST_DIR, if set (it must then hold the four .gz files);
#   2. the per-user cache ${XDG_CACHE_HOME:-~/.cache}/digitlab/mnist, filled by a previous run;
#   3. a checksummed download into that cache (scripts/get_mnist.sh). Where no mirror answers,
#      one line says so and the page is served without training, as a build without MNIST is.
# Each step prints how long it took.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step_start=$SECONDS
step_done() { echo "run.sh: $1 ($((SECONDS - step_start)) s)"; step_start=$SECONDS; }

scripts/bootstrap.sh
step_done "dependencies ready"

mnist_files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
has_mnist() { local f; for f in "${mnist_files[@]}"; do [ -f "$1/$f" ] || return 1; done; }
cache="${XDG_CACHE_HOME:-$HOME/.cache}/digitlab/mnist"
if [ -n "${MNIST_DIR:-}" ]; then
  has_mnist "$MNIST_DIR" || { echo "run.sh: MNIST_DIR=$MNIST_DIR lacks the four MNIST .gz files (${mnist_files[*]}); fix it or unset MNIST_DIR" >&2; exit 1; }
  mnist="$(cd "$MNIST_DIR" && pwd)"
elif has_mnist "$cache"; then
  mnist="$cache"
elif scripts/get_mnist.sh --quiet "$cache"; then
  mnist="$cache"
  step_done "MNIST downloaded into $cache"
else
  mnist=""
  echo "run.sh: MNIST could not be downloaded (no mirror answered): serving the page without training;" \
       "copy the four MNIST .gz files into $cache and run scripts/run.sh again to add it"
fi

# The web preset with the MNIST folder (empty: none); only the app's targets, not the tests.
cmake --preset web "-DDIGITLAB_MNIST_DIR=$mnist" >/dev/null
step_done "configured (build/web)"
cmake --build --preset web --target digitlab_web_dist
step_done "built the web app (build/web/dist)"
exec node scripts/serve.mjs "$@"

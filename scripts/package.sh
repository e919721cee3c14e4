#!/usr/bin/env bash
# Writes build/digitlab-web-<version>.zip: DigitLab's page as a plain static site, to put on any web
# server (GitHub Pages, a school's server) or to serve from a laptop in a classroom without internet.
#
#   scripts/package.sh                  the app, the shipped model and the font (~1.3 MB zipped)
#   scripts/package.sh --with-mnist     also the four MNIST files (+55 MB), so the page can train
#                                       and show test images without them being added later
# MNIST for --with-mnist comes from MNIST_DIR or the per-user cache that scripts/run.sh fills.
# The zip holds one folder, digitlab-web-<version>/, with a README.txt on how to serve it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
with_mnist=0
case "${1:-}" in
  --with-mnist) with_mnist=1 ;;
  "") ;;
  *) echo "usage: scripts/package.sh [--with-mnist]" >&2; exit 2 ;;
esac
version="$(sed -n 's/^project(DigitLab VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
name="digitlab-web-$version"

mnist=""
if [ "$with_mnist" = 1 ]; then
  for d in "${MNIST_DIR:-}" "${XDG_CACHE_HOME:-$HOME/.cache}/digitlab/mnist"; do
    [ -n "$d" ] && [ -f "$d/t10k-labels-idx1-ubyte.gz" ] && [ -f "$d/train-images-idx3-ubyte.gz" ] && { mnist="$d"; break; }
  done
  [ -n "$mnist" ] || { echo "package.sh: --with-mnist needs MNIST: set MNIST_DIR, or run scripts/run.sh once (it downloads it)" >&2; exit 1; }
fi

scripts/bootstrap.sh
cmake --preset web >/dev/null
cmake --build --preset web --target digitlab_web_dist

# The built programs, then the page and its files through the same step the build uses, so the
# package's files.json and service-worker version describe exactly what it holds.
stage="build/package/$name"
rm -rf "build/package"
mkdir -p "$stage"
for f in digitlab.js digitlab.wasm digitlab-mt.js digitlab-mt.wasm digitlab-mt.worker.js; do
  cp "build/web/dist/$f" "$stage/$f"
done
cmake "-DDIST=$stage" "-DSHELL_DIR=$root/shell" "-DMODEL=$root/assets/digitlab.safetensors" \
      "-DFONT=$root/assets/DejaVuSans.ttf" "-DMNIST=$mnist" -P web/copy_dist.cmake
cat > "$stage/README.txt" <<TXT
DigitLab $version — draw a digit and watch a neural network read it.

This folder is a static web site: copy it to any web server and open its address
(GitHub Pages, a school server, nginx, Apache: no special settings needed).

Without a server (a laptop in a classroom): browsers do not run WebAssembly from
file://, so serve the folder on the laptop, e.g. with Python:
    cd $name && python3 -m http.server 8080
and open http://localhost:8080/ . Other devices can use http://<laptop address>:8080/
(with one thread each: browsers allow service workers, which give DigitLab all
cores and offline use, only on https:// and on localhost).

After one visit (https or localhost) the page works offline, and "Add to Home
Screen" / "Install" puts it on a tablet like an app. On a host that cannot send the
COOP/COEP headers it needs one reload to train with every core.
$( [ -n "$mnist" ] && echo "This copy includes the MNIST images: the Train view can train." || echo "This copy has no MNIST images: drawing and the Layers view work; training needs a copy made with --with-mnist." )
TXT
(cd build/package && cmake -E tar cf "../$name.zip" --format=zip "$name")
echo "package.sh: wrote build/$name.zip ($(du -k "build/$name.zip" | cut -f1) KiB)$( [ -n "$mnist" ] && echo ", with MNIST")"

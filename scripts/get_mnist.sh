#!/usr/bin/env bash
# Downloads the four canonical MNIST files into a folder (default: ./mnist) and checks their
# sha256, so that MNIST_DIR can point at it. DigitLab never ships MNIST itself.
#   scripts/get_mnist.sh [--quiet] [DIR]        then: export MNIST_DIR=DIR
# A file already present with the right checksum is not downloaded again. Files are written under a
# temporary name and renamed once their checksum matches, so an interrupted run leaves nothing
# half-written. --quiet: no closing line, and only a short message when no mirror answers
# (scripts/run.sh says what that means for the page).
set -euo pipefail
quiet=0
if [ "${1:-}" = --quiet ]; then quiet=1; shift; fi
dir="${1:-mnist}"
mkdir -p "$dir"
# Mirrors tried in order (the original site often refuses automated downloads).
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
  "http://yann.lecun.com/exdb/mnist"
)
declare -A sha=(
  [train-images-idx3-ubyte.gz]=440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609
  [train-labels-idx1-ubyte.gz]=3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c
  [t10k-images-idx3-ubyte.gz]=8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6
  [t10k-labels-idx1-ubyte.gz]=f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6
)
for f in "${!sha[@]}"; do
  if [ -f "$dir/$f" ] && echo "${sha[$f]}  $dir/$f" | sha256sum -c --quiet - 2>/dev/null; then continue; fi
  ok=0
  for m in "${mirrors[@]}"; do
    if curl -fsSL --connect-timeout 10 --max-time 600 --retry 1 "$m/$f" -o "$dir/$f.part" 2>/dev/null && echo "${sha[$f]}  $dir/$f.part" | sha256sum -c --quiet - 2>/dev/null; then
      mv "$dir/$f.part" "$dir/$f"; ok=1; break
    fi
  done
  rm -f "$dir/$f.part"
  if [ "$ok" != 1 ]; then
    [ "$quiet" = 1 ] || echo "get_mnist: could not download $f with the right checksum from any mirror; copy the four MNIST .gz files into '$dir' by hand" >&2
    exit 1
  fi
done
[ "$quiet" = 1 ] || echo "MNIST is in $dir (checksums verified). Use it with: export MNIST_DIR=$(cd "$dir" && pwd)"

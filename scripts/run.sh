#!/usr/bin/env bash
# DigitLab's main command (the README's): sets up the dependencies, builds the web app
# (CMake preset `web`, into build/web/dist/) and serves it on http://127.0.0.1 with
# scripts/serve.mjs. Arguments are passed on to scripts/serve.mjs.
# Until the web app and its server exist, it builds the native preset instead and prints the
# description of the R2 architecture with the digitlab CLI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/bootstrap.sh

if [ -f scripts/serve.mjs ] && [ -f web/CMakeLists.txt ]; then
  cmake --preset web >/dev/null
  cmake --build --preset web
  exec node scripts/serve.mjs "$@"
fi

echo "run.sh: the web app is not in this tree; building the native CLI instead"
cmake --preset native >/dev/null
cmake --build --preset native
exec build/native/bin/digitlab info R2

#!/usr/bin/env bash
# bootstrap_test.sh — scripts/bootstrap.sh as on a fresh clone, where only Debian's apt and the npm
# registry are reachable: it runs against an empty third_party folder with curl, wget, git and pip
# replaced by stubs that fail and record the call. It must succeed, call none of them (every source
# comes from Debian's archive at a pinned version, checked by sha256), and replace an archive whose
# checksum is wrong instead of unpacking it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/third_party/src"
for tool in curl wget git pip pip3; do
  printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\nexit 1\n' "$tool" "$tmp" > "$tmp/bin/$tool"
  chmod +x "$tmp/bin/$tool"
done
# A damaged copy of the SDL2 archive where bootstrap.sh keeps archives: it must not be trusted.
echo "not the SDL2 sources" > "$tmp/third_party/src/libsdl2_2.26.5+dfsg.orig.tar.gz"

fail() { echo "bootstrap_test: FAILED: $*" >&2; exit 1; }
start=$SECONDS
PATH="$tmp/bin:$PATH" DIGITLAB_THIRD_PARTY="$tmp/third_party" DIGITLAB_NO_UPSTREAM=1 \
  "$root/scripts/bootstrap.sh" > "$tmp/log" 2>&1 || { cat "$tmp/log"; fail "bootstrap.sh exited with an error"; }
cat "$tmp/log"
[ ! -s "$tmp/calls" ] || fail "bootstrap.sh reached beyond apt and npm: $(tr '\n' ';' < "$tmp/calls")"
for f in SDL2/include/SDL_config_emscripten.h SDL2/src/video/emscripten/SDL_emscriptenvideo.c \
         imgui/imgui.cpp imgui/backends/imgui_impl_sdl.cpp imgui/backends/imgui_impl_opengl3.cpp; do
  [ -f "$tmp/third_party/$f" ] || fail "third_party/$f is missing after bootstrap.sh"
done
# The archives kept are exactly the pinned ones (the damaged copy was replaced).
sha256sum -c --quiet - <<SUMS || fail "an archive in third_party/src does not have its pinned sha256"
b3f2c822151804125d08db94c65852f711c2e5df2145a59da120748dc32eb9c3  $tmp/third_party/src/libsdl2_2.26.5+dfsg.orig.tar.gz
0dace0e8e57d298eb6e93af12dc19420cb96330832f6495c733b90aeeef11f64  $tmp/third_party/src/imgui_1.86+ds.orig.tar.xz
SUMS
echo "bootstrap_test: passed: SDL2 and ImGui from Debian's pinned source packages, nothing beyond apt and npm ($((SECONDS - start)) s)"

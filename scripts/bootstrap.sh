#!/usr/bin/env bash
# DigitLab bootstrap: installs everything the build needs on Debian 12 and prints one line when
# all is already present. Called by scripts/run.sh and scripts/test.sh; safe to run by hand and
# safe to run twice at once (a lock serialises concurrent runs).
#
#   apt packages   emscripten, binaryen, Eigen, SDL2 (native), stb, nlohmann-json, zlib, GoogleTest
#                  sources, clang-14 (libFuzzer), Chromium, Ninja, CMake
#   third_party/   SDL2 2.26.5, Dear ImGui 1.86 and zlib sources (zlib is compiled into the
#                  WebAssembly build; Emscripten's ports cannot be used), from Debian's source
#                  packages; fallback: the upstream release archives, pinned by sha256
#   node_modules/  playwright-core as pinned in package-lock.json (drives /usr/bin/chromium)
#
# Nothing here downloads a prebuilt toolchain or browser: apt and npm only (curl for the fallback).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
third="$root/third_party"
mkdir -p "$third/src"

# The upstream archives used when Debian's source packages are not reachable. Each pin was checked
# against independent public pins of the same archive (Homebrew, Spack, Yocto for SDL2; xmake-repo
# for the ImGui tag archive; Bazel/Yocto/MacPorts recipes for zlib).
SDL2_VERSION=2.26.5
SDL2_URL="https://github.com/libsdl-org/SDL/releases/download/release-$SDL2_VERSION/SDL2-$SDL2_VERSION.tar.gz"
SDL2_SHA256=ad8fea3da1be64c83c45b1d363a6b4ba8fd60f5bde3b23ec73855709ec5eabf7
IMGUI_VERSION=1.86
IMGUI_URL="https://github.com/ocornut/imgui/archive/refs/tags/v$IMGUI_VERSION.tar.gz"
IMGUI_SHA256=6ba6ae8425a19bc52c5e067702c48b70e4403cd339cba02073a462730a63e825
ZLIB_VERSION=1.2.13
ZLIB_URL="https://github.com/madler/zlib/releases/download/v$ZLIB_VERSION/zlib-$ZLIB_VERSION.tar.gz"
ZLIB_SHA256=b3a24de97a8fdbc835b9833169501030b8977031bcb54b3b3ac13740f846ab30

say() { echo "bootstrap: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

exec 9>"$third/.bootstrap.lock"
flock 9

did_something=0
apt_updated=0
apt_update() {  # refreshes the package lists once per run
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
}

# --- apt packages -----------------------------------------------------------------------------
apt_packages=(emscripten binaryen libeigen3-dev libsdl2-dev libstb-dev nlohmann-json3-dev
              zlib1g-dev googletest clang-14 libclang-rt-14-dev chromium ninja-build cmake
              fonts-dejavu-core xz-utils curl ca-certificates)
# Node.js 20 usually comes with the machine; without any node, take Debian's (and its npm).
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  did_something=1
fi

# --- SDL2, ImGui and zlib sources -------------------------------------------------------------
# Debian's source packages first. apt-get source needs a deb-src entry: derive one from the
# machine's own apt sources (so no mirror is written anywhere), then update the lists once.
src_enabled=0
enable_deb_src() {  # once per run: add the deb-src entry if missing, then refresh the lists
  [ "$src_enabled" = 0 ] || return 0
  src_enabled=1
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    if [ ! -f /etc/apt/sources.list.d/debian-src.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        | as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    fi
  elif [ -f /etc/apt/sources.list ] && ! grep -q '^deb-src ' /etc/apt/sources.list; then
    if [ ! -f /etc/apt/sources.list.d/debian-src.list ]; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
        | as_root tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    fi
  fi
  as_root apt-get update -qq
  apt_updated=1
}
debian_orig() {  # $1 source package, $2 version prefix ("" = any): prints the orig tarball if present
  ls "$third"/src/"$1"_"$2"*.orig.tar.* 2>/dev/null | head -n1
}
fetch_debian_source() {  # $1 source package, $2 version prefix; leaves *.orig.tar.* in $third/src
  [ -n "$(debian_orig "$1" "$2")" ] && return 0
  if ! (cd "$third/src" && apt-get source --download-only "$1" >/dev/null 2>&1); then
    enable_deb_src
    (cd "$third/src" && apt-get source --download-only "$1" >/dev/null 2>&1) || return 1
  fi
  [ -n "$(debian_orig "$1" "$2")" ]
}
fetch_upstream() {  # $1 url, $2 sha256, $3 output file
  [ -f "$3" ] && return 0
  curl -fsSL "$1" -o "$3.part" || { say "cannot download $1"; return 1; }
  if ! echo "$2  $3.part" | sha256sum -c --quiet - >/dev/null 2>&1; then
    say "checksum mismatch for $1 (expected sha256 $2)"; rm -f "$3.part"; return 1
  fi
  mv "$3.part" "$3"
}
unpack() {  # $1 archive, $2 destination directory (the archive's single top folder becomes $2)
  local tmp; tmp="$(mktemp -d "$third/.unpack.XXXXXX")"
  tar -xf "$1" -C "$tmp" --no-same-owner
  rm -rf "$2"
  local entries=("$tmp"/*)
  if [ ${#entries[@]} = 1 ] && [ -d "${entries[0]}" ]; then
    mv "${entries[0]}" "$2"; rmdir "$tmp"
  else
    mv "$tmp" "$2"
  fi
}
get_source() {  # $1 Debian source package, $2 version prefix, $3 destination, $4 url, $5 sha256
  local orig
  if fetch_debian_source "$1" "$2"; then
    orig="$(debian_orig "$1" "$2")"
  else
    say "Debian source package $1 ${2:+$2 }not available, using the upstream archive"
    orig="$third/src/upstream-$(basename "$3")-${4##*/}"
    fetch_upstream "$4" "$5" "$orig"
  fi
  unpack "$orig" "$3"
  say "unpacked $(basename "$orig") into third_party/$(basename "$3")"
  did_something=1
}

# SDL2 and ImGui must be exactly the versions the web app is written against; any zlib will do.
[ -f "$third/SDL2/CMakeLists.txt" ] || get_source libsdl2 "$SDL2_VERSION" "$third/SDL2" "$SDL2_URL" "$SDL2_SHA256"
[ -f "$third/imgui/imgui.cpp" ] || get_source imgui "$IMGUI_VERSION" "$third/imgui" "$IMGUI_URL" "$IMGUI_SHA256"
[ -f "$third/zlib/inflate.c" ] || get_source zlib "" "$third/zlib" "$ZLIB_URL" "$ZLIB_SHA256"

# --- playwright-core for the browser tests ----------------------------------------------------
want="$(cd "$root" && node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(cd "$root" && node -p "try { require('./node_modules/playwright-core/package.json').version } catch (e) { '' }")"
if [ "$want" != "$have" ]; then
  say "installing playwright-core $want (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  did_something=1
fi

if [ "$did_something" = 1 ]; then say "done"; else say "all dependencies present"; fi

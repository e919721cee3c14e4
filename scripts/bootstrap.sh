#!/usr/bin/env bash
# DigitLab bootstrap: installs everything the build needs on Debian 12 and prints one line when
# all is already present. Called by scripts/run.sh and scripts/test.sh; safe to run by hand and
# safe to run twice at once (a lock serialises concurrent runs).
#
#   apt packages   emscripten, binaryen, Eigen, SDL2 (native), stb, nlohmann-json, zlib (native),
#                  GoogleTest sources, clang-14 (libFuzzer), Chromium, Ninja, CMake
#   third_party/   the SDL2 2.26.5 and Dear ImGui 1.86 sources for the web build (Emscripten's
#                  ports download at build time and Debian freezes their cache)
#   node_modules/  playwright-core as pinned in package-lock.json (drives /usr/bin/chromium)
#
# Where each source comes from, tried in this order, every archive checked against its sha256
# before it is unpacked:
#   1. an archive already in third_party/src/ (a previous run, or one copied there by hand);
#   2. Debian's source package at an exact version that bookworm's *main* archive carries
#      (never "whatever is newest": a security-archive version can answer 404 on a mirror);
#   3. the upstream release archive (for machines that are not Debian 12). Set
#      DIGITLAB_NO_UPSTREAM=1 to forbid this step (CI does: only apt and npm are reachable there).
# No other download happens: no prebuilt toolchain, no browser, no zlib (the browser and Node
# decompress gzip themselves; native builds use Debian's zlib1g-dev).
#
# Environment: DIGITLAB_THIRD_PARTY (default <repo>/third_party) puts the sources elsewhere
# (tests/setup/bootstrap_test.sh runs against an empty folder); DIGITLAB_NO_UPSTREAM=1 as above.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
third="${DIGITLAB_THIRD_PARTY:-$root/third_party}"
mkdir -p "$third/src"
third="$(cd "$third" && pwd)"

# Debian source package, exact version, the sha256 of its .orig archive; then the upstream archive.
SDL2_DEBIAN=libsdl2=2.26.5+dfsg-1
SDL2_DEBIAN_ORIG=libsdl2_2.26.5+dfsg.orig.tar.gz
SDL2_DEBIAN_SHA256=b3f2c822151804125d08db94c65852f711c2e5df2145a59da120748dc32eb9c3
SDL2_URL="https://github.com/libsdl-org/SDL/releases/download/release-2.26.5/SDL2-2.26.5.tar.gz"
SDL2_SHA256=ad8fea3da1be64c83c45b1d363a6b4ba8fd60f5bde3b23ec73855709ec5eabf7
IMGUI_DEBIAN=imgui=1.86+ds-1
IMGUI_DEBIAN_ORIG=imgui_1.86+ds.orig.tar.xz
IMGUI_DEBIAN_SHA256=0dace0e8e57d298eb6e93af12dc19420cb96330832f6495c733b90aeeef11f64
IMGUI_URL="https://github.com/ocornut/imgui/archive/refs/tags/v1.86.tar.gz"
IMGUI_SHA256=6ba6ae8425a19bc52c5e067702c48b70e4403cd339cba02073a462730a63e825

say() { echo "bootstrap: $*"; }
die() { echo "bootstrap: $*" >&2; exit 1; }
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
              xz-utils ca-certificates)
# Node.js 20 usually comes with the machine; without any node, take Debian's (and its npm).
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)
command -v npm >/dev/null 2>&1 || apt_packages+=(npm)
# curl only where the upstream step may be needed (machines that are not Debian 12 have no
# pinned source package anyway).
[ "${DIGITLAB_NO_UPSTREAM:-0}" = 1 ] || apt_packages+=(curl)
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

# --- SDL2 and ImGui sources -------------------------------------------------------------------
src_enabled=0
enable_deb_src() {  # once per run: add a deb-src entry derived from the machine's own apt sources
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
sha_ok() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }
from_debian() {  # $1 package=version, $2 orig archive name, $3 sha256: leaves it in $third/src
  local dest="$third/src/$2"
  sha_ok "$dest" "$3" && return 0
  command -v apt-get >/dev/null 2>&1 || return 1
  local tmp; tmp="$(mktemp -d "$third/.apt.XXXXXX")"
  chmod 755 "$tmp"  # apt's _apt user writes there when it can
  if ! (cd "$tmp" && apt-get source --download-only "$1" >/dev/null 2>&1); then
    enable_deb_src
    (cd "$tmp" && apt-get source --download-only "$1" >/dev/null 2>&1) || { rm -rf "$tmp"; return 1; }
  fi
  if ! sha_ok "$tmp/$2" "$3"; then
    say "Debian's $1 does not have the expected $2 (sha256 $3)"
    rm -rf "$tmp"; return 1
  fi
  mv "$tmp/$2" "$dest"; rm -rf "$tmp"
}
from_upstream() {  # $1 url, $2 sha256, $3 output file
  sha_ok "$3" "$2" && return 0
  if [ "${DIGITLAB_NO_UPSTREAM:-0}" = 1 ]; then
    say "not downloading $1 (DIGITLAB_NO_UPSTREAM=1)"; return 1
  fi
  command -v curl >/dev/null 2>&1 || { say "no curl to download $1"; return 1; }
  curl -fsSL --connect-timeout 20 "$1" -o "$3.part" || { say "cannot download $1"; rm -f "$3.part"; return 1; }
  if ! sha_ok "$3.part" "$2"; then
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
# get_source NAME DEBIAN_PKG=VERSION DEBIAN_ORIG DEBIAN_SHA256 URL SHA256
get_source() {
  local name="$1" archive
  if from_debian "$2" "$3" "$4"; then
    archive="$third/src/$3"
  else
    archive="$third/src/upstream-$name-${5##*/}"
    say "Debian's source package $2 is not reachable; trying the upstream archive"
    from_upstream "$5" "$6" "$archive" ||
      die "cannot get the $name sources. On Debian 12: check that 'apt-get source --download-only $2' works" \
          "(it needs bookworm's main archive). Elsewhere: put $(basename "$5") (sha256 $6) into $third/src/$(basename "$archive")."
  fi
  unpack "$archive" "$third/$name"
  say "unpacked $(basename "$archive") into $third/$name"
  did_something=1
}

# Exactly the versions the web app is written against.
[ -f "$third/SDL2/include/SDL_config_emscripten.h" ] ||
  get_source SDL2 "$SDL2_DEBIAN" "$SDL2_DEBIAN_ORIG" "$SDL2_DEBIAN_SHA256" "$SDL2_URL" "$SDL2_SHA256"
[ -f "$third/imgui/imgui.cpp" ] ||
  get_source imgui "$IMGUI_DEBIAN" "$IMGUI_DEBIAN_ORIG" "$IMGUI_DEBIAN_SHA256" "$IMGUI_URL" "$IMGUI_SHA256"

# --- playwright-core for the browser tests ----------------------------------------------------
want="$(cd "$root" && node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(cd "$root" && node -p "try { require('./node_modules/playwright-core/package.json').version } catch (e) { '' }")"
if [ "$want" != "$have" ]; then
  say "installing playwright-core $want (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  did_something=1
fi

if [ "$did_something" = 1 ]; then say "done"; else say "all dependencies present"; fi

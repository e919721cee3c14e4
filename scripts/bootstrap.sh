#!/usr/bin/env bash
# DigitLab bootstrap: installs everything the build needs on Debian 12, and does nothing when all
# is already present. Called by scripts/run.sh and scripts/test.sh; safe to run by hand.
#
#   apt packages   emscripten, binaryen, Eigen, SDL2 (native), stb, nlohmann-json, Chromium, zlib
#   third_party/   SDL2 2.26.5 and Dear ImGui 1.86 sources, from Debian's source packages
#                  (fallback: the upstream release archives, pinned by sha256)
#   node_modules/  playwright-core (drives /usr/bin/chromium in the browser tests)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
third="$root/third_party"
mkdir -p "$third"

SDL2_VERSION=2.26.5
SDL2_SHA256=ad8fea3da1be64c83c45b1d363a6b4ba8fd60f5bde3b23ec73855709ec5eabf7
IMGUI_VERSION=1.86
IMGUI_SHA256=6ba6ae8425a19bc52c5e067702c48b70e4403cd339cba02073a462730a63e825

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- apt packages -----------------------------------------------------------------------------
apt_packages=(emscripten binaryen libeigen3-dev libsdl2-dev libstb-dev nlohmann-json3-dev
              zlib1g-dev googletest chromium clang-14 libclang-rt-14-dev ninja-build cmake
              fonts-dejavu-core xz-utils)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- SDL2 and ImGui sources -------------------------------------------------------------------
# Debian's source packages first (derive a deb-src entry from the machine's own apt sources),
# the pinned upstream archives otherwise.
fetch_debian_source() {  # $1 = source package; leaves *.orig.tar.* in $third/src
  mkdir -p "$third/src"
  if ! ls "$third"/src/"$1"_*.orig.tar.* >/dev/null 2>&1; then
    if [ ! -f /etc/apt/sources.list.d/debian-src.sources ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        | sudo_if_needed tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
      sudo_if_needed apt-get update -qq
    elif [ -f /etc/apt/sources.list ] && ! grep -q '^deb-src ' /etc/apt/sources.list; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
        | sudo_if_needed tee /etc/apt/sources.list.d/debian-src.list >/dev/null
      sudo_if_needed apt-get update -qq
    fi
    (cd "$third/src" && apt-get source --download-only "$1" >/dev/null 2>&1) || return 1
  fi
  ls "$third"/src/"$1"_*.orig.tar.* >/dev/null 2>&1
}
fetch_upstream() {  # $1 url, $2 sha256, $3 output file
  curl -fsSL "$1" -o "$3.part" && echo "$2  $3.part" | sha256sum -c --quiet - && mv "$3.part" "$3"
}
unpack() {  # $1 archive, $2 destination directory
  local tmp; tmp="$(mktemp -d)"
  tar -xf "$1" -C "$tmp"
  rm -rf "$2"; mv "$tmp"/* "$2"; rm -rf "$tmp"
}

if [ ! -f "$third/SDL2/CMakeLists.txt" ]; then
  if fetch_debian_source libsdl2; then
    unpack "$(ls "$third"/src/libsdl2_${SDL2_VERSION}*.orig.tar.* | head -n1)" "$third/SDL2"
  else
    echo "bootstrap: Debian source for libsdl2 not available, using the upstream archive"
    fetch_upstream "https://github.com/libsdl-org/SDL/releases/download/release-$SDL2_VERSION/SDL2-$SDL2_VERSION.tar.gz" \
      "$SDL2_SHA256" "$third/src/SDL2-$SDL2_VERSION.tar.gz"
    unpack "$third/src/SDL2-$SDL2_VERSION.tar.gz" "$third/SDL2"
  fi
fi
if [ ! -f "$third/imgui/imgui.cpp" ]; then
  if fetch_debian_source imgui; then
    unpack "$(ls "$third"/src/imgui_${IMGUI_VERSION}*.orig.tar.* | head -n1)" "$third/imgui"
  else
    echo "bootstrap: Debian source for imgui not available, using the upstream archive"
    fetch_upstream "https://github.com/ocornut/imgui/archive/refs/tags/v$IMGUI_VERSION.tar.gz" \
      "$IMGUI_SHA256" "$third/src/imgui-$IMGUI_VERSION.tar.gz"
    unpack "$third/src/imgui-$IMGUI_VERSION.tar.gz" "$third/imgui"
  fi
fi

# --- playwright-core for the browser tests ----------------------------------------------------
if [ ! -d "$root/node_modules/playwright-core" ]; then
  (cd "$root" && npm ci --no-audit --no-fund --silent)
fi
echo "bootstrap: all dependencies present"

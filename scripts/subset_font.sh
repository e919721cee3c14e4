#!/usr/bin/env bash
# Makes assets/DejaVuSans.ttf, the UI font, from Debian's DejaVu Sans: only the characters the UI
# draws (the ranges web/core/fonts.cpp asks ImGui for: Latin-1, en and em dashes, the ellipsis, arrows),
# without hinting (stb_truetype, ImGui's rasteriser, ignores it) and without layout tables (ImGui
# 1.86 does not kern). 742 KiB -> 17 KiB; the page's first load shrinks by ~370 KiB (gzip).
# Run it when web/core/fonts.cpp's ranges change. Needs Debian's fonts-dejavu-core and fonttools.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$src" ] && command -v pyftsubset >/dev/null ||
  { echo "subset_font: needs $src and pyftsubset (apt-get install fonts-dejavu-core fonttools)" >&2; exit 1; }
pyftsubset "$src" --unicodes="U+0020-00FF,U+2013-2014,U+2026,U+2190-2193" \
  --no-hinting --layout-features='' --drop-tables+=FFTM --output-file="$root/assets/DejaVuSans.ttf"
cp /usr/share/doc/fonts-dejavu-core/copyright "$root/assets/DejaVuSans-LICENSE.txt"
ls -l "$root/assets/DejaVuSans.ttf"

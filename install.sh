#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine to built sample briefs:
#   system libraries (Pango for WeasyPrint, libharfbuzz-subset0 for fast font subsetting,
#   poppler-utils/qpdf/tesseract (Arabic) for the tests, Chromium for the preview test,
#   LibreOffice Writer to make the .docx files the import tests read, Node.js and npm for pdf.js
#   in the text-layer tests), a virtual environment in .venv with briefing and its test tools,
#   pdf.js (npm ci in tests/readers), then `briefing build` of content/ into dist/.
# Pass --no-build to skip the sample build (CI does, the tests build what they need).
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  python3 python3-venv python3-pip
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  poppler-utils qpdf tesseract-ocr tesseract-ocr-ara
  chromium
  libreoffice-writer-nogui
)
# pdf.js runs under node. Where Node.js is already installed (not necessarily Debian's
# package), keep it: Debian's npm would fight another nodejs package.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
# pdf.js (pdfjs-dist) at the version in the lockfile, for tests/test_readers.py.
(cd tests/readers && npm ci --no-audit --no-fund --loglevel=error)

if [ "${1:-}" != "--no-build" ]; then
  .venv/bin/briefing build
fi

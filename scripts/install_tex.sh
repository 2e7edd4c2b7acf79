#!/usr/bin/env bash
# Install the minimal TeX set the reports need, via apt-get, when latexmk/pdflatex are missing.
#   texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern latexmk
#   (about 60 MB download, 200 MB installed; --no-install-recommends).
# Does nothing when latexmk and pdflatex are already on PATH. Needs root (or sudo) and apt-get;
# otherwise prints what to install and exits with status 1 (reports are then .tex only).
set -euo pipefail
PKGS=(texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern latexmk)
if command -v latexmk >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1; then
  exit 0
fi
SUDO=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "[install_tex] latexmk not found and not root: install the TeX set yourself:" >&2
    echo "  sudo apt-get install --no-install-recommends ${PKGS[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[install_tex] latexmk not found and apt-get unavailable: install a TeX distribution with latexmk," >&2
  echo "  pdflatex, amsmath, booktabs, longtable, listings, lmodern (e.g. TeX Live), then rebuild." >&2
  exit 1
fi
echo "[install_tex] installing a minimal TeX set with apt-get (a few minutes): ${PKGS[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
if command -v latexmk >/dev/null 2>&1 && command -v pdflatex >/dev/null 2>&1; then
  echo "[install_tex] done: $(latexmk -v 2>/dev/null | head -n 2 | tail -n 1)" >&2
else
  echo "[install_tex] apt-get finished but latexmk/pdflatex are still missing" >&2
  exit 1
fi

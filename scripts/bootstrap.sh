#!/usr/bin/env bash
# Create .venv (installing Debian's python3-venv if needed) and install the workbench with its
# dev extra (tests, notebooks, linters, Dask), or with the extra the caller names in BOOTSTRAP_EXTRAS
# before sourcing (scripts/main.sh: "dask", the report executors without the test tools: about 15 s
# less on a fresh machine). Sourced by scripts/main.sh and scripts/test.sh. Set WORKBENCH_NO_VENV=1
# to install into the current interpreter instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

apt_install() {
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "[bootstrap] apt-get install $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "[bootstrap] please install: $* (needs root and apt-get)" >&2
    return 1
  fi
}

if [ "${WORKBENCH_NO_VENV:-0}" = "1" ]; then
  PY="$(command -v python3)"
else
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv >/dev/null 2>&1; then
      rm -rf .venv
      pyver="$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      apt_install "python${pyver}-venv" python3-venv python3-pip || true
      python3 -m venv .venv
    fi
  fi
  PY="$ROOT/.venv/bin/python"
fi
extras="${BOOTSTRAP_EXTRAS:-dev}"
hash="$(sha256sum pyproject.toml | cut -c1-16)"
stamp=".venv/.installed-$hash-$extras"
installed=0
# the dev extra includes every other one
for s in "$stamp" ".venv/.installed-$hash-dev"; do
  if [ -f "$s" ]; then installed=1; fi
done
if [ "${WORKBENCH_NO_VENV:-0}" = "1" ] || [ "$installed" = "0" ]; then
  echo "[bootstrap] installing the workbench and its dependencies ($extras; first run takes a few minutes)" >&2
  "$PY" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  "$PY" -m pip install -q -e ".[$extras]"
  [ "${WORKBENCH_NO_VENV:-0}" = "1" ] || touch "$stamp"
fi
export PATH="$(dirname "$PY"):$PATH"
export WORKBENCH_PY="$PY"

#!/usr/bin/env bash
# The main job: install everything (Python packages and, when missing, a minimal TeX set via
# apt-get) and build all reports into reports/. Extra arguments go to `workbench report`
# (e.g. --quick, --force, or report names).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOOTSTRAP_EXTRAS=dask  # the report executors (local processes, Dask); scripts/test.sh adds the test tools
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
if [ -f scripts/install_tex.sh ]; then bash scripts/install_tex.sh || echo "[main] TeX not installed: reports will be .tex only" >&2; fi
if "$WORKBENCH_PY" -m workbench report --help >/dev/null 2>&1; then
  exec "$WORKBENCH_PY" -m workbench report "$@"
fi
# before the report pipeline existed: a default simulation with a summary and a plot
mkdir -p reports/out
"$WORKBENCH_PY" -m workbench simulate chaos --N 1000 --T 200 --trials 4 --progress \
  --out reports/out/chaos.npz --plot reports/out/chaos.png

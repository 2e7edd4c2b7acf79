#!/usr/bin/env bash
# Install everything (Python packages; TeX for the PDF tests) and run the test suite.
#   bash scripts/test.sh               # default: fast tests (heavy statistical tests deselected)
#   WORKBENCH_SLOW=1 bash scripts/test.sh   # everything, including tests marked slow
#   WORKBENCH_TEST_WORKERS=0 bash scripts/test.sh   # one process (default: one worker per CPU)
# Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
if [ -f scripts/install_tex.sh ]; then bash scripts/install_tex.sh || echo "[test] TeX not installed: PDF tests will be skipped" >&2; fi
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
marker=()
if [ "${WORKBENCH_SLOW:-0}" = "1" ]; then marker=(-m "slow or not slow"); fi
# Test files run side by side, one worker process per CPU (pytest-xdist; each file stays in one worker, so its
# module fixtures are built once). WORKBENCH_TEST_WORKERS=N sets the count, 0 runs in one process.
workers=()
nworkers="${WORKBENCH_TEST_WORKERS:-auto}"
if [ "$nworkers" != "0" ] && "$WORKBENCH_PY" -c "import xdist" >/dev/null 2>&1; then
  workers=(-n "$nworkers" --dist loadfile)
fi
set +e
"$WORKBENCH_PY" -m pytest "${marker[@]}" "${workers[@]}" "$@"
rc=$?
set -e
if [ "$rc" = "5" ]; then echo "[test] pytest collected no tests" >&2; fi
exit "$rc"

"""The generated numba module of the Dyson solver: same numbers as the numpy backend, machine code reused across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from workbench.spec import ModelSpec, preset
from workbench.theories.spectrum import SpectrumProblem
from workbench.theories.spectrum.kernels import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

DRIVERS = ("support_F", "edge_root", "boundary_y", "dyson_newton", "density_points")
"""The entry points the solver calls (their callees are compiled into them)."""


def _three_pop() -> ModelSpec:
    """Two excitatory and one inhibitory population with distinct timescales and a full-rank g (Perron root by bisection)."""
    beta = {"kind": "beta", "a": 2, "b": 2}
    return ModelSpec.from_dict({
        "N": 1200, "phi": "tanh",
        "populations": [
            {"name": "E1", "fraction": 0.5, "tau": {**beta, "low": 1, "high": 2}},
            {"name": "E2", "fraction": 0.3, "tau": {"kind": "uniform", "low": 2, "high": 4}},
            {"name": "I", "fraction": 0.2, "tau": {**beta, "low": 0.5, "high": 1.5}},
        ],
        "coupling": {"J0": [[1.0, 0.5, -2.0], [0.8, 0.6, -2.5], [1.2, 0.4, -1.5]],
                     "g": [[0.6, 0.9, 1.2], [0.5, 0.8, 1.5], [0.7, 0.4, 1.0]]},
    })  # fmt: skip


def _pair(spec: ModelSpec) -> tuple:
    """The numpy and the numba Dyson solvers of ``spec``."""
    from workbench.theories.spectrum.dyson import DysonSolver

    problem = SpectrumProblem(spec)
    return DysonSolver(problem, backend="numpy"), DysonSolver(problem, backend="numba")


def _assert_same(ref, fast) -> None:  # noqa: ANN001
    """Edges, support function, boundary, density on a small grid and outliers agree between the backends."""
    np.testing.assert_allclose(fast.edges(), ref.edges(), rtol=1e-12)
    x_L, x_R = ref.edges()
    x, y = np.meshgrid(np.linspace(x_L, x_R, 7)[1:-1], np.linspace(-0.3, 0.3, 4))
    np.testing.assert_allclose(fast.F(x, y), ref.F(x, y), rtol=1e-12)
    rho_ref = ref.density(x, y)
    assert (rho_ref > 0).sum() >= 10  # the grid probes the bulk, not only zeros outside it
    np.testing.assert_allclose(fast.density(x, y), rho_ref, rtol=1e-9, atol=1e-12)
    (xa, ya), (xb, yb) = fast.boundary(60), ref.boundary(60)
    np.testing.assert_allclose(xa, xb, rtol=1e-12)
    assert np.abs(ya - yb).max() < 1e-6 * yb.max()  # Y(x) ~ sqrt near the real-axis ends: ill-conditioned there
    np.testing.assert_allclose(fast.outliers(), ref.outliers(), rtol=1e-9, atol=1e-12)


def test_numba_matches_numpy_two_populations():
    """ei-jacobian (E/I, notes §5 R4): the closed-form 2 x 2 Perron root of the numba drivers."""
    ref, fast = _pair(preset("ei-jacobian"))
    assert fast.P == 2 and ref.outliers()
    _assert_same(ref, fast)


def test_numba_matches_numpy_three_populations():
    """Three populations: the bisection Perron root of the numba drivers vs numpy ``eigvals``."""
    ref, fast = _pair(_three_pop())
    assert fast.P == 3 and fast.variance_cols.size == 3
    _assert_same(ref, fast)


def test_perron_bisection_matches_eigvals():
    """The driver's Perron root (P > 2: M-matrix pivot bisection) equals the largest |eigenvalue|, reducible S too."""
    from workbench.theories.spectrum.dyson import perron_root

    module = _pair(_three_pop())[1]._module("edge")
    rng = np.random.default_rng(3)
    mats = [rng.uniform(0, 2, (P, P)) for P in (3, 4, 5) for _ in range(5)]
    mats.append(np.triu(rng.uniform(0, 2, (4, 4))))  # reducible: the root is the largest diagonal entry
    for S in mats:
        assert module._perron(S) == pytest.approx(float(perron_root(S)), rel=1e-13)


_CHILD = """
import json
from workbench.spec import preset
from workbench.theories.spectrum import SpectrumProblem
from workbench.theories.spectrum.dyson import DysonSolver
s = DysonSolver(SpectrumProblem(preset("ei-jacobian")), backend="numba")
s.edges(); s.density([-0.15], [0.05])
m = s._module("density")
print(json.dumps({n: [len(getattr(m, n).stats.cache_hits), len(getattr(m, n).stats.cache_misses)] for n in %r}))
"""


def test_second_process_loads_machine_code_without_compiling():
    """A fresh process with the same cache directory finds every driver in numba's cache (hits, no misses)."""
    from workbench.codegen.cache import numba_cache_files

    fast = _pair(preset("ei-jacobian"))[1]
    fast.edges(), fast.density(np.array([-0.15]), np.array([0.05]))  # this process compiled (or loaded) them
    path = fast._module("density").__file__
    assert len(numba_cache_files(Path(path))) >= 2 * len(DRIVERS)
    out = subprocess.run([sys.executable, "-c", _CHILD % (DRIVERS,)], capture_output=True, text=True, timeout=120,
                         check=True)  # fmt: skip
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    assert all(hits >= 1 and misses == 0 for hits, misses in stats.values()), stats


def _corrupt(files: list) -> None:  # noqa: ANN001
    """Truncate numba's data files and garble its index files."""
    for p in files:
        p.write_bytes(b"\x80garbage" if p.suffix == ".nbi" else b"")


@pytest.mark.slow
def test_corrupted_numba_cache_warns_once_and_recomputes(tmp_path):
    """Garbage numba cache files of the spectrum module: one RuntimeWarning, recompiled, the right numbers (subprocess)."""
    from workbench.codegen.cache import numba_cache_files

    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("WORKBENCH_NO_CACHE", None)
    child = (
        "import json, warnings\n"
        "from workbench.spec import preset\n"
        "from workbench.theories.spectrum import SpectrumProblem\n"
        "from workbench.theories.spectrum.dyson import DysonSolver\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    s = DysonSolver(SpectrumProblem(preset('ei-jacobian')), backend='numba')\n"
        "    res = [*s.edges(), float(s.density([-0.15], [0.05])[0])]\n"
        "print(json.dumps({'res': res, 'file': s._module('density').__file__,\n"
        "                  'warn': [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)]}))\n"
    )

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=300, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    assert first["warn"] == []
    files = numba_cache_files(Path(first["file"]))
    assert files
    _corrupt(files)
    second = run()
    assert len(second["warn"]) == 1 and "unreadable numba cache" in second["warn"][0], second["warn"]
    np.testing.assert_allclose(second["res"], first["res"], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run()["warn"] == []  # the recompiled cache is clean again

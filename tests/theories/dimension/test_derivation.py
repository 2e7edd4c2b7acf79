"""The linear-network derivation: shape, and the closed forms of the notes (dmft.md 6.1-6.2) reproduced symbolically."""

from __future__ import annotations

import sympy as sp

import derivations.dimension as d
from workbench.symbolic.derivation import StagedDerivation


def test_shape_and_latex() -> None:
    der = d.derive()
    assert isinstance(der, StagedDerivation) and tuple(der.stages) == der.STAGES
    assert der.latex().count(r"\begin{align*}") == len(der.steps) >= 5


def test_zero_frequency_and_equal_time_closed_forms() -> None:
    k, g, s2 = d.derive().kernels, d.G, d.SIGMA2
    assert sp.simplify(k["zf_mean_autocov"] - s2 / (1 - g**2)) == 0
    assert sp.simplify(k["zf_N_var_cross"] - s2**2 * g**2 * (2 - g**2) / (1 - g**2) ** 4) == 0
    assert sp.simplify(k["zf_PR_over_N"] - (1 - g**2) ** 2) == 0
    w = d.W1
    notes = s2**2 * ((1 + w**2) ** 2 / (1 + w**2 - g**2) ** 4 - 1 / (1 + w**2 - g**2) ** 2)
    assert sp.simplify(k["freq_N_var_cross"].subs(d.TAU_N, 0) - notes) == 0
    et = k["et_mean_autocov"].subs({d.TAU_N: 0, d.SIGMA_I2: 0})
    assert sp.simplify(et - s2 / (2 * sp.sqrt(1 - g**2))) == 0


def test_trace_formula_matches_the_notes() -> None:
    """T(a, b) of dmft.md 6.2 at a few points (a = 1 + i w1, b = 1 + i w2)."""
    T = d.derive().kernels["trace4"]
    for gv, w1, w2 in ((0.5, 0.3, -1.2), (0.9, 2.0, 0.1)):
        a, b = 1 + 1j * w1, 1 + 1j * w2
        ref = 1 / ((abs(a) ** 2 - gv**2) * (abs(b) ** 2 - gv**2) * (1 - gv**2 / (a.conjugate() * b))
                   * (1 - gv**2 / (a * b.conjugate())))
        assert abs(float(T.subs({d.G: gv, d.W1: w1, d.W2: w2})) - ref.real) < 1e-12 and abs(ref.imag) < 1e-12


def test_cache_hit() -> None:
    d.derive_cached()
    assert d.derive_cached()[1].status in ("hit", "off")


def test_pair_algebra_is_disk_cached(tmp_path, monkeypatch) -> None:
    """The two-site pair algebra is stored on disk: a second call is a verified hit with the same kernels."""
    from derivations import dimension_cavity as dc

    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_NO_CACHE", raising=False)
    first, info1 = dc._pair_algebra_cached.cached_call("pair-algebra")
    second, info2 = dc._pair_algebra_cached.cached_call("pair-algebra")
    assert (info1.status, info2.status) == ("miss", "hit")
    assert second[2]["zero_frequency_PR"] == first[2]["zero_frequency_PR"]

"""Derived DMFT equations == published forms (symbolic and at random mpmath points).

Published forms: shared/theory/dmft.md §2.1 (SCS energy equation, static, boundary), §3.1
(white noise: + sigma^4/8 and Delta'(0+) = -sigma^2/2), §4 (quenched-input pair), §5 (J0 mean),
§7 (coloured noise), §9 (two populations, Kadmon-Sompolinsky), §2.3 (Lyapunov map).
"""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from derivations.dmft import STAGES, derive, derive_cached
from workbench.spec import NAMED, ModelSpec, Noise, X
from workbench.symbolic import build_action, derive_stationary
from workbench.symbolic.action import NetworkAction
from workbench.symbolic.fields import u
from workbench.symbolic.gaussian import GaussAvg, GaussKernel, closed_form, lam, mp_gauss_avg
from workbench.symbolic.stationary import D_VAR, E0, LAMBDA

RNG = np.random.default_rng(7)
Y = sp.Dummy("y", real=True)


def _sym(spec: ModelSpec) -> dict[str, sp.Symbol]:
    return spec.symbols()


def _fields(der):
    (P,) = der.stationary.fields.values()
    return P


def _primitive(expr: sp.Expr) -> sp.Expr:
    # the same primitive construction as the derivation (int_0^x phi), so node bodies match
    return sp.integrate(expr.subs(X, Y), (Y, 0, X))


def _published_chaotic(spec: ModelSpec, phi_prim: sp.Expr, P, noise: bool) -> sp.Expr:
    """1/2 Delta0^2 = g^2 (<Phi^2> - <Phi>^2) + sigma^4/(8 tau^2)   (dmft.md §2.1, §3.1)."""
    s = _sym(spec)
    F = lam(phi_prim)
    pub = -(P.Delta0**2) / 2 + s["g"] ** 2 * (GaussAvg(lam(phi_prim**2), 0, P.Delta0) - GaussAvg(F, 0, P.Delta0) ** 2)
    if noise:
        pub += s["sigma2"] ** 2 / (8 * s["tau"] ** 2)
    return pub


def _at_mu0(expr: sp.Expr, spec: ModelSpec, P) -> sp.Expr:
    s = _sym(spec)
    return expr.subs({P.mu: 0, s["sigma_I2"]: 0})


def _mp_value(expr: sp.Expr, vals: dict, Phi_num) -> mpmath.mpf:
    """Evaluate an expression with <Phi^2>, <Phi> nodes using an independent Phi (log cosh)."""

    def avg(a: GaussAvg) -> sp.Expr:
        b = a.f(X)
        D0 = float(a.Delta0.subs(vals))
        # decide which moment of Phi the node is, by value at a test point
        if abs(float(b.subs(X, 0.7)) - float(Phi_num(0.7))) < 1e-12:
            f = lam(Phi_num(X))
        elif abs(float(b.subs(X, 0.7)) - float(Phi_num(0.7)) ** 2) < 1e-12:
            f = lam(Phi_num(X) ** 2)
        else:
            f = a.f
        return sp.Float(mp_gauss_avg(f, 0, D0, 30), 30)

    e = expr.subs(vals).replace(lambda a: isinstance(a, GaussAvg), avg)
    return mpmath.mpf(str(sp.N(e, 30)))


@pytest.mark.parametrize("noise", [False, True])
def test_tanh_chaotic_equation_matches_published(noise: bool) -> None:
    spec = ModelSpec.simple(g=2.0, sigma2=0.5 if noise else 0.0)
    der = derive(spec)
    P = _fields(der)
    derived = _at_mu0(der.equations["chaotic"].lhs, spec, P)
    published = _published_chaotic(spec, _primitive(NAMED["tanh"]), P, noise)
    assert sp.simplify(derived - published) == 0
    # independent numeric check at random points, Phi = ln cosh written by hand
    s = _sym(spec)
    pub_logcosh = _published_chaotic(spec, sp.log(sp.cosh(X)), P, noise)
    for _ in range(3):
        vals = {P.Delta0: RNG.uniform(0.3, 3), s["g"]: RNG.uniform(0.5, 3), s["tau"]: RNG.uniform(0.5, 2)}
        if noise:
            vals[s["sigma2"]] = RNG.uniform(0.1, 1)
        a = _mp_value(derived, vals, lambda z: sp.log(sp.cosh(z)))
        b = _mp_value(pub_logcosh, vals, lambda z: sp.log(sp.cosh(z)))
        assert abs(a - b) < mpmath.mpf("1e-20")


def test_dropping_the_noise_term_changes_the_energy_equation() -> None:
    spec = ModelSpec.simple(g=2.0, sigma2=0.5)
    full = derive_stationary(spec)
    dropped = derive_stationary(build_action(spec).without("noise"))
    s = _sym(spec)
    diff = sp.simplify(full.equations["chaotic"].lhs - dropped.equations["chaotic"].lhs)
    assert diff == s["sigma2"] ** 2 / (8 * s["tau"] ** 2)
    (k_full,), (k_drop,) = full.kink.values(), dropped.kink.values()
    assert sp.simplify(k_full + s["sigma2"] / (2 * s["tau"] ** 2)) == 0
    assert k_drop == 0


def test_white_noise_kink_and_ode() -> None:
    spec = ModelSpec.simple(g=2.0, sigma2=0.5)
    st = derive(spec).stationary
    s = _sym(spec)
    (P,) = st.fields.values()
    (ode,) = st.ode.values()
    f = lam(sp.tanh(X))
    lhs = P.Delta(u) - s["tau"] ** 2 * sp.Derivative(P.Delta(u), (u, 2))
    rhs = s["g"] ** 2 * GaussKernel(f, f, P.Delta(u), P.Delta0, P.mu) + s["sigma2"] * sp.DiracDelta(u) + s["sigma_I2"]
    assert sp.simplify(ode.lhs - lhs) == 0 and sp.simplify(ode.rhs - rhs) == 0
    assert (
        sp.simplify(
            st.potential.diff(D_VAR) - (-D_VAR + s["g"] ** 2 * GaussKernel(f, f, D_VAR, P.Delta0, P.mu) + s["sigma_I2"])
        )
        == 0
    )


def test_static_boundary_mean_and_lyapunov_map() -> None:
    spec = ModelSpec.simple(g=2.0)
    der = derive(spec)
    P = _fields(der)
    s = _sym(spec)
    eq = der.equations
    phi = sp.tanh(X)
    static = -P.Delta0 + s["g"] ** 2 * GaussAvg(lam(phi**2), P.mu, P.Delta0) + s["sigma_I2"]
    assert sp.simplify(eq["static"].lhs - static) == 0
    dphi = lam(sp.simplify(sp.diff(phi, X)))
    bnd = s["g"] ** 2 * GaussAvg(dphi, P.mu, P.Delta0) ** 2 - 1
    assert sp.simplify(eq["boundary"].lhs - bnd) == 0
    assert sp.simplify(eq["mean"].rhs - (s["I0"] + s["J0"] * GaussAvg(lam(phi), P.mu, P.Delta0))) == 0
    lyap = der.stationary.lyapunov
    assert lyap.lhs == LAMBDA and sp.simplify(lyap.rhs - (-1 + sp.sqrt(1 - E0)) / s["tau"]) == 0
    W = der.stationary.schrodinger_potential
    assert sp.simplify(W - (1 - s["g"] ** 2 * GaussKernel(dphi, dphi, D_VAR, P.Delta0, P.mu))) == 0


def test_quenched_input_pair_matches_published() -> None:
    """dmft.md §4: Delta_inf = g^2 C_phi(Delta_inf) + sigma_I^2 and the Delta0^2 balance."""
    spec = ModelSpec.simple(g=2.0, input_std=0.5)
    der = derive(spec)
    P = _fields(der)
    s = _sym(spec)
    Phi = _primitive(NAMED["tanh"])
    F, f = lam(Phi), lam(sp.tanh(X))
    mu, D0, Di, g2, sI = P.mu, P.Delta0, P.Delta_inf, s["g"] ** 2, s["sigma_I2"]
    rest = -Di + g2 * GaussKernel(f, f, Di, D0, mu) + sI
    assert sp.simplify(der.equations["rest"].lhs - rest) == 0
    bal = (
        -(D0**2) + Di**2 + 2 * (g2 * (GaussAvg(lam(Phi**2), mu, D0) - GaussKernel(F, F, Di, D0, mu)) + sI * (D0 - Di))
    ) / 2
    assert sp.simplify(der.equations["energy_balance"].lhs - bal) == 0


@pytest.mark.parametrize("noise", [False, True])
def test_erf_closed_form_chaotic_equation(noise: bool) -> None:
    """erf(sqrt(pi)x/2): the derived energy equation in closed form vs the arcsine integral."""
    spec = ModelSpec.simple(phi="erf", g=2.0, sigma2=0.5 if noise else 0.0)
    st = derive(spec).stationary
    (P,) = st.fields.values()
    s = _sym(spec)
    V = st.potential
    kink = next(iter(st.kink.values()))
    e = st.mass * kink**2 / 2 + V.subs(D_VAR, P.Delta0) - V.subs(D_VAR, 0)
    derived = sp.simplify(closed_form(e.subs({P.mu: 0, s["sigma_I2"]: 0})))
    assert not derived.has(GaussAvg, GaussKernel)
    D0, g = P.Delta0, s["g"]
    k = sp.pi / (2 + sp.pi * D0)
    published = -(D0**2) / 2 + g**2 * 2 / sp.pi * (D0 * sp.asin(k * D0) + (sp.sqrt(1 - k**2 * D0**2) - 1) / k)
    if noise:
        published += s["sigma2"] ** 2 / (8 * s["tau"] ** 2)
    for _ in range(4):
        vals = {D0: RNG.uniform(0.1, 4), g: RNG.uniform(0.5, 3), s["tau"]: RNG.uniform(0.5, 2), s["sigma2"]: 0.3}
        vals = {k: sp.Float(v, 30) for k, v in vals.items()}
        with mpmath.workdps(30):
            a = mpmath.mpf(str(sp.N(derived.subs(vals), 30)))
            b = mpmath.mpf(str(sp.N(published.subs(vals), 30)))
        assert abs(a - b) < mpmath.mpf("1e-25")


def test_ou_noise_kernel_has_no_energy_integral() -> None:
    spec = ModelSpec.simple(g=1.5, sigma2=0.5, noise="ou", noise_tau=2.0)
    st = derive(spec).stationary
    s = _sym(spec)
    (ode,) = st.ode.values()
    assert ode.rhs.has(sp.exp(-sp.Abs(u) / s["tau_n"]))
    assert st.potential is None and st.regular_lag_dependence


def test_two_population_kadmon_sompolinsky_form() -> None:
    spec = ModelSpec.from_dict(
        {
            "populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2}],
            "coupling": {"g": [[1.0, 2.0], [1.0, 2.0]], "J0": [[1.0, -2.0], [1.0, -2.0]]},
        }
    )
    st = derive(spec).stationary
    s = spec.symbols()
    FE, FI = st.fields["E"], st.fields["I"]
    f = lam(sp.tanh(X))
    rhs = (
        FE.alpha * s["g_EE"] ** 2 * GaussKernel(f, f, FE.Delta(u), FE.Delta0, FE.mu)
        + FI.alpha * s["g_EI"] ** 2 * GaussKernel(f, f, FI.Delta(u), FI.Delta0, FI.mu)
        + s["sigma_I2_E"]
    )
    assert sp.simplify(st.ode["E"].rhs - rhs) == 0
    mean = (
        s["I0_E"]
        + FE.alpha * s["J0_EE"] * GaussAvg(f, FE.mu, FE.Delta0)
        + FI.alpha * s["J0_EI"] * GaussAvg(f, FI.mu, FI.Delta0)
    )
    assert sp.simplify(st.mean["E"].rhs - mean) == 0
    assert st.potential is None


def test_derivation_object_and_latex() -> None:
    der = derive(ModelSpec.simple(g=2.0, sigma2=0.5))
    tex = der.latex()
    assert r"\mathcal{C}" in tex and r"\tilde{x}" in tex and "align*" in tex
    assert {str(p) for p in der.parameters} >= {"g", "sigma^2", "tau"}
    assert der.provenance["derivation"] == "derivations.dmft"
    assert [s[0] for s in der.steps][:2] == ["MSRDJ action", "Average over couplings and quenched inputs"]


def test_noise_kind_is_structural() -> None:
    """Values of g and sigma2 do not enter the derived equations; the noise kind does.

    Runs the pipeline on each spec's own action (no disk cache: the cached ``derive`` keys on the
    skeleton, so comparing two cached results would compare one entry with itself).
    """
    from derivations.dmft import derive_from_action
    from workbench.symbolic.action import build_action

    def eqs(spec: ModelSpec) -> dict:
        return derive_from_action(build_action(spec)).equations

    a = eqs(ModelSpec.simple(g=2.0).replace(noise=Noise("white", 1.0)))
    b = eqs(ModelSpec.simple(g=3.0).replace(noise=Noise("white", 0.2)))
    c = eqs(ModelSpec.simple(g=2.0))
    assert a == b
    assert a != c and a["chaotic"] != c["chaotic"]


@pytest.mark.parametrize(
    "spec",
    [
        ModelSpec.simple(g=2.0, sigma2=0.5),
        ModelSpec.from_dict({"populations": [{"name": "E", "fraction": 0.8}, {"name": "I", "fraction": 0.2}]}),
    ],
    ids=["white", "E/I"],
)
def test_stages_are_kept_and_cached(spec: ModelSpec, tmp_path, monkeypatch) -> None:
    """The stage objects travel with the derivation through a cold and a warm disk cache."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unpicklable stage would only warn
        cold, i1 = derive_cached(spec)
        warm, i2 = derive_cached(spec)
    assert i1.status == "miss" and i2.status == "hit" and i1.key == i2.key
    assert tuple(cold.stages) == STAGES == tuple(warm.stages)
    assert isinstance(warm.action, NetworkAction) and warm.averaged.averaged and not warm.averaged.random
    assert set(warm.processes) == {p.name for p in spec.populations}
    assert warm.action.terms == build_action(spec).terms
    assert warm.saddle.solution == cold.saddle.solution
    assert [p.equation for p in warm.processes.values()] == [p.equation for p in cold.processes.values()]
    assert warm.stationary.ode == cold.stationary.ode and warm.latex() == cold.latex()


def test_derive_keeps_the_disk_cached_derivation_in_the_process(fresh_cache, monkeypatch: pytest.MonkeyPatch) -> None:
    """``derive`` serves a derivation the disk cache has served from memory (same object, also for a spec that
    differs only in parameter values); ``derive_cached`` still reads the disk and says ``hit``; another cache folder
    is another entry (``cache_to_disk(memory=...)``)."""
    spec = ModelSpec.simple(g=1.5, phi="tanh", sigma2=0.3)
    first = derive(spec)
    assert derive(spec) is first and derive(spec.replace(N=77)) is first
    again, info = derive_cached(spec)
    assert info.status == "hit" and again is not first and again.equations.keys() == first.equations.keys()
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(fresh_cache.parent / "other-cache"))
    assert derive(spec) is not first

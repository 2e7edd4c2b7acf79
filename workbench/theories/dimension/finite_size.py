"""Leading 1/N corrections of linear-network covariance statistics, and their measurement over N (issue 14, item 3).

:func:`finite_size_coefficients` evaluates the derivation ``derivations/dimension_finite_size.py``: for each
statistic the large-N value and the coefficient ``c`` of ``E[stat] = value + c/N + O(1/N^2)``, zero frequency in
closed form, equal time by Gauss-Legendre quadrature of the derived kernels on ``w = tan t``.
:func:`measure_finite_size` draws ``networks`` linear networks per size, computes each one's exact covariance
(:func:`workbench.theories.dimension.checks.linear_network_measure`), fits ``a + c/N`` per statistic
(:func:`workbench.compare.finite_size_fit`, weighted by the SEs over networks) and
:func:`finite_size_comparisons` tests intercept and coefficient against the theory (Student-t, Welch dof).
:func:`exact_job` / :func:`size_exact_jobs` are the same measurements as stored runs (for ``ctx.prefetch``),
:func:`shared_exact_job` those of one draw at several g (one eigendecomposition per network),
:func:`studies_from_rows` fits their rows and :func:`exact_comparisons` tests one size against ``value + coef/N``.

A coupling mean ``J0/N`` adds the population mode's own 1/N terms (``J0=``; equal time and zero frequency):
:func:`derivations.dimension_finite_size.population_kernels` writes ``(1 - J)^-1`` by Sherman-Morrison as bulk
resolvents and the rank-one letter ``E = 1 1^T / N``, whose words are products of planar traces (1/sqrt N is a Haar
vector to the bulk). Exact covariances (g = 0.5, J0 = 0.5, zero frequency; N = 100/200/400 with 4000/2000/800 networks)
give the coefficients N (mean - value) = 6.90/6.60/6.50 +- 0.09 (mean autocovariance; derived 6.52, without the
population terms 1.19), 41.7/37.6/36.8 +- 0.6 (N var_cross; 36.2, 6.3), -6.38/-6.63/-6.98 +- 0.09 (PR/N; -7.13,
-0.94): the O(1/N^2) terms fade towards the derived values. The unit spread's (``N_var_diag``) coefficient changes too
and is not derived (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from workbench.compare import Comparison, finite_size_fit
from workbench.errors import SpecError
from workbench.sim.checks import t_stat

__all__ = ["FINITE_SIZE_KEYS", "FiniteSizeCoefficients", "coefficient_fits", "exact_comparisons", "exact_job",
           "exact_samples", "finite_size_coefficients", "finite_size_comparisons", "measure_finite_size",
           "shared_exact_job", "shared_exact_samples", "size_exact_jobs", "studies_from_rows"]

FINITE_SIZE_KEYS = ("PR_over_N", "mean_autocov", "N_var_cross", "N_var_diag", "mean_cross")
"""Statistics with a derived 1/N coefficient (``N_var_diag`` is ``N var_i C_ii``, O(1))."""
SIGMA_POWER = {"PR_over_N": 0, "mean_autocov": 1, "N_var_cross": 2, "N_var_diag": 2, "mean_cross": 1}
"""Each statistic scales as ``sigma2**power``."""
NOT_DERIVED_VAR_DIAG = ("not derived with a coupling mean: the population mode changes the 1/N term of the unit "
                        "spread N var_i C_ii (exact linear networks, g = 0.6, J0 = -1, equal time: about -0.1 +- 0.1 "
                        "against 0.52 without J0)")
"""Why ``N_var_diag``'s 1/N coefficient is null with J0."""
NODES = 160
"""Gauss-Legendre nodes per angle of the equal-time quadrature."""


@dataclass(frozen=True)
class FiniteSizeCoefficients:
    """Large-N values and 1/N coefficients: ``E[stat](N) = value[k] + coef[k]/N + O(1/N^2)``."""

    g: float
    sigma2: float
    covariance: str
    value: dict[str, float]
    coef: dict[str, float]
    J0: float = 0.0
    window: float | None = None
    """The finite-window estimator's window W (zero frequency; None: w = 0 itself)."""

    def at(self, key: str, N: float) -> float:
        """The statistic to O(1/N) at size N."""
        return self.value[key] + self.coef[key] / N

    def summary(self) -> dict[str, Any]:
        """Plain data (for ``--json``), keyed like the nonlinear one: ``{stat}_{x|phi}: {value, coef}`` (x and
        phi(x) = x agree), ``N_var_diag`` ``{x, phi}`` (the O(1) unit spread) and its own ``N_var_diag_{x|phi}``
        ``{value, coef}``, and ``info``."""
        out: dict[str, Any] = {}
        for k in ("mean_autocov", "N_var_cross", "PR_over_N", "N_var_diag"):
            coef = self.coef[k] if math.isfinite(self.coef[k]) else None
            for w in ("x", "phi"):
                out[f"{k}_{w}"] = {"value": self.value[k], "coef": coef}
        out["N_mean_cross"] = {"x": self.coef["mean_cross"], "phi": self.coef["mean_cross"]}
        out["N_var_diag"] = {"x": self.value["N_var_diag"], "phi": self.value["N_var_diag"]}
        out["info"] = {"method": "linear network: derived trace words (exact to O(1/N))",
                       "covariance": self.covariance, "g": self.g, "sigma2": self.sigma2, "J0": self.J0}
        if self.window is not None:
            out["info"]["window"] = self.window
        if not math.isfinite(self.coef["N_var_diag"]):
            out["info"]["N_var_diag_coef_reason"] = NOT_DERIVED_VAR_DIAG
        return out

    def text_lines(self) -> list[str]:
        """The CLI's text lines: every statistic as ``value + coef/N``."""
        def term(k: str) -> str:
            c = self.coef[k]
            return f"{k} = {self.value[k]:.6g} + {c:.4g}/N" if math.isfinite(c) else \
                f"{k} = {self.value[k]:.6g} (1/N term not derived with J0)"
        mean = f", N mean_cross = {self.coef['mean_cross']:.4g}" if self.J0 else ""
        kind = self.covariance + (f", window {self.window:g}" if self.window is not None else "")
        return [f"  1/N (linear network, derived, {kind}): " + ", ".join(
            term(k) for k in ("mean_autocov", "N_var_cross", "PR_over_N", "N_var_diag")) + mean]


def linear_finite_size(spec: Any, covariance: str, window: float | None = None) -> FiniteSizeCoefficients:
    """The derived 1/N coefficients of a linear spec (``workbench dimension --phi linear --finite-size``): white or OU
    noise ``sigma2 > 0``, i.i.d. couplings; the spec's quenched static input leaves them unchanged
    (:func:`~workbench.theories.dimension.problem.linear_params`); a constant timescale tau scales the equal-time
    covariance by ``1/tau`` and the noise timescale to ``tau_n / tau`` (the zero-frequency covariance depends on
    neither). ``window``: the finite-window zero-frequency estimator's (``--window W``), in ``nu = w tau`` the
    unit-timescale network's with window ``W / tau`` and noise timescale ``tau_n / tau`` (the Fejer weight
    ``F_W(nu / tau) = tau F_{W/tau}(nu)`` absorbs the ``1/tau`` of the measure)."""
    from workbench.theories.dimension.problem import linear_params

    p = linear_params(spec)
    if p["eta"] != 0.0:
        raise SpecError("eta", f"the 1/N coefficients are derived for i.i.d. couplings (eta = 0), got {p['eta']}")
    J0 = float(spec.J0[0][0])  # a coupling mean adds the population mode's own 1/N terms
    if covariance == "equal-time":  # tau dx = ...: in nu = w tau the unit-timescale network with tau_n / tau
        return finite_size_coefficients(p["g"], p["sigma2"] / p["tau"], covariance,
                                        tau_noise=p["tau_noise"] / p["tau"], input_var=p["input_var"], J0=J0)
    if window is not None:
        from dataclasses import replace

        fc = finite_size_coefficients(p["g"], p["sigma2"], covariance, tau_noise=p["tau_noise"] / p["tau"],
                                      input_var=p["input_var"], J0=J0, window=window / p["tau"])
        return replace(fc, window=float(window))
    return finite_size_coefficients(p["g"], p["sigma2"], covariance, input_var=p["input_var"], J0=J0)


@cache
def _compiled() -> dict[str, Any]:
    """The derivation's zero-frequency forms and equal-time kernels as NumPy functions (complex-safe)."""
    import sympy as sp

    import derivations.dimension_finite_size as d

    der = d.derive()
    zf = {k: sp.lambdify(d.G, v, "numpy") for k, v in der.zero_frequency.items()}
    args = (d.G, d.Z_A, d.Z_AB, d.Z_B, d.Z_BB)
    et = {k: sp.lambdify(args, v, "numpy") for k, v in der.equal_time_kernels.items()}
    return {"zf": zf, "et": et}


@cache
def _population_compiled() -> dict[str, Any]:
    """The coupling mean's kernels (:func:`derivations.dimension_finite_size.population_kernels`) and the terms they
    add to the coefficients (``population_statistics``) as NumPy functions of ``(g, J0, a, abar, b, bbar)`` and of
    the moments."""
    import sympy as sp

    import derivations.dimension_finite_size as d

    J0 = sp.Symbol("J_0", real=True)
    kern = d.population_kernels(J0)
    args = (d.G, J0, d.Z_A, d.Z_AB, d.Z_B, d.Z_BB)
    names = ("a0", "m2_0", "alpha", "kappa", "c")
    syms = {n: sp.Symbol(n) for n in names}
    st = d.population_statistics(syms)
    return {"kernels": {k: sp.lambdify(args, v, "numpy") for k, v in kern.items()},
            "statistics": {k: sp.lambdify([syms[n] for n in names], v, "numpy") for k, v in st.items()}}


def _population_moments(g: float, J0: float, covariance: str, nodes: int, tau_noise: float = 0.0,
                        static: float = 0.0, window: float | None = None) -> dict[str, float]:
    """``alpha``, ``kappa`` and ``c`` of a coupling mean J0 (sigma2 = 1): at w = 0, or integrated like
    :func:`_spectral_moments` (noise spectrum, static input at ``a = 1``; the finite-window weight)."""
    k = _population_compiled()["kernels"]
    one = np.ones(1, dtype=complex)

    def at(name: str, a: Any, ab: Any, b: Any = one, bb: Any = one) -> np.ndarray:
        return np.asarray(k[name](g, J0, a, ab, b, bb), dtype=complex) * np.ones(np.broadcast(a, b).shape)

    if covariance == "zero-frequency" and window is None:
        return {"alpha": float(np.real(at("alpha", one, one)[0])), "kappa": float(np.real(at("kappa", one, one)[0])),
                "c": float(np.real(at("mean_cross", one, one)[0]))}
    w, jac = _quadrature(g, nodes, tau_noise, window)
    a, ab = 1 + 1j * w, 1 - 1j * w
    out = {n: float(np.real(np.sum(jac * at(key, a, ab)) + static * at(key, one, one)[0]))
           for n, key in (("alpha", "alpha"), ("c", "mean_cross"))}
    A, B = a[:, None], a[None, :]
    noise = np.sum(jac[:, None] * jac[None, :] * at("kappa", A, np.conj(A), B, np.conj(B)))
    cross = np.sum(jac * at("kappa", a, ab, one, one))
    out["kappa"] = float(np.real(noise + 2 * static * cross + static**2 * at("kappa", one, one)[0]))
    return out


def _with_population(value: dict[str, float], coef: dict[str, float], pm: dict[str, float]) -> dict[str, float]:
    """The 1/N coefficients with the coupling mean's terms (``N_var_diag``'s are not derived: NaN)."""
    st = _population_compiled()["statistics"]
    args = (value["mean_autocov"], value["N_var_cross"] + value["mean_autocov"] ** 2, pm["alpha"], pm["kappa"],
            pm["c"])
    out = dict(coef)
    for key in ("mean_autocov", "N_var_cross", "PR_over_N", "mean_cross"):
        out[key] = coef[key] + float(st[f"{key}_1"](*args))
    out["N_var_diag"] = math.nan
    return out


def _quadrature(g: float, nodes: int, tau_noise: float = 0.0, window: float | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``w`` and weights of ``int dw/2pi S(w) f(w)`` with the noise spectrum ``S = 1/(1 + tau_noise^2 w^2)``
    (1: white noise): equal time by Gauss-Legendre on ``w = tan t`` (``nodes``); with a ``window`` W, what the
    finite-window zero-frequency estimator measures, the Richardson pair's Fejer weight ``2 F_2W - F_W``
    (:func:`~workbench.theories.dimension.nonlinear.window_quadrature` at the linear network's width
    ``(1 - g^2)/2``)."""
    if window is None:
        x, wt = np.polynomial.legendre.leggauss(nodes)
        t = 0.5 * math.pi * x
        w, jac = np.tan(t), 0.5 * math.pi * wt / np.cos(t) ** 2 / (2 * math.pi)
    else:
        from workbench.theories.dimension.nonlinear import window_quadrature

        w, jac, _ = window_quadrature(0.5 * (1.0 - g * g), window)
    return w, jac / (1.0 + (tau_noise * w) ** 2)


def _spectral_moments(g: float, nodes: int, tau_noise: float = 0.0, static: float = 0.0,
                      window: float | None = None) -> dict[str, float]:
    """``a0, a1`` (``int dw/2pi``) and ``m2_0, m2_1`` (``int int dw1 dw2/4pi^2``) of the equal-time kernels, each
    frequency weighted by the noise spectrum ``1/(1 + tau_noise^2 w^2)`` (1: white noise; the spectrum is one scalar
    for every unit, so it multiplies the words of every order in 1/N alike) and, with a ``window``, by the
    finite-window estimator's Fejer weight (also one scalar per frequency): :func:`_quadrature`. ``static``: a static
    input of variance ``static`` (in units of sigma2) adds ``static (1 - J)^-1 (1 - J)^-T``, the kernels at ``a = 1``
    (w = 0): once in ``a``, and in ``m2`` the noise-static words (twice: the trace is symmetric) and the
    static-static word."""
    w, jac = _quadrature(g, nodes, tau_noise, window)
    k = _compiled()["et"]
    a, ab = 1 + 1j * w, 1 - 1j * w
    one = np.ones(1, dtype=complex)
    out = {}
    for n in ("a0", "a1"):
        out[n] = float(np.real(np.sum(jac * k[n](g, a, ab, a, ab)) + static * np.sum(k[n](g, one, one, one, one))))
    A, B = a[:, None], a[None, :]
    W2 = jac[:, None] * jac[None, :]
    for n in ("m2_0", "m2_1"):
        noise = np.sum(W2 * k[n](g, A, np.conj(A), B, np.conj(B)))
        cross = np.sum(jac * k[n](g, a, ab, one, one))
        out[n] = float(np.real(noise + 2 * static * cross + static**2 * np.sum(k[n](g, one, one, one, one))))
    return out


def _statistics(m: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Values and 1/N coefficients from the moments (the expansion of ``derivations.dimension_finite_size``)."""
    import sympy as sp

    import derivations.dimension_finite_size as d

    syms = {n: sp.Symbol(n) for n in m}
    st = d.statistics(syms)
    vals = {k: float(v.subs({syms[n]: m[n] for n in syms})) for k, v in st.items()}
    return ({k: vals[f"{k}_0"] for k in FINITE_SIZE_KEYS}, {k: vals[f"{k}_1"] for k in FINITE_SIZE_KEYS})


def _frequency_moments(g: float, omega: float) -> dict[str, float]:
    """The moments of the cross-spectrum ``C(w) = R_a R_a^+`` at ``a = 1 + i omega`` (kernels at ``b = a``), and
    ``r = (1/N) tr (Re C)^2 = (m2 + (1/N) tr C conj(C))/2`` (the m2 kernels at ``b = abar``)."""
    k = _compiled()["et"]
    a = complex(1.0, omega)
    ac = a.conjugate()
    out = {n: float(np.real(k[n](g, a, ac, a, ac))) for n in ("a0", "a1", "m2_0", "m2_1")}
    out.update({f"r{i}": 0.5 * (out[f"m2_{i}"] + float(np.real(k[f"m2_{i}"](g, a, ac, ac, a)))) for i in (0, 1)})
    return out


def finite_size_coefficients(g: float, sigma2: float = 1.0, covariance: str = "equal-time",
                             nodes: int = NODES, omega: float = 0.0, tau_noise: float = 0.0,
                             input_var: float = 0.0, J0: float = 0.0, window: float | None = None
                             ) -> FiniteSizeCoefficients:
    """Large-N values and 1/N coefficients of the :data:`FINITE_SIZE_KEYS` of a linear network's covariance.

    ``dx/dt = -x + J x + xi``, ``J_ij ~ N(0, g^2/N)`` i.i.d. with the diagonal, white noise ``sigma2`` or, with
    ``tau_noise > 0``, OU noise ``<xi xi> = sigma2 exp(-|t|/tau_noise) / (2 tau_noise)`` (spectrum
    ``sigma2 / (1 + tau_noise^2 w^2)``); ``covariance`` is ``"equal-time"`` (Lyapunov), ``"zero-frequency"``
    (``sigma2 (1-J)^-1 (1-J)^-T``, the same for OU noise) or ``"frequency"`` (the cross-spectrum
    ``S(omega) R_a R_a^+`` at ``a = 1 + i omega``). ``input_var``: a static input of that variance adds
    ``input_var (1-J)^-1 (1-J)^-T`` to the equal-time covariance (refused for the others: its lag integral diverges).
    ``J0``: a coupling mean ``J0/N`` (``J0 < 1``) adds the population mode's own 1/N terms
    (:func:`derivations.dimension_finite_size.population_kernels`; equal time and zero frequency; its ``N_var_diag``
    coefficient is not derived, NaN) and ``mean_cross = N_mean_cross / N``. ``window``: with ``"zero-frequency"``,
    what the finite-window estimator measures on average (``W Cov(W-means)``, Richardson pair ``W, 2W``, as
    ``workbench dimension --window``): the equal-time kernels weighted by the Fejer weight ``2 F_2W - F_W``, which
    like the noise spectrum is one scalar per frequency for every unit; it tends to the zero-frequency values as W
    grows (the Richardson pair leaves ``e^{-a W} / W`` per mode of decay rate a).
    """
    from workbench.theories.dimension.result import check_window

    check_window(window, covariance)
    if not math.isfinite(J0) or J0 >= 1.0:
        raise SpecError("J0", f"the linear network's population mode needs J0 < 1 (finite), got {J0}")
    if J0 != 0.0 and covariance not in ("equal-time", "zero-frequency"):
        raise SpecError("covariance", f"the 1/N terms of a coupling mean are derived for 'equal-time' and "
                        f"'zero-frequency', got {covariance!r}")
    if not (tau_noise >= 0.0) or not math.isfinite(tau_noise):
        raise SpecError("tau_noise", f"must be >= 0 and finite, got {tau_noise}")
    if not (input_var >= 0.0) or not math.isfinite(input_var):
        raise SpecError("input_var", f"must be >= 0 and finite, got {input_var}")
    if input_var > 0.0 and covariance != "equal-time":
        raise SpecError("input-var", f"a static input has no finite {covariance} covariance; use equal-time")
    if not (0.0 <= g < 1.0) or not math.isfinite(g):
        raise SpecError("g", f"the linear network needs 0 <= g < 1, got {g}")
    if not (sigma2 > 0.0) or not math.isfinite(sigma2):
        raise SpecError("sigma2", f"must be a positive finite noise intensity, got {sigma2}")
    if covariance == "zero-frequency" and window is not None:
        value, coef = _statistics(_spectral_moments(g, nodes, tau_noise, 0.0, window))
    elif covariance == "zero-frequency":
        zf = _compiled()["zf"]
        value = {k: float(zf[f"{k}_0"](g)) for k in FINITE_SIZE_KEYS}
        coef = {k: float(zf[f"{k}_1"](g)) for k in FINITE_SIZE_KEYS}
    elif covariance == "equal-time":
        value, coef = _statistics(_spectral_moments(g, nodes, tau_noise, input_var / sigma2))
    elif covariance == "frequency" and math.isfinite(omega):
        value, coef = _statistics(_frequency_moments(g, omega))
        sigma2 = sigma2 / (1.0 + (tau_noise * omega) ** 2)
    else:
        raise SpecError("covariance", f"must be 'equal-time', 'zero-frequency' or 'frequency' (finite omega), got "
                        f"{covariance!r} (omega={omega})")
    if J0 != 0.0:
        coef = _with_population(value, coef, _population_moments(
            g, J0, covariance, nodes, tau_noise, input_var / sigma2 if covariance == "equal-time" else 0.0, window))
    scale = {k: sigma2 ** SIGMA_POWER[k] for k in FINITE_SIZE_KEYS}
    return FiniteSizeCoefficients(g, sigma2, covariance, {k: v * scale[k] for k, v in value.items()},
                                  {k: v * scale[k] for k, v in coef.items()}, float(J0), window)


def _row(stats: dict[str, float], N: int) -> list[float]:
    """The :data:`FINITE_SIZE_KEYS` of one network's :func:`~workbench.sim.estimators.dimension_stats`."""
    return [N * stats["var_diag"] if k == "N_var_diag" else stats[k] for k in FINITE_SIZE_KEYS]


def _exact_rows(g: float, N: int, networks: int, sigma2: float, covariance: str, seed: int,
                window: float | None = None) -> np.ndarray:
    """Rows of :data:`FINITE_SIZE_KEYS` of ``networks`` drawn linear networks' exact covariances (seeds
    ``seed + i``; ``window``: the finite-window zero-frequency estimator's expectation), BLAS pinned to one
    thread."""
    from threadpoolctl import threadpool_limits

    from workbench.theories.dimension.checks import linear_network_measure

    measure = linear_network_measure(g, sigma2, covariance, window)
    with threadpool_limits(limits=1):
        return np.array([_row(measure(int(N), seed + i), int(N)) for i in range(int(networks))])


def exact_samples(params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute of :func:`exact_job`: ``{"rows": (networks, len(FINITE_SIZE_KEYS))}``."""
    p = params
    return {"rows": _exact_rows(p["g"], p["N"], p["networks"], p["sigma2"], p["covariance"], p["seed"])}


def exact_job(g: float, N: int, networks: int, sigma2: float = 1.0, covariance: str = "equal-time",
              seed: int = 0) -> Any:
    """The stored run of the exact covariance statistics of ``networks`` linear networks of size N (seeds
    ``seed + i``; a :class:`~workbench.store.RunJob` for ``ctx.prefetch``)."""
    from workbench.store import RunJob

    if covariance not in ("equal-time", "zero-frequency") or int(networks) < 2:
        raise SpecError("covariance", f"need 'equal-time' or 'zero-frequency' and >= 2 networks, got "
                        f"{covariance!r}, {networks}")
    params = {"g": float(g), "N": int(N), "networks": int(networks), "sigma2": float(sigma2),
              "covariance": covariance, "seed": int(seed)}
    return RunJob("dimension.exact-linear", params, exact_samples,
                  ("workbench.sim", "workbench.theories.dimension", exact_samples),
                  f"dimension exact {covariance} g={g:g} N={N} x {networks}")


def _shared_rows(gs: Sequence[float], N: int, networks: int, sigma2: float, seed: int) -> np.ndarray:
    """Rows (len(gs), networks, len(FINITE_SIZE_KEYS)) of the exact equal-time covariances of network ``seed + i`` at
    each g: the draw at ``gs[0]`` (the couplings of :func:`_exact_rows` there) and its eigendecomposition, scaled to
    the other g (couplings ``g / gs[0]`` times it: the draw at g up to rounding)."""
    from threadpoolctl import threadpool_limits

    from workbench.sim import build_network
    from workbench.sim.estimators import dimension_stats
    from workbench.spec import ModelSpec
    from workbench.theories.dimension.exact import ModalBasis, equal_time_covariance

    rows = np.empty((len(gs), int(networks), len(FINITE_SIZE_KEYS)))
    with threadpool_limits(limits=1):
        for i in range(int(networks)):
            J = build_network(ModelSpec.simple(N=int(N), g=gs[0], phi="linear", sigma2=sigma2), seed + i).J
            basis = ModalBasis(J)
            for k, g in enumerate(gs):
                C = equal_time_covariance(basis if k == 0 else basis.scaled(g / gs[0]), sigma2)
                rows[k, i] = _row(dimension_stats(C), int(N))
    return rows


def shared_exact_samples(params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Stored-run compute of :func:`shared_exact_job`: ``{"rows": (len(gs), networks, len(FINITE_SIZE_KEYS))}``."""
    p = params
    return {"rows": _shared_rows([float(g) for g in p["gs"]], p["N"], p["networks"], p["sigma2"], p["seed"])}


def shared_exact_job(gs: Sequence[float], N: int, networks: int, sigma2: float = 1.0, seed: int = 0) -> Any:
    """The stored run of the exact equal-time statistics of ``networks`` linear networks of size N (seeds ``seed + i``)
    at each coupling strength of ``gs``, one eigendecomposition per network (the equal-time covariance of every g
    follows from it, :meth:`~workbench.theories.dimension.exact.ModalBasis.scaled`; N = 1000: 1.8 s for the basis,
    0.5 s per covariance)."""
    from workbench.store import RunJob

    gs = [float(g) for g in gs]
    if not gs or int(networks) < 2 or not all(0 < g < 1 for g in gs):
        raise SpecError("gs", f"need coupling strengths in (0, 1) and >= 2 networks, got {gs}, {networks}")
    params = {"gs": gs, "N": int(N), "networks": int(networks), "sigma2": float(sigma2), "seed": int(seed)}
    return RunJob("dimension.exact-linear-shared", params, shared_exact_samples,
                  ("workbench.sim", "workbench.theories.dimension", shared_exact_samples),
                  f"dimension exact equal-time g={','.join(f'{g:g}' for g in gs)} N={N} x {networks}")


def size_exact_jobs(g: float, Ns: Sequence[int], networks: Sequence[int], sigma2: float = 1.0,
                    covariance: str = "zero-frequency", seed: int = 0) -> list[Any]:
    """:func:`exact_job` per size (seeds ``seed + 1000 N + i``, as :func:`measure_finite_size`)."""
    return [exact_job(g, int(N), int(n), sigma2, covariance, seed + 1000 * int(N))
            for N, n in zip(Ns, networks, strict=True)]


def studies_from_rows(Ns: Sequence[int], rows: Sequence[np.ndarray]) -> dict[str, Any]:
    """Per key of :data:`FINITE_SIZE_KEYS`: the per-size mean and SE over networks and the weighted fit ``a + c/N``
    (:class:`workbench.theories.dimension.checks.FiniteSizeStudy`)."""
    from workbench.theories.dimension.checks import FiniteSizeStudy

    counts = [len(r) for r in rows]
    out = {}
    for j, key in enumerate(FINITE_SIZE_KEYS):
        means = [float(r[:, j].mean()) for r in rows]
        ses = [float(r[:, j].std(ddof=1) / math.sqrt(len(r))) for r in rows]
        fit = finite_size_fit(Ns, means, ses, samples=counts)
        out[key] = FiniteSizeStudy(key, tuple(int(n) for n in Ns), tuple(means), tuple(ses), min(counts), fit)
    return out


def measure_finite_size(g: float, Ns: Sequence[int], networks: Sequence[int] | int, sigma2: float = 1.0,
                        covariance: str = "zero-frequency", seed: int = 0, window: float | None = None
                        ) -> dict[str, Any]:
    """Exact statistics of ``networks`` sampled linear networks per size N (seeds ``seed + 1000 N + i``), BLAS
    pinned to one thread: per key the per-size mean and SE over networks and the fit ``a + c/N`` (``window``: at
    zero frequency, what the finite-window estimator measures on average).

    Returns ``{key: FiniteSizeStudy}`` (:class:`workbench.theories.dimension.checks.FiniteSizeStudy`).
    """
    counts = [int(networks)] * len(Ns) if np.isscalar(networks) else [int(n) for n in networks]
    if len(counts) != len(Ns) or len(Ns) < 2 or min(counts) < 2:
        raise SpecError("networks", f"need >= 2 sizes and >= 2 networks per size, got Ns={list(Ns)}, {counts}")
    rows = [_exact_rows(g, int(N), n, sigma2, covariance, seed + 1000 * int(N), window)
            for N, n in zip(Ns, counts, strict=True)]
    return studies_from_rows(Ns, rows)


def exact_comparisons(rows: np.ndarray, theory: FiniteSizeCoefficients, N: int,
                      keys: Sequence[str] = ("PR_over_N", "mean_autocov", "N_var_cross"), label: str = "",
                      **context: Any) -> list[Comparison]:
    """Mean over networks of each key's exact statistic at size N against the derived ``value + coef/N``
    (Student-t over ``networks - 1`` dof at the false-alarm rate of 4 Gaussian SE)."""
    rows = np.asarray(rows)
    n = len(rows)
    out = []
    for key in keys:
        v = rows[:, FINITE_SIZE_KEYS.index(key)]
        pred = theory.at(key, N)
        out.append(t_stat(f"{label}{key}", pred, float(v.mean()), float(v.std(ddof=1) / math.sqrt(n)), n - 1,
                          kind="simulation", note=f"prediction = large N {theory.value[key]:.6g} + derived "
                          f"{theory.coef[key]:.4g}/N", N=int(N), networks=n, g=theory.g, sigma2=theory.sigma2,
                          covariance=theory.covariance, **context))
    return out


def coefficient_fits(study: Any, theory: FiniteSizeCoefficients, counts: Sequence[int]) -> tuple[Any, Any]:
    """The two fits that test a study's statistic against the theory (:func:`workbench.compare.series_fit`, weights
    1/SE^2 over networks, Welch dof from ``counts``): the intercept from ``a + c/N + d/N^2`` (free) and the 1/N
    coefficient from ``N (y - value) = c + d/N`` with the derived large-N value subtracted. The 1/N^2 term d is
    fitted, not derived (at g = 0.6, zero frequency, it moves N (y - a) of PR/N by about 20 % at N = 125). With two
    sizes the fits drop their last term (``a + c/N``; ``c`` alone)."""
    from workbench.compare import series_fit

    N = np.asarray(study.Ns, dtype=float)
    terms = min(3, len(N))
    mean, se = np.asarray(study.mean), np.asarray(study.se)
    intercept = series_fit(N, mean, se, tuple(range(terms)), counts)
    coef = series_fit(N, N * (mean - theory.value[study.key]), N * se, tuple(range(terms - 1)), counts)
    return intercept, coef


def finite_size_comparisons(studies: dict[str, Any], theory: FiniteSizeCoefficients, counts: Sequence[int],
                            keys: Sequence[str] = ("PR_over_N", "mean_autocov", "N_var_cross"),
                            label: str = "") -> list[Comparison]:
    """Per key, the fitted intercept and 1/N coefficient (:func:`coefficient_fits`) against the theory (Student-t,
    Welch dof) and, with a residual dof, the coefficient fit's chi^2 (:func:`workbench.compare.fit_quality`: the
    derived intercept with ``c + d/N`` must describe the per-size means)."""
    from workbench.compare import fit_quality

    out = []
    for key in keys:
        fa, fc = coefficient_fits(studies[key], theory, counts)
        ctx = {"Ns": list(fa.Ns), "networks": list(counts), "g": theory.g, "sigma2": theory.sigma2,
               "covariance": theory.covariance}
        a_name = " + ".join(("a", "c/N", "d/N^2")[:len(fa.powers)])
        c_name = " + ".join(("c", "d/N")[:len(fc.powers)])
        out.append(t_stat(f"{label}{key} at N -> inf (fit {a_name})", theory.value[key], fa.params[0],
                          fa.se_params[0], fa.dof[0], kind="simulation", fit_chi2=fa.chi2, **ctx))
        out.append(t_stat(f"{label}{key} 1/N coefficient c (fit N (y - a) = {c_name}, derived a)", theory.coef[key],
                          fc.params[0], fc.se_params[0], fc.dof[0], kind="simulation", fit_chi2=fc.chi2, **ctx))
        if fc.resid_dof >= 1:
            out.append(fit_quality(f"{label}{key}: chi^2 - dof of N (y - a) = {c_name}", fc, **ctx))
    return out

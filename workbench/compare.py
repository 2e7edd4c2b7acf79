"""Comparison: one theory-vs-simulation (or theory-vs-reference) check as a first-class object.

The same object is asserted by the tests, rendered as a table row in the reports and printed by
the CLI, so "the report says it agrees" and "the tests pass" cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.errors import SpecError

__all__ = [
    "finite_size_fit_from_file",
    "weighted_lsq",
    "KINDS",
    "Comparison",
    "FiniteSizeFit",
    "SeriesFit",
    "compare_abs",
    "compare_rel",
    "compare_stat",
    "count_kinds",
    "finite_size_fit",
    "fit_quality",
    "series_fit",
    "series_fit_from_file",
    "relative_tolerance_stats",
    "student_k",
]

KINDS = ("simulation", "reference", "exact")
"""Kinds of checks: theory against the simulator / against a published or tabulated value /
identities, round-off, closed forms and solver-against-solver agreement to round-off."""


@dataclass(frozen=True)
class Comparison:
    """A checked agreement between a theory value and an estimate.

    Attributes
    ----------
    quantity : str
        What is compared (e.g. ``"Delta0"``).
    theory : float
        The theory (or reference) value.
    estimate : float
        The simulation (or computed) value.
    tolerance : float
        Allowed absolute deviation ``|estimate - theory|``.
    reason : str
        Why this tolerance (e.g. ``"4 standard errors (SE=0.01) + 1/N bias 0.02"``).
    context : dict
        Sizes, seeds, durations: everything needed to reproduce the estimate.
    kind : str
        Keyword-only and required: ``"simulation"`` (theory against the simulator), ``"reference"``
        (against a published or tabulated value) or ``"exact"`` (identities, round-off, closed forms).
    """

    quantity: str
    theory: float
    estimate: float
    tolerance: float
    reason: str
    context: dict[str, Any] = field(default_factory=dict)
    kind: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SpecError("kind", f"a Comparison's kind is one of {', '.join(KINDS)}; got {self.kind!r}")

    @property
    def deviation(self) -> float:
        """estimate - theory."""
        return self.estimate - self.theory

    @property
    def ok(self) -> bool:
        """True if the deviation is finite and within the tolerance."""
        return math.isfinite(self.deviation) and abs(self.deviation) <= self.tolerance

    @property
    def relative(self) -> float:
        """|deviation| / |theory| (inf for theory 0)."""
        return abs(self.deviation) / abs(self.theory) if self.theory != 0 else math.inf

    @property
    def rel_tolerance(self) -> float:
        """tolerance / |theory| (inf for theory 0)."""
        return self.tolerance / abs(self.theory) if self.theory != 0 else math.inf

    def assert_ok(self) -> None:
        """Raise AssertionError with the full story if the check fails."""
        assert self.ok, str(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serialisable) including ``deviation`` and ``ok``."""
        d = asdict(self)
        d["deviation"] = self.deviation
        d["ok"] = self.ok
        d["rel_tolerance"] = self.rel_tolerance if math.isfinite(self.rel_tolerance) else None
        return d

    def __str__(self) -> str:
        status = "OK" if self.ok else "FAIL"
        ctx = ", ".join(f"{k}={v}" for k, v in self.context.items())
        return (
            f"[{status}] ({self.kind}) {self.quantity}: theory={self.theory:.6g} estimate={self.estimate:.6g} "
            f"|dev|={abs(self.deviation):.3g} <= tol={self.tolerance:.3g} ({self.reason}) [{ctx}]"
        )


def compare_stat(
    quantity: str,
    theory: float,
    estimate: float,
    stderr: float,
    k: float = 4.0,
    bias: float = 0.0,
    bias_reason: str = "",
    *,
    kind: str,
    **context: Any,
) -> Comparison:
    """Tolerance = ``k`` standard errors plus a stated systematic ``bias`` (finite N, finite dt); ``kind`` as in
    :class:`Comparison`."""
    if not (stderr >= 0 and math.isfinite(stderr)):
        raise ValueError(f"stderr must be finite and >= 0, got {stderr}")
    reason = f"{k:g} SE (SE={stderr:.3g})"
    if bias:
        reason += f" + {bias_reason or 'systematic'} {bias:.3g}"
    return Comparison(
        quantity, float(theory), float(estimate), k * stderr + abs(bias), reason, dict(context), kind=kind
    )


def compare_rel(
    quantity: str, theory: float, estimate: float, rtol: float, reason: str, *, kind: str, **context: Any
) -> Comparison:
    """Tolerance = ``rtol * |theory|`` with a stated reason; ``kind`` as in :class:`Comparison`."""
    return Comparison(quantity, float(theory), float(estimate), rtol * abs(theory), reason, dict(context), kind=kind)


def compare_abs(
    quantity: str, theory: float, estimate: float, atol: float, reason: str, *, kind: str, **context: Any
) -> Comparison:
    """Absolute tolerance with a stated reason; ``kind`` as in :class:`Comparison`."""
    return Comparison(quantity, float(theory), float(estimate), atol, reason, dict(context), kind=kind)


def count_kinds(comparisons: Sequence[Comparison]) -> dict[str, int]:
    """Number of checks of each kind (every kind of :data:`KINDS`, in that order)."""
    return {k: sum(c.kind == k for c in comparisons) for k in KINDS}


def relative_tolerance_stats(comparisons: Sequence[Comparison], kind: str = "simulation") -> dict[str, Any]:
    """Median and max of ``tolerance / |theory|`` over the checks of ``kind`` with a non-zero theory.

    ``n`` counts those checks; ``n_zero_theory`` the checks of that kind whose theory is 0 (absolute
    tolerances, left out of the statistics). ``median`` and ``max`` are None when ``n`` is 0.
    """
    sel = [c for c in comparisons if c.kind == kind]
    rel = sorted(c.rel_tolerance for c in sel if c.theory != 0)
    n = len(rel)
    median = None if not n else (rel[n // 2] if n % 2 else 0.5 * (rel[n // 2 - 1] + rel[n // 2]))
    return {"n": n, "n_zero_theory": len(sel) - n, "median": median, "max": rel[-1] if n else None}


def student_k(samples: int | None = None, sigma: float = 4.0, dof: float | None = None) -> float:
    """Multiplier of an SE estimated from ``samples`` values (or with ``dof`` degrees of freedom)
    with the false-alarm probability of ``sigma`` Gaussian SEs (two-sided): a Student-t quantile."""
    from scipy import stats

    if dof is None:
        if samples is None or samples < 2:
            raise ValueError(f"need at least 2 samples for a standard error, got {samples}")
        dof = samples - 1
    if not dof > 0:
        raise ValueError(f"dof must be > 0, got {dof}")
    return float(stats.t.ppf(1 - stats.norm.sf(sigma), df=dof))


@dataclass(frozen=True)
class FiniteSizeFit:
    """Weighted least-squares fit ``y(N) = a + c / N**power`` (weights 1/SE^2; ``power`` 1 by default).

    Attributes
    ----------
    a, se_a : float
        The N -> infinity intercept and its standard error.
    c, se_c : float
        The finite-size slope and its standard error.
    Ns, y, se : tuple of float
        The data.
    dof : float
        Welch-Satterthwaite degrees of freedom of ``se_a`` when the SEs were estimated from
        ``samples`` values each (inf if not given): use ``student_k(dof=fit.dof)``.
    chi2 : float
        Weighted residual sum of squares (nan if not computed).
    power : float
        The finite-size exponent: the model is ``a + c / N**power``.
    """

    a: float
    se_a: float
    c: float
    se_c: float
    Ns: tuple[float, ...]
    y: tuple[float, ...]
    se: tuple[float, ...]
    dof: float = math.inf
    chi2: float = math.nan
    power: float = 1.0

    def at(self, N: float) -> float:
        """Fitted value at size N."""
        return self.a + self.c / N**self.power

    @property
    def resid_dof(self) -> int:
        """Residual degrees of freedom: sizes minus the two parameters."""
        return len(self.Ns) - 2

    @property
    def p_value(self) -> float:
        """Upper-tail probability of ``chi2`` under chi^2 with :attr:`resid_dof` dof (nan without residual dof)."""
        from scipy import stats

        return float(stats.chi2.sf(self.chi2, self.resid_dof)) if self.resid_dof > 0 else math.nan


def finite_size_fit(Ns: Any, y: Any, se: Any, samples: Any = None, power: float = 1.0) -> FiniteSizeFit:
    """Fit ``y = a + c/N**power`` to estimates ``y`` with standard errors ``se`` at sizes ``Ns`` (>= 2 sizes).

    ``samples`` (per size, or one number): how many values each SE was estimated from; gives the
    Welch-Satterthwaite degrees of freedom of the intercept's SE (``a`` is linear in ``y``:
    ``a = sum_i l_i y_i``, ``nu = (sum l_i^2 se_i^2)^2 / sum (l_i^2 se_i^2)^2 / (n_i - 1)``).
    """
    import numpy as np

    x = np.asarray(Ns, dtype=float) ** -float(power)
    ys = np.asarray(y, dtype=float)
    ses = np.maximum(np.asarray(se, dtype=float), 1e-300)
    if x.size < 2 or ys.shape != x.shape or ses.shape != x.shape:
        raise ValueError("finite_size_fit needs matching Ns, y, se with at least 2 sizes")
    (a, c), cov, dof, chi2 = weighted_lsq(np.stack([np.ones_like(x), x], axis=1), ys, ses, samples)
    return FiniteSizeFit(
        float(a),
        math.sqrt(cov[0, 0]),
        float(c),
        math.sqrt(cov[1, 1]),
        tuple(float(v) for v in Ns),
        tuple(float(v) for v in ys),
        tuple(float(v) for v in ses),
        dof[0],
        chi2,
        float(power),
    )


def weighted_lsq(A: Any, ys: Any, ses: Any, samples: Any = None) -> tuple[Any, Any, list[float], float]:
    """Weighted least squares ``ys ~ A p`` (weights ``1/ses^2``): coefficients, their covariance, the
    Welch-Satterthwaite dof of each (inf without ``samples``; every coefficient is linear in the data,
    ``p = L y``) and the chi^2."""
    import numpy as np

    W = 1.0 / ses**2
    cov = np.linalg.inv(A.T @ (A * W[:, None]))
    p = cov @ (A.T @ (W * ys))
    dof = [math.inf] * A.shape[1]
    if samples is not None:
        n = np.maximum(np.broadcast_to(np.asarray(samples, dtype=float), ys.shape) - 1, 1)
        lv = (cov @ (A.T * W[None, :])) ** 2 * ses[None, :] ** 2
        dof = [float(row.sum() ** 2 / np.sum(row**2 / n)) for row in lv]
    return p, cov, dof, float(np.sum(W * (ys - A @ p) ** 2))


@dataclass(frozen=True)
class SeriesFit:
    """Weighted least-squares fit ``y(N) = sum_k p_k / N**k`` over the powers ``k`` of :attr:`powers` (weights 1/SE^2).

    Attributes
    ----------
    powers : tuple of int
        The powers of 1/N fitted (``(0, 1, 2)``: intercept, 1/N and 1/N^2 terms).
    params, se_params, dof : tuple of float
        Fitted coefficients, their standard errors, and the Welch-Satterthwaite dof of each SE (every coefficient
        is linear in the data: ``p = sum_i l_i y_i``, ``nu = (sum l_i^2 se_i^2)^2 / sum (l_i^2 se_i^2)^2 / (n_i - 1)``;
        inf when the sample counts were not given).
    Ns, y, se : tuple of float
        The data.
    chi2 : float
        Weighted residual sum of squares.
    """

    powers: tuple[int, ...]
    params: tuple[float, ...]
    se_params: tuple[float, ...]
    dof: tuple[float, ...]
    Ns: tuple[float, ...]
    y: tuple[float, ...]
    se: tuple[float, ...]
    chi2: float

    def at(self, N: Any) -> Any:
        """Fitted value at size(s) N."""
        return sum(p * N ** -float(k) for p, k in zip(self.params, self.powers, strict=True))

    @property
    def resid_dof(self) -> int:
        """Residual degrees of freedom: sizes minus fitted coefficients."""
        return len(self.Ns) - len(self.powers)

    @property
    def p_value(self) -> float:
        """Upper-tail probability of ``chi2`` under chi^2 with :attr:`resid_dof` dof (nan without residual dof)."""
        from scipy import stats

        return float(stats.chi2.sf(self.chi2, self.resid_dof)) if self.resid_dof > 0 else math.nan


def series_fit(Ns: Any, y: Any, se: Any, powers: Sequence[int] = (0, 1, 2), samples: Any = None) -> SeriesFit:
    """Fit ``y = sum_k p_k / N**k`` (``k`` in ``powers``) to estimates ``y`` with standard errors ``se`` at sizes
    ``Ns`` (at least as many sizes as powers); ``samples`` (per size, or one number) gives each coefficient's
    Welch-Satterthwaite dof. A known intercept ``a`` is fitted as ``N (y - a) = c + d/N``: data ``N (y - a)``, SEs
    ``N se``, powers ``(0, 1)``."""
    import numpy as np

    N = np.asarray(Ns, dtype=float)
    ys = np.asarray(y, dtype=float)
    ses = np.maximum(np.asarray(se, dtype=float), 1e-300)
    if N.ndim != 1 or ys.shape != N.shape or ses.shape != N.shape or N.size < len(powers) or not len(powers):
        raise ValueError(f"series_fit needs matching Ns, y, se with at least {len(powers)} sizes")
    p, cov, dof, chi2 = weighted_lsq(np.stack([N ** -float(k) for k in powers], axis=1), ys, ses, samples)
    return SeriesFit(tuple(int(k) for k in powers), tuple(float(v) for v in p),
                     tuple(math.sqrt(cov[i, i]) for i in range(len(powers))), tuple(dof),
                     tuple(float(v) for v in N), tuple(float(v) for v in ys), tuple(float(v) for v in ses), chi2)


def fit_quality(quantity: str, fit: FiniteSizeFit | SeriesFit, sigma: float = 4.0, **context: Any) -> Comparison:
    """Goodness of a finite-size fit as a check: ``chi^2 - nu`` (expectation 0) against the chi^2 quantile.

    ``nu`` is the fit's residual dof (needs >= 1); the tolerance is ``chi2_nu(1 - p) - nu`` with ``p`` the
    two-sided false-alarm rate of ``sigma`` Gaussian SE, so the check fails when the fit's p-value is below
    ``p`` (the model ``a + c/N**power`` does not describe the data within their SEs). Kind ``simulation``,
    theory 0 (an absolute tolerance).
    """
    from scipy import stats

    nu = fit.resid_dof
    if nu < 1:
        raise ValueError(f"a fit-quality check needs residual degrees of freedom, got {len(fit.Ns)} sizes")
    p = 2.0 * stats.norm.sf(sigma)
    tol = float(stats.chi2.isf(p, nu)) - nu
    reason = (
        f"chi^2 = {fit.chi2:.3g} with nu = {nu} dof (chi^2/nu = {fit.chi2 / nu:.3g}, p-value {fit.p_value:.3g}); "
        f"fails when p < {p:.2g} (tolerance chi2_nu(1 - p) - nu)"
    )
    return Comparison(quantity, 0.0, fit.chi2 - nu, tol, reason, dict(context), kind="simulation")


def _network_means_from_file(path: Any, variable: str, **sel: Any) -> tuple[Any, Any, Any, Any]:
    """Sizes, per-N mean and SE over the ``network`` dimension, and finite network counts, of ``variable`` in an
    ensemble file (``sel`` picks one value of every other swept dimension)."""
    import numpy as np
    import xarray as xr

    from workbench.errors import SpecError

    with xr.open_dataset(path, engine="scipy") as ds:
        if variable not in ds:
            raise SpecError("variable", f"{variable!r} is not in {str(path)!r}; it has {', '.join(sorted(ds.data_vars))}")
        da = ds[variable].sel(**sel).squeeze(drop=True).load()
    if set(da.dims) != {"N", "network"}:
        raise SpecError("sel", f"select one value of every swept dimension but N and network; left: {da.dims}")
    da = da.transpose("N", "network")
    vals = da.values
    K = np.isfinite(vals).sum(axis=1)
    if np.any(K < 2):
        raise SpecError("networks", "need at least 2 finite networks per N for a standard error")
    return da["N"].values, np.nanmean(vals, axis=1), np.nanstd(vals, axis=1, ddof=1) / np.sqrt(K), K


def finite_size_fit_from_file(path: Any, variable: str, power: float = 1.0, **sel: Any) -> FiniteSizeFit:
    """:func:`finite_size_fit` of an ensemble file written by ``workbench sweep simulate ... --N ... --out e.nc``.

    The per-network values of ``variable`` are averaged over the ``network`` dimension at each N
    (standard error ``std / sqrt(K)``, ``K`` networks); ``sel`` picks one value of every other swept
    dimension (e.g. ``g=1.5``), which must leave only ``N`` and ``network``.
    """
    Ns, mean, se, K = _network_means_from_file(path, variable, **sel)
    return finite_size_fit(Ns, mean, se, samples=K, power=power)


def series_fit_from_file(path: Any, variable: str, powers: Sequence[int] = (0, 1, 2), **sel: Any) -> SeriesFit:
    """:func:`series_fit` (``sum_k p_k / N**k``, default ``a + c/N + d/N^2``, Welch dof per coefficient) of an
    ensemble file, its per-N means and SEs over networks as in :func:`finite_size_fit_from_file`."""
    Ns, mean, se, K = _network_means_from_file(path, variable, **sel)
    return series_fit(Ns, mean, se, powers, samples=K)

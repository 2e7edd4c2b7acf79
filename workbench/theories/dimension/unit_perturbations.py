"""One unit's O(1/N) perturbations that are not linear-equivalent, by seeded sampling of its Gaussian DMFT process.

A unit of the stationary network is ``x0 = S* u`` (``S*``: the causal filter ``1/(1 + i w)``) with its Gaussian DMFT
input u; three effects of a finite N act on it at O(1/N) through phi itself, so the linear-equivalent network of
the couplings misses them (:mod:`~.finite_size_nonlinear` adds them to its words):

- :func:`self_coupling`: ``J_ii phi(x_i)``, a constant feedback ``eps`` with ``E eps^2 = g^2/N``;
- :func:`reciprocal_loop`: the loops ``i -> j -> i``, a feedback ``eta(t) (S* phi(x_i))(t)`` with
  ``eta(t) = sum_j J_ij J_ji phi'(x_j(t))`` (unit j's gain in time), ``E eta(t) eta(t') = g^4 A(t - t')/N``,
  ``A = <phi'(x) phi'(y)>``; its constant part ``A(inf) = d^2`` (``d = <phi'>``) is the linear equivalent's own loop;
- :func:`input_cumulants`: the input ``u_i = sum_j J_ij phi_j`` is a finite sum: its fourth cumulant is
  ``sum_j J_ij^4 kappa_4[phi_j] -> 3 g^4 kappa_4[phi]/N``, which changes ``<phi(x) phi(x)>`` (not ``<x x>``).

Each is evaluated on long periodic Gaussian paths of x0 (circulant embedding of the autocovariance ``Delta``, exact at
the grid lags; filters in Fourier space; lagged averages by FFT), with the SE over independent batches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["GaussianPaths", "cumulant_phi_shift", "input_cumulants", "reciprocal_loop", "self_coupling"]


@dataclass
class GaussianPaths:
    """Periodic paths of a stationary Gaussian process on the grid ``lag_step/2`` (``2^log2`` points).

    ``Delta_at``: its autocovariance (zero beyond ``lag_max``); lagged averages are returned on the lags
    ``0, lag_step, ..., lag_max``."""

    Delta_at: Callable[[np.ndarray], np.ndarray]
    lag_step: float
    lag_max: float
    log2: int = 19

    def __post_init__(self) -> None:
        self.dt, self.L = self.lag_step / 2, 1 << int(self.log2)
        k = np.arange(self.L)
        self.index = np.minimum(k, self.L - k)
        self.amp = self.amplitude(self.Delta_at)
        self.filt = 1.0 / (1.0 + 2j * np.pi * np.fft.rfftfreq(self.L, self.dt))
        self.n_lag = int(round(self.lag_max / self.lag_step)) + 1

    def amplitude(self, acf_at: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Fourier amplitudes of a process with autocovariance ``acf_at`` (lags up to ``lag_max``, evaluated once
        per grid lag)."""
        n_in = int(self.lag_max / self.dt) + 1
        acf = np.asarray(acf_at(np.arange(n_in) * self.dt), dtype=float)
        periodic = np.where(self.index < n_in, acf[np.minimum(self.index, n_in - 1)], 0.0)
        return np.sqrt(np.maximum(np.fft.fft(periodic).real, 0.0))  # circulant embedding

    def sample(self, rng: np.random.Generator, amp: np.ndarray | None = None) -> np.ndarray:
        """One path (of x0, or of the process with Fourier amplitudes ``amp``)."""
        a = self.amp if amp is None else amp
        return np.fft.ifft(a * (rng.standard_normal(self.L) + 1j * rng.standard_normal(self.L))).real * math.sqrt(self.L)

    @staticmethod
    def spectrum(y: np.ndarray) -> np.ndarray:
        """The (real-input) Fourier transform of a path, for :meth:`causal` and :meth:`lagged`."""
        return np.fft.rfft(y)

    def causal(self, y: np.ndarray) -> np.ndarray:
        """The causal filter ``1/(1 + i w)`` applied to a path."""
        return np.fft.irfft(self.filt * self.spectrum(y), n=self.L)

    def lagged(self, A: np.ndarray, B: np.ndarray, both: bool = True) -> np.ndarray:
        """``<a(t) b(t + tau)>`` (``both``: plus ``<b(t) a(t + tau)>``) on the lags ``0, lag_step, ..., lag_max``,
        from the spectra A, B of the paths (:meth:`spectrum`)."""
        return self.lagged_all(A, B, both)[: 2 * self.n_lag: 2]

    def power(self, amp: np.ndarray | None = None) -> np.ndarray:
        """``E |rfft(y)_k|^2 = L amp_k^2`` of a sampled path (``amp``: its Fourier amplitudes, x0's by default): the
        expectation of :meth:`lagged` of linear filters ``h1 y``, ``h2 y`` is ``lagged(h1 sqrt(P), h2 sqrt(P))``."""
        a = self.amp if amp is None else amp
        return self.L * a[: self.L // 2 + 1] ** 2

    def lagged_all(self, A: np.ndarray, B: np.ndarray, both: bool = False) -> np.ndarray:
        """``<a(t) b(t + k dt)>`` at every grid shift k (negative shifts at ``L - k``) from the spectra A, B."""
        cross = np.conj(A) * B
        return np.fft.irfft(2 * cross.real if both else cross, n=self.L) / self.L


def _mean_se(rows: dict[str, list[np.ndarray]]) -> dict[str, Any]:
    """Mean and SE (``<key>_se``) over batches of every entry."""
    out: dict[str, Any] = {}
    for key, v in rows.items():
        arr = np.array(v)
        out[key] = arr.mean(0)
        out[f"{key}_se"] = arr.std(0, ddof=1) / math.sqrt(len(arr))
    return out


def _second_order(paths: GaussianPaths, spectra: tuple[np.ndarray, np.ndarray], f0: np.ndarray, g1: np.ndarray,
                  g2: np.ndarray, feedback: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, ...]:
    """The second-order shifts of the x and phi autocovariances of ``x = x0 + S* F[phi(x)]`` for a feedback F that is
    linear in its argument, and the first-order x shift: ``x1 = S* F[phi0]``, ``x2 = S* F[phi' x1]``,
    ``D^x = <x1 x1> + <x0 x2> + <x2 x0>``, ``D^phi = <P P> + <Q phi0> + <phi0 Q>`` with ``P = phi' x1``,
    ``Q = phi' x2 + phi'' x1^2/2``, ``c1 = <x0 x1> + <x1 x0>``. ``spectra``: those of x0 and phi0."""
    X0, F0 = spectra
    x1 = paths.causal(feedback(f0))
    x2 = paths.causal(feedback(g1 * x1))
    X1, P = paths.spectrum(x1), paths.spectrum(g1 * x1)
    Dx = paths.lagged(X1, X1, both=False) + paths.lagged(X0, paths.spectrum(x2))
    Dphi = paths.lagged(P, P, both=False) + paths.lagged(paths.spectrum(g1 * x2 + 0.5 * g2 * x1**2), F0)
    return Dx, Dphi, paths.lagged(X0, X1)


def _linear_second_order(paths: GaussianPaths, x0_spectrum: np.ndarray, gain: float, h: np.ndarray
                         ) -> tuple[np.ndarray, ...]:
    """:func:`_second_order` of the linear surrogate ``phi = gain x`` on the same path (``h``: the feedback's transfer
    function, 1 or the causal filter): ``x1 = q x0``, ``x2 = q^2 x0`` with ``q = gain h S*`` in Fourier space."""
    q = gain * h * paths.filt
    X1, X2 = q * x0_spectrum, q * q * x0_spectrum
    Dx = paths.lagged(X1, X1, both=False) + paths.lagged(x0_spectrum, X2)
    return Dx, gain * gain * Dx, paths.lagged(x0_spectrum, X1)


def _surrogate_mean(paths: GaussianPaths, gain: float | None, h: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The exact mean on the grid of :func:`_linear_second_order` (:meth:`GaussianPaths.power`); None without a
    gain."""
    return None if gain is None else _linear_second_order(paths, np.sqrt(paths.power()), gain, h)


def _control(paths: GaussianPaths, x0_spectrum: np.ndarray, gain: float | None, h: np.ndarray,
             mean: tuple[np.ndarray, ...] | None, sampled: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """``(Dx, Dphi, c1)`` as sampled and their controls: the linear surrogate ``phi = gain x`` on the same path
    minus its exactly known ``mean`` (:func:`_surrogate_mean`), zeros for ``gain`` None. Each
    statistic is then regressed on its control over the batches (:func:`_regressed`): exact for a linear phi, and
    for tanh at g = 1.2 (sigma2 = 1, the unit's ``<phi'>`` as gain) the SE of Dx falls about 2 times. A unit
    coefficient would not do: the best scale of the surrogate is about ``0.75 <phi'>`` there, and at ``<phi'>``
    itself the SE of Dx rose, that of Dphi doubled."""
    if mean is None:
        return (*sampled, *(np.zeros_like(v) for v in sampled))
    on_path = _linear_second_order(paths, x0_spectrum, gain, h)
    return (*sampled, *(p - m for p, m in zip(on_path, mean, strict=True)))


def _regressed(rows: dict[str, list[np.ndarray]], key: str, control: str) -> None:
    """Replace ``rows[key]`` by ``y - beta c`` with the per-lag least-squares ``beta`` over the batches of its
    control ``c`` (mean zero; none where it does not vary): exact where y is linear in c (a linear phi), and the SE
    of the residuals is the estimate's, their spread widened by ``sqrt((n - 1)/(n - 2))`` for the fitted beta
    (n batches) where there is a control."""
    y, c = np.array(rows[key]), np.array(rows.pop(control))
    cc = c - c.mean(0)
    var = np.sum(cc * cc, axis=0)
    beta = np.divide(np.sum((y - y.mean(0)) * cc, axis=0), var, out=np.zeros_like(var), where=var > 0)
    r = y - beta * c
    n = len(r)
    widen = np.where(var > 0, math.sqrt((n - 1) / (n - 2)) if n > 2 else 1.0, 1.0)
    rows[key] = list(r.mean(0) + (r - r.mean(0)) * widen)


def _unit_paths(paths: GaussianPaths, phis: list[Any], rng: np.random.Generator) -> tuple[Any, ...]:
    """One path of x0 and its ``phi, phi', phi''``, with the spectra of x0 and phi0."""
    x0 = paths.sample(rng)
    f0 = phis[0](x0)
    return (paths.spectrum(x0), paths.spectrum(f0)), f0, phis[1](x0), phis[2](x0)


def self_coupling(Delta_at: Any, phis: list[Any], lag_step: float, lag_max: float, batches: int = 8,
                  log2: int = 19, seed: int = 0, gain: float | None = None) -> dict[str, np.ndarray]:
    """The ``eps^2`` coefficients ``D^x(tau)``, ``D^phi(tau)`` of a unit ``dx = -x + eps phi(x) + u``.

    ``phis``: ``phi, phi', phi''``. Returns ``Dx``, ``Dphi`` on the lags ``0, lag_step, ..., lag_max`` and their SEs
    over ``batches`` independent series (seeded by ``seed``), and ``c1``, the ``eps`` coefficient
    ``<x0 x1> + <x1 x0>`` of the x autocovariance (a unit's spread from its self-coupling). ``gain``: the slope of
    a linear surrogate ``phi = gain x`` sampled on the same paths as a control variate (:func:`_control`; the
    unit's ``<phi'>``), None for none.
    """
    paths = GaussianPaths(Delta_at, lag_step, lag_max, log2)
    rng = np.random.default_rng(seed)
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("Dx", "Dphi", "c1", "Dx_ctl", "Dphi_ctl", "c1_ctl")}
    one = np.ones_like(paths.filt)
    mean = _surrogate_mean(paths, gain, one)
    for _ in range(int(batches)):
        unit = _unit_paths(paths, phis, rng)
        sampled = _control(paths, unit[0][0], gain, one, mean, _second_order(paths, *unit, lambda y: y))
        for key, v in zip(rows, sampled, strict=True):
            rows[key].append(v)
    for key in ("Dx", "Dphi", "c1"):
        _regressed(rows, key, f"{key}_ctl")
    out = _mean_se(rows)
    return {k: out[k] for k in ("Dx", "Dphi", "Dx_se", "Dphi_se", "c1")}


def reciprocal_loop(Delta_at: Any, A_at: Any, d: float, phis: list[Any], lag_step: float, lag_max: float,
                    batches: int = 8, log2: int = 19, seed: int = 0, control: bool = False) -> dict[str, np.ndarray]:
    """The ``g^4/N`` coefficients ``D^x(tau)``, ``D^phi(tau)`` of the loops ``i -> j -> i`` of a unit (module docstring).

    The feedback is ``eta(t) (S* phi)(t)`` (to lowest order in the loop: j's response ``phi'_j S*``). ``eta``'s
    covariance is ``A(tau)`` (``A_at``, per ``g^4/N``); its constant part ``d^2`` enters exactly (a constant ``eta``,
    the same second order as :func:`self_coupling` with the filter ``S* S*``) and the rest ``A - d^2`` by sampled
    Gaussian paths of eta, independent of x0 (the gains of other units). Returns ``Dx``, ``Dphi`` (both parts),
    their SEs, and ``c1``: the x-autocovariance shift per unit of a constant ``eta`` (its quenched part
    ``d sum_j J_ij J_ji`` spreads the units by ``g^4 d^2 c1 c1 / N``). ``control``: the constant part with the
    linear surrogate ``phi = d x`` as a control variate (:func:`_control`).
    """
    paths = GaussianPaths(Delta_at, lag_step, lag_max, log2)
    amp_eta = paths.amplitude(lambda lags: np.asarray(A_at(lags)) - d * d)
    rng = np.random.default_rng(seed)
    rows: dict[str, list[np.ndarray]] = {k: [] for k in ("Dx", "Dphi", "c1", "Dx_ctl", "Dphi_ctl", "c1_ctl")}
    gain = d if control else None
    mean = _surrogate_mean(paths, gain, paths.filt)
    for _ in range(int(batches)):
        unit = _unit_paths(paths, phis, rng)
        eta = paths.sample(rng, amp_eta)
        cx, cp, c1, kx, kp, k1 = _control(paths, unit[0][0], gain, paths.filt, mean,
                                          _second_order(paths, *unit, paths.causal))
        fx, fp, _ = _second_order(paths, *unit, lambda y, eta=eta: eta * paths.causal(y))
        for key, v in (("Dx", d * d * cx + fx), ("Dphi", d * d * cp + fp), ("c1", c1), ("Dx_ctl", kx),
                       ("Dphi_ctl", kp), ("c1_ctl", k1)):
            rows[key].append(v)
    for key in ("Dx", "Dphi", "c1"):
        _regressed(rows, key, f"{key}_ctl")
    out = _mean_se(rows)
    return {k: out[k] for k in ("Dx", "Dphi", "Dx_se", "Dphi_se", "c1")}


def input_cumulants(Delta_at: Any, phi: Any, lag_step: float, lag_max: float, batches: int = 8, log2: int = 19,
                    seed: int = 0) -> dict[str, Any]:
    """Fourth cumulants of ``z = S* phi(x0)``, the response of a unit to ONE input's phi (per unit weight).

    ``k0 = kappa(z_t, z_t, z_t, z_t)``, ``k1p(tau) = kappa(z_t, z_t, z_t, z_{t+tau})``,
    ``k1m(tau) = kappa(z_t, z_{t+tau}, z_{t+tau}, z_{t+tau})``, ``k2(tau) = kappa(z_t, z_t, z_{t+tau}, z_{t+tau})``
    on the lags ``0, lag_step, ..., lag_max``, with the SEs of ``k0`` and ``k2``. A unit's x is ``S* u`` with
    ``u = sum_j J_ij phi_j`` over independent inputs, so its fourth cumulants are ``3 g^4/N`` times these.
    """
    paths = GaussianPaths(Delta_at, lag_step, lag_max, log2)
    rng = np.random.default_rng(seed)
    idx = np.arange(0, 2 * paths.n_lag, 2)
    rows: dict[str, list[np.ndarray]] = {"k0": [], "k1p": [], "k1m": [], "k2": []}
    for _ in range(int(batches)):
        z = paths.causal(phi(paths.sample(rng)))
        Z = paths.spectrum(z)
        c2 = paths.lagged_all(Z, Z)
        v = c2[0]
        l31 = paths.lagged_all(paths.spectrum(z**3), Z)  # <z^3(t) z(t + s)>; s < 0 at L - |s|
        rows["k0"].append(np.array([np.mean(z**4) - 3 * v * v]))
        rows["k1p"].append(l31[idx] - 3 * v * c2[idx])
        rows["k1m"].append(l31[(paths.L - idx) % paths.L] - 3 * v * c2[idx])
        Z2 = paths.spectrum(z**2)
        rows["k2"].append(paths.lagged_all(Z2, Z2)[idx] - v * v - 2 * c2[idx] ** 2)
    out = _mean_se(rows)
    out["k0"], out["k0_se"] = float(out["k0"][0]), float(out["k0_se"][0])
    return out


def cumulant_phi_shift(cum: dict[str, Any], Fcc: np.ndarray, Fcv: np.ndarray, Fvv: np.ndarray) -> np.ndarray:
    """``<phi(x_t) phi(x_{t+tau})>`` shift per unit of the x fourth cumulants ``cum`` (:func:`input_cumulants`).

    First order of the cumulant (Edgeworth) expansion, ``(1/24) sum_{abcd} kappa_abcd <d_a d_b d_c d_d F>`` for
    ``F = phi(x_1) phi(x_2)``, Gaussian averages at the DMFT covariance. With ``R(c, v) = <F>`` (covariance c,
    variance v; ``d_c = d_1 d_2``, ``d_v = (d_1^2 + d_2^2)/2``): ``<d_1^2 d_2^2 F> = R_cc``,
    ``<d_1^3 d_2 F> = <d_1 d_2^3 F> = R_cv``, ``<d_1^4 F> + <d_2^4 F> = 4 R_vv - 2 R_cc`` (the curvatures ``Fcc``,
    ``Fcv``, ``Fvv`` of :func:`derivations.dimension_finite_size.linearised_dmft_kernels`), so the shift is
    ``[k0 (4 Fvv - 2 Fcc) + 4 (k1p + k1m) Fcv + 6 k2 Fcc] / 24``.
    """
    n = Fcc.size
    k1 = cum["k1p"][:n] + cum["k1m"][:n]
    return (cum["k0"] * (4 * Fvv - 2 * Fcc) + 4 * k1 * Fcv + 6 * cum["k2"][:n] * Fcc) / 24.0

"""Single-site order parameters of a fixed network: per-neuron gains and residual spectra from the DMFT.

Design (``gains="per-neuron"``). Neuron i receives the recurrent input ``h_i = sum_j J_ij phi_j``;
at leading order in 1/sqrt(N) its autocovariance is ``sum_j J_ij^2 C^phi_j(tau) ~ q_i Cbar^phi(tau)``
with the row norm ``q_i = sum_j J_ij^2`` and the population-mean rate autocovariance ``Cbar^phi``
(the J_ij of one row are not correlated with the statistics of the presynaptic neurons j at
leading order). ``Cbar^phi`` is taken from the homogeneous DMFT at ``g = sqrt(mean_i q_i)``: the
population mean of the per-neuron ``C^phi_i`` differs from it only at second order in the spread
of q_i. The x autocovariance of neuron i then follows without a new self-consistency:

    Delta_i(w) = (q_i Cbar^phi(w) + sigma2) / (1 + w^2)
    Delta_i(tau) = (q_i / g^2) (Delta(tau) - sigma2/2 e^{-|tau|}) + sigma2/2 e^{-|tau|}

(Delta: the DMFT x autocovariance). The gain is ``d_i = <phi'(x_i)>`` at variance ``Delta_i(0)``
(Price), the rate autocovariance ``C^phi_i(tau)`` the Gaussian transform of ``Delta_i``; the
linear-equivalent noise of the rates is ``Sigma_i(w) = C^phi_i(w) - d_i^2 |S|^2 q_i Cbar^phi(w)``
(so that the diagonal of ``(I - S D J)^-1 Sigma (..)^-dagger`` reproduces ``C^phi_i``), and the
residual ``r_i = phi_i - d_i x_i`` has ``Sigma_r,i(w) = Sigma_i(w) - d_i^2 |S|^2 sigma2``.
``gains="shared"`` sets q_i = g^2 for all neurons (the homogeneous DMFT, Shen-Hu).
``gains="self-consistent"`` replaces q_i by the effective input variance ``(Var x_i - sigma2/2) / K(0)`` of the
predicted ``[C^x]_ii`` (which also holds the off-diagonal sum ``sum_{j!=k} J_ij J_ik C^phi_jk``, O(N^-1/2) like
the row-norm spread), iterated to a fixed point (:func:`workbench.theories.fixed.prediction.self_consistent_site`).

The spectra are smooth functions of q alone (odd phi: no mean), so they are computed at three
nodes spanning the row norms and interpolated piecewise-linearly to the neurons; in tau they are fitted by a sum
of exponentials ``sum_n c_n e^{-gamma_n |tau|}`` on a fixed rate grid (Lorentzians in w), which
lets the equal-time covariance be integrated in closed form mode pair by mode pair. The fit's
maximum error is reported (``fit_error``); the zero-frequency values ``Sigma_i(0)`` come from a
direct quadrature of the tau curves, not from the fit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from workbench.errors import SpecError
from workbench.solvers.kinked import expr_kinks, kinked_mean, kinked_pair
from workbench.symbolic.parity import has_parity

__all__ = ["RATES", "SingleSite", "check_phi", "effective_q", "input_scale", "single_site"]

RATES: np.ndarray = np.unique(np.concatenate([np.geomspace(0.01, 40.0, 26), [1.0]]))
"""Decay rates gamma_n of the exponential (Lorentzian) basis of the residual spectra (1 included: white noise through 1/(1+iw))."""

_HERMITE = np.polynomial.hermite_e.hermegauss(61)
_ODD_HINT = "tanh, erf, linear or another odd expression in x such as 'tanh(2*x)'"


def check_phi(phi: str) -> sp.Expr:
    """The SymPy phi(x) of ``phi``; one-line SpecError unless phi is odd (no mean activity) and monotone at 0."""
    from workbench.spec.nonlinearity import make_nonlinearity

    try:
        expr = make_nonlinearity(str(phi)).expr
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise SpecError("phi", f"cannot read {phi!r} ({exc}); allowed: {_ODD_HINT}") from exc
    (x,) = expr.free_symbols or {sp.Symbol("x")}
    if not has_parity(expr, x, odd=True):
        raise SpecError("phi", f"the fixed-J theory needs an odd phi (zero mean activity), got {phi!r}; allowed: {_ODD_HINT}")
    return expr


def _numeric(expr: sp.Expr):
    """``phi`` and ``phi'`` as vectorised numpy functions."""
    (x,) = expr.free_symbols or {sp.Symbol("x")}
    f = sp.lambdify(x, expr, ["scipy", "numpy"])  # scipy: erf and friends vectorised
    fp = sp.lambdify(x, sp.diff(expr, x), ["scipy", "numpy"])
    return (lambda v: np.broadcast_to(f(v), np.shape(v)).astype(float)), (
        lambda v: np.broadcast_to(fp(v), np.shape(v)).astype(float)
    )


def gauss_mean(f, var: np.ndarray, kinks: tuple[float, ...] = ()) -> np.ndarray:
    """``E f(sqrt(var) z)``, z standard normal (Gauss-Hermite, 61 nodes; split Gauss-Legendre across ``kinks``),
    elementwise in ``var``."""
    if kinks:
        return kinked_mean(f, 0.0, np.maximum(np.asarray(var, dtype=float), 0.0), kinks)
    z, w = _HERMITE
    var = np.asarray(var, dtype=float)
    vals = f(np.sqrt(np.maximum(var, 0.0))[..., None] * z)
    return vals @ w / np.sqrt(2 * np.pi)


def gauss_pair(f, var: float, cov: np.ndarray, kinks: tuple[float, ...] = ()) -> np.ndarray:
    """``E f(x) f(y)`` for a centred Gaussian pair with Var x = Var y = ``var`` and Cov = ``cov`` (elementwise);
    a kinked f (``kinks``) takes the kink-aware rules of :mod:`workbench.solvers.kinked`."""
    z, w = _HERMITE
    w = w / np.sqrt(2 * np.pi)
    if var <= 0:
        return np.zeros_like(np.asarray(cov, dtype=float))
    if kinks:
        return kinked_pair(f, 0.0, float(var), np.clip(np.asarray(cov, dtype=float), -var, var), kinks)
    s = np.sqrt(var)
    rho = np.clip(np.asarray(cov, dtype=float) / var, -1.0, 1.0)
    fx = f(s * z)  # (n,)
    y = s * (rho[:, None, None] * z[None, :, None] + np.sqrt(1 - rho**2)[:, None, None] * z[None, None, :])
    inner = f(y) @ w  # (m, n): E_z2 f(y | z1)
    return inner @ (w * fx)


@dataclass
class SingleSite:
    """Per-neuron single-site statistics and the fitted residual spectra (see the module docstring).

    Attributes
    ----------
    q : ndarray
        Row norms ``sum_j J_ij^2`` used for each neuron (all ``g^2`` for shared gains).
    d : ndarray
        Gains ``<phi'(x_i)>``.
    Delta0 : ndarray
        Per-neuron DMFT variances ``Delta_i(0)`` of x.
    C_phi0 : ndarray
        Per-neuron ``<phi_i^2>``.
    weights : ndarray
        ``(N, m)`` interpolation (hat) weights of the neurons on the m q-nodes (>= 0, rows sum to 1).
    coef_phi, coef_r : ndarray
        ``(m, n_rates)`` exponential coefficients of ``Sigma(tau)`` and ``Sigma_r(tau)`` at each node.
    sigma0_phi, sigma0_r : ndarray
        Per-neuron zero-frequency ``Sigma_i(0)`` and ``Sigma_r,i(0)``.
    rates : ndarray
        The decay rates gamma_n.
    fit_error : float
        Max |fit - curve| of the exponential fits relative to the largest Sigma(0 lag).
    dmft : dict
        The homogeneous DMFT summary used (``g``, ``Delta0``, ``mean_phi_prime``, ``regime``).
    """

    q: np.ndarray
    d: np.ndarray
    Delta0: np.ndarray
    C_phi0: np.ndarray
    weights: np.ndarray
    coef_phi: np.ndarray
    coef_r: np.ndarray
    sigma0_phi: np.ndarray
    sigma0_r: np.ndarray
    rates: np.ndarray = field(default_factory=lambda: RATES.copy())
    fit_error: float = 0.0
    dmft: dict = field(default_factory=dict)

    def sigma_at(self, w: float, which: str = "phi") -> np.ndarray:
        """Per-neuron noise spectral density ``Sigma_i(w)`` (``which="phi"``) or ``Sigma_r,i(w)`` (``"r"``) from the fit."""
        coef = self.coef_phi if which == "phi" else self.coef_r
        lor = 2 * self.rates / (self.rates**2 + float(w) ** 2)
        return self.weights @ (coef @ lor)


def _q_nodes(q: np.ndarray, m: int = 3) -> np.ndarray:
    """m equally spaced nodes over the range of the row norms (one node when they are all equal to 1e-9)."""
    lo, hi = float(q.min()), float(q.max())
    if hi - lo <= 1e-9 * max(hi, 1e-300):
        return np.array([0.5 * (lo + hi)])
    return np.linspace(lo, hi, m)


def _hat_weights(nodes: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``(N, m)`` piecewise-linear (hat) interpolation weights of the points q on the nodes: >= 0, rows sum to 1.

    Non-negative weights let the solver form each ``U^-1 D^-1 diag(w_p) D^-1 U^-H`` as one Hermitian
    rank-N update (zherk). Interpolation error: ``(spread of q / (m-1))^2 / 8`` times the curvature of
    the spectra in q; the spread shrinks as N^-1/2, so the error as 1/N (about 1e-3 of C^phi at N = 400, m = 3).
    """
    if nodes.size == 1:
        return np.ones((q.size, 1))
    eye = np.eye(nodes.size)
    return np.stack([np.interp(q, nodes, eye[a]) for a in range(nodes.size)], axis=1)


def _tau_grid(t_max: float) -> np.ndarray:
    """Lag grid, dense near 0, up to ``t_max``."""
    u = np.linspace(0.0, 1.0, 1201)
    return t_max * u**2


def _fit(tau: np.ndarray, curve: np.ndarray, integral: float, rates: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of ``sum_n c_n e^{-gamma_n tau}`` matching ``curve``, its value at 0 and its integral."""
    A = np.exp(-np.outer(tau, rates))
    wts = np.sqrt(np.gradient(tau))
    scale = max(abs(curve[0]), 1e-300)
    rows = [A * wts[:, None], 50 * A[:1], 50 * (1 / rates)[None, :] / max(tau[-1], 1.0)]
    rhs = [curve * wts, 50 * curve[:1], 50 * np.array([integral]) / max(tau[-1], 1.0)]
    M, b = np.vstack(rows) / scale, np.concatenate(rhs) / scale
    lam = 1e-10
    c = np.linalg.solve(M.T @ M + lam * np.eye(rates.size), M.T @ b)
    return c


def _integral(tau: np.ndarray, curve: np.ndarray, kappa: float) -> float:
    """``int_0^inf curve dtau``: trapezoid plus the exponential tail at rate kappa."""
    tail = curve[-1] / kappa if kappa > 0 else 0.0
    return float(np.trapezoid(curve, tau) + tail)


@functools.lru_cache(maxsize=8)
def _homogeneous(phi: str, g: float, sigma2: float):
    """The homogeneous DMFT solution at (g, phi, sigma2)."""
    from workbench.spec import ModelSpec
    from workbench.theories.dmft.problem import shared_solver

    spec = ModelSpec.simple(g=g, phi=phi, sigma2=sigma2)
    return shared_solver(spec).solve(spec, lyapunov=False)


def single_site(J: np.ndarray, phi: str, sigma2: float, gains: str, linear: bool,
                q: np.ndarray | None = None) -> SingleSite:
    """The single-site statistics of every neuron of J (see the module docstring for the per-neuron design).

    ``q`` overrides the effective input variances (the self-consistent closure passes
    ``q_i = (Var x_i - sigma2/2) / K(0)`` from the predicted diagonal of C^x; see :func:`effective_q`).
    """
    expr = check_phi(phi)
    f, fp = _numeric(expr)
    kinks = expr_kinks(expr)
    N = J.shape[0]
    row = np.einsum("ij,ij->i", J, J)
    g2 = float(row.mean())
    if q is None:
        q = np.full(N, g2) if gains == "shared" else row
    if linear:
        return _linear_site(q, sigma2, g2)
    if sigma2 == 0 and g2 <= 1.0:
        return _silent_site(q, fp, g2)
    res = _homogeneous(phi, float(np.sqrt(g2)), sigma2)
    kappa = max(float(getattr(res, "kappa", 0.0) or 0.0), 1e-3)
    tau = _tau_grid(float(res.tau[-1]) if res.tau.size else 50.0)
    Delta = np.asarray(res.Delta_at(tau)) - res.Delta_inf
    white = 0.5 * sigma2 * np.exp(-tau)
    K = (Delta - white) / g2 if g2 > 0 else np.zeros_like(tau)
    nodes = _q_nodes(q)
    coef_phi, coef_r, s0_phi, s0_r, err = [], [], [], [], 0.0
    for qn in nodes:
        D_i = qn * K + white
        d_n = float(gauss_mean(fp, D_i[0], kinks))
        C_n = gauss_pair(f, float(D_i[0]), D_i, kinks)
        sig = C_n - d_n**2 * qn * K
        sig_r = sig - d_n**2 * white
        for curve, cs, s0 in ((sig, coef_phi, s0_phi), (sig_r, coef_r, s0_r)):
            integral = _integral(tau, curve, min(kappa, 1.0))
            c = _fit(tau, curve, integral, RATES)
            cs.append(c)
            s0.append(2 * integral)
            err = max(err, float(np.max(np.abs(np.exp(-np.outer(tau, RATES)) @ c - curve)) / max(abs(sig[0]), 1e-300)))
    W = _hat_weights(nodes, q)
    Delta0 = q * K[0] + white[0]
    return SingleSite(
        q=q, d=gauss_mean(fp, Delta0, kinks), Delta0=Delta0, C_phi0=gauss_mean(lambda v: f(v) ** 2, Delta0, kinks),
        weights=W,
        coef_phi=np.array(coef_phi), coef_r=np.array(coef_r), sigma0_phi=W @ np.array(s0_phi),
        sigma0_r=W @ np.array(s0_r), fit_error=err,
        dmft={"g": float(np.sqrt(g2)), "Delta0": float(res.Delta0), "mean_phi_prime": float(res.mean_phi_prime),
              "regime": str(res.regime)},
    )


def input_scale(phi: str, sigma2: float, g2: float) -> float:
    """``K(0) = (Delta(0) - sigma2/2) / g^2`` of the homogeneous DMFT: Var x_i = q_i K(0) + sigma2/2 for effective q_i."""
    res = _homogeneous(phi, float(np.sqrt(g2)), sigma2)
    return float((np.asarray(res.Delta_at(np.zeros(1)))[0] - res.Delta_inf - 0.5 * sigma2) / g2)


def effective_q(var_x: np.ndarray, phi: str, sigma2: float, g2: float) -> np.ndarray:
    """Effective input variances ``q_i`` whose single-site variance ``q_i K(0) + sigma2/2`` equals ``var_x``."""
    return np.maximum(np.asarray(var_x, dtype=float) - 0.5 * sigma2, 0.0) / input_scale(phi, sigma2, g2)


def _basis_at_one(amplitude: float) -> np.ndarray:
    """Coefficients of ``amplitude e^{-|tau|}`` on :data:`RATES`."""
    c = np.zeros(RATES.size)
    c[int(np.argmin(np.abs(RATES - 1.0)))] = amplitude
    return c


def _linear_site(q: np.ndarray, sigma2: float, g2: float) -> SingleSite:
    """phi(x) = x: d = 1, no residual, Sigma(tau) = sigma2/2 e^{-|tau|} exactly (no DMFT needed)."""
    N = q.size
    nan = np.full(N, np.nan)
    return SingleSite(
        q=q, d=np.ones(N), Delta0=nan, C_phi0=nan, weights=np.ones((N, 1)),
        coef_phi=_basis_at_one(0.5 * sigma2)[None, :], coef_r=np.zeros((1, RATES.size)),
        sigma0_phi=np.full(N, sigma2), sigma0_r=np.zeros(N), dmft={"g": float(np.sqrt(g2)), "regime": "linear"},
    )


def _silent_site(q: np.ndarray, fp, g2: float) -> SingleSite:
    """No noise and g <= 1: the quiescent fixed point x = 0 (gains phi'(0), no fluctuations)."""
    N = q.size
    zeros = np.zeros((1, RATES.size))
    return SingleSite(
        q=q, d=np.full(N, float(fp(np.zeros(1))[0])), Delta0=np.zeros(N), C_phi0=np.zeros(N), weights=np.ones((N, 1)),
        coef_phi=zeros, coef_r=zeros, sigma0_phi=np.zeros(N), sigma0_r=np.zeros(N),
        dmft={"g": float(np.sqrt(g2)), "regime": "static"},
    )

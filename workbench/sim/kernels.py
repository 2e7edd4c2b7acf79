"""numba kernels for the fused elementwise work of one simulation step.

One step of the (N, K) state (K trials sharing one J) is::

    H = J @ P                                   # the product (BLAS or workbench.sim.matmul, outside)
    x <- a * x + b * (H + I + eta) + nf * Z     # fused here; Z: standard normals drawn by numpy
                                                # for many steps at once (rng.standard_normal),
    P <- phi(gain * x)                          # the nonlinearity for the next product
    eta <- c * eta + nf_eta * Z                 # OU input noise (if any)

``a, b, nf`` encode the integrator (Euler-Maruyama or exponential Euler for the leak), see
:func:`workbench.sim.simulator.step_coefficients`. A step returns a flag: 0, or ``DIVERGED_X``
when some |x| reached ``max_abs`` (or is NaN), plus ``DIVERGED_PHI`` when some phi(gain x) is not
finite (e.g. ``exp`` overflow, ``log`` of a negative number). Named nonlinearities are compiled once and
cached on disk (``cache=True``); a custom SymPy phi is compiled from its expression.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numba
import numpy as np
import sympy as sp

from workbench.spec import Nonlinearity, X

__all__ = ["DIVERGED_PHI", "DIVERGED_X", "PHI_CODES", "TANH_FLOAT32_NUMPY", "phi_numpy", "fused_step", "make_custom_step",
           "phi_apply", "step_kernels"]

PHI_CODES = {"tanh": 0, "erf": 1, "logistic": 2, "relu": 3, "linear": 4, "softplus": 5}
"""Integer codes of the named nonlinearities inside the cached kernels."""

_SQRT_PI_2 = math.sqrt(math.pi) / 2.0
_MAX_FLOAT = 1.7976931348623157e308

DIVERGED_X = 1
"""Step flag: the state x reached ``max_abs`` or became NaN."""
DIVERGED_PHI = 2
"""Step flag: phi(gain x) is not finite."""


@numba.njit(cache=True, inline="always")
def _phi(code: int, u: float) -> float:
    if code == 0:
        # tanh via expm1: ~1.5x faster than libm tanh here, within 2 ulp of it
        e = math.expm1(-2.0 * abs(u))
        r = -e / (2.0 + e)
        return r if u >= 0.0 else -r
    if code == 1:
        return math.erf(_SQRT_PI_2 * u)
    if code == 2:
        return 1.0 / (1.0 + math.exp(-u))
    if code == 3:
        return u if u > 0.0 else 0.0
    if code == 5:  # softplus log(1 + e^u), without overflow
        return u + math.log1p(math.exp(-u)) if u > 0.0 else math.log1p(math.exp(u))
    return u


@numba.njit(cache=True)
def _phi_apply(code, x, gain, out):  # pragma: no cover - compiled
    n, k = x.shape
    for i in range(n):
        gi = gain[i]
        for t in range(k):
            out[i, t] = _phi(code, gi * x[i, t])


@numba.njit(cache=True)
def _fused_step(code, x, H, I, a, b, nf, Z, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs):  # pragma: no cover
    n, k = x.shape
    bad = 0
    for i in range(n):
        ai = a[i]
        bi = b[i]
        nfi = nf[i]
        Ii = I[i]
        gi = gain[i]
        for t in range(k):
            drive = H[i, t] + Ii
            if ou:
                drive += eta[i, t]
                v = ai * x[i, t] + bi * drive
                eta[i, t] = c_eta * eta[i, t] + nf_eta * Z[i, t]
            elif has_noise:
                v = ai * x[i, t] + bi * drive + nfi * Z[i, t]
            else:
                v = ai * x[i, t] + bi * drive
            if not (abs(v) < max_abs):
                bad |= 1
            x[i, t] = v
            pv = _phi(code, gi * v)
            if not (abs(pv) <= _MAX_FLOAT):
                bad |= 2
            P[i, t] = pv
    return bad


def phi_apply(code: int, x: np.ndarray, gain: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out[i, k] = phi(gain_i x[i, k]) for a named phi code."""
    _phi_apply(code, x, gain, out)
    return out


fused_step = _fused_step

TANH_FLOAT32_NUMPY = True
"""Whether a float32 tanh network takes NumPy's vectorised tanh (:func:`_tanh_float32_step`) instead of the scalar
one inside the fused kernel."""


def _tanh_float32_step(code, x, H, I, a, b, nf, Z, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs):
    """The fused step of a float32 tanh network: the kernel's update with the linear phi (``P = gain x``), then
    NumPy's SIMD tanh of P in place. The scalar tanh (expm1, float64 inside) cost 2/3 of the fused kernel in float32
    (N K = 600: 22 us against 9 us this way); NumPy's float32 tanh is within a few ulp of it."""
    bad = _fused_step(PHI_CODES["linear"], x, H, I, a, b, nf, Z, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs)
    np.tanh(P, out=P)
    return bad


def step_kernels(phi: Nonlinearity, dtype: np.dtype) -> tuple[int, Callable, Callable]:
    """``(code, fused_step, phi_apply)`` of a simulation of ``phi`` in ``dtype``: the cached kernels of a named phi
    (a float32 tanh with the vectorised tanh, :data:`TANH_FLOAT32_NUMPY`), compiled ones for a custom phi (code -1)."""
    code = PHI_CODES.get(phi.name, -1)
    if code < 0:
        return (code, *make_custom_step(phi))
    if code == PHI_CODES["tanh"] and np.dtype(dtype) == np.float32 and TANH_FLOAT32_NUMPY:
        return code, _tanh_float32_step, _phi_apply
    return code, _fused_step, _phi_apply


def phi_numpy(phi: Nonlinearity) -> Callable[[np.ndarray], np.ndarray]:
    """A NumPy-vectorised phi from the SymPy expression (used by the slow reference stepper)."""
    f = sp.lambdify(X, phi.expr, modules=["numpy", "scipy"])

    def wrapped(u: np.ndarray) -> np.ndarray:
        return np.asarray(f(u), dtype=float) + np.zeros_like(u, dtype=float)

    return wrapped


def _custom_scalar(phi: Nonlinearity):
    """The numba dispatcher of phi(u), generated from the SymPy expression by codegen (disk-cached)."""
    from workbench.codegen import compile_system
    from workbench.errors import SpecError

    try:
        return compile_system(phi.expr, [X], backend="numba", cse=True, name="phi_custom").func
    except SpecError as exc:  # the code generator names its own argument ("exprs"): name the user's phi
        if exc.parameter == "phi":
            raise
        reason = str(exc).removeprefix(f"{exc.parameter}: ")
        raise SpecError("phi", f"cannot simulate phi = {phi.label()!r}: {reason}") from exc


_CUSTOM_STEPS: dict[str, tuple[Callable, Callable]] = {}
"""The compiled kernels of each custom phi met in this process, keyed by the expression's ``srepr``."""


def make_custom_step(phi: Nonlinearity):
    """Kernels ``(fused_step, phi_apply)`` for a custom SymPy nonlinearity (compiled once per process and expression).

    The expression is printed with the math-module printer and JIT-compiled; the returned kernels
    take the same arguments as the named ones (the ``code`` argument is ignored). They are kept for the process:
    compiling them again at every simulation cost about 1 s, which made a run of N = 300 and 2 trials with a
    Pade-type phi 6 x slower than with tanh.
    """
    key = sp.srepr(phi.expr)
    if key not in _CUSTOM_STEPS:
        _CUSTOM_STEPS[key] = _compile_custom_step(phi)
    return _CUSTOM_STEPS[key]


def _compile_custom_step(phi: Nonlinearity) -> tuple[Callable, Callable]:
    """The two kernels of :func:`make_custom_step`, compiled for ``phi``."""
    f = _custom_scalar(phi)

    @numba.njit
    def step(code, x, H, I, a, b, nf, Z, gain, P, eta, c_eta, nf_eta, ou, has_noise, max_abs):  # pragma: no cover
        n, k = x.shape
        bad = 0
        for i in range(n):
            for t in range(k):
                drive = H[i, t] + I[i]
                if ou:
                    drive += eta[i, t]
                    v = a[i] * x[i, t] + b[i] * drive
                    eta[i, t] = c_eta * eta[i, t] + nf_eta * Z[i, t]
                elif has_noise:
                    v = a[i] * x[i, t] + b[i] * drive + nf[i] * Z[i, t]
                else:
                    v = a[i] * x[i, t] + b[i] * drive
                if not (abs(v) < max_abs):
                    bad |= 1
                x[i, t] = v
                pv = f(gain[i] * v)
                if not (abs(pv) <= 1.7976931348623157e308):
                    bad |= 2
                P[i, t] = pv
        return bad

    @numba.njit
    def apply(code, x, gain, out):  # pragma: no cover
        n, k = x.shape
        for i in range(n):
            for t in range(k):
                out[i, t] = f(gain[i] * x[i, t])

    return step, apply

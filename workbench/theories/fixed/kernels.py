"""Numeric per-mode kernels of the fixed-J theory, lambdified from :mod:`derivations.fixed` (derived, not typed in)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

__all__ = ["coupling", "decay", "leak", "lorentz_split", "pair_white", "response_mode"]


@functools.lru_cache(maxsize=1)
def _functions() -> dict[str, Callable[..., np.ndarray]]:
    """The derivation's mode expressions as numpy functions."""
    import sympy as sp

    from derivations.fixed import derive

    der = derive()
    s = der.symbols
    return {
        "response": sp.lambdify((s["lam"], s["w"], s["tau"]), der.mode["response"], "numpy"),
        "pair_white": sp.lambdify((s["a"], s["b"]), der.mode["pair_white"], "numpy"),
        "lorentz_factor": sp.lambdify((s["a"], s["gamma"]), der.mode["lorentz_factor"], "numpy"),
        "decay": sp.lambdify((s["lam"],), der.mode["decay"], "numpy"),
        "leak": float(der.mode["leak"]),
        "coupling": float(der.mode["c1"]),
    }


def response_mode(lam: np.ndarray, w: float | np.ndarray, tau: float = 1.0) -> np.ndarray:
    """Response of one eigenmode of J D with eigenvalue lam at frequency w: 1 / (1 + i w tau - lam)."""
    return _functions()["response"](lam, w, tau)


def pair_white(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``int dw/2pi 1 / ((a + iw)(b - iw))`` for Re a, Re b > 0 (mode-pair integral of white noise)."""
    return _functions()["pair_white"](a, b)


def lorentz_split(a: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """The one-mode factor u(a, gamma) of the Lorentzian pair kernel ``u(a) u(b) (1 + 2 gamma pair_white(a, b))``."""
    return _functions()["lorentz_factor"](a, gamma)


def decay(lam: np.ndarray) -> np.ndarray:
    """Decay rate a(lam) = 1 / R(lam, 0) of an eigenmode of J D (1 - lam for the leak -x)."""
    return np.asarray(_functions()["decay"](lam)) + 0 * lam


def leak() -> float:
    """The leak L of the derived drift (``1/R(0, w) = L + i w tau``)."""
    return _functions()["leak"]


def coupling() -> float:
    """The coefficient c of lam in ``1/R(lam, w) = L + i w tau - c lam``."""
    return _functions()["coupling"]

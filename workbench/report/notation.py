"""One notation table for every report: symbol, meaning, convention (and the Faugeras-Tanré names).

:data:`NOTATION` lists the symbols of the workbench's equations with their meaning and scaling
convention (conventions are SymPy objects, typeset as maths); :data:`FT_NAMES` maps the names of
Faugeras and Tanré to the workbench's. :func:`notation_section` adds both as a section of a
:class:`~workbench.report.content.ReportContent`; :func:`notation_names` gives the symbol and
function names the table covers (the tests check every printed equation against it).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from workbench.report.content import ReportContent

__all__ = ["FT_NAMES", "KINK", "CURVATURE", "NOTATION", "Notation", "notation_names", "notation_section"]

_r = {"real": True}
N, g, J0, tau, tau_n, u, t, s = sp.symbols("N g J_0 tau tau_n u t s", **_r)
sigma2, sigmaI2, I0, mu = (
    sp.Symbol("sigma^2", **_r),
    sp.Symbol("sigma_I^2", **_r),
    sp.Symbol("I_0", **_r),
    sp.Symbol("mu"),
)
D0, Dinf, E0, lam_max = sp.symbols("Delta_0 Delta_inf E_0 lambda_max", **_r)
Jij, Ii, xi_ = sp.Symbol("J_ij"), sp.Symbol("I_i"), sp.Function("xi")
KINK = sp.Symbol(r"\dot{\Delta}(0^+)")
"""The kink of the autocovariance at lag 0 (white noise)."""
CURVATURE = sp.Symbol(r"\ddot{\Delta}(0^+)")
"""The curvature of the autocovariance just after lag 0 (vanishes at the chaos transition)."""
_F = {name: sp.Function(name) for name in ("x", "xtilde", "phi", "Delta", "eta", "C_eta", "Q", "Qtilde", "m")}
_F.update({name: sp.Function(name) for name in ("mtilde", "V", "psi", "C_phi", "K")})
_Var, _E = sp.Function("Var"), sp.Function("E")


@dataclass(frozen=True)
class Notation:
    """One row: the symbol (SymPy), what it means, its convention (SymPy or text) and the names it covers."""

    symbol: sp.Basic
    meaning: str
    convention: sp.Basic | str
    names: tuple[str, ...]


def _row(symbol: sp.Basic, meaning: str, convention: sp.Basic | str, *names: str) -> Notation:
    return Notation(symbol, meaning, convention, names or (str(symbol),))


NOTATION: tuple[Notation, ...] = (
    _row(N, "number of neurons", "couplings scale with 1/N"),
    _row(_F["x"](t), "activation of a neuron", "", "x"),
    _row(tau, "time constant of a neuron", "1 unless stated"),
    _row(_F["phi"](_F["x"](t)), "rate nonlinearity", sp.Eq(_F["phi"](sp.Symbol("x")), sp.tanh(sp.Symbol("x"))), "phi"),
    _row(Jij, "coupling from neuron j to neuron i", "independent Gaussian", "J", "J_ij"),
    _row(J0, "coupling mean", sp.Eq(_E(Jij), J0 / N)),
    _row(g, "coupling strength", sp.Eq(_Var(Jij), g**2 / N)),
    _row(Ii, "quenched external input", "independent Gaussian", "I", "I_i"),
    _row(I0, "input mean", sp.Eq(_E(Ii), I0)),
    _row(sigmaI2, "input variance", sp.Eq(_Var(Ii), sigmaI2)),
    _row(
        sigma2, "white-noise intensity", sp.Eq(sp.Symbol(r"\langle\xi(t)\xi(s)\rangle"), sigma2 * sp.DiracDelta(t - s))
    ),
    _row(
        tau_n,
        "correlation time of OU noise",
        sp.Eq(sp.Function("C_xi")(u), sp.exp(-sp.Abs(u) / tau_n) * sigma2 / (2 * tau_n)),
    ),
    _row(_F["xtilde"](t), "response field of the MSRDJ action", "", "xtilde"),
    _row(_F["Q"](t, s), "collective variable: population rate covariance", "saddle point", "Q"),
    _row(_F["m"](t), "collective variable: population mean rate", "saddle point", "m"),
    _row(_F["Qtilde"](t, s), "conjugate of Q", "zero at the saddle point", "Qtilde", "mtilde"),
    _row(_F["eta"](t), "self-consistent Gaussian field of the effective neuron", "", "eta"),
    _row(_F["C_eta"](t, s), "covariance of the field", "", "C_eta"),
    _row(sp.Tuple(sp.Symbol("t_0"), sp.Symbol("s_0")), "two times of the effective process", "", "t_0", "s_0"),
    _row(u, "lag", sp.Eq(u, t - s)),
    _row(_F["Delta"](u), "stationary autocovariance of x (connected)", "even in u", "Delta"),
    _row(D0, "variance of x", sp.Eq(D0, _F["Delta"](0))),
    _row(Dinf, "long-lag limit of the autocovariance", "zero on the chaotic branch", "Delta_inf"),
    _row(mu, "mean of x", ""),
    _row(
        sp.Symbol(r"\langle f\rangle_{\mu,\Delta_0}"),
        "Gaussian average at mean \u03bc, variance \u0394\u2080",
        "",
        "<>",
    ),
    _row(
        sp.Symbol(r"\mathcal{C}_{f}(\Delta;\Delta_0,\mu)"),
        "Gaussian kernel: average of f(x\u2081) f(x\u2082) at covariance \u0394",
        "",
        "C",
    ),
    _row(_F["C_phi"](u), "rate autocorrelation", "", "C_phi"),
    _row(
        _F["V"](sp.Symbol("Delta")),
        "potential of the covariance motion",
        sp.Eq(tau**2 * sp.Derivative(_F["Delta"](u), (u, 2)), -sp.Symbol(r"V'(\Delta)")),
        "V",
    ),
    _row(KINK, "kink at lag 0", "from white noise"),
    _row(CURVATURE, "curvature at lag 0+", "zero at the chaos transition"),
    _row(_F["psi"](u), "eigenfunction of the Schroedinger operator", "", "psi"),
    _row(E0, "ground-state energy", ""),
    _row(lam_max, "largest Lyapunov exponent", "DMFT and tangent map"),
    _row(_F["K"](t, s), "uncentred rate covariance (Faugeras-Tanre)", "", "K"),
)
"""Every symbol of the printed equations, in order of appearance."""

FT_NAMES: tuple[tuple[sp.Basic, sp.Basic, sp.Basic | str], ...] = (
    (sp.Symbol("J"), J0, "mean of the couplings times N"),
    (sp.Symbol("sigma"), g, sp.Eq(sp.Symbol("sigma"), g)),
    (sp.Symbol("lambda"), sigma2, sp.Eq(sigma2, sp.Symbol("lambda") ** 2)),
    (sp.Symbol("f"), _F["phi"](sp.Symbol("x")), "logistic in the FT figure"),
)
"""Faugeras-Tanré name, workbench name, relation."""


def notation_names() -> set[str]:
    """Symbol and function names that the notation table defines."""
    return {n for row in NOTATION for n in row.names}


def notation_section(content: ReportContent, ft_mapping: bool = False) -> None:
    """Add the shared notation table (and the Faugeras-Tanré name mapping) as a section of ``content``."""
    sec = content.section("Notation")
    sec.text(
        "The symbols below are shared by all reports of the workbench; each is also defined where it first appears."
    )
    rows = [[r.symbol, r.meaning, r.convention] for r in NOTATION]
    sec.table(["Symbol", "Meaning", "Convention"], rows, "Notation shared by all reports.", align="lll")
    if ft_mapping:
        sec.table(
            ["Faugeras-Tanre", "Workbench", "Relation"],
            [list(r) for r in FT_NAMES],
            "Names of Faugeras and Tanre and the workbench's: the same model in two notations.",
            align="lll",
        )

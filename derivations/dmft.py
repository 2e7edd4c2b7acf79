"""Stationary DMFT of random rate networks, derived from the spec's MSRDJ action.

``derive(spec) -> Derivation`` runs the symbolic pipeline of :mod:`workbench.symbolic` (action ->
Gaussian average over couplings and quenched inputs -> Hubbard-Stratonovich collective variables
-> saddle point -> effective single-site process -> stationary reduction) and returns the closed
equations with their unknowns, parameters, a step-by-step LaTeX rendering and provenance.

The derivation depends only on the *structure* of the spec (nonlinearity, populations, gains,
noise kind), not on the numerical values of g, J0, sigma2, ...; it is cached on disk by
:func:`workbench.codegen.cache_to_disk` under that skeleton and the whole source of
:data:`DERIVATION_CODE` (the symbolic layer and this code), so any edit there gives a new key.

Published forms it must reproduce (tested in tests/dmft): shared theory/dmft.md §2.1 (SCS
chaotic/static/boundary), §3.1 (white noise, ``+ sigma^4/8``), §4 (quenched input pair), §5 (J0
mean), §9 (populations).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from workbench.codegen.cache import CacheInfo, cache_to_disk
from workbench.spec import ModelSpec
from workbench.symbolic import derive_stationary
from workbench.symbolic.action import (
    CollectiveAction,
    EffectiveProcess,
    NetworkAction,
    SaddlePoint,
    build_action,
    mean_field_stages,
)
from workbench.symbolic.derivation import StagedDerivation
from workbench.symbolic.stationary import StationaryDMFT, stationary_reduction

__all__ = ["DERIVATION_CODE", "STAGES", "Derivation", "derive", "derive_cached", "derive_from_action", "skeleton"]

DERIVATION_CODE: tuple[str, ...] = (
    "workbench.symbolic",
    "workbench.spec",
    "workbench.expr",
    "workbench.errors",
    "derivations",
)
"""Modules whose whole source (content, size and mtime of every file) keys the derivation cache:
the symbolic layer, the spec and expression parser it reads, and this derivation code."""

STAGES: tuple[str, ...] = ("action", "averaged", "collective", "saddle", "processes", "stationary")
"""Attribute names of the stage objects a :class:`Derivation` keeps, in pipeline order."""


@dataclass
class Derivation(StagedDerivation):
    """A derived result: equations, unknowns, parameters, stages, LaTeX and provenance.

    Attributes
    ----------
    name : str
    equations : dict of str -> sympy.Eq
        Closed stationary equations (see :class:`workbench.symbolic.StationaryDMFT`).
    unknowns : tuple of sympy.Symbol
    parameters : tuple of sympy.Symbol
    steps : list of (str, str)
        (title, LaTeX) of every step of the derivation, in order.
    provenance : dict
    stationary : StationaryDMFT
        The full stationary object (ODE, potential, kink, Schroedinger potential, Lyapunov map).
    action, averaged : NetworkAction
        The MSRDJ action and its average over couplings and quenched inputs.
    collective : CollectiveAction
    saddle : SaddlePoint
    processes : dict of str -> EffectiveProcess
        The effective single-site process of each population.
    """

    STAGES = STAGES

    name: str
    equations: dict[str, sp.Eq]
    unknowns: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    steps: list[tuple[str, str]]
    provenance: dict[str, Any]
    stationary: StationaryDMFT = field(repr=False)
    action: NetworkAction = field(repr=False)
    averaged: NetworkAction = field(repr=False)
    collective: CollectiveAction = field(repr=False)
    saddle: SaddlePoint = field(repr=False)
    processes: dict[str, EffectiveProcess] = field(repr=False)



def skeleton(spec: ModelSpec) -> dict[str, Any]:
    """The structural part of a spec that the derivation depends on."""
    return {
        "phi": spec.phi.label(),
        "populations": [
            {"name": p.name, "fraction": p.fraction, "gain": p.gain.to_dict(), "tau": p.tau.to_dict()}
            for p in spec.populations
        ],
        "noise": spec.noise.kind,
    }


def _spec_from_skeleton(sk: dict[str, Any]) -> ModelSpec:
    sig = 1.0 if sk["noise"] != "none" else 0.0
    return ModelSpec.from_dict(
        {"phi": sk["phi"], "populations": sk["populations"], "noise": {"kind": sk["noise"], "sigma2": sig}}
    )


def _eqs_latex(eqs: dict[str, Any]) -> str:
    return " \\\\\n".join(rf"\text{{{_text(k)}}}:&\quad {sp.latex(v)}" for k, v in eqs.items())


def _text(name: str) -> str:
    """An equation name for LaTeX text mode (underscores escaped)."""
    return name.replace("_", r"\_")


def _stability_steps(st: StationaryDMFT) -> list[tuple[str, str]]:
    """LaTeX of the derived stability objects and of the fixed-point map (one population)."""
    if st.static_radius is None or st.static_schrodinger is None:
        return []
    (P,) = st.fields.values()
    stab = (
        rf"r &= \sqrt{{A}},\quad A = \frac{{1}}{{c}}\frac{{\partial R}}{{\partial \Delta}}\Big|_{{\Delta = "
        rf"{sp.latex(P.Delta0)}}} \\ r &= {sp.latex(st.static_radius)} \\ "
        rf"W({sp.latex(P.Delta0)}) &= {sp.latex(st.static_schrodinger)} \\ "
        rf"\text{{local instability}}:&\quad {sp.latex(st.equations['local_instability'])}"
    )
    out = [("Stability of the static branch", stab)]
    if st.fixed_point:
        fp = " \\\\\n".join(rf"{sp.latex(x)} &\leftarrow {sp.latex(v)}" for x, v in st.fixed_point.items())
        out.append(("Fixed-point map (the closed equations solved for their unknowns)", fp))
    return out


@cache_to_disk(code=DERIVATION_CODE, memory=32)
def _derive_skeleton(skeleton_json: str) -> Derivation:
    sk = json.loads(skeleton_json)
    return derive_from_action(build_action(_spec_from_skeleton(sk)), sk)


def derive_from_action(action: NetworkAction, sk: dict[str, Any] | None = None) -> Derivation:
    """The derivation of a given action (uncached): every pipeline step after :func:`build_action`.

    Used with a perturbed action (``build_action(spec, leak=2)``, ``noise=False``,
    ``coupling_mean_sign=-1``) to test that the equations and the solver's numbers follow the action.
    """
    sk = sk if sk is not None else {"action_options": repr(action.options)}
    shared = mean_field_stages(action)
    avg, col, sad, procs = shared.averaged, shared.collective, shared.saddle, shared.processes
    st = stationary_reduction(procs)
    steps: list[tuple[str, str]] = [
        ("MSRDJ action", action.latex().replace("&=", "&= ")),
        ("Average over couplings and quenched inputs", avg.latex()),
        ("Collective variables (per neuron)", r"\frac{S}{N} &= " + sp.latex(col.per_neuron)),
        ("Saddle point", " \\\\\n".join(rf"{sp.latex(k)} &= {sp.latex(v)}" for k, v in sad.solution.items())),
        ("Effective single-site process", " \\\\\n".join(p.latex().replace(" = ", " &= ", 1) for p in procs.values())),
        ("Stationary covariance equation", " \\\\\n".join(sp.latex(e).replace("=", "&=", 1) for e in st.ode.values())),
    ]
    if st.potential is not None:
        steps.append(
            (
                "Potential and kink",
                rf"V(\Delta) &= {sp.latex(st.potential)} \\ \dot\Delta(0^+) &= {sp.latex(next(iter(st.kink.values())))}",
            )
        )
    steps.append(("Closed equations", _eqs_latex(st.equations)))
    if st.lyapunov is not None:
        steps.append(
            (
                "Largest Lyapunov exponent",
                rf"H &= -{sp.latex(st.mass)}\partial_u^2 + {sp.latex(st.schrodinger_potential)} \\ "
                + sp.latex(st.lyapunov).replace("=", "&=", 1),
            )
        )
    steps += _stability_steps(st)
    P = next(iter(st.fields.values()))
    unknowns: tuple[sp.Symbol, ...] = (
        tuple(s for F in st.fields.values() for s in (F.Delta0, F.Delta_inf, F.mu))
        if len(st.fields) > 1
        else (P.Delta0, P.Delta_inf, P.mu)
    )
    free: set[sp.Symbol] = set()
    for e in st.equations.values():
        free |= e.free_symbols
    for e in st.ode.values():
        free |= e.free_symbols
    params = tuple(sorted((free - set(unknowns)) - {sp.Symbol("u", real=True)}, key=str))
    prov = {
        "derivation": "derivations.dmft",
        "skeleton": sk,
        "sympy": sp.__version__,
        "references": "shared/theory/dmft.md §2-§5, §8, §9",
    }
    return Derivation(
        "dmft-stationary", dict(st.equations), unknowns, params, steps, prov, st, action, avg, col, sad, procs
    )


def derive(spec: ModelSpec) -> Derivation:
    """Derive the stationary DMFT of ``spec`` (cached on disk by the spec's structure, and kept in this process:
    unpickling it rebuilds the SymPy expressions, about 0.2 s, which studies that set up one DMFT problem per drawn
    network paid every time)."""
    return _derive_skeleton(json.dumps(skeleton(spec), sort_keys=True))


def derive_cached(spec: ModelSpec) -> tuple[Derivation, CacheInfo]:
    """:func:`derive` and how the disk cache served it (key, ``"hit"``/``"miss"``/``"off"``)."""
    return _derive_skeleton.cached_call(json.dumps(skeleton(spec), sort_keys=True))


def derive_uncached(spec: ModelSpec) -> StationaryDMFT:
    """The stationary object without the disk cache (tests that modify the action use the pipeline)."""
    return derive_stationary(spec)

"""Symbolic layer: fields, the MSRDJ action from the spec, functional calculus, Gaussian averages,
saddle point, effective single-site process and its stationary reduction.

Typical use::

    from workbench.symbolic import derive_stationary
    st = derive_stationary(spec)        # StationaryDMFT
    st.equations["chaotic"]             # 1/2 Delta0^2 = g^2 (<Phi^2> - <Phi>^2) + sigma^4/(8 tau^2)
    derive_stationary(build_action(spec, leak=2))   # a perturbed action (ActionOptions hooks)
"""

from __future__ import annotations

from workbench.symbolic.action import (
    ActionOptions,
    CollectiveAction,
    EffectiveProcess,
    MeanFieldStages,
    NetworkAction,
    SaddlePoint,
    average_disorder,
    build_action,
    collective_action,
    effective_processes,
    mean_field_stages,
    saddle_point,
)
from workbench.symbolic.functional import Average, LogPartition, functional_derivative
from workbench.symbolic.gaussian import GaussAvg, GaussKernel, closed_form, endpoint_rules, lam
from workbench.symbolic.stationary import D_VAR, StationaryDMFT, stationary_reduction

__all__ = [
    "ActionOptions",
    "Average",
    "CollectiveAction",
    "D_VAR",
    "EffectiveProcess",
    "GaussAvg",
    "GaussKernel",
    "LogPartition",
    "MeanFieldStages",
    "NetworkAction",
    "SaddlePoint",
    "StationaryDMFT",
    "average_disorder",
    "build_action",
    "closed_form",
    "collective_action",
    "derive_stationary",
    "effective_processes",
    "endpoint_rules",
    "functional_derivative",
    "lam",
    "mean_field_stages",
    "saddle_point",
    "stationary_reduction",
]


def derive_stationary(spec_or_action) -> StationaryDMFT:  # noqa: ANN001
    """Run the whole pipeline: action -> disorder average -> collective variables -> saddle point ->
    effective process -> stationary equations. Accepts a ModelSpec or a (modified) NetworkAction."""
    action = spec_or_action if isinstance(spec_or_action, NetworkAction) else build_action(spec_or_action)
    return stationary_reduction(mean_field_stages(action).processes)

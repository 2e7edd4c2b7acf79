"""The one-population DMFT results share their fields and ``to_dict`` (issue 12): same keys as before."""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from workbench.theories.dmft.discrete import MapDMFTResult
from workbench.theories.dmft.result import SUMMARY_KEYS, DMFTResult, OnePopulationResult

SHARED = ("Delta0", "Delta_inf", "mu", "regime", "mean_phi", "mean_phi_prime", "C_phi0", "mean_phi_prime2",
          "lyapunov", "tau_half", "kappa")
VALUES = dict(zip(SHARED, (1.0, 0.2, 0.0, "chaotic", 0.1, 0.5, 0.4, 0.3, 0.01, 3.0, 0.5), strict=True))


def _flow() -> DMFTResult:
    return DMFTResult(**VALUES, static_Delta0=0.0, static_mu=0.0, static_radius=1.2, tau=np.arange(3.0),
                      Delta_tau=np.ones(3), params={"g": 2.0}, info={"method": "m"}, error_estimates={"Delta0": 1e-9})


def _map() -> MapDMFTResult:
    return MapDMFTResult(**VALUES, delta=0.05, k=np.arange(3), Delta_k=np.ones(3), params={"g": 2.0},
                         info={"method": "map lag shooting"})


def test_both_results_derive_the_shared_fields_from_one_base() -> None:
    """The shared scalar fields come first, in one order; DMFTResult keeps its positional order."""
    for cls in (DMFTResult, MapDMFTResult):
        assert issubclass(cls, OnePopulationResult)
        assert tuple(f.name for f in dataclasses.fields(cls))[: len(SHARED)] == SHARED
    assert [f.name for f in dataclasses.fields(DMFTResult)][len(SHARED):] == [
        "static_Delta0", "static_mu", "static_radius", "tau", "Delta_tau", "params", "info", "error_estimates"
    ]


def test_to_dict_and_summary_keys_are_unchanged() -> None:
    """The JSON keys of both results (with and without the curves) and their summaries, as before the base."""
    flow_keys = {*SHARED, "static_Delta0", "static_mu", "static_radius", "params", "info", "error_estimates"}
    assert set(_flow().to_dict()) == flow_keys
    assert set(_flow().to_dict(arrays=True)) == flow_keys | {"tau", "Delta_tau"}
    assert _flow().to_dict(arrays=True)["Delta_tau"] == [1.0, 1.0, 1.0]
    map_keys = {*SHARED, "delta", "params", "info"}
    assert set(_map().to_dict()) == map_keys
    assert set(_map().to_dict(arrays=True)) == map_keys | {"k", "Delta_k"}
    assert _map().to_dict(arrays=True)["k"] == [0, 1, 2]
    assert list(_flow().summary()) == [*SUMMARY_KEYS, "params", "method", "error_estimates"]
    summary = _map().summary()
    assert "static_Delta0" not in summary and summary["delta"] == 0.05 and summary["dynamics"] == "map"
    json.dumps(summary, allow_nan=False)

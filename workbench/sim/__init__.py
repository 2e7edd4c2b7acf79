"""Reference stochastic simulator, network realisations and estimators."""

from workbench.sim.network import Network, build_network, sample_J
from workbench.sim.simulator import RECORDABLE, SimResult, run_network, simulate, step_coefficients

__all__ = [
    "Network",
    "RECORDABLE",
    "SimResult",
    "build_network",
    "run_network",
    "sample_J",
    "simulate",
    "step_coefficients",
]

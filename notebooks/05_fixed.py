# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fixed connectivity: predictions for one given network, pair by pair
#
# For $\dot x_i = -x_i + \sum_j J_{ij}\phi(x_j) + \xi_i$ with ONE drawn matrix $J$, the leading order of the
# $1/\sqrt{N}$ expansion (Wakhloo 2026; Clark 2026) predicts the covariances of this network pair by pair from
# $J$ and the per-neuron gains $d_i = \langle\phi'(x_i)\rangle$: $R^x(\omega) = [(1 + i\omega) I - J D]^{-1}$.
# Here: predict, simulate the same $J$, compare pairs, the pulse response and the zero-frequency spectrum
# (Shen-Hu). Notes: `shared/theory/fixed-connectivity-and-dimension.md` sections 1, 2, 5, 6. Set
# `WORKBENCH_FAST=1` for a fast run. Command line: `workbench fixed --J-file J.npy --phi tanh --sigma2 1 --json`;
# report: `workbench report fixed`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from workbench.config import get_flag
from workbench.theories.fixed import predict
from workbench.theories.fixed.checks import (
    FixedRun,
    baseline,
    exact_comparisons,
    fixed_comparisons,
    fixed_job,
    fixed_samples,
    network_of,
    pair_agreements,
)
from workbench.theories.fixed.shenhu import hs_law

FAST = get_flag("WORKBENCH_FAST")

# %% [markdown]
# ## 1. One network, its prediction and its simulation
# The stored job predicts for the network drawn from the seed, simulates the same $J$ (independent blocks for
# standard errors) and keeps the pair statistics against the prediction, the gains, PR/N and the pulse responses.

# %%
run = FixedRun(N=100 if FAST else 500, g=1.2, sigma2=1.0, trials=2 if FAST else 4, T=240.0 if FAST else 1000.0,
               n_obs=60 if FAST else 160, windows=(5.0, 10.0) if FAST else (10.0, 20.0), pulse_T=8.0 if FAST else 20.0,
               seed=7)
arrays = fixed_samples(fixed_job(run).params)
print("g_eff =", arrays["pred_PR"][2], " PR^x/N theory / sim:", arrays["pred_PR"][0], arrays["PR_x"][0])

# %% [markdown]
# ## 2. Pair by pair: correlation against the value sampling noise allows, slope, and the checks

# %%
ag = pair_agreements(arrays, run)
for name in ("x", "phi", "zf_phi_R"):
    a = ag[name]
    print(f"{name}: corr {a.corr:.3f} (a perfect prediction: {a.attenuation:.3f}), slope {a.slope:.3f} +- {a.se['slope']:.3f}")
for c in fixed_comparisons(arrays, run, zero_frequency=True) + exact_comparisons(arrays, run):
    print("OK  " if c.ok else "FAIL", c.quantity, f"{c.theory:.4g} vs {c.estimate:.4g} (tol {c.tolerance:.2g})")
print("baseline (disorder-averaged DMFT, no pair structure):", baseline(ag["x"]))

# %%
iu = np.triu_indices(run.n_obs, 1)
fig, ax = plt.subplots(1, 2, figsize=(8, 3.5))
for a_, name in zip(ax, ("x", "phi"), strict=True):
    a_.plot(arrays[f"pred_cov_{name}"][iu], arrays[f"sim_cov_{name}"][iu], ".", ms=1, alpha=0.4)
    lim = float(np.abs(arrays[f"pred_cov_{name}"][iu]).max()) * 1.2
    a_.plot([-lim, lim], [-lim, lim], "k", lw=0.7)
    a_.set_xlabel(f"predicted C^{name}_ij")
    a_.set_ylabel("simulated")
plt.show()

# %% [markdown]
# ## 3. Pulse response and the Shen-Hu spectrum

# %%
t = arrays["pulse_t"]
fig, ax = plt.subplots(1, 2, figsize=(8, 3.5))
ax[0].errorbar(t, arrays["pulse_mean"][:, 1, 0], 2 * arrays["pulse_se"][:, 1, 0], fmt=".", label="simulation")
ax[0].plot(t, arrays["pulse_flow"][:, 1, 0], label="exp((JD - 1) t)")
ax[0].set_title("R_10(t)")
ax[0].legend()
law = hs_law(float(arrays["pred_PR"][2]), float(arrays["pred_PR"][4]))
ax[1].hist(arrays["pred_eig_zf_phi"], bins=40, density=True, alpha=0.5, label="this J")
if law["x"] is not None:
    ax[1].plot(law["x"], law["density"], label="Shen-Hu HS(g_eff)")
ax[1].legend()
plt.show()

# %% [markdown]
# ## 4. The prediction alone, for any matrix (seconds at N = 4000)

# %%
J = network_of(run).J
res = predict(J, "tanh", 1.0)
print(res.summary() if hasattr(res, "summary") else res)

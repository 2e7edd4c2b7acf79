# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The reference simulator
#
# A walk-through of `workbench.sim`: simulate a chaotic tanh network and a linear network, look at
# the traces and the autocovariance, and compare the linear network's simulated covariance with
# the exact Lyapunov solution (the same check as the `simulator` report, which adds error bars
# and tolerances: `workbench report simulator`).
#
# Set `WORKBENCH_FAST=1` for small sizes (the test suite does).

# %%
import matplotlib.pyplot as plt
import numpy as np
import scipy.linalg as sla

from workbench.config import get_flag
from workbench.sim import build_network, simulate
from workbench.sim.estimators import autocovariance_trials, mean_is_zero, participation_ratio
from workbench.spec import ModelSpec, preset

FAST = get_flag("WORKBENCH_FAST")
params = dict(N=200, T=100.0, trials=2) if FAST else dict(N=1000, T=300.0, trials=4)
params

# %% [markdown]
# ## A chaotic network
# The preset `chaos` is the Sompolinsky-Crisanti-Sommers network: `phi = tanh`, `g = 2`, no noise.

# %%
spec = preset("chaos").replace(N=params["N"])
print(spec.summary())
res = simulate(spec, T=params["T"], dt=0.05, trials=params["trials"], seed=1, burn_in=50.0, stride=4,
               record=("mean", "cov", "traj"))
summary = res.summary()
print({k: summary[k] for k in ("var_x_mean", "var_phi_mean", "participation_ratio")})

# %%
dt_rec = res.t[1] - res.t[0]
# tanh, no input, J0 = 0: the mean is 0 by symmetry, so the series are not centred. Centring each by its
# own time average would bias C(tau) by about -(2/T) int C, a negative offset that looks like physics.
assert mean_is_zero(spec)
lags, C, SE = autocovariance_trials(res.traj, dt=dt_rec, max_lag=20.0, mean=0.0)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
for i in range(4):
    ax[0].plot(res.t, res.traj[:, i, 0], lw=0.8)
ax[0].set(xlabel="t", ylabel="$x_i(t)$", title="sample neurons")
ax[1].fill_between(lags, C - 2 * SE, C + 2 * SE, alpha=0.3, lw=0, label=f"2 SE over {params['trials']} trials")
ax[1].plot(lags, C, label="mean 0 by symmetry (not centred)")
ax[1].legend(fontsize=8)
ax[1].axhline(0, color="k", lw=0.5)
ax[1].set(xlabel=r"$\tau$", ylabel=r"$C(\tau)$", title="autocovariance")
plt.show()

# %% [markdown]
# ## A linear network against the exact covariance
# For `phi(x) = x` and `g < 1` the stationary covariance solves `A C + C A^T + sigma2 I = 0` with
# `A = J - I` (tau = 1). The simulator's network for a seed is `build_network(spec, SeedSequence(seed).spawn(3)[0])`.

# %%
lin = ModelSpec.simple(N=params["N"] // 4, g=0.5, phi="linear", sigma2=1.0, init_std=0.0)
seed = 3
net = build_network(lin, np.random.SeedSequence(seed).spawn(3)[0])
r = simulate(lin, network=net, T=params["T"] * 4, dt=0.05, trials=params["trials"] * 4, seed=seed, burn_in=20.0,
             stride=10, record=("cov",))
C_exact = sla.solve_continuous_lyapunov(net.J - np.eye(lin.N), -np.eye(lin.N))
rel = np.linalg.norm(r.cov_x - C_exact) / np.linalg.norm(C_exact)
print(f"relative Frobenius error {rel:.3f}; participation ratio sim {participation_ratio(r.cov_x):.2f} "
      f"exact {participation_ratio(C_exact):.2f}")
assert rel < 0.5

# %%
fig, ax = plt.subplots(figsize=(4, 4))
ax.plot(C_exact.ravel(), r.cov_x.ravel(), ".", ms=2)
lim = [C_exact.min(), C_exact.max()]
ax.plot(lim, lim, "k-", lw=0.8)
ax.set(xlabel="exact (Lyapunov)", ylabel="simulated", title="equal-time covariance entries")
plt.show()

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
# # Transient mean-field theory of Hopfield-like networks (Faugeras & Tanré)
#
# Model: $dX^i = (g(X^i) + \sum_j J_{ij} f(X^j))\,dt + \lambda\,dW^i$, $J_{ij}$ of mean $J/N$ and
# variance $\sigma^2/N$. Its $N\to\infty$ limit is one neuron driven by a Gaussian field of mean
# $J m(t)$ and covariance $\sigma^2 K(t,s)$ with $m(t) = E f(X_t)$, $K(t,s) = E f(X_t) f(X_s)$.
# Notes: `shared/theory/meanfield-transient.md`. Set `WORKBENCH_FAST=1` for a fast run.

# %%
import matplotlib.pyplot as plt
import numpy as np

from derivations.meanfield_transient import closure_recursion, effective_process
from workbench.config import get_flag
from workbench.theories.meanfield import TransientProblem, picard_closure, solve_closure, solve_march, solve_picard
from workbench.theories.meanfield.plots import ft_figure

FAST = get_flag("WORKBENCH_FAST")

# %% [markdown]
# ## 1. The effective process, derived from the disorder-averaged action

# %%
d = effective_process(n_grid=3)
print("drift:", d.drift)
print("noise covariance / dt^2:", d.noise_cov)
for name, eq in closure_recursion().items():
    print(name, ":", eq)

# %% [markdown]
# ## 2. The three solvers on the FT case J = 2

# %%
p = TransientProblem(J=2, sigma=1, lam=1, f="logistic", mu0="normal:0,1", T=10, dt=0.05)
ref = solve_closure(p)
mar = solve_march(p, paths=4000 if FAST else 20000, seed=1)
pic = solve_picard(p, paths=4000 if FAST else 20000, seed=2)
print("m(T), K(T,T):", ref.m[-1], ref.K[-1, -1], "(notes: 0.7842, 0.6408)")
print("march max|dm| =", np.abs(mar.m - ref.m).max(), " Picard max|dm| =", np.abs(pic.m - ref.m).max(),
      " Picard iterations:", len(pic.history))
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].plot(p.t, ref.m, "k", label="closure")
ax[0].plot(p.t, mar.m, "--", label="march")
ax[0].plot(p.t, pic.m, ":", label="Picard")
ax[0].legend()
ax[0].set_xlabel("t")
ax[0].set_ylabel("m(t)")
pc = picard_closure(p, tol=1e-8)
ax[1].semilogy([h["d"] for h in pc.history], "s-", label="exact map")
ax[1].semilogy([h["d"] for h in pic.history], "o-", label="Monte Carlo")
ax[1].set_xlabel("iteration")
ax[1].legend()
plt.show()

# %% [markdown]
# ## 3. The FT figure (J = -6, 0, 2) with networks and universality

# %%
out = "notebook_figures"
data = ft_figure(out, fast=FAST)
for J, v in data["cases"].items():
    print(J, {k: round(v[k], 5) for k in ("m_T", "K_TT", "net_max_dm", "rad_max_dm", "march_max_dm")})
print(data["files"])

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
# Model: $dX^i = (g(X^i) + \sum_j J_{ij} f(X^j))\,dt + \lambda\,dW^i$, $J_{ij}$ of mean $J_0/N$ and
# variance $g^2/N$ (the shared spec names: `J0`, `g` the coupling std, `sigma2` $= \lambda^2$, `phi` $= f$;
# the drift $g(x)$ is the theory's own `drift`). Its $N\to\infty$ limit is one neuron driven by a
# Gaussian field of mean $J_0 m(t)$ and covariance $g^2 K(t,s)$ with $m(t) = E f(X_t)$,
# $K(t,s) = E f(X_t) f(X_s)$. Notes: `shared/theory/meanfield-transient.md`. Set `WORKBENCH_FAST=1`
# for a fast run. The command line is the same problem:
# `workbench meanfield --J0 2 --g 1 --sigma2 1 --phi logistic --drift=-x --json`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from derivations.meanfield_transient import derive
from workbench.config import get_flag
from workbench.spec import ModelSpec
from workbench.theories.meanfield import MeanFieldProblem, MeanFieldSetup, picard_closure
from workbench.theories.meanfield.plots import ft_figure

FAST = get_flag("WORKBENCH_FAST")

# %% [markdown]
# ## 1. The derivation from the shared MSRDJ action, stage by stage

# %%
der = derive()
for title, eqs in der.stage_equations:
    print(f"-- {title}")
    for name, eq in eqs.items():
        print(f"   {name}: {eq}")

# %% [markdown]
# ## 2. The three solvers on the FT case J0 = 2 (one problem, three methods)

# %%
spec = ModelSpec.simple(J0=2.0, g=1.0, sigma2=1.0, phi="logistic", init_mean=0.0, init_std=1.0)
problem = MeanFieldProblem(spec, MeanFieldSetup(T=10, dt=0.05, drift="-x"))
paths = 4000 if FAST else 20000
closure = problem.build_solver("closure")
print("generated kernels:", [cf.func.__name__ for cf in closure.generated])
ref = closure.solve()
mar = problem.build_solver("march", paths=paths, seed=1).solve()
pic = problem.build_solver("picard", paths=paths, seed=2).solve()
print("summary:", {k: ref.summary()[k] for k in ("J0", "g", "sigma2", "phi", "drift", "m_T", "K_TT")})
print("m(T), K(T,T):", ref.m[-1], ref.K[-1, -1], "(notes: 0.7842, 0.6408)")
print("march max|dm| =", np.abs(mar.m - ref.m).max(), " Picard max|dm| =", np.abs(pic.m - ref.m).max(),
      " Picard iterations:", len(pic.history))
t = problem.transient.t
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].plot(t, ref.m, "k", label="closure")
ax[0].plot(t, mar.m, "--", label="march")
ax[0].plot(t, pic.m, ":", label="Picard")
ax[0].legend()
ax[0].set_xlabel("t")
ax[0].set_ylabel("m(t)")
pc = picard_closure(problem.transient, tol=1e-8)
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

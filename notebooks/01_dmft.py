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
# # Dynamic mean-field theory, derived
#
# The stationary DMFT of a random rate network, step by step from the spec's MSRDJ action
# (`workbench.symbolic`), then the generated solver (`workbench.theories.dmft`) against the reference
# simulator (`workbench.sim`). Theory background and reference values: shared/theory/dmft.md.
#
# Set `WORKBENCH_FAST=1` for small sizes (the test suite does).

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp
from IPython.display import Math, display

from derivations.dmft import derive
from workbench.config import get_flag
from workbench.sim import simulate
from workbench.sim.estimators import autocovariance_trials, mean_is_zero
from workbench.spec import ModelSpec
from workbench.symbolic import average_disorder, build_action, collective_action, effective_processes, saddle_point
from workbench.symbolic.stationary import stationary_reduction
from workbench.theories.dmft import DMFTProblem

FAST = get_flag("WORKBENCH_FAST")
params = dict(N=300, T=150.0, trials=2) if FAST else dict(N=2000, T=600.0, trials=4)
spec = ModelSpec.simple(g=2.0, sigma2=0.5, N=params["N"])
params

# %% [markdown]
# ## 1. The action, built from the spec

# %%
action = build_action(spec)
for name, term in action.terms.items():
    display(Math(rf"S_{{\mathrm{{{name}}}}} = {sp.latex(term)}"))

# %% [markdown]
# ## 2. Gaussian average over the couplings (cumulant generating function, derived by integration)

# %%
avg = average_disorder(action)
display(Math(sp.latex(avg.terms["coupling[all,all]"])))

# %% [markdown]
# ## 3. Collective variables Q(t, s), m(t) and the saddle point

# %%
col = collective_action(avg)
display(Math(r"\frac{S}{N} = " + sp.latex(col.per_neuron)))
sad = saddle_point(col)
for k, v in sad.solution.items():
    display(Math(f"{sp.latex(k)} = {sp.latex(v)}"))

# %% [markdown]
# ## 4. Effective single-site process and its stationary reduction

# %%
procs = effective_processes(col, sad)
st = stationary_reduction(procs)
for p in procs.values():
    display(Math(sp.latex(p.equation)))
    display(Math(r"\langle\eta\eta\rangle = " + sp.latex(p.noise_cov_saddle)))
for eq in st.ode.values():
    display(Math(sp.latex(eq)))
display(Math(r"V(\Delta) = " + sp.latex(st.potential)))
display(Math(r"\dot\Delta(0^+) = " + sp.latex(next(iter(st.kink.values())))))
for k, eq in st.equations.items():
    display(Math(rf"\text{{{k}}}:\ " + sp.latex(eq)))

# %% [markdown]
# ## 5. Generated solver: Delta0, lambda over g, and Delta(tau)

# %%
der = derive(spec)
solver = DMFTProblem(spec).build_solver()
gs = np.linspace(0.6, 3.0, 13 if FAST else 40)
rows = [solver.solve(spec.with_overrides(g=float(g))) for g in gs]
fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
ax[0].plot(gs, [r.Delta0 for r in rows], "k-")
ax[0].set_xlabel("g")
ax[0].set_ylabel(r"$\Delta_0$")
ax[1].plot(gs, [r.lyapunov for r in rows], "k-")
ax[1].axhline(0, color="0.7")
ax[1].set_xlabel("g")
ax[1].set_ylabel(r"$\lambda_{\max}$")
fig.tight_layout()

# %% [markdown]
# ## 6. Theory vs simulation: Delta(tau)

# %%
theory = solver.solve(spec)
res = simulate(
    spec,
    T=params["T"],
    dt=0.05,
    trials=params["trials"],
    seed=1,
    burn_in=50.0,
    stride=2,
    record=("traj",),
    neurons=spec.N,
)
# tanh, no input, J0 = 0: the mean is 0 by symmetry and the uncentred estimate has no centring bias
assert mean_is_zero(spec)
lags, C, SE = autocovariance_trials(res.traj, dt=0.1, max_lag=15.0, mean=0.0)
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.fill_between(lags, C - 2 * SE, C + 2 * SE, alpha=0.3, lw=0, label=f"2 SE over {params['trials']} trials")
ax.plot(lags, C, ".", ms=3, label=f"simulation N={spec.N}")
ax.plot(lags, theory.Delta_at(lags), "k-", label="DMFT (generated solver)")
ax.set_xlabel(r"$\tau$")
ax.set_ylabel(r"$\Delta(\tau)$")
ax.legend()
fig.tight_layout()
print(f"Delta0: theory {theory.Delta0:.4f}, simulation {C[0]:.4f}")

# %% [markdown]
# ## 7. Two populations and coloured noise: the lag-grid solver
#
# With several populations (Kadmon-Sompolinsky) or OU input noise there is no energy integral.
# `DMFTProblem(...).build_solver()` then returns the lag-grid solver, compiled from the same
# derived equations; the derived covariance equations of the E/I preset are shown first.

# %%
from workbench.sim.estimators import population_autocorrelation  # noqa: E402
from workbench.spec import preset  # noqa: E402

ei = ModelSpec.from_dict({**preset("ei").to_dict(), "N": params["N"]})
ei_problem = DMFTProblem(ei)
for eq in ei_problem.derivation.stationary.ode.values():
    display(Math(sp.latex(eq)))
ei_theory = ei_problem.build_solver().solve(ei)
res = simulate(
    ei, T=params["T"], dt=0.05, trials=params["trials"], seed=3, burn_in=40.0, stride=2, record=("traj",), neurons=ei.N
)
# uncentred <x_i(t) x_i(t + tau)> = Delta_a(tau) + mu_a^2 (no centring bias); mu_a^2 of the theory is subtracted
per = np.array([population_autocorrelation(res.traj[:, :, k : k + 1], ei.sizes, dt=0.1, max_lag=8.0)[1]
                for k in range(res.traj.shape[2])]) - np.asarray(ei_theory.mu)[None, :, None] ** 2
lags = np.arange(per.shape[2]) * 0.1
C, SE = per.mean(0), per.std(0, ddof=1) / np.sqrt(per.shape[0])
fig, ax = plt.subplots(figsize=(5, 3.2))
for a, name in enumerate(ei_theory.populations):
    ax.fill_between(lags, C[a] - 2 * SE[a], C[a] + 2 * SE[a], color=f"C{a}", alpha=0.25, lw=0)
    ax.plot(lags, C[a], ".", ms=3, color=f"C{a}", label=f"{name}: simulation N={ei.N} (band 2 SE)")
    ax.plot(ei_theory.tau, ei_theory.Delta_tau[a], "-", color=f"C{a}", label=f"{name}: DMFT")
ax.set_xlim(0, 8)
ax.set_xlabel(r"$\tau$")
ax.set_ylabel(r"$\Delta_a(\tau)$")
ax.legend(fontsize=8)
fig.tight_layout()
print(ei_theory.to_dict()["Delta0"], "regime:", ei_theory.regime, "bulk radius:", round(ei_theory.static_radius, 4))

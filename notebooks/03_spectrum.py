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
# # Random-matrix theory of sparse E-I Jacobians (Chotibut, Evnin, Horinouchi)
#
# The Jacobian $M = T^{-1}(-I + W G)$ of the workbench's network, read from its spec. Its bulk is
# $F(z) = \rho_{PF}(K_{ab} f_b \langle g^2/|1+\tau z|^2\rangle_b) \ge 1$; the density comes from the
# population Dyson equations of the Hermitized resolvent; outliers from the mean couplings. Notes:
# `shared/theory/rmt-jacobians.md`. Set `WORKBENCH_FAST=1` for a fast run. The command line:
# `workbench spectrum ei-jacobian edge --json`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from derivations.spectrum import derive
from workbench.config import get_flag
from workbench.spec import preset
from workbench.theories.spectrum import SpectrumProblem
from workbench.theories.spectrum.plots import scatter_figure
from workbench.theories.spectrum.sampler import sample_jacobian

FAST = get_flag("WORKBENCH_FAST")

# %% [markdown]
# ## 1. The derived kernels

# %%
spec = preset("ei-jacobian")
der = derive(spec)
for name in ("edge", "dyson", "res_re", "res_im", "out_re", "threshold", "gap_weight"):
    print(f"{name}: {der.kernels[name]}")

# %% [markdown]
# ## 2. Edge, stability threshold, outliers

# %%
solver = SpectrumProblem(spec).build_solver()
print(solver.solve().summary())

# %% [markdown]
# ## 3. Bar and blob: one sampled Jacobian with the predicted boundary

# %%
sample = sample_jacobian(spec if not FAST else spec, seed=1)
fig = scatter_figure(solver, sample.core, sample.bar, "ei-jacobian, one sample")
plt.show()

# %% [markdown]
# ## 4. Density along a cut

# %%
y = np.linspace(-0.2, 0.2, 81 if FAST else 401)
plt.plot(y, solver.density(np.full(y.size, -0.15), y))
plt.xlabel("Im z")
plt.ylabel("rho(-0.15 + i y)")
plt.show()

"""Code generation: SymPy expressions -> generated, disk-cached NumPy / numba modules.

Public API:

* :func:`compile_system` -> :class:`CompiledFunction` (``.source``, ``.key``, ``.path``, ``.jac``,
  ``.vectorized``).
* :func:`cache_to_disk`: store expensive SymPy results as signed pickles, keyed by function source,
  arguments and the source of the modules they depend on.
* :func:`cache_dir`: where both live (``$WORKBENCH_CACHE_DIR``, default ``~/.cache/workbench``; never
  the working directory).

Submodules: :mod:`~workbench.codegen.printer` (backend printers), :mod:`~workbench.codegen.emit`
(module text), :mod:`~workbench.codegen.cache` (files, keys, import), :mod:`~workbench.codegen.compiled`.
"""

from __future__ import annotations

from workbench.codegen.cache import cache_dir, cache_to_disk
from workbench.codegen.compiled import CompiledFunction, compile_system
from workbench.codegen.printer import BACKENDS

__all__ = ["BACKENDS", "CompiledFunction", "cache_dir", "cache_to_disk", "compile_system"]

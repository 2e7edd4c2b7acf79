"""``compile_system``: SymPy expressions -> a generated, cached, importable module.

Example::

    x, s2 = sp.symbols("x sigma^2", real=True)
    f = compile_system([sp.tanh(x) + s2, sp.tanh(x) ** 2], [x, s2], backend="numba", jacobian=True)
    f(0.5, 0.1)        # tuple of two floats
    f.jac(0.5, 0.1)    # (2, 2) float64 array
    print(f.source)    # the generated module text

Design (software-patterns sections 0, 6 and 10.2): the source text is emitted deterministically
(:mod:`workbench.codegen.emit`), hashed with the library versions into ``key``, written once to
``cache_dir()/<name>_<key[:16]>.py`` and imported under the module name
``workbench_codegen_<name>_<key[:16]>`` registered in :data:`sys.modules` (the code executed is
the text just emitted, never what is read back from disk). numba's
``cache=True`` then stores machine code next to the file, and a later process compiling the same
system loads it instead of recompiling. Within one process, repeated calls with the same input
return the same :class:`CompiledFunction` object.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from workbench.codegen.cache import cache_dir, load_module, source_key
from workbench.codegen.emit import Emitted, check_name, emit_module, normalize_args, normalize_exprs
from workbench.codegen.printer import BACKENDS
from workbench.errors import SpecError

__all__ = ["CompiledFunction", "compile_system"]

_MEMO: dict[tuple[Any, ...], CompiledFunction] = {}
_MEMO_LOCK = threading.Lock()


class CompiledFunction:
    """A generated function of SymPy expressions, with its source, cache key and file.

    Do not construct directly; use :func:`compile_system`.

    Attributes
    ----------
    exprs : tuple of sympy.Expr
        The output expressions (a Matrix input is flattened row-major).
    args : tuple of sympy.Symbol
        The positional arguments, in order.
    backend : str
        ``"numpy"`` or ``"numba"``.
    name : str
        Base name of the generated functions.
    source : str
        The exact text of the generated module.
    key : str
        sha256 hex digest of ``source`` and the library versions.
    path : pathlib.Path
        The module file in the cache directory.
    module : types.ModuleType
        The imported module.
    func : callable
        The raw generated function. For numba it is the ``numba`` dispatcher, callable from other
        ``@njit`` code with float64 scalars.
    n_outputs : int
        Number of expressions ``m``.
    jac : callable or None
        With ``jacobian=True``/``jacobian_wrt``: same arguments, returns the Jacobian as a float
        array of shape ``(m, k)`` (``k = len(jac_wrt)``); for numpy-backend array arguments the
        shape is ``(m, k, *broadcast_shape)``. numba: the dispatcher itself (njit-callable).
    jac_wrt : tuple of sympy.Symbol or None
        The columns of the Jacobian.
    jacobian : sympy.Matrix or None
        The symbolic Jacobian that was compiled.
    vectorized : callable or None
        With ``vectorize=True``: takes arrays (broadcast against each other; scalars allowed) and
        returns a float64 array of the broadcast shape for one expression, or ``(m, *shape)``
        stacked outputs otherwise (so ``a, b = f.vectorized(x, y)`` unpacks). numba: a loop kernel
        (``<name>_vec`` in the module) over the flattened, broadcast inputs; numpy: the broadcasting
        function with its outputs broadcast and stacked.
    """

    def __init__(
        self,
        *,
        exprs: tuple[sp.Expr, ...],
        args: tuple[sp.Expr, ...],
        backend: str,
        name: str,
        cse: bool,
        emitted: Emitted,
        key: str,
        path: Path,
        module: ModuleType,
        jac_wrt: tuple[sp.Expr, ...] | None,
        vectorize: bool,
    ) -> None:
        self.exprs = exprs
        self.args = args
        self.backend = backend
        self.name = name
        self.cse = cse
        self.source = emitted.source
        self.key = key
        self.path = path
        self.module = module
        self.n_outputs = emitted.n_outputs
        self.func: Callable[..., Any] = getattr(module, emitted.func_name)
        self.jac_wrt = jac_wrt
        self.jacobian = sp.Matrix(emitted.jacobian) if emitted.jacobian is not None else None
        self.jac: Callable[..., Any] | None = None
        if emitted.jac_name is not None:
            raw_jac = getattr(module, emitted.jac_name)
            if backend == "numba":
                self.jac = raw_jac
            else:
                self.jac = _numpy_jac(raw_jac, self.n_outputs, len(jac_wrt or ()))
        self.vectorized: Callable[..., np.ndarray] | None = None
        if vectorize:
            if backend == "numba":
                kernel = getattr(module, emitted.vec_name or "")
                self.vectorized = _numba_vectorized(kernel, len(args), self.n_outputs)
            else:
                self.vectorized = _numpy_vectorized(self.func, self.n_outputs)
        self._options = {"backend": backend, "cse": cse, "name": name, "vectorize": vectorize, "jacobian_wrt": jac_wrt}

    def __call__(self, *args: Any) -> Any:
        """Evaluate the expressions; see the class docstring for the return types."""
        return self.func(*args)

    def __repr__(self) -> str:
        args = ", ".join(str(a) for a in self.args)
        extra = ""
        if self.jac_wrt is not None:
            extra += f", jac wrt ({', '.join(str(a) for a in self.jac_wrt)})"
        if self.vectorized is not None:
            extra += ", vectorized"
        return (
            f"<CompiledFunction {self.name!r} [{self.backend}]: ({args}) -> {self.n_outputs} "
            f"output{'s' if self.n_outputs != 1 else ''}{extra}, key={self.key[:16]}>"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles as the recipe, so it can be sent to worker processes (which load the cache).
        return (_rebuild, (self.exprs, self.args, self._options))


def _rebuild(exprs: tuple[sp.Expr, ...], args: tuple[sp.Expr, ...], options: dict[str, Any]) -> CompiledFunction:
    wrt = options.get("jacobian_wrt")
    return compile_system(
        list(exprs),
        list(args),
        backend=options["backend"],
        cse=options["cse"],
        name=options["name"],
        vectorize=options["vectorize"],
        jacobian_wrt=list(wrt) if wrt is not None else None,
    )


def _numpy_jac(raw: Callable[..., Any], m: int, k: int) -> Callable[..., np.ndarray]:
    def jac(*args: Any) -> np.ndarray:
        rows = raw(*args)
        cells = np.broadcast_arrays(*(np.asarray(c) for row in rows for c in row))
        dtype = np.result_type(np.float64, *cells)
        shape = cells[0].shape if cells else ()
        return np.array(cells, dtype=dtype).reshape((m, k, *shape))

    jac.__doc__ = "Jacobian (m, k, *broadcast_shape) of the generated numpy function."
    return jac


def _numpy_vectorized(func: Callable[..., Any], m: int) -> Callable[..., np.ndarray]:
    def vectorized(*args: Any) -> np.ndarray:
        arrays = [np.asarray(a, dtype=np.float64) for a in args]
        outs = func(*arrays)
        outs = (outs,) if m == 1 else tuple(outs)
        full = np.broadcast_arrays(*arrays, *(np.asarray(o) for o in outs))[len(arrays) :]
        dtype = np.result_type(np.float64, *full)
        stacked = np.array(full, dtype=dtype)
        return stacked[0] if m == 1 else stacked

    return vectorized


def _numba_vectorized(kernel: Callable[..., None], n_in: int, m: int) -> Callable[..., np.ndarray]:
    def vectorized(*args: Any) -> np.ndarray:
        if len(args) != n_in:
            raise TypeError(f"expected {n_in} arguments, got {len(args)}")
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args)) if args else []
        shape = arrays[0].shape if arrays else ()
        flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
        size = int(np.prod(shape, dtype=np.int64))
        out = np.empty((m, size), dtype=np.float64)
        kernel(*flat, out)
        out = out.reshape((m, *shape))
        return out[0] if m == 1 else out

    return vectorized


def compile_system(
    exprs: sp.Expr | Sequence[sp.Expr] | sp.MatrixBase,
    args: Sequence[sp.Symbol],
    *,
    backend: str = "numpy",
    cse: bool = True,
    name: str = "system",
    vectorize: bool = False,
    jacobian: bool = False,
    jacobian_wrt: Sequence[sp.Symbol] | None = None,
) -> CompiledFunction:
    """Generate, cache and import a numerical function of SymPy expressions.

    Parameters
    ----------
    exprs : sympy.Expr, sequence of sympy.Expr or sympy.Matrix
        The outputs. A Matrix is flattened row-major. One expression gives a scalar-valued
        function; several give a tuple.
    args : sequence of sympy.Symbol
        Ordered positional arguments. Any SymPy name works (``sigma^2``, ``J_0_EE``, symbols with
        assumptions, applied undefined functions such as ``C(0)``): internally they are renamed
        ``a0, a1, ...`` and the mapping is written in the module header.
    backend : {"numpy", "numba"}
        ``"numpy"``: a plain function on NumPy/SciPy ufuncs, broadcasting over arrays.
        ``"numba"``: ``@numba.njit(signature, cache=True, fastmath=False, error_model="numpy")``
        with float64 scalar arguments, returning a float (one expression) or a tuple of floats.
    cse : bool
        Common-subexpression elimination (``sympy.cse``, canonical order, ``x0, x1, ...``).
    name : str
        Base name of the generated functions and of the file (a Python identifier).
    vectorize : bool
        Also provide :attr:`CompiledFunction.vectorized` for arrays (see there).
    jacobian : bool
        Also compile the Jacobian with respect to all ``args`` (:attr:`CompiledFunction.jac`).
    jacobian_wrt : sequence of sympy.Symbol, optional
        Compile the Jacobian with respect to these arguments only (implies ``jacobian=True``).

    Returns
    -------
    CompiledFunction
        The compiled function with its source, key and file.

    Raises
    ------
    SpecError
        Unknown ``backend`` (parameter ``"backend"``); free symbols or undefined functions not in
        ``args`` (``"args"``, naming them); invalid ``name``, ``exprs`` or ``jacobian_wrt``; a
        function the backend cannot translate (``"exprs"``).

    Notes
    -----
    * numba is float64-only: complex expressions are rejected; use the numpy backend.
    * ``Piecewise``: the numpy backend uses ``numpy.select``, which evaluates every branch (expect
      RuntimeWarnings from branches outside their domain) and returns 0-d arrays for scalar input;
      CSE may hoist subexpressions out of a branch in either backend (sympy#24246), so a branch
      guarded against e.g. ``log`` of a negative number can still evaluate it (numba: nan).
    * ``WORKBENCH_NO_CACHE`` affects :func:`cache_to_disk` only: a module file is always needed
      (in a private temporary folder when the cache directory is unusable).
    """
    if backend not in BACKENDS:
        raise SpecError("backend", f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    check_name(name)
    exprs_t = normalize_exprs(exprs)
    args_t = normalize_args(args)
    wrt: tuple[sp.Expr, ...] | None = None
    if jacobian_wrt is not None:
        wrt = normalize_args(jacobian_wrt, "jacobian_wrt")
    elif jacobian:
        wrt = args_t
    directory = cache_dir()
    # Symbols with different assumptions are unequal, so hashing the expressions is exact.
    memo = (exprs_t, args_t, backend, bool(cse), name, bool(vectorize), wrt, str(directory))
    with _MEMO_LOCK:
        hit = _MEMO.get(memo)
    if hit is not None:
        return hit

    emitted = emit_module(
        exprs_t, args_t, backend=backend, name=name, cse=bool(cse), vectorize=bool(vectorize), jacobian_wrt=wrt
    )
    key = source_key(emitted.source)
    stem = f"{name}_{key[:16]}"
    path = directory / f"{stem}.py"
    module = load_module(path, f"workbench_codegen_{stem}", emitted.source)  # runs this text, not the file's
    result = CompiledFunction(
        exprs=exprs_t,
        args=args_t,
        backend=backend,
        name=name,
        cse=bool(cse),
        emitted=emitted,
        key=key,
        path=path,
        module=module,
        jac_wrt=wrt,
        vectorize=bool(vectorize),
    )
    with _MEMO_LOCK:
        return _MEMO.setdefault(memo, result)

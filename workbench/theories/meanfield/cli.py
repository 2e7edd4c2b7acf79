"""``workbench meanfield``: transient mean-field m(t), K(t, s) of the Faugeras-Tanré network.

The spec options are the shared ones (:mod:`workbench.spec.cli_options`), with the meanings they
have in ``simulate`` and ``dmft``; the network dX = (g(X) + sum_j J_ij f(X_j)) dt + lam dW maps
onto them as

==============  =====================  ==========================================================
new option      old spelling           meaning
==============  =====================  ==========================================================
``--J0``        ``--J``                coupling mean: E J_ij = J0/N
``--g``         ``--sigma``            coupling std: Var J_ij = g^2/N
``--sigma2``    ``--lam`` (= lam^2)    white-noise intensity: lam dW has <xi xi> = lam^2 delta
``--phi``       ``--f``                the nonlinearity f
``--drift``     ``--g EXPR``           the intrinsic drift g(x) (default -x, the leak)
``--mu0``       ``--mu0``              initial law: normal:MEAN,STD, point:X or X
==============  =====================  ==========================================================

The old spellings work for one release with a deprecation line on stderr; ``--g`` with a value
that is not a number (e.g. ``-x``) is the old drift option.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from workbench.errors import SpecError
from workbench.spec.cli_options import DeprecatedAlias, add_spec_options, deprecation, spec_from_args

DEFAULTS = {"g": "1", "J0": "0", "phi": "logistic", "sigma2": "1", "mu0": "normal:0,1"}
"""The theory's defaults (the spec it solves when no option is given)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``meanfield`` sub-command."""
    p = sub.add_parser(
        "meanfield",
        help="transient mean-field theory m(t), K(t,s) (Faugeras-Tanre fixed point)",
        description="Solve the transient mean-field fixed point of dX = (g(X) + sum_j J_ij f(X_j)) dt + lam dW, "
        "J_ij ~ (J0/N, g^2/N), lam^2 = sigma2, X_0 ~ mu0, on [0, T]: m(t) = E f(X_t), K(t,s) = E f(X_t) f(X_s) "
        "(uncentred). Methods: closure (deterministic Gaussian closure, exact for affine g; the reference), march "
        "(single-pass particle time-marching, any g), picard (the FT Monte Carlo fixed-point iteration).",
    )
    add_spec_options(p, defaults=DEFAULTS, g_type=str)
    p.add_argument("--drift", default=None, help="intrinsic drift g(x), an expression in x (default -x)")
    p.add_argument("--J", dest="J0", type=float, action=DeprecatedAlias, new="--J0")
    p.add_argument("--sigma", dest="g", action=DeprecatedAlias, new="--g")
    p.add_argument("--lam", dest="lam", type=float, default=None, action=DeprecatedAlias, new="--sigma2 (= lam^2)")
    p.add_argument("--f", dest="phi", action=DeprecatedAlias, new="--phi")
    p.add_argument("--T", type=float, default=10.0, help="horizon T > 0 (default 10)")
    p.add_argument("--dt", type=float, default=0.01, help="time step (default 0.01); T must be a multiple")
    p.add_argument("--method", choices=("auto", "closure", "march", "picard"), default="closure",
                   help="solver (auto: the closure for an affine drift, else the march)")
    p.add_argument("--paths", type=int, default=20000, help="Monte Carlo paths for march/picard (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="root seed for march/picard (default 0)")
    p.add_argument("--max-iter", type=int, default=50, help="picard: maximum iterations (default 50)")
    p.add_argument("--tol", type=float, default=None, help="picard: stopping tolerance (default 3/sqrt(paths))")
    p.add_argument("--sampler", choices=("innovation", "physics"), default="innovation", help="picard noise sampler")
    p.add_argument("--order", type=int, default=48, help="closure: Hermite order of the Mehler quadrature")
    p.add_argument("--out", default="meanfield.npz", help="result file (.npz: t, m, K, mean_x, var_x, ...)")
    p.add_argument("--json", action="store_true", help="print a one-line JSON summary (m_T, K_TT, ...)")
    p.set_defaults(func=run)


def resolve_options(args: argparse.Namespace, prog: str = "workbench meanfield") -> None:
    """Map the old spellings onto the shared options (in place): ``--g EXPR`` is ``--drift``, ``--lam`` is ``--sigma2``."""
    if args.g is not None:
        try:
            args.g = float(args.g)
        except ValueError:  # the old meaning of --g: the drift g(x)
            if args.drift is not None:
                raise SpecError("g", f"{args.g!r} is not a number (the coupling std); the drift is --drift") from None
            deprecation(prog, f"--g {args.g} (the drift g(x))", "--drift; --g is now the coupling std")
            args.drift, args.g = args.g, None
    if args.lam is not None:
        if not (math.isfinite(args.lam) and args.lam >= 0):
            raise SpecError("lam", f"noise amplitude lambda must be >= 0 and finite, got {args.lam}")
        if args.sigma2 is not None:
            raise SpecError("lam", "give the noise once: --sigma2 (intensity) or the deprecated --lam (amplitude)")
        args.sigma2 = args.lam**2
    if args.tau_noise is not None:
        raise SpecError("tau-noise", "the Faugeras-Tanre model has white noise; drop --tau-noise")


def problem_from_args(args: argparse.Namespace):
    """The :class:`~workbench.theories.meanfield.methods.MeanFieldProblem` of the command line."""
    from workbench.spec import ModelSpec
    from workbench.theories.meanfield.methods import MeanFieldProblem, MeanFieldSetup
    from workbench.theories.meanfield.problem import make_drift

    resolve_options(args)
    try:
        make_drift(args.drift)
    except SpecError as exc:  # the library calls the drift g; on the command line it is --drift
        raise SpecError("drift", str(exc).removeprefix("g: ")) from exc
    spec = spec_from_args(args, lambda: ModelSpec.simple(g=1.0, phi="logistic", sigma2=1.0))
    return MeanFieldProblem(spec, MeanFieldSetup(T=args.T, dt=args.dt, drift=args.drift, lam=args.lam))


def solver_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of ``--method`` (closure: Hermite order; particles: paths and seed; Picard: stopping rule)."""
    if args.method == "closure":
        return {"order": args.order}
    options: dict[str, Any] = {"paths": args.paths, "seed": args.seed}
    if args.method == "picard":
        options.update(max_iter=args.max_iter, tol=args.tol, sampler=args.sampler)
    return options


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench meanfield``."""
    from workbench.io import check_output_file, strict_dumps

    check_output_file(args.out, "out", suffix=".npz")
    problem = problem_from_args(args)
    res = problem.build_solver(args.method, **solver_options(args)).solve()
    path = res.save(args.out)
    summary = res.summary()
    if args.json:
        print(strict_dumps(summary))
    else:
        print(f"meanfield [{res.method}] {problem.transient.summary()}")
        print(f"  m(T) = {summary['m_T']:.6g}, K(T,T) = {summary['K_TT']:.6g}, E X_T = {summary['mean_x_T']:.6g}, "
              f"Var X_T = {summary['var_x_T']:.6g}")
        if res.history:
            print(f"  Picard: {len(res.history)} iterations, last change {res.history[-1]['d']:.3g}")
        print(f"  wrote {path}")
    sys.stdout.flush()
    return 0

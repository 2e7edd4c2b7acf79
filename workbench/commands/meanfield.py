"""``workbench meanfield``: transient mean-field m(t), K(t, s) of the Faugeras-Tanré network."""

from __future__ import annotations

import argparse
import sys

from workbench.errors import SpecError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``meanfield`` sub-command."""
    p = sub.add_parser(
        "meanfield",
        help="transient mean-field theory m(t), K(t,s) (Faugeras-Tanre fixed point)",
        description="Solve the transient mean-field fixed point of dX = (g(X) + sum_j J_ij f(X_j)) dt + lam dW, "
        "J_ij ~ (J/N, sigma^2/N), X_0 ~ mu0, on [0, T]: m(t) = E f(X_t), K(t,s) = E f(X_t) f(X_s) (uncentred). "
        "Methods: closure (deterministic Gaussian closure, exact for affine g; the reference), march "
        "(single-pass particle time-marching, any g), picard (the FT Monte Carlo fixed-point iteration).",
    )
    p.add_argument("--J", type=float, default=0.0, help="coupling mean scale: E J_ij = J/N (default 0)")
    p.add_argument("--sigma", type=float, default=1.0, help="coupling std scale: Var J_ij = sigma^2/N (default 1)")
    p.add_argument("--lam", type=float, default=1.0, help="noise amplitude lambda >= 0 (default 1)")
    p.add_argument("--f", default="logistic", help="nonlinearity: logistic (default), tanh, erf, relu, linear, or an "
                   "expression in x")
    p.add_argument("--g", default="-x", help="intrinsic drift g(x), a SymPy expression in x (default -x)")
    p.add_argument("--mu0", default="normal:0,1", help="initial law: normal:MEAN,STD or point:X (default normal:0,1)")
    p.add_argument("--T", type=float, default=10.0, help="horizon T > 0 (default 10)")
    p.add_argument("--dt", type=float, default=0.01, help="time step (default 0.01); T must be a multiple")
    p.add_argument("--method", choices=("closure", "march", "picard"), default="closure", help="solver")
    p.add_argument("--paths", type=int, default=20000, help="Monte Carlo paths for march/picard (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="root seed for march/picard (default 0)")
    p.add_argument("--max-iter", type=int, default=50, help="picard: maximum iterations (default 50)")
    p.add_argument("--tol", type=float, default=None, help="picard: stopping tolerance (default 3/sqrt(paths))")
    p.add_argument("--sampler", choices=("innovation", "physics"), default="innovation", help="picard noise sampler")
    p.add_argument("--order", type=int, default=48, help="closure: Hermite order of the Mehler quadrature")
    p.add_argument("--out", default="meanfield.npz", help="result file (.npz: t, m, K, mean_x, var_x, ...)")
    p.add_argument("--json", action="store_true", help="print a one-line JSON summary (m_T, K_TT, ...)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench meanfield``."""
    from workbench.io import check_output_file, strict_dumps
    from workbench.meanfield import TransientProblem, solve

    check_output_file(args.out, "out", suffix=".npz")
    if args.lam is not None and args.lam < 0:
        raise SpecError("lam", f"noise amplitude lambda must be >= 0, got {args.lam}")
    problem = TransientProblem(J=args.J, sigma=args.sigma, lam=args.lam, f=args.f, g=args.g, mu0=args.mu0, T=args.T,
                               dt=args.dt)
    if args.method == "closure":
        res = solve(problem, "closure", order=args.order)
    elif args.method == "march":
        res = solve(problem, "march", paths=args.paths, seed=args.seed)
    else:
        res = solve(problem, "picard", paths=args.paths, seed=args.seed, max_iter=args.max_iter, tol=args.tol,
                    sampler=args.sampler)
    path = res.save(args.out)
    summary = res.summary()
    summary["out"] = str(path)
    if args.json:
        print(strict_dumps(summary))
    else:
        print(f"meanfield [{res.method}] {problem.summary()}")
        print(f"  m(T) = {summary['m_T']:.6g}, K(T,T) = {summary['K_TT']:.6g}, E X_T = {summary['mean_x_T']:.6g}, "
              f"Var X_T = {summary['var_x_T']:.6g}")
        if res.history:
            print(f"  Picard: {len(res.history)} iterations, last change {res.history[-1]['d']:.3g}")
        print(f"  wrote {path}")
    sys.stdout.flush()
    return 0

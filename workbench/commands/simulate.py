"""``workbench simulate``: run the reference simulator and write a documented .npz result."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from workbench.errors import SpecError
from workbench.io import atomic_path, check_output_file, strict_dumps, write_npz
from workbench.spec import preset_names
from workbench.spec.cli_options import add_spec_options, spec_from_args

RESULT_DOC = """workbench simulate result file (numpy .npz).
t        (n_rec,)    recording times after burn-in
mean_x   (N,)        time- and trial-averaged x_i
mean_phi (N,)        time- and trial-averaged phi(gain_i x_i)
cov_x    (N, N)      equal-time covariance of x, after burn-in, pooled over recorded times and trials
cov_phi  (N, N)      same for phi(x)
popmean_x, popmean_phi (n_rec, K)  population means per trial over time
traj     (n_rec, n, K) trajectories of the first n neurons (n = --record-neurons)
spec     JSON of the model specification; info: JSON of N, K, T, dt, burn_in, stride, seed, method
summary  JSON one-line summary (as printed by --json)"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    p = sub.add_parser(
        "simulate",
        help="simulate a random rate network (reference simulator)",
        description="Simulate K trials of one network drawn from a spec file or preset. "
        f"Presets: {', '.join(preset_names())}.",
    )
    p.add_argument(
        "spec_file", nargs="?", default=None, metavar="SPEC", help="spec TOML file or preset name (default: chaos)"
    )
    add_spec_options(p, with_N=True, spec_help=" (same as the positional SPEC)")
    p.add_argument("--J-file", dest="J_file", help="fixed coupling matrix (.npy), used as given")
    p.add_argument("--T", type=float, default=200.0, help="duration (default 200)")
    p.add_argument("--dt", type=float, default=0.05, help="time step (default 0.05)")
    p.add_argument("--burn-in", type=float, default=None, help="discarded initial time (default T/5)")
    p.add_argument("--stride", type=int, default=4, help="record every STRIDE steps (default 4)")
    p.add_argument("--trials", type=int, default=4, help="K trials sharing one J (default 4)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--method", choices=("exp", "euler"), default="exp", help="integrator (default exp)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--record-neurons", type=int, default=20, help="trajectories kept for this many neurons")
    p.add_argument("--out", default="simulation.npz", help="result file (.npz; written atomically)")
    p.add_argument("--plot", default=None, help="also write a summary figure (png, pdf, svg, ...: by the extension)")
    p.add_argument("--json", action="store_true", help="print a one-line JSON summary")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar")
    p.set_defaults(func=run)


def _fmt(value: float | None) -> str:
    """A number for the text summary (``n/a`` for an undefined one)."""
    return "n/a" if value is None else f"{value:.4g}"


def spec_of(args: argparse.Namespace):
    """The ModelSpec of the command line: the positional SPEC or ``--spec`` (not both), then the options."""
    if args.spec_file is not None:
        if args.spec is not None:
            raise SpecError("spec", f"given twice ({args.spec_file!r} and --spec {args.spec!r}); give one")
        args.spec = args.spec_file
    return spec_from_args(args, "chaos")


def burn_in_of(args: argparse.Namespace) -> float:
    """``--burn-in``, default T/5."""
    return args.T / 5 if args.burn_in is None else args.burn_in


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench simulate``."""
    from workbench.sim import simulate

    out = check_output_file(args.out, "out", suffix=".npz")
    if args.plot:
        from workbench.sim.plots import check_plot_path

        if check_plot_path(args.plot).resolve() == out.resolve():
            raise SpecError("plot", f"the figure would overwrite the result file {str(out)!r}")
    if args.record_neurons < 0:
        raise SpecError("record-neurons", f"must be >= 0, got {args.record_neurons}")
    spec = spec_of(args)
    burn = burn_in_of(args)
    res = simulate(
        spec,
        T=args.T,
        dt=args.dt,
        trials=args.trials,
        seed=args.seed,
        burn_in=burn,
        stride=args.stride,
        record=("mean", "cov", "traj", "popmean"),
        neurons=min(args.record_neurons, spec.N),
        method=args.method,
        dtype=args.dtype,
        progress=args.progress,
    )
    summary = res.summary()
    summary["out"] = str(out)
    with atomic_path(out) as tmp:  # the result file appears only once the figure is written too
        write_npz(
            tmp,
            t=res.t,
            mean_x=res.mean_x,
            mean_phi=res.mean_phi,
            cov_x=res.cov_x,
            cov_phi=res.cov_phi,
            popmean_x=res.popmean_x,
            popmean_phi=res.popmean_phi,
            traj=res.traj,
            spec=np.array(strict_dumps(spec.to_dict())),
            info=np.array(strict_dumps(res.info)),
            summary=np.array(strict_dumps(summary)),
            README=np.array(RESULT_DOC),
        )
        if args.plot:
            from workbench.sim.plots import plot_summary

            plot_summary(res, args.plot)
    path = out
    if args.json:
        print(strict_dumps(summary))
    else:
        print(f"{spec.summary()}")
        print(
            f"  <x> = {summary['mean_x_pop']:.4g}, mean Var x = {summary['var_x_mean']:.4g}, "
            f"mean Var phi = {summary['var_phi_mean']:.4g}, PR = {_fmt(summary['participation_ratio'])}"
        )
        print(f"  wrote {path}" + (f" and {args.plot}" if args.plot else ""))
    sys.stdout.flush()
    return 0

"""``workbench fixed``: leading-order covariances and response of ONE given network J (linear-equivalent theory)."""

from __future__ import annotations

import argparse
import sys

from workbench.errors import SpecError

__all__ = ["load_J", "register", "run"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fixed`` sub-command."""
    p = sub.add_parser(
        "fixed",
        help="fixed-connectivity theory: covariances and response of one given J (per-neuron DMFT gains)",
        description="Leading order of the 1/sqrt(N) expansion at fixed J for tau dx = -x + J phi(x) + xi: "
        "R = [(1 + i w) I - J D]^-1, equal-time and zero-frequency covariances of x and phi(x). "
        "J from --J-file (.npy) or drawn from --spec with --seed.",
    )
    p.add_argument("--J-file", dest="J_file", default=None, help="N x N coupling matrix (.npy, J[i, j] from j to i)")
    p.add_argument("--spec", default=None, help="model spec (file or preset) to draw J from with the simulator")
    p.add_argument("--seed", type=int, default=0, help="seed of the network drawn from --spec (default 0)")
    p.add_argument("--phi", default=None, help="odd nonlinearity: tanh, erf, linear or an odd expression in x (default tanh)")
    p.add_argument("--sigma2", type=float, default=None, help="white-noise variance sigma2 >= 0 (default 0)")
    p.add_argument("--gains", choices=("shared", "per-neuron", "self-consistent"), default="per-neuron",
                   help="per-neuron DMFT gains from each row of J (default), the shared DMFT gain, or per-neuron "
                   "variances iterated to the predicted diagonal of C^x (self-consistent)")
    p.add_argument("--no-equal-time", dest="equal_time", action="store_false",
                   help="skip the equal-time covariances (no eigendecomposition)")
    p.add_argument("--out", default=None, help="write cov_x, cov_phi, cov_x_zero_frequency, response, ... to FILE.npz")
    p.add_argument("--json", action="store_true", help="print one strict JSON object")
    p.set_defaults(func=run)


def load_J(args: argparse.Namespace):
    """``(J, phi, sigma2)`` of the command line: a .npy file (no pickle) or a spec + seed."""
    import numpy as np

    if (args.J_file is None) == (args.spec is None):
        raise SpecError("J_file", "give exactly one of --J-file J.npy or --spec SPEC (with --seed)")
    phi, sigma2 = args.phi, args.sigma2
    from workbench.theories.fixed.solver import check_memory

    if args.J_file is not None:
        from workbench.spec.model import peek_J_file

        J = peek_J_file(args.J_file)
        check_memory(J.shape[0], args.equal_time)
        return np.array(J, dtype=np.float64), phi or "tanh", 0.0 if sigma2 is None else sigma2
    from workbench.sim.network import build_network
    from workbench.spec import load_spec

    spec = load_spec(args.spec)
    if spec.n_populations != 1:
        raise SpecError("spec", f"the fixed-J command takes one population, got {spec.n_populations}")
    if spec.noise.kind not in ("none", "white"):
        raise SpecError("noise.kind", f"the fixed-J theory takes white noise, got {spec.noise.kind!r}")
    from workbench.symbolic.gaussian import concrete_phi

    spec_phi = str(concrete_phi(spec, 0))  # SpecError for a non-constant gain
    check_memory(spec.N, args.equal_time)
    net = build_network(spec, seed=args.seed)
    s2 = float(spec.noise.sigma2) if spec.noise.kind != "none" else 0.0
    return np.asarray(net.J, dtype=np.float64), phi or spec_phi, s2 if sigma2 is None else sigma2


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench fixed``."""
    from workbench.io import check_output_file, strict_dumps
    from workbench.theories.fixed.prediction import predict

    if args.out is not None:
        check_output_file(args.out, "out")
    J, phi, sigma2 = load_J(args)
    res = predict(J, phi, sigma2, args.gains, equal_time=args.equal_time)
    if args.out is not None:
        res.save(args.out)
    s = res.summary()
    if args.json:
        print(strict_dumps(s))
    else:
        print(f"fixed [{args.gains}] N={s['N']} phi={phi} sigma2={sigma2}: g={s['g']:.4g}, g_eff={s['g_eff']:.4g}")
        print(f"  PR/N equal-time: x {s['PR_over_N_x']}, phi {s['PR_over_N_phi']}; zero-frequency: "
              f"x {s['PR_over_N_x_zero_frequency']:.4g}, phi {s['PR_over_N_phi_zero_frequency']:.4g}")
    sys.stdout.flush()
    return 0

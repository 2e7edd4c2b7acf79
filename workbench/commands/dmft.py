"""``workbench dmft``: solve the stationary DMFT (derived symbolically, generated solver)."""

from __future__ import annotations

import argparse
import json
import math

from workbench.errors import SpecError

KEYS = (
    "regime",
    "Delta0",
    "Delta_inf",
    "mu",
    "mean_phi",
    "mean_phi_prime",
    "C_phi0",
    "lyapunov",
    "tau_half",
    "kappa",
    "static_Delta0",
    "static_radius",
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dmft`` sub-command."""
    p = sub.add_parser(
        "dmft",
        help="stationary DMFT: Delta0, Delta_inf, <phi'>, <phi^2>, Lyapunov exponent, regime",
        description="Solve the stationary dynamic mean-field theory of tau dx_i/dt = -x_i + sum_j J_ij phi(x_j) "
        "+ I_i + xi_i, J_ij ~ N(J0/N, g^2/N), <xi xi> = sigma2 delta(t-s), I_i ~ N(0, input_var). "
        "The equations are derived from the MSRDJ action (workbench derive dmft --latex).",
    )
    p.add_argument(
        "--spec",
        default=None,
        help="spec TOML file or preset name (e.g. several populations); --g/--J0/--phi/--sigma2 override it",
    )
    p.add_argument("--phi", default=None, help="nonlinearity: tanh (default), erf, relu, linear, or an expression")
    p.add_argument("--g", type=float, default=None, help="coupling std scale: Var J_ij = g^2/N (default 2)")
    p.add_argument(
        "--sigma2", type=float, default=None, help="white-noise intensity <xi xi> = sigma2 delta (default 0)"
    )
    p.add_argument(
        "--tau-noise",
        dest="tau_noise",
        type=float,
        default=None,
        help="coloured (OU) noise of this timescale: <xi xi> = sigma2 exp(-|t-s|/tau_n) / (2 tau_n)",
    )
    p.add_argument("--J0", type=float, default=None, help="coupling mean scale: E J_ij = J0/N (default 0)")
    p.add_argument("--input-var", dest="input_var", type=float, default=0.0, help="variance of the quenched input")
    p.add_argument("--input-mean", dest="input_mean", type=float, default=0.0, help="mean of the quenched input")
    p.add_argument("--tau", type=float, default=1.0, help="neuron timescale (default 1)")
    p.add_argument("--mu0", type=float, default=None, help="initial mean (branch selection with J0)")
    p.add_argument("--backend", choices=("numba", "numpy"), default="numba", help="generated-code backend")
    p.add_argument("--no-lyapunov", action="store_true", help="skip Delta(tau) and the Lyapunov exponent")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench dmft``."""
    from workbench.solvers import DMFTProblem
    from workbench.spec import ModelSpec, load_spec

    if not (args.input_var >= 0 and math.isfinite(args.input_var)):
        raise SpecError("input-var", f"must be >= 0, got {args.input_var}")
    if args.sigma2 is not None and not (args.sigma2 >= 0 and math.isfinite(args.sigma2)):
        raise SpecError("sigma2", f"noise intensity must be >= 0, got {args.sigma2}")
    if not (args.tau > 0):
        raise SpecError("tau", f"must be > 0, got {args.tau}")
    if args.tau_noise is not None and not (args.tau_noise > 0 and math.isfinite(args.tau_noise)):
        raise SpecError("tau-noise", f"OU noise timescale must be > 0, got {args.tau_noise}")
    if args.spec is not None:
        spec = load_spec(args.spec).with_overrides(g=args.g, J0=args.J0, phi=args.phi, sigma2=args.sigma2)
    else:
        spec = ModelSpec.simple(
            g=2.0 if args.g is None else args.g,
            phi=args.phi or "tanh",
            J0=args.J0 or 0.0,
            sigma2=args.sigma2 or 0.0,
            tau=args.tau,
            input_mean=args.input_mean,
            input_std=math.sqrt(args.input_var),
        )
    if args.tau_noise is not None:
        d = spec.to_dict()
        d["noise"] = {"kind": "ou", "sigma2": spec.noise.sigma2, "tau": args.tau_noise}
        spec = ModelSpec.from_dict(d)
    solver = DMFTProblem(spec).build_solver(backend=args.backend)
    res = solver.solve(spec, mu0=args.mu0, curves=not args.no_lyapunov, lyapunov=not args.no_lyapunov)
    full = res.to_dict()
    out = {k: full.get(k) for k in KEYS}
    if "populations" in full:
        out["populations"] = full["populations"]
    out["params"] = {
        "phi": spec.phi.label(),
        "populations": [p.name for p in spec.populations],
        "noise": spec.noise.to_dict(),
        **{k: v for k, v in full["params"].items()},
    }
    out["method"] = res.info.get("method", "")
    if args.json:
        print(json.dumps(out, default=lambda v: None if v != v else v))
    else:
        for k in KEYS:
            v = out[k]
            if isinstance(v, dict):
                v = ", ".join(f"{a}: {x:.6g}" for a, x in v.items())
            print(f"{k:>15s}  {v:.6g}" if isinstance(v, float) else f"{k:>15s}  {v}")
    return 0

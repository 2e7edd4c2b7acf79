"""``workbench dmft``: solve the stationary DMFT (derived symbolically, generated solver)."""

from __future__ import annotations

import argparse
import math

from workbench.errors import SpecError
from workbench.spec.cli_options import add_spec_options, check_spec_values, parse_init_law, spec_from_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``dmft`` sub-command."""
    p = sub.add_parser(
        "dmft",
        help="stationary DMFT: Delta0, Delta_inf, <phi'>, <phi^2>, Lyapunov exponent, regime",
        description="Solve the stationary dynamic mean-field theory of tau dx_i/dt = -x_i + sum_j J_ij phi(x_j) "
        "+ I_i + xi_i, J_ij ~ N(J0/N, g^2/N), <xi xi> = sigma2 delta(t-s), I_i ~ N(0, input_var). "
        "The equations are derived from the MSRDJ action (workbench derive dmft --latex).",
    )
    add_spec_options(p, defaults={"g": "2", "J0": "0", "phi": "tanh", "sigma2": "0"})
    p.add_argument(
        "--input-var", dest="input_var", type=float, default=None, help="variance of the quenched input (default 0)"
    )
    p.add_argument(
        "--input-mean", dest="input_mean", type=float, default=None, help="mean of the quenched input (default 0)"
    )
    p.add_argument("--tau", type=float, default=None, help="neuron timescale (default 1)")
    p.add_argument("--backend", choices=("numba", "numpy"), default="numba", help="generated-code backend")
    p.add_argument("--no-lyapunov", action="store_true", help="skip Delta(tau) and the Lyapunov exponent")
    p.add_argument(
        "--lyapunov-k", dest="lyapunov_k", type=int, default=0,
        help="print the first K DMFT Lyapunov exponents lambda(i/N), N = 200, and D_KY/N (default 0: off)",
    )
    p.add_argument(
        "--lyapunov-method", dest="lyapunov_method", choices=("cavity", "sampled"), default="cavity",
        help="source of the spectrum: the single-site (cavity) theory (default) or the sampled-gain QR product",
    )
    p.add_argument(
        "--rtol",
        type=float,
        default=1e-8,
        help="relative accuracy target of Delta0, mu and the averages (default 1e-8; the curves, tau_half and "
        "lambda_max get max(100 rtol, 1e-6)); the achieved estimates are printed as error_estimates",
    )
    p.add_argument(
        "--only",
        choices=("Delta0",),
        default=None,
        help="Delta0 only: Delta0, mu and the Gaussian averages, no Delta(tau) or Lyapunov exponent (fast)",
    )
    p.add_argument(
        "--sweep",
        default=None,
        metavar="LO:HI:N",
        help="solve at N values of g from LO to HI (warm-started); --json prints a list of objects",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


SPEC_FIXED = {
    "input_var": ("input-var", "populations[k].input_std"),
    "input_mean": ("input-mean", "populations[k].input_mean"),
    "tau": ("tau", "populations[k].tau"),
}
"""Options that a spec file fixes: with --spec they would be ignored, so they are refused."""


def _check_options(args: argparse.Namespace) -> None:
    """SpecError for option values out of range, and for options that --spec would ignore."""
    check_spec_values(args)
    for name, value, lo in (("input-var", args.input_var, 0.0), ("input-mean", args.input_mean, None)):
        if value is not None and (not math.isfinite(value) or (lo is not None and value < lo)):
            rng = f">= {lo:g} and finite" if lo is not None else "finite"
            raise SpecError(name, f"must be {rng}, got {value}")
    if not (0 < args.rtol < 1e-2):
        raise SpecError("rtol", f"must be in (0, 1e-2), got {args.rtol}")
    if args.sweep is not None:
        _sweep_values(args.sweep)
    if args.tau is not None and not (args.tau > 0 and math.isfinite(args.tau)):
        raise SpecError("tau", f"timescale must be > 0 and finite, got {args.tau}")
    if args.spec is not None:
        for dest, (flag, where) in SPEC_FIXED.items():
            if getattr(args, dest) is not None:
                raise SpecError(
                    flag,
                    f"is not applied with --spec (the spec file sets {where}); edit the spec, or drop --spec",
                )


def _sweep_values(text: str) -> list[float]:
    """The g values of ``--sweep LO:HI:N`` (SpecError for a malformed range)."""
    import numpy as np

    parts = text.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        raise SpecError("sweep", f"must be LO:HI:N (e.g. 1.5:3:50), got {text!r}") from None
    if len(parts) != 3 or n < 1 or not (math.isfinite(lo) and math.isfinite(hi)) or min(lo, hi) < 0:
        raise SpecError("sweep", f"must be LO:HI:N with 0 <= LO, HI finite and N >= 1, got {text!r}")
    return [float(g) for g in np.linspace(lo, hi, n)]


def _model(args: argparse.Namespace):
    """The ModelSpec of the command line: --spec with the shared overrides, or one population (g = 2, tanh)."""
    from workbench.spec import ModelSpec

    return spec_from_args(
        args,
        lambda: ModelSpec.simple(
            g=2.0,
            tau=1.0 if args.tau is None else args.tau,
            input_mean=args.input_mean or 0.0,
            input_std=math.sqrt(args.input_var or 0.0),
        ),
    )


def _missing(v: object) -> bool:
    """Whether a summary value is null (or non-finite), or a per-population map holding one."""
    if isinstance(v, dict):
        return any(_missing(x) for x in v.values())
    return v is None or (isinstance(v, float) and not math.isfinite(v))


def _reasons(out: dict, res, args: argparse.Namespace) -> dict[str, str]:
    """Why a value of the summary ``out`` is null (strict JSON writes null with this reason)."""
    reasons: dict[str, str] = {}
    several = "populations" in out
    static = str(out.get("regime", "")).startswith("static")
    for k in ("lyapunov", "kappa", "tau_half"):
        if not _missing(out.get(k)):
            continue
        if k == "tau_half" and static:
            reasons[k + "_reason"] = "infinite: static regime (Delta(tau) does not decay)"
        elif several or res.info.get("method", "").startswith("lag grid") or args.tau_noise is not None:
            reasons[k + "_reason"] = "not derived for several populations or coloured noise (lag-grid solver)"
        elif args.no_lyapunov or args.only:
            reasons[k + "_reason"] = "not computed (--no-lyapunov)" if args.no_lyapunov else "not computed (--only)"
        else:
            reasons[k + "_reason"] = "not finite"
    return reasons


def _run_sweep(args: argparse.Namespace, solver, spec, mu0, curves: bool) -> int:
    """``--sweep``: one summary per g (JSON list, or one text line per g)."""
    from workbench.io import strict_dumps

    gs = _sweep_values(args.sweep)
    if hasattr(solver, "sweep"):
        what = "Delta0" if args.only else "all"
        results = solver.sweep(spec, gs, what=what, mu0=mu0, **({} if args.only else {"lyapunov": curves}))
    else:  # lag-grid solver: one solve per g
        results = [solver.solve(spec.with_overrides(g=g), mu0=mu0, curves=curves) for g in gs]
    outs = [{"g": g, **r.summary()} for g, r in zip(gs, results, strict=True)]
    outs = [{**o, **_reasons(o, r, args)} for o, r in zip(outs, results, strict=True)]
    if args.json:
        print(strict_dumps(outs))
    else:
        for o in outs:
            print(f"g={o['g']:.6g}  Delta0={o['Delta0']}  regime={o['regime']}  lyapunov={o['lyapunov']}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute ``workbench dmft``."""
    from workbench.io import strict_dumps
    from workbench.theories.dmft import DMFTProblem
    from workbench.theories.dmft.result import SUMMARY_KEYS

    _check_options(args)
    spec = _model(args)
    curve_rtol = max(100 * args.rtol, 1e-6)
    solver = DMFTProblem(spec).build_solver(backend=args.backend, rtol=args.rtol, curve_rtol=curve_rtol)
    mu0 = None if args.mu0 is None else parse_init_law(args.mu0).mean  # the initial mean selects the branch
    curves = not (args.no_lyapunov or args.only)
    if args.sweep is not None:
        return _run_sweep(args, solver, spec, mu0, curves)
    kw = {"what": "Delta0"} if args.only and hasattr(solver, "sweep") else {"curves": curves, "lyapunov": curves}
    res = solver.solve(spec, mu0=mu0, **kw)
    out = res.summary()
    out["params"] = {
        "phi": spec.phi.label(),
        "populations": [p.name for p in spec.populations],
        "noise": spec.noise.to_dict(),
        **out["params"],
    }
    if args.lyapunov_k > 0 and curves:  # issue 12: the DMFT Lyapunov spectrum (lyapunov_cavity / _spectrum)
        spectrum = _lyapunov_spectrum_json(spec, res, args.lyapunov_k, args.lyapunov_method)
        out.setdefault("error_estimates", {}).update(spectrum.pop("spectrum_error_estimates", {}))
        out.update(spectrum)
    if args.json:
        print(strict_dumps({**out, **_reasons(out, res, args)}))
    else:
        full = res.to_dict()  # the raw values (inf where the JSON has null and a reason)
        for k in SUMMARY_KEYS:
            v = full.get(k)
            if isinstance(v, dict):
                v = ", ".join(f"{a}: {x:.6g}" for a, x in v.items())
            print(f"{k:>15s}  {v:.6g}" if isinstance(v, float) else f"{k:>15s}  {v}")
    return 0


def _lyapunov_spectrum_json(spec: object, res: object, k: int, method: str) -> dict:
    """``lyapunov_spectrum`` (first k of N = 200), ``kaplan_yorke_dimension`` (D_KY/N) and the method used."""
    if method == "cavity":
        from workbench.theories.dmft.lyapunov_cavity import lyapunov_spectrum_cavity

        # s_low=None: thresholds only as far down as rank k/N and D_KY need (issue 12: CLI time)
        lsp = lyapunov_spectrum_cavity(spec, k=min(k, 200), N=200, result=res, s_low=None)
        label = "cavity (single-site theory)"
    else:
        from workbench.theories.dmft.lyapunov_spectrum import lyapunov_spectrum_from_dmft

        lsp = lyapunov_spectrum_from_dmft(spec, k=min(k, 200), result=res)
        label = "sampled (sampled-gain QR product)"
    out = {"lyapunov_spectrum": lsp.exponents[:k].tolist(), "kaplan_yorke_dimension": lsp.kaplan_yorke_fraction,
           "lyapunov_spectrum_method": label}
    est = getattr(lsp, "error_estimates", None)
    if est:  # cavity: a-posteriori estimates (statistical, regulator, grid), merged into error_estimates
        out["spectrum_error_estimates"] = {"lyapunov_spectrum": list(map(float, est["exponents"][:k])),
                                           "kaplan_yorke_dimension": est["kaplan_yorke_fraction"]}
    return out


# discrete-time networks, ``--dynamics map [--delta D]``: see workbench.theories.dmft.discrete (engineer h5)
from workbench.theories.dmft.discrete import extend_cli as _extend_cli  # noqa: E402

register, run = _extend_cli(register, run)

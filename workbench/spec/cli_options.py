"""One command-line grammar for the model spec, shared by ``simulate`` and every theory command.

:func:`add_spec_options` adds the same options with the same meanings everywhere:

=================  ==========================================================================
``--spec``         spec TOML file or preset name (the options below override it)
``--N``            number of neurons (``simulate`` only: a theory is the N -> infinity limit)
``--g``            coupling std scale: Var J_ij = g^2/N
``--J0``           coupling mean scale: E J_ij = J0/N
``--phi``          nonlinearity: tanh, erf, logistic, relu, softplus, linear or an expression in x
``--sigma2``       white-noise intensity: <xi(t) xi(s)> = sigma2 delta(t - s)
``--tau-noise``    coloured (OU) noise of this timescale with the same sigma2
``--mu0``          initial law of x_i(0): ``normal:MEAN,STD``, ``point:X`` or a number X (= point:X)
``--eta``          reciprocal correlation corr(J_ij, J_ji) in [-1, 1] (``simulate`` and theories that
                   model it, e.g. ``symmetric``)
``--dynamics``     ``flow`` (the ODE) or ``map``: x(n+1) = (1-delta) x(n) + delta (J phi(x(n)) + I) + noise
``--delta``        step of the map, 0 < delta <= 1 (``simulate`` and ``dmft``)
=================  ==========================================================================

:func:`spec_from_args` builds the :class:`~workbench.spec.ModelSpec` from them. A theory's own
options get their own names (e.g. ``--drift`` for the transient theory's g(x)). Old spellings are
kept for one release by :class:`DeprecatedAlias` (one line on stderr, then the new meaning).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from workbench.errors import SpecError
from workbench.spec.model import InitialCondition, ModelSpec

__all__ = [
    "DeprecatedAlias",
    "add_dynamics_options",
    "add_spec_options",
    "check_spec_values",
    "deprecation",
    "parse_init_law",
    "spec_from_args",
]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"


def parse_init_law(text: str) -> InitialCondition:
    """The initial law of ``--mu0``: ``normal:MEAN,STD``, ``normal`` (= N(0, 1)), ``point:X`` or a number X.

    Raises
    ------
    SpecError
        Naming ``mu0`` and the accepted syntax.
    """
    s = str(text).strip().lower().replace(" ", "")
    if s == "normal":
        return InitialCondition("normal", 0.0, 1.0)
    m = re.fullmatch(rf"normal:({_NUM}),({_NUM})", s)
    if m:
        mean, std = float(m.group(1)), float(m.group(2))
        if std < 0:
            raise SpecError("mu0", f"standard deviation must be >= 0 in {text!r}")
        return InitialCondition("normal", mean, std)
    m = re.fullmatch(rf"(?:point:)?({_NUM})", s)
    if m:
        return InitialCondition("point", float(m.group(1)), 0.0)
    raise SpecError("mu0", f"cannot parse {text!r}; expected 'normal:MEAN,STD' (e.g. normal:0,1), 'point:X' or X")


class DeprecatedAlias(argparse.Action):
    """An old option spelling: prints one deprecation line on stderr, then stores into the new option.

    ``convert`` maps the old value to the new meaning (e.g. a noise amplitude to its intensity).
    """

    def __init__(
        self, option_strings: Sequence[str], dest: str, new: str = "", convert: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.new = new
        self.convert = convert
        kwargs.setdefault("help", argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        """Warn once on stderr and store the (converted) value under the new option's name."""
        deprecation(parser.prog, option_string or self.option_strings[0], self.new)
        setattr(namespace, self.dest, self.convert(values) if self.convert else values)


def deprecation(prog: str, old: str, new: str) -> None:
    """The one-line deprecation message on stderr."""
    print(f"{prog}: warning: {old} is deprecated and will be removed in the next release; use {new}", file=sys.stderr)


def add_spec_options(
    parser: argparse.ArgumentParser,
    *,
    defaults: dict[str, str] | None = None,
    with_N: bool = False,
    spec_help: str = "",
    g_type: Callable[[str], Any] = float,
    with_eta: bool | None = None,
    with_dynamics: bool | None = None,
) -> None:
    """Add ``--spec --g --J0 --phi --sigma2 --tau-noise --mu0`` (and ``--N``) with the shared meanings.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    defaults : dict, optional
        Text of the command's defaults for the help, by option dest (e.g. ``{"g": "2"}``).
    with_N : bool
        Also add ``--N`` (the simulator; a theory is the N -> infinity limit).
    spec_help : str
        Extra help for ``--spec``.
    g_type : callable
        argparse ``type`` of ``--g`` (``str`` where an old spelling gave ``--g`` another meaning).
    with_eta : bool, optional
        Also add ``--eta`` (default: with ``--N``, i.e. the simulator; a theory that models it opts in).
    with_dynamics : bool, optional
        Also add ``--dynamics --delta`` (default: with ``--N``, i.e. the simulator).
    """
    d = defaults or {}

    def dflt(key: str) -> str:
        return f" (default {d[key]})" if key in d else ""

    parser.add_argument(
        "--spec", default=None, help="spec TOML file or preset name; the options below override it" + spec_help
    )
    if with_N:
        parser.add_argument("--N", type=int, default=None, help="number of neurons" + dflt("N"))
    parser.add_argument("--g", type=g_type, default=None, help="coupling std scale: Var J_ij = g^2/N" + dflt("g"))
    parser.add_argument("--J0", type=float, default=None, help="coupling mean scale: E J_ij = J0/N" + dflt("J0"))
    parser.add_argument(
        "--phi", default=None, help="nonlinearity: tanh, erf, logistic, relu, softplus, linear or an expression in x" + dflt("phi")
    )
    parser.add_argument(
        "--sigma2",
        type=float,
        default=None,
        help="white-noise intensity: <xi(t) xi(s)> = sigma2 delta(t-s)" + dflt("sigma2"),
    )
    parser.add_argument(
        "--tau-noise",
        dest="tau_noise",
        type=float,
        default=None,
        help="coloured (OU) noise of this timescale: <xi xi> = sigma2 exp(-|t-s|/tau_n) / (2 tau_n)",
    )
    parser.add_argument(
        "--mu0",
        default=None,
        help="initial law of x_i(0): normal:MEAN,STD, point:X or a number X" + dflt("mu0"),
    )
    if with_N if with_eta is None else with_eta:
        parser.add_argument(
            "--eta", type=float, default=None,
            help="reciprocal correlation corr(J_ij, J_ji) in [-1, 1]" + dflt("eta"),
        )
    if with_N if with_dynamics is None else with_dynamics:
        add_dynamics_options(parser)


def add_dynamics_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--dynamics flow|map`` and ``--delta`` (the map's step, 0 < delta <= 1)."""
    parser.add_argument(
        "--dynamics", choices=("flow", "map"), default=None,
        help="flow (the ODE) or map: x(n+1) = (1-delta) x(n) + delta (J phi(x(n)) + I) + noise (default flow)",
    )
    parser.add_argument(
        "--delta", type=float, default=None, help="step of the map, 0 < delta <= 1 (default 1; needs --dynamics map)"
    )


def check_spec_values(args: argparse.Namespace) -> None:
    """SpecError for a shared option out of range (g >= 0, sigma2 >= 0, tau-noise > 0, all finite)."""
    eta = getattr(args, "eta", None)
    if eta is not None and not -1.0 <= eta <= 1.0:
        raise SpecError("eta", f"reciprocal correlation corr(J_ij, J_ji) must be in [-1, 1], got {eta}")
    for name, lo in (("g", 0.0), ("J0", None), ("sigma2", 0.0)):
        value = getattr(args, name, None)
        if value is None:
            continue
        if not math.isfinite(value) or (lo is not None and value < lo):
            rng = f">= {lo:g} and finite" if lo is not None else "finite"
            raise SpecError(name, f"must be {rng}, got {value}")
    tn = getattr(args, "tau_noise", None)
    if tn is not None and not (tn > 0 and math.isfinite(tn)):
        raise SpecError("tau-noise", f"timescale must be > 0 and finite, got {tn}")
    if getattr(args, "mu0", None) is not None:
        parse_init_law(args.mu0)


def spec_from_args(args: argparse.Namespace, base: Callable[[], ModelSpec] | str = "chaos") -> ModelSpec:
    """The ModelSpec of the shared options: ``--spec`` (or ``base``: a preset name or a builder), overridden.

    ``--g``/``--J0`` set every block, ``--sigma2`` the noise intensity, ``--tau-noise`` makes the
    noise an OU process of that timescale, ``--mu0`` sets the initial law.
    """
    from workbench.spec import load_spec

    check_spec_values(args)
    spec_arg = getattr(args, "spec", None)
    if spec_arg is not None:
        spec = load_spec(spec_arg)
    else:
        spec = load_spec(base) if isinstance(base, str) else base()
    spec = spec.with_overrides(
        N=getattr(args, "N", None),
        g=args.g,
        J0=args.J0,
        phi=args.phi,
        sigma2=args.sigma2,
        J_file=getattr(args, "J_file", None),
        eta=getattr(args, "eta", None),
    )
    tau_noise, mu0 = getattr(args, "tau_noise", None), getattr(args, "mu0", None)
    dynamics, delta = getattr(args, "dynamics", None), getattr(args, "delta", None)
    if tau_noise is None and mu0 is None and dynamics is None and delta is None:
        return spec
    d = spec.to_dict()
    if dynamics is not None or delta is not None:
        if delta is not None and (dynamics or spec.dynamics.kind) != "map":
            raise SpecError("delta", "is the step of the map; add --dynamics map")
        d["dynamics"] = {"kind": dynamics or spec.dynamics.kind, "delta": spec.dynamics.delta if delta is None else delta}
    if tau_noise is not None:
        d["noise"] = {"kind": "ou", "sigma2": spec.noise.sigma2, "tau": float(tau_noise)}
    if mu0 is not None:
        d["init"] = parse_init_law(mu0).to_dict()
    return ModelSpec.from_dict(d)

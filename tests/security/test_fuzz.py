"""Fuzz tests (hypothesis): random specs and command lines, valid and invalid.

Every outcome is either a result or a :class:`~workbench.errors.WorkbenchError` subclass; a
:class:`~workbench.errors.SpecError` always names a parameter. Never another exception, never NaN
in a result, never a traceback or an unparsable ``--json`` line from the CLI.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.errors import SpecError, WorkbenchError
from workbench.spec import ModelSpec

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
"""Deterministic (derandomized) so CI is reproducible; the examples still cover odd values."""


def _strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN/Infinity (what a strict consumer of ``--json`` does)."""

    def bad(token: str) -> Any:
        raise ValueError(f"non-strict JSON constant {token}")

    return json.loads(text, parse_constant=bad)


# ---------------------------------------------------------------------------------------------
# strategies: plain data in the TOML layout, sometimes of the wrong type or out of range

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(-2, 2), max_size=2),
)
"""Values of any (often wrong) type."""

numbers = st.one_of(
    st.floats(min_value=-5, max_value=5, allow_nan=False),
    st.integers(min_value=-3, max_value=5),
    st.sampled_from([0.0, 1e-300, 1e300, float("inf"), float("nan"), -0.0]),
)
"""Mostly sensible numbers plus the edge cases."""


def maybe(strategy: st.SearchStrategy, bad: st.SearchStrategy = junk) -> st.SearchStrategy:
    """Usually ``strategy``, sometimes a value of the wrong type."""
    return st.one_of(strategy, strategy, strategy, bad)


distribution = st.one_of(
    numbers,
    st.fixed_dictionaries(
        {"kind": st.sampled_from(["constant", "uniform", "beta", "gamma", ""])},
        optional={
            "value": numbers,
            "low": numbers,
            "high": numbers,
            "a": numbers,
            "b": numbers,
            "shape": numbers,
        },
    ),
)

population = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(st.sampled_from(["E", "I", "all", "pop1", "x", "E_1", "a b", "", "\\input{x}"])),
        "fraction": maybe(st.sampled_from([1.0, 0.5, 0.8, 0.2, 0.0, 1e-9, -0.5, 2.0])),
        "tau": maybe(distribution),
        "gain": maybe(distribution),
        "input_mean": maybe(numbers),
        "input_std": maybe(numbers),
    },
)

phis = st.sampled_from(
    ["tanh", "erf", "relu", "linear", "logistic", "tanh(2*x)", "x/(1+x**2)", "exp(x)", "log(x)", "x**3", "y", "", "1"]
)

spec_dicts = st.fixed_dictionaries(
    {},
    optional={
        "name": maybe(st.text(max_size=10)),
        "N": maybe(st.one_of(st.integers(-2, 40), st.sampled_from([1.5, 10.0, 10**12]))),
        "phi": maybe(phis),
        "populations": maybe(st.lists(maybe(population, junk), min_size=0, max_size=3)),
        "coupling": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "J0": maybe(st.one_of(numbers, st.lists(st.lists(numbers, max_size=3), max_size=3))),
                    "g": maybe(st.one_of(numbers, st.lists(st.lists(numbers, max_size=3), max_size=3))),
                    "p": maybe(st.one_of(numbers, st.lists(st.lists(numbers, max_size=3), max_size=3))),
                },
            )
        ),
        "noise": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "kind": maybe(st.sampled_from(["white", "ou", "none", "pink"])),
                    "sigma2": maybe(numbers),
                    "tau": maybe(numbers),
                },
            )
        ),
        "init": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "kind": maybe(st.sampled_from(["normal", "point", "uniform"])),
                    "mean": maybe(numbers),
                    "std": maybe(numbers),
                },
            )
        ),
        "extra": junk,
    },
)


def _build(data: dict[str, Any]) -> ModelSpec | None:
    """``ModelSpec.from_dict``; None for a (well-formed) SpecError, anything else propagates."""
    try:
        return ModelSpec.from_dict(data)
    except SpecError as exc:
        assert isinstance(exc.parameter, str) and exc.parameter, f"SpecError without a parameter: {exc!r}"
        assert "\n" not in str(exc), f"multi-line error: {exc!s}"
        return None


@FUZZ
@given(spec_dicts)
def test_fuzz_model_spec(data: dict[str, Any]) -> None:
    """from_dict: a valid spec (round-trips through to_dict) or a SpecError naming a parameter."""
    spec = _build(data)
    if spec is None:
        return
    again = ModelSpec.from_dict(spec.to_dict())
    assert again.to_dict() == spec.to_dict()
    assert again.key() == spec.key()
    for row in (*spec.g, *spec.J0, *spec.p):
        assert all(math.isfinite(v) for v in row)
    assert sum(spec.sizes) == spec.N and min(spec.sizes) >= 1


@settings(FUZZ, max_examples=40)
@given(spec_dicts, st.integers(0, 2**31 - 1))
def test_fuzz_simulate_small(data: dict[str, Any], seed: int) -> None:
    """A tiny simulation of any valid spec: finite arrays or a WorkbenchError (divergence), never NaN."""
    from workbench.sim import simulate

    spec = _build(data)
    if spec is None:
        return
    spec = spec.replace(N=min(spec.N, 24)) if spec.N > 24 and spec.J_file is None else spec
    try:
        res = simulate(spec, T=2.0, dt=0.1, trials=2, seed=seed, record=("mean", "cov"), progress=False)
    except SpecError as exc:
        assert exc.parameter
        return
    except WorkbenchError:
        return
    for name in ("mean_x", "mean_phi", "cov_x", "cov_phi"):
        arr = getattr(res, name, None)
        if arr is not None:
            assert np.all(np.isfinite(arr)), name


# ---------------------------------------------------------------------------------------------
# the CLI in-process: random option values for simulate / dmft / derive

cli_numbers = st.one_of(
    st.sampled_from(["0", "1", "-1", "2", "0.5", "1e308", "1e-320", "nan", "inf", "-inf", "abc", "", "1e999", "0x10"]),
    st.floats(min_value=-10, max_value=10, allow_nan=False).map(repr),
)
cli_ints = st.one_of(st.sampled_from(["0", "1", "-1", "3", "10", "abc", "1.5", "99999999999"]), st.integers(-3, 30).map(str))
cli_phi = st.sampled_from(
    ["tanh", "erf", "relu", "linear", "tanh(2*x)", "x/(1+x**2)", "exp(x)", "__import__('os')", "x.real", "y", ""]
)


def _options(draw: st.DrawFn, table: dict[str, st.SearchStrategy]) -> list[str]:
    argv: list[str] = []
    for flag in draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=4)):
        argv += [flag, draw(table[flag])]
    return argv


@st.composite
def simulate_argv(draw: st.DrawFn) -> list[str]:
    """``workbench simulate`` with a preset, tiny sizes and random overrides."""
    argv = ["simulate", draw(st.sampled_from(["chaos", "linear", "noisy-chaos", "ei", "coloured", "nope"]))]
    argv += ["--N", draw(st.sampled_from(["8", "16", "0", "-4"])), "--T", draw(st.sampled_from(["1", "2", "0", "nan"]))]
    argv += ["--dt", "0.1", "--trials", "2", "--no-progress", "--json"]
    argv += _options(
        draw,
        {"--g": cli_numbers, "--J0": cli_numbers, "--sigma2": cli_numbers, "--phi": cli_phi, "--seed": cli_ints},
    )
    return argv


@st.composite
def dmft_argv(draw: st.DrawFn) -> list[str]:
    """``workbench dmft`` with random options (no Delta(tau) curves, to stay fast)."""
    argv = ["dmft", "--json", "--no-lyapunov"]
    argv += _options(
        draw,
        {
            "--g": cli_numbers,
            "--J0": cli_numbers,
            "--sigma2": cli_numbers,
            "--phi": cli_phi,
            "--input-var": cli_numbers,
            "--tau": cli_numbers,
        },
    )
    return argv


def _run_cli(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from workbench.cli import main

    if argv[0] == "simulate":
        argv = [*argv, "--out", str(tmp_path / "run.npz")]
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse: bad option value
        rc = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    assert rc in (0, 1, 2), (argv, rc, err)
    if rc == 0:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert lines, argv
        payload = _strict_loads(lines[-1])
        assert isinstance(payload, dict)
    else:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert lines, (argv, rc)
        assert "unexpected" not in err.lower() and "internal error" not in err.lower(), (argv, err)


@settings(FUZZ, max_examples=40)
@given(argv=simulate_argv())
def test_fuzz_cli_simulate(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    """``workbench simulate``: a strict JSON result or a one-line error, exit 0/1/2."""
    _run_cli(argv, capsys, tmp_path)


@settings(FUZZ, max_examples=40)
@given(argv=dmft_argv())
def test_fuzz_cli_dmft(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    """``workbench dmft``: a strict JSON result or a one-line error, exit 0/1/2."""
    _run_cli(argv, capsys, tmp_path)

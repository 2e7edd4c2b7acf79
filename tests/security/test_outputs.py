"""Strict, honest outputs: strict JSON, no NaN from a diverging phi, clean result files.

* every ``--json`` line parses with a strict parser (no NaN/Infinity); not-applicable or infinite
  values are ``null`` with a ``<key>_reason`` field;
* a phi that becomes non-finite stops the simulation with a DivergenceError (exit 2), no result;
* SIGTERM removes the temporary ``.part`` file like Ctrl-C does; stale ``.part`` files of ours
  older than a day are removed by the next write; result files respect the umask, caches keep
  the mode they ask for.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from workbench.cli import main
from workbench.errors import DivergenceError
from workbench.io import atomic_path, atomic_savez, atomic_write_bytes, remove_stale_parts, strict_dumps
from workbench.sim import simulate
from workbench.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[2]


def strict_loads(text: str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and -Infinity."""

    def refuse(token: str) -> Any:
        raise ValueError(f"non-strict JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _json_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main(argv) == 0, capsys.readouterr().err
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert len(lines) == 1
    payload = strict_loads(lines[0])
    assert isinstance(payload, dict)
    return payload


def _reasons_for_nulls(payload: dict[str, Any]) -> None:
    """Every top-level null that is a result value comes with a non-empty reason."""
    for k, v in payload.items():
        if v is None and not k.endswith("_reason"):
            assert isinstance(payload.get(f"{k}_reason"), str) and payload[f"{k}_reason"], k


# ---------------------------------------------------------------------------------------------- strict JSON


def test_strict_dumps_replaces_non_finite_with_null_and_reason() -> None:
    """nan/inf (Python or numpy, nested or in arrays) become null; each key gets a reason."""
    data = {
        "a": float("nan"),
        "b": np.float64("inf"),
        "c": {"E": -np.inf, "I": 1.0},
        "d": np.array([1.0, np.nan]),
        "e": 2,
        "lyapunov": None,
        "lyapunov_reason": "set by the caller",
    }
    text = strict_dumps(data)
    out = strict_loads(text)
    assert out["a"] is None and "nan" in out["a_reason"]
    assert out["b"] is None and "inf" in out["b_reason"]
    assert out["c"] == {"E": None, "I": 1.0} and "-inf" in out["c_reason"]
    assert out["d"] == [1.0, None] and out["d_reason"]
    assert out["e"] == 2 and "e_reason" not in out
    assert out["lyapunov_reason"] == "set by the caller"
    assert strict_loads(strict_dumps([1.0, float("inf")])) == [1.0, None]


def test_dmft_json_is_strict_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    """One population: full result, --no-lyapunov (nulls with reasons), static regime (tau_half)."""
    full = _json_line(capsys, ["dmft", "--g", "2", "--json", "--backend", "numpy"])
    assert full["regime"] == "chaotic" and full["lyapunov"] > 0
    _reasons_for_nulls(full)
    skipped = _json_line(capsys, ["dmft", "--g", "2", "--json", "--no-lyapunov", "--backend", "numpy"])
    assert skipped["lyapunov"] is None and "no-lyapunov" in skipped["lyapunov_reason"]
    _reasons_for_nulls(skipped)
    static = _json_line(capsys, ["dmft", "--g", "0.5", "--json", "--backend", "numpy"])
    assert static["regime"] == "static" and static["tau_half"] is None
    assert "static" in static["tau_half_reason"]
    _reasons_for_nulls(static)


def test_dmft_json_two_populations_null_lyapunov(capsys: pytest.CaptureFixture[str]) -> None:
    """Several populations: the Lyapunov exponent is not derived: null with a reason."""
    out = _json_line(capsys, ["dmft", "--spec", "ei", "--json", "--no-lyapunov", "--backend", "numpy"])
    assert out["populations"] == ["E", "I"]
    assert out["lyapunov"] is None and "several populations" in out["lyapunov_reason"]
    _reasons_for_nulls(out)


def test_simulate_json_is_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """simulate --json (and the JSON in the result file); an undefined statistic is null + reason."""
    out = tmp_path / "run.npz"
    base = ["--N", "6", "--T", "1", "--dt", "0.1", "--trials", "2", "--no-progress", "--json", "--out", str(out)]
    payload = _json_line(capsys, ["simulate", "chaos", *base])
    assert payload["N"] == 6 and payload["participation_ratio"] > 0
    with np.load(out) as d:
        for key in ("summary", "info", "spec"):
            strict_loads(str(d[key]))
    spec = tmp_path / "silent.toml"  # x(0) = 0, no noise, no input: the covariance is exactly zero
    spec.write_text('N = 6\n[init]\nkind = "point"\nmean = 0.0\nstd = 0.0\n')
    zero = _json_line(capsys, ["simulate", str(spec), *base])
    assert zero["participation_ratio"] is None and zero["participation_ratio_reason"]
    _reasons_for_nulls(zero)


def test_meanfield_json_is_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """meanfield --json (closure, a few steps)."""
    out = tmp_path / "mf.npz"
    payload = _json_line(capsys, ["meanfield", "--T", "1", "--dt", "0.1", "--order", "8", "--json", "--out", str(out)])
    assert 0 < payload["m_T"] < 1
    with np.load(out) as d:
        strict_loads(str(d["summary"]))


# ---------------------------------------------------------------------------------------------- phi divergence


@pytest.mark.parametrize(
    ("phi", "kw", "at_start"),
    [
        ("log(x)", {"init_mean": 0.0, "init_std": 1.0}, True),  # log of negative x(0)
        ("log(x)", {"input_mean": -2.0, "init_mean": 1.0, "init_std": 0.0}, False),  # x crosses 0 later
        ("exp(x)", {"input_mean": 800.0, "init_mean": 0.0, "init_std": 0.0}, False),  # exp overflows
        ("sqrt(x)", {"input_mean": -1.0, "init_mean": 0.5, "init_std": 0.0}, False),
    ],
)
def test_non_finite_phi_is_a_divergence(phi: str, kw: dict[str, float], at_start: bool) -> None:
    """The custom-phi kernel flags a non-finite phi(x) (not only x): DivergenceError, never NaN."""
    spec = ModelSpec.simple(N=6, g=0.0, phi=phi, **kw)
    with pytest.raises(DivergenceError, match=r"phi\(gain x\) became non-finite") as info:
        simulate(spec, T=3.0, dt=0.1, trials=2, seed=0)
    assert ("t = 0 " in str(info.value)) == at_start


def test_exp_phi_overflowing_statistics_is_a_divergence() -> None:
    """phi finite but its square overflows in the covariance: still a DivergenceError."""
    spec = ModelSpec.simple(N=4, g=0.0, phi="exp(x)", input_mean=600.0, init_mean=600.0, init_std=0.0)
    with pytest.raises(DivergenceError, match="recorded cov_phi is not finite"):
        simulate(spec, T=1.0, dt=0.1, trials=1, seed=0)


def test_cli_phi_divergence_exit_2_no_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Through the CLI: exit 2, one line naming phi, no result file, no --json output."""
    out = tmp_path / "r.npz"
    rc = main(["simulate", "linear", "--phi", "log(x)", "--N", "6", "--T", "1", "--dt", "0.1", "--json",
               "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "DivergenceError" in lines[0] and "phi" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_failed_plot_leaves_no_result_file(tmp_path: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The result file appears only together with the figure: a failing plot leaves neither."""
    import workbench.sim.plots as plots

    def broken(res: Any, path: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(plots, "plot_summary", broken)
    out = tmp_path / "r.npz"
    rc = main(["simulate", "--N", "6", "--T", "1", "--dt", "0.1", "--out", str(out), "--plot", str(tmp_path / "f.png")])
    assert rc == 1 and "disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------- result files

_SLOW_WRITER = """
import sys, time
import workbench.commands.simulate as cmd
from workbench.io import atomic_path

def slow(args):
    with atomic_path(args.out) as tmp:
        tmp.write_bytes(b"partial")
        print("READY", flush=True)
        time.sleep(60)
    return 0

cmd.run = slow
from workbench.cli import main
sys.exit(main(["simulate", "--out", sys.argv[1]]))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_sigterm_removes_part_file(tmp_path: Path) -> None:
    """SIGTERM during an atomic write: exit 128+15, the .part file is gone, no result file."""
    out = tmp_path / "r.npz"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert proc.stdout.readline().strip() == "READY"
        assert len(list(tmp_path.glob(".r.npz.*.part"))) == 1
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=30)
    finally:
        proc.kill()
    err = proc.stderr.read()
    assert rc == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "terminated" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGTERM])
def test_signal_stops_a_long_simulation(tmp_path: Path, signum: int) -> None:
    """A real long ``workbench simulate --out``: SIGTERM/SIGINT end it with 128 + signum, nothing left.

    The signal arrives in the middle of the step loop; it is raised between two kernel calls (a
    handler raising while numba unboxes the kernel's arguments crashed the interpreter, -11).
    """
    out = tmp_path / "long.npz"
    argv = [sys.executable, "-m", "workbench", "simulate", "--N", "50", "--T", "1e6", "--dt", "0.1", "--trials", "1",
            "--record-neurons", "1", "--progress", "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while b"simulate N=" not in seen and time.monotonic() < deadline:  # the progress bar: the loop runs
            chunk = os.read(proc.stderr.fileno(), 256)
            assert chunk, seen
            seen += chunk
        proc.send_signal(signum)
        rc = proc.wait(timeout=30)
    finally:
        proc.kill()
    err = proc.stderr.read()
    assert rc == 128 + signum, (rc, seen[-300:], err[-2000:])
    assert b"Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_stale_part_files_are_removed(tmp_path: Path) -> None:
    """Our .part files older than a day go at the next write; fresh ones and foreign files stay."""
    day = 86400
    stale = tmp_path / ".old.npz.ab12cd_9.part"
    fresh = tmp_path / ".new.npz.zz98yy_1.part"
    foreign = [tmp_path / "notes.part", tmp_path / ".hidden.part", tmp_path / ".old.npz.toolong123.partial"]
    for p in (stale, fresh, *foreign):
        p.write_bytes(b"x")
    past = time.time() - 2 * day
    for p in (stale, *foreign):
        os.utime(p, (past, past))
    atomic_savez(tmp_path / "r.npz", a=np.arange(3))
    assert not stale.exists() and fresh.exists() and all(p.exists() for p in foreign)
    assert (tmp_path / "r.npz").exists()
    assert remove_stale_parts(tmp_path, max_age_s=0.0) == [fresh]


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_result_files_respect_umask(tmp_path: Path, mask: int) -> None:
    """Result files get 0o666 & ~umask; an explicit mode (caches: 0o600) is kept."""
    old = os.umask(mask)
    try:
        npz = atomic_savez(tmp_path / "r.npz", a=np.arange(3))
        txt = atomic_write_bytes(tmp_path / "r.txt", b"x")
        cache = atomic_write_bytes(tmp_path / "c.bin", b"x", mode=0o600)
        with atomic_path(tmp_path / "own.bin") as tmp:  # a mode the body sets itself is kept
            tmp.write_bytes(b"x")
            os.chmod(tmp, 0o640)
    finally:
        os.umask(old)
    assert npz.stat().st_mode & 0o777 == 0o666 & ~mask
    assert txt.stat().st_mode & 0o777 == 0o666 & ~mask
    assert cache.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "own.bin").stat().st_mode & 0o777 == 0o640

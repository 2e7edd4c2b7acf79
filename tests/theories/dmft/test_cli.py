"""``workbench dmft`` and ``workbench derive dmft`` command-line plugins."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main


def test_dmft_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dmft", "--phi", "tanh", "--g", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("Delta0", "Delta_inf", "mean_phi_prime", "C_phi0", "lyapunov", "regime"):
        assert key in out
    assert abs(out["Delta0"] - 1.924805) < 1e-5  # shared/theory/dmft.md §2.2
    assert out["regime"] == "chaotic"


def test_dmft_noise_and_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dmft", "--g", "2", "--input-var", "0.25", "--json", "--no-lyapunov"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["Delta_inf"] - 1.537093) < 1e-5  # shared/theory/dmft.md §4


def test_dmft_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dmft", "--g", "2", "--sigma2", "-1"]) == 2
    assert "sigma2" in capsys.readouterr().err


def test_derive_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "dmft", "--latex"]) == 0
    tex = capsys.readouterr().out
    assert r"\begin{align*}" in tex and "Saddle point" in tex
    assert main(["derive", "dmft", "--noise", "white"]) == 0
    assert "sigma^2**2/(8*tau**2)" in capsys.readouterr().out


def test_dmft_two_populations_and_ou(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dmft", "--spec", "ei", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["populations"] == ["E", "I"] and set(out["Delta0"]) == {"E", "I"}
    assert out["regime"] == "fluctuating" and out["lyapunov"] is None
    assert out["Delta0"]["E"] > out["Delta0"]["I"] > 0
    assert main(["dmft", "--g", "1.5", "--sigma2", "0.5", "--tau-noise", "1", "--json"]) == 0
    ou = json.loads(capsys.readouterr().out)
    assert ou["params"]["noise"] == {"kind": "ou", "sigma2": 0.5, "tau": 1.0}
    assert 0.8 < ou["Delta0"] < 0.9  # between the quenched-input and white-noise values (dmft.md §7)
    assert main(["dmft", "--tau-noise", "-1"]) == 2
    assert "tau-noise" in capsys.readouterr().err
    assert main(["dmft", "--spec", "ei-sparse"]) == 2  # heterogeneous gains: no stationary DMFT
    assert "populations[0].gain" in capsys.readouterr().err

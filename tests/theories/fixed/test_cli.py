"""``workbench fixed``: exact spellings, npz keys, strict JSON, one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main


@pytest.fixture
def J_file(tmp_path: Path) -> Path:
    """A 60 x 60 iid network at g = 1.2 saved with numpy.save."""
    path = tmp_path / "J.npy"
    np.save(path, np.random.default_rng(0).standard_normal((60, 60)) * 1.2 / np.sqrt(60))
    return path


def test_json_and_npz(J_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "pred.npz"
    argv = ["fixed", "--J-file", str(J_file), "--phi", "tanh", "--sigma2", "0.5", "--gains", "shared",
            "--out", str(out), "--json"]
    assert main(argv) == 0
    s = json.loads(capsys.readouterr().out)
    assert {"PR_over_N_x", "PR_over_N_phi", "g_eff"} <= set(s) and s["gains_mode"] == "shared" and s["N"] == 60
    z = np.load(out)
    assert {"cov_x", "cov_phi", "cov_x_zero_frequency", "response"} <= set(z.files)
    assert z["cov_x"].shape == (60, 60) and z["cov_x"].dtype == np.float64
    assert s["PR_over_N_x"] == pytest.approx(float(np.trace(z["cov_x"]) ** 2 / (60 * np.sum(z["cov_x"] ** 2))))


def test_per_neuron_is_the_default_and_text_output(J_file: Path, capsys) -> None:
    assert main(["fixed", "--J-file", str(J_file), "--sigma2", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gains_mode"] == "per-neuron"
    assert main(["fixed", "--J-file", str(J_file), "--sigma2", "1"]) == 0
    assert "g_eff" in capsys.readouterr().out


def test_spec_and_seed_draw_the_simulators_network(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text('N = 50\nphi = "tanh"\n[coupling]\ng = 1.5\n[noise]\nkind = "white"\nsigma2 = 0.5\n')
    assert main(["fixed", "--spec", str(spec), "--seed", "2", "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["N"] == 50 and s["sigma2"] == 0.5 and 1.0 < s["g"] < 2.0


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--J-file", "missing.npy"], "J_file: file not found"),
        (["--J-file", "{J}", "--phi", "relu"], "odd phi"),
        (["--J-file", "{J}", "--sigma2", "-1"], "sigma2"),
        (["--J-file", "{J}", "--spec", "chaos"], "exactly one of"),
        ([], "exactly one of"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, match, J_file: Path, capsys) -> None:
    argv = [a.replace("{J}", str(J_file)) for a in argv]
    assert main(["fixed", *argv, "--json"]) == 2
    err = capsys.readouterr().err.strip()
    assert match in err and "\n" not in err


def test_gains_spelling_is_checked(J_file: Path, capsys) -> None:
    assert main(["fixed", "--J-file", str(J_file), "--gains", "mean"]) == 2
    assert "--gains: invalid choice: 'mean' (choose from 'shared', 'per-neuron', 'self-consistent')" in capsys.readouterr().err


def test_too_large_J_is_refused_before_loading(J_file: Path, monkeypatch, capsys) -> None:
    from workbench.theories.fixed import solver

    monkeypatch.setattr(solver, "available_bytes", lambda: 10_000)
    assert main(["fixed", "--J-file", str(J_file), "--json"]) == 2
    err = capsys.readouterr().err
    assert "J_file: N = 60 needs about" in err and "available" in err

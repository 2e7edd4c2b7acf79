"""Bad input through the CLI in-process: one line on stderr naming the parameter, exit 2, no traceback.

Every row is ``(id, argv, parameter)``: ``workbench.cli.main(argv)`` must return 2 and print exactly
one non-empty line on stderr, ``workbench CMD: error: ...``, that contains ``parameter``. Files
(bad TOML specs, bad coupling matrices, a folder, a plain file) are written into ``tmp_path`` and
referred to as ``{tmp}/...``. The refusals happen before any simulation or DMFT solve, so the
whole table runs in seconds.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main

SIM = ["simulate", "--N", "8", "--T", "1", "--dt", "0.1", "--trials", "1", "--no-progress"]
"""A tiny simulation: the prefix of every simulate row (the row adds the bad part and --out)."""

TOML = {
    "coupling_int.toml": "coupling = 5\n",
    "noise_str.toml": 'noise = "white"\n',
    "populations_int.toml": "populations = 5\n",
    "populations_strs.toml": 'populations = ["E", "I"]\n',
    "init_list.toml": "init = [1]\n",
    "phi_int.toml": "phi = 5\n",
    "N_str.toml": 'N = "10"\n',
    "N_float.toml": "N = 1.5\n",
    "N_bool.toml": "N = true\n",
    "N_zero.toml": "N = 0\n",
    "g_bool.toml": "[coupling]\ng = [[true]]\n",
    "g_str.toml": '[coupling]\ng = "1.5"\n',
    "g_ragged.toml": "[coupling]\ng = [[1.0, 2.0]]\n",
    "J0_inf.toml": "[coupling]\nJ0 = inf\n",
    "sigma2_nan.toml": '[noise]\nkind = "white"\nsigma2 = nan\n',
    "noise_kind_int.toml": "[noise]\nkind = 1\n",
    "tau_str.toml": '[[populations]]\nname = "all"\ntau = "1"\n',
    "tau_kind_bool.toml": '[[populations]]\nname = "all"\ntau = { kind = true }\n',
    "fraction_bool.toml": '[[populations]]\nname = "all"\nfraction = true\n',
    "zero_neurons.toml": (
        'N = 10\n[[populations]]\nname = "E"\nfraction = 0.96\n[[populations]]\nname = "I"\nfraction = 0.04\n'
    ),
    "J_complex.toml": 'J_file = "J_complex.npy"\n',
    "J_file_int.toml": "J_file = 3\n",
    "huge_int.toml": "[init]\nmean = 1" + "0" * 400 + "\n",
    "bad_syntax.toml": "N = = 3\n",
}
"""Spec files with values of the wrong type or out of range."""


def _write_files(tmp: Path) -> None:
    """The bad specs, bad coupling files, a folder and a plain file used by the table."""
    for name, text in TOML.items():
        (tmp / name).write_text(text)
    (tmp / "latin1.toml").write_bytes(b"name = '\xe9t\xe9'\nN = 3\n")
    (tmp / "folder.toml").mkdir()
    (tmp / "folder").mkdir()
    (tmp / "result.npz").mkdir()
    (tmp / "plain").write_text("not a folder\n")
    np.save(tmp / "J_complex.npy", np.eye(8) * (1 + 1j))
    np.save(tmp / "J_str.npy", np.array([["a"] * 8] * 8))
    np.save(tmp / "J_bool.npy", np.eye(8, dtype=bool))
    np.save(tmp / "J_0d.npy", np.array(3.0))
    np.save(tmp / "J_1d.npy", np.ones(8))
    np.save(tmp / "J_rect.npy", np.ones((8, 4)))
    np.save(tmp / "J_object.npy", np.array([None, 1.0], dtype=object), allow_pickle=True)
    good = tmp / "J_good.npy"
    np.save(good, 0.1 * np.eye(8))
    (tmp / "J_truncated.npy").write_bytes(good.read_bytes()[:200])
    (tmp / "J_header_cut.npy").write_bytes(good.read_bytes()[:40])
    (tmp / "J_text.npy").write_text("0 1\n1 0\n")
    np.savetxt(tmp / "J.txt", np.eye(8))
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (8, 8), " + b" " * 300_000 + b"}\n"
    (tmp / "J_huge_header.npy").write_bytes(b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header)
    (tmp / "J_nan.npy").write_bytes(b"")
    np.save(tmp / "J_nan.npy", np.full((8, 8), np.nan))


CASES: list[tuple[str, list[str], str]] = [
    # ---- simulate: command-line values
    ("seed-negative", [*SIM, "--seed", "-1"], "seed"),
    ("out-directory", [*SIM, "--out", "{tmp}/folder"], "out"),
    ("out-directory-npz", [*SIM, "--out", "{tmp}/result.npz"], "out"),
    ("out-below-file", [*SIM, "--out", "{tmp}/plain/r.npz"], "out"),
    ("g-inf", [*SIM, "--g", "inf"], "g"),
    ("g-minus-inf", [*SIM, "--g", "-inf"], "g"),
    ("g-negative", [*SIM, "--g", "-1"], "g"),
    ("J0-nan", [*SIM, "--J0", "nan"], "J0"),
    ("J0-overflow", [*SIM, "--J0", "1e999"], "J0"),
    ("sigma2-negative", [*SIM, "--sigma2", "-1"], "sigma2"),
    ("sigma2-nan", [*SIM, "--sigma2", "nan"], "sigma2"),
    ("N-zero", ["simulate", "--N", "0", "--T", "1"], "N"),
    ("N-negative", ["simulate", "--N", "-5", "--T", "1"], "N"),
    ("N-not-int", ["simulate", "--N", "abc"], "--N"),
    ("N-float", ["simulate", "--N", "1.5"], "--N"),
    ("T-nan", [*SIM, "--T", "nan"], "T"),
    ("T-inf", [*SIM, "--T", "inf"], "T"),
    ("T-zero", [*SIM, "--T", "0"], "T"),
    ("dt-zero", [*SIM, "--dt", "0"], "dt"),
    ("dt-above-T", [*SIM, "--dt", "5"], "dt"),
    ("trials-zero", [*SIM, "--trials", "0"], "trials"),
    ("stride-zero", [*SIM, "--stride", "0"], "stride"),
    ("burn-in-above-T", [*SIM, "--burn-in", "2"], "burn_in"),
    ("record-neurons-negative", [*SIM, "--record-neurons", "-1"], "record-neurons"),
    ("phi-unknown", [*SIM, "--phi", "tanhh"], "phi"),
    ("phi-imaginary", [*SIM, "--phi", "I*x"], "phi"),
    ("phi-import", [*SIM, "--phi", "__import__('os').system('true')"], "phi"),
    ("memory-N", ["simulate", "--N", "30000000", "--T", "1", "--dt", "0.1"], "N"),
    ("memory-trials", ["simulate", "--N", "50", "--trials", "3000000000", "--T", "1", "--dt", "0.1"], "trials"),
    ("memory-T", ["simulate", "--N", "50", "--T", "1e10", "--dt", "0.1"], "T"),
    ("plot-unknown-format", [*SIM, "--plot", "{tmp}/fig.xyz"], "plot"),
    ("plot-no-extension", [*SIM, "--plot", "{tmp}/fig"], "plot"),
    ("plot-directory", [*SIM, "--plot", "{tmp}/folder"], "plot"),
    ("preset-unknown", ["simulate", "nope"], "preset"),
    # ---- simulate: spec files
    *[(f"toml-{name}", [*SIM[:1], "{tmp}/" + name, *SIM[1:]], param) for name, param in (
        ("coupling_int.toml", "coupling"),
        ("noise_str.toml", "noise"),
        ("populations_int.toml", "populations"),
        ("populations_strs.toml", "populations[0]"),
        ("init_list.toml", "init"),
        ("phi_int.toml", "phi"),
        ("N_str.toml", "N"),
        ("N_float.toml", "N"),
        ("N_bool.toml", "N"),
        ("N_zero.toml", "N"),
        ("g_bool.toml", "coupling.g"),
        ("g_str.toml", "coupling.g"),
        ("g_ragged.toml", "coupling.g"),
        ("J0_inf.toml", "coupling.J0"),
        ("sigma2_nan.toml", "noise.sigma2"),
        ("noise_kind_int.toml", "noise.kind"),
        ("tau_str.toml", "populations[0].tau"),
        ("tau_kind_bool.toml", "populations[0].tau.kind"),
        ("fraction_bool.toml", "populations[0].fraction"),
        ("J_file_int.toml", "J_file"),
        ("J_complex.toml", "J_file"),
        ("huge_int.toml", "init.mean"),
        ("bad_syntax.toml", "spec"),
        ("latin1.toml", "spec"),
        ("missing.toml", "spec"),
        ("folder.toml", "spec"),
        ("folder", "spec"),
    )],
    ("toml-zero-neurons", ["simulate", "{tmp}/zero_neurons.toml", "--T", "1", "--dt", "0.1"], "populations[1].fraction"),
    ("preset-zero-neurons", ["simulate", "ei", "--N", "1", "--T", "1"], "fraction"),
    # ---- simulate: coupling files
    *[(f"J-{name}", [*SIM, "--J-file", "{tmp}/" + name], "J_file") for name in (
        "J_complex.npy",
        "J_str.npy",
        "J_bool.npy",
        "J_0d.npy",
        "J_1d.npy",
        "J_rect.npy",
        "J_object.npy",
        "J_truncated.npy",
        "J_header_cut.npy",
        "J_text.npy",
        "J_huge_header.npy",
        "J.txt",
        "J_missing.npy",
        "J_nan.npy",
    )],
    # ---- dmft
    ("dmft-g-inf", ["dmft", "--g", "inf"], "g"),
    ("dmft-J0-nan", ["dmft", "--J0", "nan"], "J0"),
    ("dmft-sigma2-negative", ["dmft", "--sigma2", "-1"], "sigma2"),
    ("dmft-tau-zero", ["dmft", "--tau", "0"], "tau"),
    ("dmft-tau-noise-nan", ["dmft", "--tau-noise", "nan"], "tau-noise"),
    ("dmft-input-var-negative", ["dmft", "--input-var", "-1"], "input-var"),
    ("dmft-mu0-inf", ["dmft", "--mu0", "inf"], "mu0"),
    ("dmft-phi-linear", ["dmft", "--phi", "linear"], "phi"),
    ("dmft-phi-linear-small-g", ["dmft", "--phi", "linear", "--g", "0.5"], "phi"),
    ("dmft-phi-affine", ["dmft", "--phi", "2*x + 1"], "phi"),
    ("dmft-relu-g5", ["dmft", "--phi", "relu", "--g", "5"], "g"),
    ("dmft-relu-g-sqrt2", ["dmft", "--phi", "relu", "--g", "1.5", "--no-lyapunov"], "g"),
    ("dmft-spec-input-var", ["dmft", "--spec", "chaos", "--input-var", "0.5"], "input-var"),
    ("dmft-spec-input-mean", ["dmft", "--spec", "chaos", "--input-mean", "0.5"], "input-mean"),
    ("dmft-spec-tau", ["dmft", "--spec", "chaos", "--tau", "2"], "tau"),
    ("dmft-spec-tau-default-value", ["dmft", "--spec", "chaos", "--tau", "1"], "tau"),
    ("dmft-spec-J-file", ["dmft", "--spec", "{tmp}/J_good.toml"], "J_file"),
    ("dmft-spec-heterogeneous-tau", ["dmft", "--spec", "ei-sparse"], "populations[0].gain"),
    ("dmft-spec-bad-toml", ["dmft", "--spec", "{tmp}/coupling_int.toml"], "coupling"),
    # ---- meanfield
    ("meanfield-out-directory", ["meanfield", "--out", "{tmp}/folder"], "out"),
    ("meanfield-dt-above-T", ["meanfield", "--T", "1", "--dt", "2", "--out", "{tmp}/m.npz"], "dt"),
    ("meanfield-g-inf", ["meanfield", "--g", "inf", "--out", "{tmp}/m.npz"], "g"),
    ("meanfield-sigma2-nan", ["meanfield", "--sigma2", "nan", "--out", "{tmp}/m.npz"], "sigma2"),
    ("meanfield-phi-imaginary", ["meanfield", "--phi", "I*x", "--out", "{tmp}/m.npz"], "phi"),
    ("meanfield-drift-imaginary", ["meanfield", "--drift", "I*x", "--out", "{tmp}/m.npz"], "drift"),
    ("meanfield-seed-negative", ["meanfield", "--method", "march", "--seed", "-1", "--T", "0.1", "--dt", "0.05",
                                 "--paths", "10", "--out", "{tmp}/m.npz"], "seed"),
    # ---- report
    ("report-out-file", ["report", "simulator", "--out", "{tmp}/plain", "--no-pdf"], "out"),
    ("report-out-below-file", ["report", "simulator", "--out", "{tmp}/plain/sub", "--no-pdf"], "out"),
    ("report-store-file", ["report", "simulator", "--store", "{tmp}/plain", "--out", "{tmp}/r", "--no-pdf"], "store"),
    # ---- the CLI itself
    ("unknown-option", ["simulate", "--frobnicate", "1"], "--frobnicate"),
    ("unknown-command", ["frobnicate"], "frobnicate"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bad inputs on disk (shared by the table)."""
    tmp = tmp_path_factory.mktemp("bad-inputs")
    _write_files(tmp)
    (tmp / "J_good.toml").write_text('J_file = "J_good.npy"\nphi = "tanh"\n')
    return tmp


def _argv(argv: list[str], tmp: Path) -> list[str]:
    """``argv`` with ``{tmp}`` filled in; a simulate row writes (if it ever did) into ``tmp``."""
    out = [a.replace("{tmp}", str(tmp)) for a in argv]
    if out[0] == "simulate" and "--out" not in out:
        out += ["--out", str(tmp / "never.npz")]
    return out


@pytest.mark.parametrize(("argv", "parameter"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_exit_2(
    argv: list[str], parameter: str, files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 2, exactly one non-empty stderr line ``workbench CMD: error: ...`` naming the parameter."""
    before = {p.name for p in files.iterdir()}
    rc = main(_argv(argv, files))
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, (rc, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("workbench"), lines[0]
    assert ": error: " in lines[0], lines[0]
    assert parameter in lines[0], lines[0]
    assert "internal error" not in lines[0]
    after = {p.name for p in files.iterdir()}
    assert after == before, f"files left behind: {sorted(after - before)}"


def test_debug_flag_shows_traceback(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--debug`` (before or after the sub-command) and WORKBENCH_DEBUG=1 add the traceback."""
    for argv in (["--debug", *SIM, "--seed", "-1"], [*SIM, "--seed", "-1", "--debug"]):
        assert main(_argv(argv, files)) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err and err.strip().splitlines()[-1].startswith("workbench simulate: error:")


def test_debug_environment_variable(files: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    """``WORKBENCH_DEBUG=1`` shows the traceback too; ``WORKBENCH_DEBUG=0`` does not."""
    monkeypatch.setenv("WORKBENCH_DEBUG", "1")
    assert main(_argv([*SIM, "--g", "nan"], files)) == 2
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("WORKBENCH_DEBUG", "0")
    assert main(_argv([*SIM, "--g", "nan"], files)) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unexpected_error_is_one_line_exit_1(monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    """An internal error: exit 1, one line with a hint to use --debug, no traceback."""
    import workbench.commands.simulate as simulate_cmd

    def boom(args: object) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(simulate_cmd, "run", boom)
    assert main(["simulate"]) == 1
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "boom second line" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in err

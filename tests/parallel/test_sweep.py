"""``workbench sweep THEORY``: the product grid, NetCDF output identical on every executor, failures, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main

xr = pytest.importorskip("xarray")


def sweep(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, dict]:
    """Run the CLI; its exit status and parsed --json output."""
    status = main(["sweep", *argv, "--json", "--no-progress"])
    out = capsys.readouterr().out.strip()
    return status, (json.loads(out) if out else {})


def test_dmft_sweep_is_identical_on_every_executor(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    files = {}
    for kind in ("sequential", "processes", "dask"):
        out = tmp_path / f"{kind}.nc"
        status, summary = sweep(capsys, "dmft", "--g", "1.5:3:3", "--sigma2", "0,0.5", "--out", str(out),
                                "--executor", kind, "--workers", "2")
        assert status == 0
        assert summary == {"points": 6, "out": str(out), "executor": kind, "failed": []}
        files[kind] = out.read_bytes()
    assert files["sequential"] == files["processes"] == files["dask"]
    ds = xr.open_dataset(tmp_path / "sequential.nc", engine="scipy")
    assert ds.Delta0.dims == ("g", "sigma2") and ds.Delta0.shape == (3, 2)
    np.testing.assert_allclose(ds.g.values, [1.5, 2.25, 3.0])
    # the point g = 2.25, sigma2 = 0 is the same number the theory's own CLI prints
    assert main(["dmft", "--g", "2.25", "--sigma2", "0", "--json"]) == 0
    single = json.loads(capsys.readouterr().out)
    assert ds.Delta0.sel(g=2.25, sigma2=0.0).item() == single["Delta0"]
    assert ds.Delta0.attrs["units"] == "x^2" and "workbench_commit" in ds.attrs
    assert str(ds.regime.sel(g=2.25, sigma2=0.0).values) == single["regime"] == "chaotic"


def test_failed_point_is_recorded_and_the_sweep_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "lin.nc"
    status, summary = sweep(capsys, "dimension", "--phi", "x", "--g", "0.5,1.5", "--sigma2", "1", "--out",
                            str(out), "--executor", "sequential")
    assert status == 0 and len(summary["failed"]) == 1
    assert summary["failed"][0]["point"]["--g"] == "1.5" and "g" in summary["failed"][0]["reason"]
    ds = xr.open_dataset(out, engine="scipy").squeeze()  # phi and sigma2 are length-1 coordinates
    assert ds.failed.values.tolist() == [0, 1]
    assert np.isfinite(ds.PR_over_N_x.values[0]) and np.isnan(ds.PR_over_N_x.values[1])
    assert json.loads(ds.attrs["failed_points"])[0]["point"] == {"phi": "x", "g": "1.5", "sigma2": "1"}


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["dmft", "--g", "1,abc"], "g"),
        (["dmft", "--g", "1:2:0"], "g"),
        (["dmft", "--g", "2", "--out", "s.txt"], "out"),
        (["dmft", "--g", "2", "--scheduler", "localhost"], "scheduler"),
        (["dmft", "--g", "2", "--executor", "threads"], "executor"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv: list[str], names: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and names in err


def test_interrupted_sweep_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture) -> None:
    import workbench.commands.sweep as sweep_mod

    calls = []

    def interrupted(job):
        calls.append(job)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return {"x": 1.0}

    monkeypatch.setattr(sweep_mod, "run_point", interrupted)
    out = tmp_path / "s.nc"
    status = main(["sweep", "dmft", "--g", "1.5,2,2.5", "--out", str(out), "--executor", "sequential"])
    assert status == 130
    assert not out.exists() and list(tmp_path.iterdir()) == []

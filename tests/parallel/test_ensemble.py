"""``workbench sweep simulate``: one job per network, identical on every executor, stored, finite-size fits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.cli import main
from workbench.compare import finite_size_fit_from_file, series_fit_from_file

xr = pytest.importorskip("xarray")

ARGS = ["sweep", "simulate", "--g", "1.5", "--N", "40,80", "--networks", "3", "--T", "60", "--trials", "2",
        "--no-progress"]


def test_ensemble_identical_for_every_executor_and_re_used_from_the_store(tmp_path: Path, capsys) -> None:
    files = []
    for n, (kind, workers) in enumerate((("sequential", "1"), ("processes", "1"), ("processes", "2"))):
        out = tmp_path / f"e{n}.nc"
        status = main([*ARGS, "--out", str(out), "--store", str(tmp_path / f"runs{n}"), "--executor", kind,
                       "--workers", workers, "--json"])
        assert status == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary == {"points": 2, "out": str(out), "executor": kind, "failed": []}
        files.append(out.read_bytes())
    assert files[0] == files[1] == files[2]
    ds = xr.open_dataset(tmp_path / "e0.nc", engine="scipy")
    assert ds.var_x_mean.sizes["network"] == 3 and ds.var_x_mean.sizes["N"] == 2
    assert np.all(np.isfinite(ds.PR_over_N_x.values)) and np.all(ds.PR_over_N_x_se.values > 0)
    seeds = ds.seed.values.ravel()
    assert len(set(seeds.tolist())) == seeds.size  # every network its own seed
    # a second run finds every network in the store
    assert main([*ARGS, "--out", str(tmp_path / "again.nc"), "--store", str(tmp_path / "runs0"),
                 "--executor", "sequential"]) == 0
    assert "0 computed, 6 from the store" in capsys.readouterr().out
    assert (tmp_path / "again.nc").read_bytes() == files[0]
    fit = finite_size_fit_from_file(tmp_path / "e0.nc", "var_x_mean")
    assert fit.Ns == (40.0, 80.0) and np.isfinite(fit.a) and fit.se_a > 0
    series = series_fit_from_file(tmp_path / "e0.nc", "var_x_mean", powers=(0, 1))
    assert series.params == pytest.approx((fit.a, fit.c), rel=1e-12)
    assert series.se_params == pytest.approx((fit.se_a, fit.se_c), rel=1e-12)
    assert series.dof[0] == pytest.approx(fit.dof, rel=1e-12)
    with pytest.raises(ValueError):  # two sizes cannot carry a 1/N^2 term
        series_fit_from_file(tmp_path / "e0.nc", "var_x_mean")


def test_ensemble_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["sweep", "simulate", "--networks", "0", "--out", str(tmp_path / "e.nc")]) == 2
    assert "networks" in capsys.readouterr().err
    assert main(["sweep", "simulate", "--N", "40,x", "--out", str(tmp_path / "e.nc")]) == 2
    assert "N" in capsys.readouterr().err

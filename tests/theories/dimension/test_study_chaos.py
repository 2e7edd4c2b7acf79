"""``benchmarks/study_dimension_chaos.py``: noiseless chaos against simulation with the step bias removed by paired
step halving (Richardson). The summary on synthetic rows with a known first-order step bias, and a tiny run end to
end (its JSON re-summarised by ``--from``)."""

from __future__ import annotations

import json

import numpy as np
import pytest


def test_richardson_removes_a_first_order_step_bias(benchmark_module) -> None:
    """Rows v(dt) = v0 + b and v(dt / 2) = v0 + b / 2 per network: the Richardson value is v0 exactly, the step bias
    b / theory, the deviation (mean v0) / theory - 1 with the SE of v0 over networks."""
    mod = benchmark_module("study_dimension_chaos")
    rng = np.random.default_rng(0)
    names = [f"{k}_{w}" for w in ("x", "phi") for k in mod.STATS]
    theory = {n: 1.0 + i for i, n in enumerate(names)}
    v0 = np.array([[theory[n] for n in names]]) * (1 + 0.1 * rng.standard_normal((5, len(names))))
    b = 0.2 * np.arange(1, len(names) + 1)
    rows = {"300": {"coarse": (v0 + b).tolist(), "fine": (v0 + b / 2).tolist()}}
    out = mod.summarise(rows, theory)
    for j, n in enumerate(names):
        s = out[f"N=300 {n}"]
        assert s["richardson"] == pytest.approx(v0[:, j].mean(), rel=1e-12)
        assert s["step_bias"] == pytest.approx(b[j] / theory[n], rel=1e-9)
        assert s["deviation_se"] == pytest.approx(v0[:, j].std(ddof=1) / np.sqrt(5) / theory[n], rel=1e-9)


def test_tiny_study_end_to_end(tmp_path, capsys, benchmark_module) -> None:
    """N = 60, 2 networks, T = 100 x 2 trials: six lines per size, and ``--from`` prints the same summary; one network
    per size is refused."""
    mod = benchmark_module("study_dimension_chaos")
    out = tmp_path / "chaos.json"
    assert mod.main(["--Ns", "60", "--networks", "2", "--T", "100", "--trials", "2", "--out", str(out)]) == 0
    first = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("N=60")]
    assert len(first) == 6 and all("Richardson" in ln for ln in first)
    stored = json.loads(out.read_text())
    assert len(stored["rows"]["60"]["coarse"]) == 2
    assert mod.main(["--from", str(out)]) == 0
    again = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("N=60")]
    assert again == first
    with pytest.raises(SystemExit) as exc:  # one network has no SE: refused with one line, exit 2
        mod.main(["--Ns", "60", "--networks", "1"])
    assert exc.value.code == 2 and "--networks" in capsys.readouterr().err

"""``benchmarks/check_dimension_cli.py``: one ``workbench dimension`` line against simulated networks (tiny run)."""

from __future__ import annotations


def test_theory_is_the_cli_solve_with_the_estimator_window(benchmark_module) -> None:
    """The line is parsed by the CLI's own parser; zero frequency compares the finite-window expectation."""
    mod = benchmark_module("check_dimension_cli")
    spec, res = mod._theory("--phi logistic --g 0.5 --sigma2 0.3 --input-mean 0.3", "zero-frequency", 12.5)
    assert spec.populations[0].input_mean == 0.3
    assert res.extras["window"] == 12.5 and res.covariance == "zero-frequency"


def test_tiny_run_end_to_end(capsys, benchmark_module) -> None:
    """A tiny simulation prints one line per statistic and a summary; the exit code says whether all passed."""
    mod = benchmark_module("check_dimension_cli")
    rc = mod.main(["--phi tanh --g 0.8 --sigma2 0.5", "--N", "40", "--networks", "3", "--T", "100",
                   "--dt", "0.05"])
    out = capsys.readouterr().out
    assert rc in (0, 1) and "within tolerance" in out and out.count("(simulation)") == 8


def test_a_refused_line_is_one_line_and_exit_2(capsys, benchmark_module) -> None:
    """A line the CLI refuses (softplus above its growth bound) gives the CLI's one-line message, exit 2."""
    mod = benchmark_module("check_dimension_cli")
    assert mod.main(["--phi softplus --g 1.5 --sigma2 0.5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "g:" in err and "allowed" in err and "Traceback" not in err

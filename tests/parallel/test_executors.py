"""The executor layer: seeds from job descriptions, identical outcomes on every executor, failures recorded."""

from __future__ import annotations

import pytest

from workbench.errors import SpecError
from workbench.parallel import Job, make_executor, resolve_scheduler
from workbench.parallel.grid import parse_values, product_grid, split_top_level
from workbench.parallel.probe import seeded_probe as draw

JOBS = [Job({"g": g, "i": i}) for g in (0.5, 1.0) for i in range(3)] + [Job({"g": 9.0, "fail": True})]


def test_seed_depends_on_the_description_only() -> None:
    a, b = Job({"g": 1.0, "n": 2}), Job({"n": 2, "g": 1.0})
    assert a.seed == b.seed and a.name == b.name
    assert Job({"g": 1.0, "n": 3}).seed != a.seed
    assert 0 <= a.seed < 2**63


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_outcomes_identical_on_every_executor_and_in_job_order(kind: str) -> None:
    with make_executor("sequential") as ex:
        ref = ex.map_jobs(draw, JOBS)
    with make_executor(kind, workers=2) as ex:
        got = ex.map_jobs(draw, list(reversed(JOBS)))[::-1]
    assert [o.value for o in got] == [o.value for o in ref]
    assert [o.error for o in got] == [o.error for o in ref]
    assert ref[-1].error == "SpecError: g: no convergence at this point" and ref[-1].value is None


def test_bad_executor_options_name_the_parameter() -> None:
    with pytest.raises(SpecError, match="executor"):
        make_executor("threads")
    with pytest.raises(SpecError, match="workers"):
        make_executor("processes", workers=0)
    with pytest.raises(SpecError, match="scheduler"):
        make_executor("processes", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(SpecError, match="tcp://HOST:PORT"):
        resolve_scheduler("127.0.0.1:8786")


def test_scheduler_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SCHEDULER", "tcp://10.0.0.2:8786")
    assert resolve_scheduler(None) == "tcp://10.0.0.2:8786"
    assert resolve_scheduler("tcp://127.0.0.1:1") == "tcp://127.0.0.1:1"


def test_lists_and_inclusive_ranges() -> None:
    assert parse_values("g", "1.5:3:4") == ["1.5", "2.0", "2.5", "3.0"]
    assert parse_values("sigma2", "0,0.5") == ["0", "0.5"]
    assert parse_values("phi", "clip(x,-1,1),tanh") == ["clip(x,-1,1)", "tanh"]
    assert split_top_level("[1,2],[3,4]") == ["[1,2]", "[3,4]"]
    for bad, what in (("1:2:0", "count"), ("1,,2", "empty"), ("1,1", "repeated"), ("1:2:1", "count 1")):
        with pytest.raises(SpecError, match=what):
            parse_values("g", bad)
    grid = product_grid({"g": ["1", "2"], "s": ["0", "1", "2"]})
    assert len(grid) == 6 and grid[1] == {"g": "1", "s": "1"}

"""A real Dask scheduler and two workers on 127.0.0.1 (started as separate processes, as on a cluster)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from workbench.parallel import Job, make_executor  # noqa: E402
from workbench.parallel.probe import seeded_probe  # noqa: E402

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_workers(address: str, n: int, timeout: float = 60.0) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as c:
        c.wait_for_workers(n, timeout=timeout)


@pytest.fixture(scope="module")
def cluster():
    """``dask scheduler`` + 2 ``dask worker`` processes (one thread each); yields (address, worker processes)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    workers = []
    try:
        time.sleep(1.0)
        for _ in range(2):
            w = subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                  "--no-dashboard", "--no-nanny"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            workers.append(w)
        _wait_for_workers(address, 2)
        yield address, workers
    finally:
        for p in workers + procs:
            p.terminate()
        for p in workers + procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def _wait_for_children(pid: int, n: int, timeout: float = 120.0) -> None:
    """Wait until process ``pid`` has ``n`` child processes (Linux /proc); a fresh clone compiles for seconds."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if children.exists() and len(children.read_text().split()) >= n:
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} did not start {n} workers within {timeout} s")


def _cli(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "workbench"), *argv], capture_output=True, text=True, timeout=240, **kw)


def test_sweep_through_a_separately_started_scheduler_gives_the_same_file(cluster, tmp_path: Path) -> None:
    address, _ = cluster
    args = ["sweep", "dmft", "--g", "1.5:3:3", "--sigma2", "0,0.5", "--json"]
    seq = _cli(*args, "--out", str(tmp_path / "seq.nc"), "--executor", "sequential")
    assert seq.returncode == 0, seq.stderr
    remote = _cli(*args, "--out", str(tmp_path / "remote.nc"), "--scheduler", address)
    assert remote.returncode == 0, remote.stderr
    assert '"executor": "dask"' in remote.stdout
    env = dict(os.environ, WORKBENCH_SCHEDULER=address)
    via_env = _cli(*args, "--out", str(tmp_path / "env.nc"), "--executor", "dask", env=env)
    assert via_env.returncode == 0, via_env.stderr
    data = (tmp_path / "seq.nc").read_bytes()
    assert (tmp_path / "remote.nc").read_bytes() == data == (tmp_path / "env.nc").read_bytes()


def test_a_worker_killed_mid_sweep_changes_nothing(cluster) -> None:
    import threading

    import numpy as np

    address, workers = cluster
    jobs = [Job({"i": i, "sleep": 0.4}) for i in range(16)]
    expected = [float(np.random.default_rng(j.seed).standard_normal(3).sum()) for j in jobs]  # seeded_probe's value

    def kill_one() -> None:
        time.sleep(1.2)
        workers[0].send_signal(signal.SIGKILL)

    killer = threading.Thread(target=kill_one)
    with make_executor("dask", scheduler=address) as ex:
        killer.start()
        out = ex.map_jobs(seeded_probe, jobs)
    killer.join()
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    assert [o.error for o in out] == [None] * 16
    assert [o.value for o in out] == expected


def test_sigint_leaves_no_partial_output(tmp_path: Path) -> None:
    out = tmp_path / "s.nc"
    proc = subprocess.Popen([str(BIN / "workbench"), "sweep", "simulate", "--g", "1.5", "--N", "300",
                             "--networks", "6", "--T", "400", "--out", str(out), "--store", str(tmp_path / "runs"),
                             "--executor", "processes", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_children(proc.pid, 2)  # the worker pool runs: imports and signal handlers are in place
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".s.nc")]

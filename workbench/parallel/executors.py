"""Executors: ``sequential`` (in process), ``processes`` (a local pool) and ``dask`` (a cluster).

All three are :mod:`concurrent.futures`-shaped (``submit`` returns a future with ``result()``) and
share :meth:`WorkbenchExecutor.map_jobs`, which runs :class:`~workbench.parallel.jobs.Job` objects,
shows a ``tqdm`` progress bar and turns a job's exception into a one-line
:class:`~workbench.parallel.jobs.JobOutcome` error, so a sweep goes on past a failed point. Results
come back in job order and never depend on the executor or the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from workbench.errors import SpecError
from workbench.parallel.jobs import Job, JobOutcome

__all__ = ["EXECUTORS", "WorkbenchExecutor", "guarded", "make_executor", "pin_blas", "resolve_scheduler"]

EXECUTORS = ("sequential", "processes", "dask")
"""The executor kinds, in order of scale."""

_SCHEDULER = re.compile(r"tcp://[A-Za-z0-9.\-\[\]:]+:\d{1,5}")


def pin_blas() -> None:
    """Worker initializer: one BLAS / OpenMP thread per process (one worker per core)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover
        pass


def resolve_scheduler(arg: str | None) -> str | None:
    """The scheduler address: ``arg``, else ``$WORKBENCH_SCHEDULER``, else None; must be ``tcp://HOST:PORT``."""
    from workbench.config import get_str

    addr = arg or get_str("WORKBENCH_SCHEDULER") or None
    if addr is not None and not _SCHEDULER.fullmatch(addr):
        raise SpecError("scheduler", f"expected tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786), got {addr!r}")
    return addr


def _one_line(exc: BaseException) -> str:
    """``Type: message`` on one line."""
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"


class WorkbenchExecutor:
    """Base class: ``submit``/``shutdown`` come from the engine; :meth:`map_jobs` is shared.

    Attributes
    ----------
    kind : str
        One of :data:`EXECUTORS`.
    workers : int
        Number of workers (1 for ``sequential``).
    """

    kind = "sequential"

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(int(workers), 1)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Run ``fn(*args, **kwargs)`` now; a finished future."""
        fut: cf.Future = cf.Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def _submit_job(self, fn: Callable[..., Any], job: Job) -> Any:
        """Submit one job (Dask names the task after the job)."""
        return self.submit(guarded, fn, job)

    def _as_completed(self, futures: list[Any]):
        """Futures in completion order."""
        return cf.as_completed(futures)

    def map_jobs(
        self, fn: Callable[[Job], Any], jobs: Sequence[Job], *, desc: str = "", progress: bool | None = None
    ) -> list[JobOutcome]:
        """Run ``fn(job)`` for every job; outcomes in job order (a raising job gives an ``error``)."""
        from tqdm.auto import tqdm

        jobs = list(jobs)
        disable = (not sys.stderr.isatty()) if progress is None else not progress
        outcomes: list[JobOutcome | None] = [None] * len(jobs)
        with tqdm(total=len(jobs), desc=desc or self.kind, disable=disable, file=sys.stderr, leave=False) as bar:
            if self.kind == "sequential":
                for i, job in enumerate(jobs):
                    outcomes[i] = _outcome(job, self.submit(guarded, fn, job))
                    bar.update(1)
                return outcomes  # type: ignore[return-value]
            futures = [self._submit_job(fn, job) for job in jobs]
            index = {id(f): i for i, f in enumerate(futures)}
            try:
                for fut in self._as_completed(futures):
                    i = index[id(fut)]
                    outcomes[i] = _outcome(jobs[i], fut)
                    bar.update(1)
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
        return outcomes  # type: ignore[return-value]

    def shutdown(self) -> None:
        """Release the workers."""

    def __enter__(self) -> WorkbenchExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()


def guarded(fn: Callable[[Job], Any], job: Job) -> tuple[bool, Any]:
    """Worker side: ``(True, fn(job))``, or ``(False, one-line reason)`` when the job raises.

    Exceptions are turned into text in the worker: some (with custom constructors) do not survive
    pickling back to the client, and a failed point must never take the pool down.
    """
    try:
        return True, fn(job)
    except Exception as exc:
        return False, _one_line(exc)


def _outcome(job: Job, fut: Any) -> JobOutcome:
    """The outcome of a finished future; a lost worker pool or cluster raises (it is not a failed point)."""
    ok, value = fut.result()
    return JobOutcome(job, value, None) if ok else JobOutcome(job, None, value)


class ProcessExecutor(WorkbenchExecutor):
    """A local pool of spawned worker processes, one BLAS thread each."""

    kind = "processes"

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing as mp

        super().__init__(workers or min(os.cpu_count() or 1, 8))
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=mp.get_context("spawn"), initializer=pin_blas
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Send ``fn(*args, **kwargs)`` to a worker process."""
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self) -> None:
        """Stop the pool (pending jobs are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(WorkbenchExecutor):
    """A Dask ``distributed`` client: a new ``LocalCluster`` on 127.0.0.1, or an existing scheduler."""

    kind = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise SpecError(
                "executor", "dask needs the optional extra: pip install 'workbench[dask]'"
            ) from exc
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler, timeout="30s")
            n = len(self._client.scheduler_info().get("workers", {}))
        else:
            n = workers or min(os.cpu_count() or 1, 8)
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=40,
            )
            self._client = Client(self._cluster)
        super().__init__(n)
        self._client.run(pin_blas)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Send ``fn(*args, **kwargs)`` to the cluster (not cached: every call runs)."""
        return self._client.submit(fn, *args, pure=False, **kwargs)

    def _submit_job(self, fn: Callable[..., Any], job: Job) -> Any:
        import uuid

        return self._client.submit(guarded, fn, job, key=f"workbench-{job.name}-{uuid.uuid4().hex[:8]}")

    def _as_completed(self, futures: list[Any]):
        from distributed import as_completed

        return as_completed(futures)

    def shutdown(self) -> None:
        """Close the client (and the local cluster, if this executor started one)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "processes", *, workers: int | None = None, scheduler: str | None = None):
    """The executor ``kind`` (one of :data:`EXECUTORS`); a scheduler address implies ``dask``.

    Raises
    ------
    SpecError
        Naming ``executor`` / ``workers`` / ``scheduler`` for a bad value.
    """
    if kind not in EXECUTORS:
        raise SpecError("executor", f"must be one of {', '.join(EXECUTORS)}, got {kind!r}")
    if workers is not None and not (isinstance(workers, int) and workers >= 1):
        raise SpecError("workers", f"must be an integer >= 1, got {workers!r}")
    if scheduler is not None and kind != "dask":
        raise SpecError("scheduler", f"a scheduler address needs --executor dask (got --executor {kind})")
    if kind == "sequential":
        return WorkbenchExecutor(1)
    if kind == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, resolve_scheduler(scheduler))

"""ReportContext: what a report function receives (parameters, run store, figures, progress)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from workbench.errors import SpecError
from workbench.io import atomic_path
from workbench.report.content import Figure
from workbench.store import DEFAULT_CODE, CodeSpec, RunJob, RunStore, StoredRun

__all__ = ["ReportContext", "RunJob", "default_workers"]


def _compute_arrays(job: Any) -> tuple[Any, float]:
    """Worker: a stored run's ``compute(params)`` (``job.args``) and the seconds it took; the client writes the
    arrays to its store."""
    func, params = job.args
    t0 = time.perf_counter()
    value = func(params)
    return value, time.perf_counter() - t0


def default_workers() -> int:
    """Worker processes for a report's missing runs: ``$WORKBENCH_WORKERS``, else the number of CPUs (at most 8)."""
    import os

    from workbench.config import get_int

    return get_int("WORKBENCH_WORKERS") or min(os.cpu_count() or 1, 8)


_FIG_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass
class ReportContext:
    """Handed to a report function by the build.

    Attributes
    ----------
    name : str
        The report's name.
    quick : bool
        ``--quick`` build: small sizes, a few seconds; the document says so on its title page.
    params : dict
        Build parameters (``default_params`` updated with ``quick_params`` when quick).
    store : RunStore
        The content-addressed run store (``--force`` makes it recompute).
    out_dir : Path
        The report folder ``reports/<name>/``; figures go to ``out_dir/figures``.
    progress : bool or None
        Show progress bars of long computations (None: only when stderr is a terminal).
    stream : file
        Where progress lines go (stderr).
    executor : str
        Where :meth:`prefetch` computes: ``processes`` (default), ``sequential`` or ``dask``.
    scheduler : str or None
        A Dask scheduler address (``tcp://HOST:PORT``) for ``executor="dask"``.
    workers : int or None
        Worker processes of :meth:`prefetch` (None: ``$WORKBENCH_WORKERS`` or the number of CPUs, at most 8).
    """

    name: str
    quick: bool
    params: dict[str, Any]
    store: RunStore
    out_dir: Path
    progress: bool | None = None
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    executor: str = "processes"
    scheduler: str | None = None
    workers: int | None = None
    figures: list[Figure] = field(default_factory=list)
    runs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def figures_dir(self) -> Path:
        """``out_dir/figures``."""
        return self.out_dir / "figures"

    def log(self, message: str) -> None:
        """One progress line on stderr, prefixed with the report name."""
        print(f"[report {self.name}] {message}", file=self.stream, flush=True)

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Log the start and the duration of a stage (timings go to stderr only, never into the .tex)."""
        self.log(f"{label} ...")
        t0 = time.perf_counter()
        yield
        self.log(f"{label}: done in {time.perf_counter() - t0:.1f} s")

    def run(
        self,
        kind: str,
        params: Mapping[str, Any],
        compute: Callable[[], Any],
        code: CodeSpec = DEFAULT_CODE,
        label: str | None = None,
    ) -> StoredRun:
        """:meth:`RunStore.get_or_compute` with a progress line (computed / re-used and the key).

        Parameters
        ----------
        kind : str
            What is computed (part of the key), e.g. ``"simulator.linear-cov"``.
        params : mapping
            Every input, seeds included.
        compute : callable
            ``() -> arrays`` or ``() -> (arrays, meta)``.
        code : sequence of str or callable
            Packages and functions whose source the result depends on (hashed into the key): name
            the compute function itself rather than the whole report module, so that editing a
            figure does not invalidate stored simulations.
        label : str, optional
            Text for the progress line (default ``kind``).
        """
        label = label or kind
        key = self.store.key(kind, params, code)
        hit = None if self.store.stale(key) else self.store.load(key)
        if hit is not None:
            self.store.used.append(key)
            self.log(f"{label}: re-used run {key[:12]} from {self.store.root}")
            self.runs.append((kind, key))
            return hit
        with self.step(f"{label} (run {key[:12]})"):
            res = self.store.get_or_compute(kind, params, compute, code, force=True)
        self.runs.append((kind, res.key))
        return res

    def run_job(self, job: RunJob) -> StoredRun:
        """:meth:`run` for a :class:`~workbench.store.RunJob` (the same jobs go to :meth:`prefetch`)."""
        return self.run(job.kind, job.params, lambda: job.compute(job.params), job.code, job.title)

    def prefetch(self, jobs: Sequence[RunJob], workers: int | None = None) -> None:
        """Compute the missing runs among ``jobs`` on the report's executor (one BLAS thread per worker).

        Each :class:`~workbench.store.RunJob`'s ``compute(params)`` is a module-level function (it is
        sent to a worker, local or on a Dask cluster); the worker returns the arrays and this process
        writes them to the local store, so the report's later :meth:`run` calls with the same
        ``(kind, params, code)`` load them. ``workers`` defaults to the context's, else ``$WORKBENCH_WORKERS`` or
        the number of CPUs (at most 8); with the ``processes`` executor and one worker or one missing
        job nothing is started here (:meth:`run` computes it in-process).
        """
        from workbench.parallel import Job, make_executor

        missing = []
        for job in jobs:
            key = self.store.key(job.kind, job.params, job.code)
            if self.store.stale(key) or self.store.load(key) is None:
                missing.append((job, key))
        n = workers or self.workers or default_workers()
        n = min(n, len(missing))
        if self.executor == "sequential" or not missing or (self.executor == "processes" and n < 2):
            return
        where = f"on {self.scheduler}" if self.scheduler else f"in {n} {self.executor} workers"
        self.log(f"computing {len(missing)} runs {where} ...")
        t0 = time.perf_counter()
        tasks = [Job({"kind": job.kind, "run": key}, (job.compute, dict(job.params))) for job, key in missing]
        with make_executor(self.executor, workers=None if self.scheduler else n, scheduler=self.scheduler) as ex:
            outcomes = ex.map_jobs(_compute_arrays, tasks, desc=f"{self.name} runs", progress=self.progress)
        for (job, key), out in zip(missing, outcomes, strict=True):
            if not out.ok:
                raise RuntimeError(f"{job.title or job.kind} (run {key[:12]}) failed in a worker: {out.error}")
            value, seconds = out.value
            self.store.get_or_compute(job.kind, job.params, lambda v=value: v, job.code, force=True)
            self.log(f"{job.title or job.kind} (run {key[:12]}): computed in a worker ({seconds:.1f} s)")
        self.log(f"{len(missing)} runs {where}: done in {time.perf_counter() - t0:.1f} s")

    def subplots(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """``matplotlib.pyplot.subplots`` with the Agg backend and constrained layout."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        kwargs.setdefault("constrained_layout", True)
        return plt.subplots(*args, **kwargs)

    def save_figure(self, fig: Any, name: str, caption: str, width: float = 0.9) -> Figure:
        """Save ``fig`` as ``figures/<name>.pdf`` (reproducible bytes, atomic) and close it.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
        name : str
            File stem: letters, digits, ``-``, ``_``; unique within the report.
        caption : str
            Caption text (escaped when rendered).
        width : float
            Fraction of the line width (0, 1].

        Returns
        -------
        Figure
            Add it to a section with ``section.figure(...)``.
        """
        import matplotlib.pyplot as plt

        if not isinstance(name, str) or not _FIG_NAME.fullmatch(name):
            raise SpecError("figure name", f"use letters, digits, '-', '_' (max 64), got {name!r}")
        if any(f.path == f"figures/{name}.pdf" for f in self.figures):
            raise SpecError("figure name", f"{name!r} is used twice in report {self.name!r}")
        if not 0 < width <= 1:
            raise SpecError("figure width", f"must be in (0, 1], got {width}")
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        path = self.figures_dir / f"{name}.pdf"
        try:
            with atomic_path(path, suffix=".pdf") as tmp:
                fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None})
        finally:
            plt.close(fig)
        ref = Figure(f"figures/{name}.pdf", caption, width)
        self.figures.append(ref)
        return ref

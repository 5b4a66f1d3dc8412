"""One benchmark cell, computed: a pure function of (protocol, method, fold, seed, overrides, options) -> its record.

Every engine (:mod:`emozoo.bench.engines`) calls :func:`compute_cell`, in this process, in a local worker process or
on a Ray node, and nothing here writes a file: the runner, in the parent process, is the one writer of cells and
results. A cell starts from its own seed (``seed_everything(seed)`` before the protocol runs), so its record does not
depend on which cells ran before it in the same process, nor on which process ran it.

A worker process is set up once per sweep by :func:`prepare_worker` from a :class:`SweepContext`: the specs the parent
resolved (so a worker builds exactly the parent's methods, even ones registered by hand) and the device settings.
Folds travel separately, each to a worker the first time one of its cells runs there, never once per cell.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import emozoo._env as _env
from emozoo.data.folds import Fold
from emozoo.errors import EmozooError
from emozoo.hookspecs import hookimpl
from emozoo.specs import DatasetSpec, MethodSpec

#: Thread-pool sizes a worker fixes before numpy or torch load (one thread per worker unless told otherwise).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@dataclass(frozen=True)
class CellTask:
    """What identifies one cell to compute; small and picklable (its fold travels on its own, once per worker)."""

    key: str
    protocol: str
    method: str
    fold: str
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class SweepContext:
    """What every cell of one sweep shares, shipped once to each worker: the resolved specs and the device settings."""

    methods: tuple[MethodSpec, ...]
    dataset: DatasetSpec | None
    device: str = "auto"
    mixed_precision: str = "no"
    threads: int = 1
    core_version: str = ""
    engine: str = "local"


def thread_environment(threads: int) -> dict[str, str]:
    """The environment variables that size every native thread pool of a worker to ``threads``."""
    return {name: str(threads) for name in THREAD_VARIABLES}


def skeleton(task: CellTask, spec: MethodSpec, fold: Fold) -> dict[str, Any]:
    """The fields of a cell record that name it (everything but the outcome)."""
    return {"method": task.method, "fold": fold.name, "unit": fold.unit or fold.name, "seed": task.seed,
            "plugin": f"{spec.plugin} {spec.version}", "overrides": task.overrides, "manifest_sha256": fold.manifest.digest()}


def compute_cell(task: CellTask, fold: Fold, runtime: Any, engine: str = "local") -> dict[str, Any]:
    """The record of one cell: ``status`` "ok" with the protocol's ``records``, or "failed" with the ``error``.

    A cell that raises (OOM, a plugin bug) is recorded as failed and the others run on; ``wall_seconds`` and
    ``worker`` (engine, host, pid) are the only fields that depend on where and when it ran.
    """
    from emozoo.bench.protocols import cell_runner
    from emozoo.registry import get_registry
    from emozoo.runtime import seed_everything

    cell = skeleton(task, get_registry().get_method(task.method), fold)
    start = time.perf_counter()
    try:
        seed_everything(task.seed)  # whatever ran before in this process, the cell starts from its seed
        cell["records"] = cell_runner(task.protocol)(task.method, fold, task.seed, task.overrides, task.options, runtime)
        cell["status"] = "ok"
    except Exception as exc:  # one failing cell (OOM, plugin bug) must not stop the others
        cell.update(status="failed", records=[],
                    error={"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc(limit=20)})
    cell["wall_seconds"] = round(time.perf_counter() - start, 3)
    cell["worker"] = where(engine)
    return cell


def lost_cell(task: CellTask, context: SweepContext, fold: Fold, message: str, *, pid: int | None = None,
              kind: str = "WorkerCrash") -> dict[str, Any]:  # fmt: skip
    """The failed record of a cell whose worker could not return one (error type ``kind``: by default
    ``WorkerCrash``, the process died); ``pid`` is that process's, where known."""
    spec = next(s for s in context.methods if s.id == task.method)
    return {**skeleton(task, spec, fold), "status": "failed", "records": [],
            "error": {"type": kind, "message": message, "traceback": ""}, "wall_seconds": 0.0,
            "worker": {**where(context.engine), "pid": pid}}  # fmt: skip


def where(engine: str) -> dict[str, Any]:
    """Which engine, host and process ran a cell (its only host field)."""
    return {"engine": engine, "host": socket.gethostname(), "pid": os.getpid()}


class _ShippedSpecs:
    """A plugin holding the specs exactly as the parent resolved them (with their plugin and version)."""

    def __init__(self, methods: tuple[MethodSpec, ...], datasets: tuple[DatasetSpec, ...]) -> None:
        self.methods, self.datasets = methods, datasets

    @hookimpl
    def emozoo_register_methods(self, register: Any) -> None:
        for spec in self.methods:
            register(spec)

    @hookimpl
    def emozoo_register_datasets(self, register: Any) -> None:
        for spec in self.datasets:
            register(spec)


def prepare_worker(context: SweepContext) -> Any:
    """Set this worker process up for ``context`` and return its Runtime: threads, the parent's specs, the device.

    Raises EmozooError when this worker's emozoo or a method's plugin is another version than the parent's (its
    cells would run other code than the results say).
    """
    import torch

    from emozoo import registry as registry_module
    from emozoo._version import __version__
    from emozoo.runtime import Runtime

    _check_versions(context, __version__)  # before anything of this process changes
    os.environ.update(thread_environment(context.threads))
    torch.set_num_threads(context.threads)
    _env.unset("EMOZOO_PLUGINS")  # the allowlist would load installed copies of the shipped specs twice
    shipped = registry_module.Registry(autoload=False)
    datasets = (context.dataset,) if context.dataset else ()
    shipped.register_plugin(_ShippedSpecs(context.methods, datasets), name="emozoo-bench-sweep")
    if shipped.problems:
        raise EmozooError(f"this worker cannot register the sweep's specs: {shipped.problems[0].message}")
    registry_module.reset_registry(shipped)
    return Runtime(device=context.device, mixed_precision=context.mixed_precision, progress=False)


def _check_versions(context: SweepContext, core_version: str) -> None:
    host = socket.gethostname()
    if context.core_version and core_version != context.core_version:
        raise EmozooError(f"worker on {host} runs emozoo {core_version}, the sweep emozoo {context.core_version}; "
                          f"install emozoo=={context.core_version} on every node")  # fmt: skip
    for spec in context.methods:
        try:
            installed = metadata.version(spec.plugin)
        except (metadata.PackageNotFoundError, ValueError):
            continue  # registered by hand (tests, notebooks): importable from the path, no distribution to compare
        if spec.version and installed != spec.version:
            raise EmozooError(f"worker on {host} has {spec.plugin} {installed}, the sweep {spec.plugin} {spec.version} "
                              f"(method {spec.id!r}); install {spec.plugin}=={spec.version} on every node")  # fmt: skip

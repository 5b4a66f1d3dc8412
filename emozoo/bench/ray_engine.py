"""Cells on a Ray cluster for ``emozoo bench --engine ray [--address HOST:PORT | auto]``.

Connects to a cluster you started (``ray start --head`` on one node, ``ray start --address HEAD:PORT`` on the others;
every node needs emozoo and the benchmarked plugins installed), or, with no address, starts a single-node cluster
on loopback for the run and stops it afterwards. Each cell is one Ray task asking for ``threads`` CPUs; the sweep's
context (specs, device settings) and each fold are put into the object store once, and each Ray worker process sets
itself up from the context once and fetches a fold the first time it runs one of its cells. At most ``workers``
cells are in flight (default: the cluster's CPUs / threads). Records come back to the parent, which alone writes
them. A task lost with its worker (killed, a node gone), or on a node that cannot run it (another emozoo or plugin
version), is recorded as that cell's failure; tasks are never retried behind the runner's back.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from emozoo.bench.cell import CellTask, SweepContext, compute_cell, lost_cell, prepare_worker, thread_environment
from emozoo.data.folds import Fold
from emozoo.errors import InputError, NetworkError, PluginNotInstalledError

#: The one sweep a Ray worker process is set up for: context id -> (its Runtime, the context, the folds fetched so far).
_PREPARED: dict[str, tuple[Any, SweepContext, dict[str, Fold]]] = {}


def require_ray() -> None:
    """PluginNotInstalledError with the install line unless Ray is installed (it is not imported here)."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise PluginNotInstalledError("the Ray engine (--engine ray)", "ray", "emozoo[ray]")


def import_ray(address: str | None) -> Any:
    """The ``ray`` module, imported with emozoo's defaults: no usage statistics, and for a cluster of our own
    (``address`` None) loopback only: Ray otherwise advertises, and binds, the machine's routable interface."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # emozoo never opts anyone into telemetry
    if address is None and "ray" not in sys.modules:
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # read once, when Ray is imported
    require_ray()
    import ray

    return ray


def check_address(address: str | None) -> None:
    """Fail fast, before any data loads: ``address`` must be None, "auto", or a reachable HOST:PORT (ray:// too)."""
    if address is None or address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"Ray address {address!r} is not HOST:PORT, ray://HOST:PORT or 'auto'; give the address "
                         "`ray start --head` printed (e.g. 10.0.0.5:6379), or leave it out to start a local cluster")  # fmt: skip
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise NetworkError(f"no Ray cluster answers there ({exc.strerror or exc}); start one with `ray start --head "
                           f"--port {port}` on that machine, check the address, or leave --address out to run a local "
                           "cluster for this sweep", endpoint=address) from None  # fmt: skip


def _ray_cell(context_id: str, boxed_context: list[Any], task: CellTask, boxed_fold: list[Any]) -> dict[str, Any]:
    """The Ray task: set this worker process up for the sweep (once), fetch the cell's fold (once), compute the cell.

    The references come boxed in lists, so Ray does not fetch and unpickle them for every task.
    """
    import ray

    prepared = _PREPARED.get(context_id)
    if prepared is None:
        context = ray.get(boxed_context[0])
        _PREPARED.clear()
        prepared = _PREPARED[context_id] = (prepare_worker(context), context, {})
    runtime, context, folds = prepared
    if task.fold not in folds:
        folds[task.fold] = ray.get(boxed_fold[0])
    return compute_cell(task, folds[task.fold], runtime, context.engine)


def _connect(ray: Any, address: str | None, cpus: int) -> bool:
    """Connect to the cluster at ``address`` (or start a local one); True when this call owns the connection."""
    if ray.is_initialized():
        return False
    import logging

    options: dict[str, Any] = {"logging_level": logging.WARNING, "include_dashboard": False}
    if address is None:
        # Own cluster for this run: loopback only, and the parent's import path (this machine's) for its workers.
        options.update(address="local", num_cpus=cpus,
                       runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}})
    else:
        options["address"] = address
    try:
        ray.init(**options)
    except ConnectionError as exc:
        hint = ""
        if "Authentication" in type(exc.__cause__).__name__:
            hint = ("; the cluster uses token authentication: set RAY_AUTH_MODE=token and give this process the "
                    "cluster's token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token)")  # fmt: skip
        raise NetworkError(f"cannot join the Ray cluster ({exc}){hint}; start one with `ray start --head`, or pass its "
                           "HOST:PORT", endpoint=address or "local") from exc  # fmt: skip
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no detail"


def run_on_ray(tasks: Sequence[CellTask], context: SweepContext, folds: Mapping[str, Fold], *, address: str | None,
               workers: int | None) -> Iterator[tuple[CellTask, dict[str, Any]]]:  # fmt: skip
    """Compute ``tasks`` as Ray tasks; yield (task, cell record) as each cell finishes."""
    ray = import_ray(address)
    owned = _connect(ray, address, (workers or os.cpu_count() or 1) * context.threads)
    in_flight: dict[Any, CellTask] = {}
    try:
        cap = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // context.threads))
        remote = ray.remote(_ray_cell).options(num_cpus=context.threads, max_retries=0, retry_exceptions=False,
                                               runtime_env={"env_vars": thread_environment(context.threads)})  # fmt: skip
        boxed = [ray.put(context)]
        fold_refs = {name: [ray.put(folds[name])] for name in dict.fromkeys(t.fold for t in tasks)}
        context_id = uuid.uuid4().hex
        pending = list(reversed(tasks))
        while pending or in_flight:
            while pending and len(in_flight) < cap:
                task = pending.pop()
                in_flight[remote.remote(context_id, boxed, task, fold_refs[task.fold])] = task
            done, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in done:
                task = in_flight.pop(ref)
                try:
                    cell = ray.get(ref)
                except ray.exceptions.RayTaskError as exc:  # raised outside the cell's own try: setting the node up
                    cause = exc.cause or exc
                    cell = lost_cell(task, context, folds[task.fold], f"the Ray worker could not run this cell: {cause}",
                                     kind=type(cause).__name__)  # fmt: skip
                except ray.exceptions.RayError as exc:  # the worker or its node died: this cell alone is lost
                    cell = lost_cell(task, context, folds[task.fold], f"Ray lost the task computing this cell "
                                     f"({type(exc).__name__}: {_first_line(exc)}); it is run again on resume")  # fmt: skip
                yield task, cell
    except BaseException:
        for ref in in_flight:  # Ctrl-C, or the caller stopped early: nothing keeps computing for nobody
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)
        raise
    finally:
        if owned:
            ray.shutdown()

"""Local worker processes for ``emozoo bench --workers N``: N processes, one cell each at a time.

Forked from a forkserver, never from the parent: a child forked from a parent that has run torch inherits its
OpenMP and intra-op thread pools and their locks, which can deadlock or silently run on one core. A forkserver is a
clean single-threaded process that imports torch and emozoo once (``PRELOAD``) and forks each worker from there, so
a worker is ready in about 0.1 s; spawned workers (the fallback where forkserver does not exist) import everything
anew. Measured on 2 busy cores: two workers ready in 12-14 s spawned, 0.1 s forked from a running forkserver (whose
own start took 4.9 s, once per process). Both carry the parent's ``sys.path`` (methods importable from a folder,
not installed), and each worker receives the parent's current environment with the sweep's context.

Each worker gets the sweep's context once, sizes its thread pools (one thread unless told otherwise), then computes
the cells it is sent and sends each record back; the parent writes them. A fold travels with the first cell of it a
worker gets, and a free worker is given a cell of a fold it already holds where one is pending: a worker holds the
folds it needs, not every fold of the data set. A worker that dies mid-cell (killed for
memory, a segfault) costs that cell only: it is recorded as failed, like a cell that raised, and a fresh worker takes
its place. Ctrl-C stops the workers (they ignore SIGINT themselves, so the parent decides) and leaves every finished
cell saved and no cell half-written.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any

from emozoo.bench.cell import CellTask, SweepContext, compute_cell, lost_cell, prepare_worker, thread_environment
from emozoo.data.folds import Fold
from emozoo.errors import EmozooError

_ENV_LOCK = threading.Lock()
#: What the forkserver imports once, for every worker it forks: the slow imports of a typical cell (torch._dynamo is
#: what the first torch.optim optimizer imports, lazily: seconds per worker otherwise). A name missing is skipped.
PRELOAD = ["emozoo.runtime", "emozoo.model", "emozoo.bench.workers", "emozoo.bench.protocols.recognition",
           "emozoo.bench.protocols.augmentation", "torch._dynamo"]


def start_method_context() -> Any:
    """The multiprocessing context workers start from: forkserver (preloaded) where the platform has it, else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def _exit_with_parent() -> None:
    """Leave at once when the sweep's process dies, however it dies (SIGKILL included): a worker forked by the
    forkserver is not that process's child, so nothing else would stop a cell that runs for hours."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        wait([parent.sentinel])  # readable once the parent's end of the pipe closes: it exited or was killed
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="emozoo-bench-parent-watch").start()


def _worker_main(conn: Connection) -> None:
    """A worker: receive the context, then (task -> cell record) until told to stop or the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    try:
        context, environ = conn.recv()
        os.environ.clear()  # a forkserver's child has the server's environment; the parent's is what counts
        os.environ.update(environ)
        runtime = prepare_worker(context)
    except EOFError:
        return
    except BaseException as exc:  # report why this worker cannot work, then leave
        conn.send(("setup-failed", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=10)}"))
        return
    conn.send(("ready", None))
    folds: dict[str, Fold] = {}
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        task, fold = message
        if fold is not None:
            folds[task.fold] = fold
        cell = compute_cell(task, folds[task.fold], runtime, context.engine)
        try:
            conn.send(("cell", cell))
        except OSError:  # the parent is gone: nobody to give it to
            return


@contextlib.contextmanager
def _child_environment(threads: int) -> Iterator[None]:
    """The thread-pool variables set while a child (or the forkserver) starts: numpy and torch read them once, when
    they load; the parent's own values come back right after."""
    with _ENV_LOCK:
        saved = {name: os.environ.get(name) for name in thread_environment(threads)}
        os.environ.update(thread_environment(threads))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class _Worker:
    def __init__(self, ctx: Any, context: SweepContext) -> None:
        self.conn, child = ctx.Pipe()
        with _child_environment(context.threads):
            self.process = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="emozoo-bench-worker")
            self.process.start()
        child.close()
        self.context = context
        self.task: CellTask | None = None
        self.ready = False
        self.folds: set[str] = set()

    def send_context(self) -> None:
        try:
            self.conn.send((self.context, dict(os.environ)))
        except (BrokenPipeError, EOFError, OSError):
            pass  # it died on start; the main loop sees it and says so

    def stop(self, *, now: bool = False) -> None:
        if not now:
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _receive(worker: _Worker, ready: set[Any]) -> tuple[str, Any] | None:
    """The worker's next message, None when it has none yet, or ("died", exit code) when it is gone."""
    if worker.conn in ready or worker.conn.poll():
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            pass
    elif worker.process.sentinel not in ready:
        return None
    worker.process.join(timeout=5)
    return "died", worker.process.exitcode


def _startup_error(detail: Any) -> EmozooError:
    if isinstance(detail, str):
        return EmozooError(f"a bench worker process cannot start: {detail}")
    return EmozooError(f"a bench worker process exited with code {detail} while starting; a script that calls "
                       "emozoo.benchmark(workers=N) must do so under `if __name__ == \"__main__\":` (workers import it), "
                       "else run with workers=1 to see the error in this process")  # fmt: skip


def _lost(code: int | None) -> str:
    signal_note = f"; killed by signal {-code}" if code is not None and code < 0 else ""
    return (f"the worker process computing this cell died (exit code {code}{signal_note}, e.g. out of memory or a crash "
            "in native code); it is run again on resume")  # fmt: skip


def _next_for(worker: _Worker, pending: list[CellTask]) -> int:
    """Index of the pending cell to give ``worker``: the first of a fold it holds, else the first."""
    return next((i for i, task in enumerate(pending) if task.fold in worker.folds), 0)


def run_on_workers(tasks: Sequence[CellTask], context: SweepContext, folds: Mapping[str, Fold], workers: int
                   ) -> Iterator[tuple[CellTask, dict[str, Any]]]:  # fmt: skip
    """Compute ``tasks`` on ``workers`` local processes; yield (task, cell record) as each cell finishes.

    Workers start together and each takes cells as soon as it is ready; one that dies is replaced while cells remain.
    """
    ctx = start_method_context()
    pending = list(tasks)
    pool: list[_Worker] = []
    try:
        pool = [_Worker(ctx, context) for _ in range(min(workers, len(pending)))]
        for worker in pool:  # all start first, then each gets the context: their imports overlap
            worker.send_context()
        while pending or any(w.task is not None for w in pool):
            for worker in list(pool):
                if worker.ready and worker.task is None and pending:
                    index = _next_for(worker, pending)
                    task = pending[index]
                    try:
                        worker.conn.send((task, None if task.fold in worker.folds else folds[task.fold]))
                    except OSError:  # it died while idle: no cell lost, a fresh worker takes its place
                        worker.stop(now=True)
                        replacement = pool[pool.index(worker)] = _Worker(ctx, context)
                        replacement.send_context()
                        continue
                    worker.task = pending.pop(index)
                    worker.folds.add(task.fold)
            watched = [w for w in pool if w.task is not None or not w.ready]
            ready = set(wait([w.conn for w in watched] + [w.process.sentinel for w in watched]))
            for worker in watched:
                message = _receive(worker, ready)
                if message is None:
                    continue
                kind, payload = message
                if kind == "ready":
                    worker.ready = True
                elif kind == "cell":
                    task, worker.task = worker.task, None
                    yield task, payload
                elif kind == "setup-failed" or not worker.ready:
                    raise _startup_error(payload)
                else:  # died mid-cell: that cell alone is lost; a fresh worker takes the place while cells remain
                    task, worker.task = worker.task, None
                    worker.stop(now=True)
                    pool.remove(worker)
                    if task is not None:
                        yield task, lost_cell(task, context, folds[task.fold], _lost(payload), pid=worker.process.pid)
                    if pending:
                        replacement = _Worker(ctx, context)
                        replacement.send_context()
                        pool.append(replacement)
    except BaseException:
        for worker in pool:  # Ctrl-C, an error, or the caller stopped early: no worker outlives the sweep
            worker.stop(now=True)
        raise
    for worker in pool:
        worker.stop()

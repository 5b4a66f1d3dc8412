"""Where benchmark cells run: in this process, on local worker processes, or on a Ray cluster.

Every engine does one thing: given the cells still to compute, yield each finished cell's record as it finishes.
The runner (:mod:`emozoo.bench.runner`) owns the rest: which cells are resumed, the one writer of ``cells/`` and
``results.json``, the statistics. The record of a cell is a pure function of (method, fold, seed, config)
(:func:`emozoo.bench.cell.compute_cell`), so every engine gives the same records as a sequential run, cell for cell;
only ``wall_seconds`` and ``worker`` tell them apart.

=============  =====================================================================================================
engine         for
=============  =====================================================================================================
``local``, 1   today's sequential run in this process (the default)
``local``, N   one machine: N worker processes, one thread each (``threads_per_worker``)
``ray``        a cluster you start (``ray start --head``), by ``address``; with none, a local cluster for the run
=============  =====================================================================================================

Training one model on many GPUs is Accelerate's job (``accelerate launch -m emozoo bench``), not an engine's. submitit
is not an engine here: its real path needs a SLURM cluster (its LocalExecutor is for debugging), which neither these
machines nor CI have, so it could not be tested for real; on SLURM, start Ray on the allocation (``ray start`` on each
node, as Ray documents for SLURM) and use the Ray engine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emozoo.bench.cell import CellTask, SweepContext, compute_cell
from emozoo.data.folds import Fold
from emozoo.errors import InputError

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Engine:
    """A validated choice of engine: ``name``, how many cells at once (``workers``), ``address`` and threads."""

    name: str = "local"
    workers: int | None = 1
    address: str | None = None
    threads: int = 1

    @property
    def parallel(self) -> bool:
        """Whether cells leave this process (worker processes or Ray)."""
        return self.name == "ray" or (self.workers or 1) > 1

    @property
    def label(self) -> str:
        """``sequential``, ``local`` or ``ray``: the name each cell's ``worker`` field records."""
        return self.name if self.parallel else "sequential"

    def describe(self) -> dict[str, Any]:
        """What results.json records of how the sweep ran (the one part that differs between engines)."""
        return {"engine": self.label, "workers": self.workers, "threads_per_worker": self.threads if self.parallel else None,
                "address": self.address}  # fmt: skip

    def run(self, tasks: Sequence[CellTask], context: SweepContext, folds: Mapping[str, Fold], runtime: Any
            ) -> Iterator[tuple[CellTask, dict[str, Any]]]:  # fmt: skip
        """Compute ``tasks`` on ``folds`` (by name); yield (task, cell record) as each finishes (any order when parallel)."""
        if not tasks:
            return
        if self.name == "ray":
            from emozoo.bench.ray_engine import run_on_ray

            yield from run_on_ray(tasks, context, folds, address=self.address, workers=self.workers)
        elif self.parallel:
            from emozoo.bench.workers import run_on_workers

            yield from run_on_workers(tasks, context, folds, self.workers or 1)
        else:
            for task in tasks:  # in this process, with its registry, Runtime and thread settings
                yield task, compute_cell(task, folds[task.fold], runtime, self.label)


def choose_engine(engine: str | None = "local", workers: int | None = None, address: str | None = None,
                  threads_per_worker: int = 1) -> Engine:  # fmt: skip
    """The validated Engine, or an InputError / NetworkError / PluginNotInstalledError that names the fix.

    Checks everything that can be checked before data loads: the engine's name, the counts, that Ray is installed
    and that a Ray address answers.
    """
    engine = engine or "local"
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; choose 'local' (worker processes on this machine, --workers N) or "
                         "'ray' (a Ray cluster: pip install 'emozoo[ray]', then --engine ray [--address HOST:PORT])")  # fmt: skip
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError(f"workers={workers!r}: give a whole number >= 1 (1 runs the cells one by one in this process, "
                         "N > 1 runs N at a time); on a cluster, leave it out to use every CPU")  # fmt: skip
    if isinstance(threads_per_worker, bool) or not isinstance(threads_per_worker, int) or threads_per_worker < 1:
        raise InputError(f"threads_per_worker={threads_per_worker!r}: give a whole number >= 1 (1, the default, is "
                         "right for one worker per core)")  # fmt: skip
    if engine == "local":
        if address is not None:
            raise InputError(f"address={address!r} is for the Ray engine; add --engine ray, or drop --address to run on "
                             "local workers")  # fmt: skip
        return Engine("local", workers or 1, None, threads_per_worker)
    from emozoo.bench.ray_engine import check_address, require_ray

    require_ray()
    check_address(address)
    return Engine("ray", workers, address, threads_per_worker)

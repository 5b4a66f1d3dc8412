"""The one place emozoo touches :class:`accelerate.Accelerator`: devices, mixed precision, gradient accumulation,
distributed launches, seeding and the generic training loop every method plugin trains through.

Plugins never write their own device/AMP/DDP loop. They build a :class:`Runtime`, ``prepare`` their model,
optimizer(s) and data loader through it, and hand a ``step_fn`` to :meth:`Runtime.train`, which runs the
epochs, shows progress, averages what ``step_fn`` logs, stops on divergence or on a callback, and returns a
JSON-serialisable :class:`History`.

accelerate keeps *process-wide* shared state (``PartialState``, ``AcceleratorState``, ``GradientState`` are
"Borg" singletons whose instances all share one class-level dict). A second ``Accelerator`` with other settings
therefore either raises ("AcceleratorState has already been initialized and cannot be changed") or silently
rewrites the first one's settings (``GradientState`` is simply overwritten, so the first accelerator starts
accumulating over the second one's number of steps). :class:`Runtime` handles this: each runtime keeps a
snapshot of the shared dicts it was built with and swaps it back in, in place, whenever it is used after another
runtime, so several runtimes with different settings coexist in one process. Under a real distributed launch
the process-group state is never reset or swapped (only ``GradientState``, which is pure bookkeeping).
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import math
import os
import random
import sys
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

import emozoo._env as _env
from emozoo.errors import EmozooError, EmptyInputError, InputError, closest

__all__ = [
    "Callback",
    "DeviceUnavailableError",
    "EarlyStopping",
    "History",
    "Runtime",
    "StepInfo",
    "TrainingDivergedError",
    "TensorRows",
    "rows_loader",
    "seed_everything",
    "supervised_step",
]

_MIXED_PRECISIONS = ("no", "fp16", "bf16")
_DEVICE_KINDS = ("auto", "cpu", "cuda", "cuda:N", "mps")
_RESERVED_LOG_KEYS = ("epoch", "steps", "seconds")


# --- errors ---------------------------------------------------------------------------------------


class TrainingDivergedError(EmozooError, FloatingPointError):
    """A loss logged by ``step_fn`` became NaN or infinite, so training was stopped."""

    def __init__(self, name: str, value: float, epoch: int, step: int | None):
        self.name, self.value, self.epoch, self.step = name, value, epoch, step
        where = f"epoch {epoch}" + (f", step {step}" if step is not None else " (seen at the end-of-epoch sync)")
        super().__init__(
            f"training diverged: {name!r} became {value} at {where}; lower the learning rate, clip gradients "
            f"(e.g. supervised_step(..., max_grad_norm=1.0)), try mixed_precision='no', or check the data for NaN/inf"
        )


class DeviceUnavailableError(InputError):
    """The requested device (or device/precision combination) does not exist on this machine."""


# --- seeding --------------------------------------------------------------------------------------


def _enable_determinism() -> None:
    """Ask torch/cuDNN/cuBLAS for deterministic kernels (warn, do not fail, where an op has none)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # read when cuBLAS initialises
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


@contextlib.contextmanager
def seeded_cpu_rng(seed: int):
    """Run a block (typically layer construction) on the CPU generator seeded with ``seed``, then put the caller's
    CPU RNG state back. Unlike ``torch.manual_seed`` it queues no CUDA seeding: construction stays side-effect free
    (and skips torch's lazy-CUDA bookkeeping, about 1 ms a call)."""
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(int(seed))
        yield


def seed_everything(seed: int, deterministic: bool = False) -> None:
    """Seed python ``random``, numpy and torch (CPU and every CUDA device) so runs repeat exactly.

    With ``deterministic=True`` also switch torch to deterministic algorithms (``warn_only``), pin cuDNN to
    deterministic non-benchmarked kernels and set ``CUBLAS_WORKSPACE_CONFIG`` (if unset) for reproducible GEMMs.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**32:
        raise InputError(f"seed must be in [0, 2**32 - 1] (numpy's range), got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds CPU and all devices, lazily for CUDA
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        _enable_determinism()


# --- accelerate's shared state --------------------------------------------------------------------


def _in_distributed_launch() -> bool:
    """True inside ``accelerate launch``/torchrun/MPI workers or once a process group exists: never reset state there."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return True
    if int(os.environ.get("LOCAL_RANK", "-1") or -1) != -1:
        return True
    for key in ("WORLD_SIZE", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        try:
            if int(os.environ.get(key, "1")) > 1:
                return True
        except ValueError:
            pass
    return False


def _state_classes(include_process_state: bool) -> tuple[type, ...]:
    from accelerate.state import AcceleratorState, GradientState, PartialState

    return (PartialState, AcceleratorState, GradientState) if include_process_state else (GradientState,)


def _capture_state(include_process_state: bool) -> tuple[dict, ...]:
    """Shallow copies of accelerate's shared-state dicts (the live objects stay where they are)."""
    return tuple(dict(cls._shared_state) for cls in _state_classes(include_process_state))


def _restore_state(snapshot: tuple[dict, ...], include_process_state: bool) -> None:
    """Put a snapshot back *in place*, so every existing state/optimizer/loader object sees it."""
    for cls, saved in zip(_state_classes(include_process_state), snapshot):
        shared = cls._shared_state
        shared.clear()
        shared.update(saved)


@dataclass(frozen=True)
class StepInfo:
    """Where a :meth:`Runtime.train` step is: 0-based ``epoch``, ``step`` in the epoch and ``global_step``, with the totals."""

    epoch: int
    step: int
    global_step: int
    epochs: int
    steps_per_epoch: int | None = None
    max_steps: int | None = None

    @property
    def total_steps(self) -> int | None:
        """Steps the whole run will take (None when the loader has no length and no ``max_steps`` is set)."""
        planned = None if self.steps_per_epoch is None else self.steps_per_epoch * self.epochs
        if self.max_steps is not None:
            return self.max_steps if planned is None else min(planned, self.max_steps)
        return planned

    @property
    def progress(self) -> float | None:
        """Fraction of training done before this step, in [0, 1) (None when the total is unknown)."""
        total = self.total_steps
        return None if not total else self.global_step / total


def _accepts_info(step_fn: Callable[..., Any]) -> bool:
    """Whether ``step_fn`` declares an ``info`` parameter (or ``**kwargs``)."""
    try:
        params = inspect.signature(step_fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "info" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


_ACTIVE: weakref.ref | None = None  # the Runtime whose settings accelerate's shared state currently holds


# --- device resolution ----------------------------------------------------------------------------


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _resolve_device(device: Any) -> str:
    """Turn a user device string into a concrete one ("cpu", "cuda:N", "mps") or raise naming the fix."""
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise InputError(f"device must be a string such as 'auto', 'cpu', 'cuda', 'cuda:0' or 'mps', got {type(device).__name__} {device!r}")
    spec = device.strip().lower()
    forced_cpu = _env.flag("ACCELERATE_USE_CPU", default=None)
    if spec == "auto":
        if forced_cpu:
            return "cpu"
        if torch.cuda.is_available():
            return f"cuda:{torch.cuda.current_device()}"
        if _mps_available():
            return "mps"
        return "cpu"
    if spec == "cpu":
        return "cpu"
    if forced_cpu:
        raise DeviceUnavailableError(
            f"device={device!r} conflicts with ACCELERATE_USE_CPU (set by `accelerate launch --cpu`); pass device='cpu' or 'auto'"
        )
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            why = "this torch build has no CUDA support" if torch.version.cuda is None else "no CUDA GPU is visible"
            raise DeviceUnavailableError(f"device={device!r} was requested but CUDA is not available ({why}); pass device='cpu' or device='auto'")
        if spec == "cuda":
            return f"cuda:{torch.cuda.current_device()}"
        idx_text = spec.split(":", 1)[1]
        if not idx_text.isdigit():
            raise InputError(f"device={device!r} is malformed; write 'cuda' or 'cuda:N' with N a GPU index such as 'cuda:0'")
        idx, count = int(idx_text), torch.cuda.device_count()
        if idx >= count:
            raise DeviceUnavailableError(
                f"device={device!r} does not exist: {count} CUDA device(s) visible (cuda:0..cuda:{count - 1}); pick one of those or device='auto'"
            )
        return f"cuda:{idx}"
    if spec == "mps":
        if not _mps_available():
            raise DeviceUnavailableError(f"device={device!r} was requested but Apple MPS is not available here; pass device='cpu' or device='auto'")
        return "mps"
    hint = " (did you mean 'cuda'?)" if spec in ("gpu", "nvidia") else ""
    near = closest(spec, ["auto", "cpu", "cuda", "mps"])
    if not hint and near:
        hint = f" (did you mean {near[0]!r}?)"
    raise InputError(f"unknown device {device!r}{hint}; use one of {', '.join(_DEVICE_KINDS)}")


# --- History and callbacks ------------------------------------------------------------------------


class History(list):
    """Per-epoch log records (``{"epoch", "steps", "seconds", <averaged step_fn logs>...}``); a plain list subclass,
    so ``json.dumps(history)`` just works."""

    def __init__(self, records: Iterable[Mapping[str, Any]] = (), *, stop_reason: str | None = None):
        super().__init__(dict(r) for r in records)
        self.stop_reason = stop_reason
        """Why training ended early: ``"callback:<Name>"``, ``"max_steps"`` or None (ran all epochs)."""

    @property
    def last(self) -> dict[str, Any]:
        """The most recent epoch's record (raises if no epoch has run)."""
        if not self:
            raise EmptyInputError("History is empty: no epoch has finished yet, so there is no .last record")
        return self[-1]

    def names(self) -> list[str]:
        """Every key logged in any epoch, in first-seen order."""
        return list(dict.fromkeys(k for rec in self for k in rec))

    def series(self, name: str) -> list[float]:
        """The values of ``name`` over the epochs that logged it, in order (e.g. ``history.series("loss")``)."""
        values = [rec[name] for rec in self if name in rec]
        if not values:
            near = closest(name, self.names())
            extra = f"; did you mean {near[0]!r}?" if near else ""
            raise InputError(f"no epoch logged {name!r}{extra} (logged: {', '.join(self.names()) or 'nothing'})")
        return values

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"epochs": [records...], "stop_reason": ...}``."""
        return {"epochs": [dict(r) for r in self], "stop_reason": self.stop_reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """Inverse of :meth:`to_dict`."""
        return cls(data.get("epochs", ()), stop_reason=data.get("stop_reason"))

    def __repr__(self) -> str:
        return f"History({list.__repr__(self)}, stop_reason={self.stop_reason!r})"


class Callback(Protocol):
    """What :meth:`Runtime.train` calls after each epoch; return True to stop training.

    Optional hooks, called when present: ``on_train_begin()`` and ``on_train_end(history)``.
    """

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> bool | None: ...


class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs in a row.

    E.g. ``patience=2`` with the best value at epoch 3 stops training after epoch 5. NaN never counts as improvement.
    """

    def __init__(self, monitor: str, patience: int, mode: str = "min", min_delta: float = 0.0):
        if not isinstance(monitor, str) or not monitor:
            raise InputError(f"EarlyStopping monitor must be the name of a logged value such as 'loss', got {monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise InputError(f"EarlyStopping patience must be an int >= 1 (epochs without improvement before stopping), got {patience!r}")
        if mode not in ("min", "max"):
            raise InputError(f"EarlyStopping mode must be 'min' (lower is better) or 'max', got {mode!r}")
        if not isinstance(min_delta, (int, float)) or not math.isfinite(min_delta) or min_delta < 0:
            raise InputError(f"EarlyStopping min_delta must be a finite number >= 0, got {min_delta!r}")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, float(min_delta)
        self.on_train_begin()

    def on_train_begin(self) -> None:
        """Forget the previous run, so one instance can be reused across ``train`` calls."""
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> bool:
        """Track the best value; return True once ``patience`` epochs passed without improvement."""
        if self.monitor not in logs:
            near = closest(self.monitor, logs)
            extra = f"; did you mean {near[0]!r}?" if near else ""
            raise InputError(f"EarlyStopping monitors {self.monitor!r}, which this epoch did not log{extra} (logged: {', '.join(logs)})")
        value = float(logs[self.monitor])
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def __repr__(self) -> str:
        return f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, mode={self.mode!r}, min_delta={self.min_delta})"


# --- the runtime ----------------------------------------------------------------------------------


def _to_float(name: str, value: Any) -> float:
    """One logged value as a python float (tensors: ``.detach().float().item()``, float64 kept as is)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise InputError(f"step_fn logged {name!r} as a tensor of shape {tuple(value.shape)}; log a scalar such as loss.mean()")
        t = value.detach()
        return (t if t.dtype == torch.float64 else t.float()).item()  # .float() for bf16/fp16/int; keep float64
    if isinstance(value, (bool, int, float, np.number)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1:
        return float(value.reshape(()))
    raise InputError(f"step_fn logged {name!r} = {value!r} ({type(value).__name__}); log numbers or scalar tensors only")


def _is_loss(name: str) -> bool:
    return "loss" in name.lower()


_EXIT_HOOK_REGISTERED = False


def _destroy_process_group_at_exit() -> None:
    """Register (once) an exit hook that destroys a still-live process group before the interpreter tears down."""
    global _EXIT_HOOK_REGISTERED
    if _EXIT_HOOK_REGISTERED:
        return

    def destroy() -> None:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()

    atexit.register(destroy)
    _EXIT_HOOK_REGISTERED = True


class Runtime:
    """Device, mixed precision, gradient accumulation, seeding and distributed setup for training and inference.

    The :class:`accelerate.Accelerator` is built lazily on first use (:attr:`accelerator`). Explicit arguments
    win over ``accelerate launch`` flags for precision and accumulation; the launcher still decides the process
    layout (number of processes, per-rank device, ``--cpu``). ``epoch_log`` (a callable, or True for lines on stderr;
    default ``EMOZOO_EPOCH_LOG``) gets an :class:`EpochReport` after every epoch of :meth:`train`, for logs where a
    progress bar cannot live (files, parallel workers).
    """

    def __init__(
        self,
        device: str = "auto",
        mixed_precision: str = "no",
        gradient_accumulation_steps: int = 1,
        seed: int | None = None,
        deterministic: bool = False,
        progress: bool | None = None,
        log_with: Any = None,
        epoch_log: Callable[[EpochReport], None] | bool | None = None,
    ):
        self._device_spec = device
        self._resolved = _resolve_device(device)
        if not isinstance(mixed_precision, str) or mixed_precision.lower() not in _MIXED_PRECISIONS:
            raise InputError(f"mixed_precision must be one of {', '.join(map(repr, _MIXED_PRECISIONS))}, got {mixed_precision!r}")
        mixed_precision = mixed_precision.lower()
        kind = self._resolved.split(":")[0]
        if mixed_precision == "fp16" and kind == "cpu":
            raise DeviceUnavailableError(
                "mixed_precision='fp16' needs a CUDA or MPS device and this runtime runs on the CPU; "
                "use mixed_precision='bf16' (supported by CPU autocast) or 'no', or pick a GPU device"
            )
        if mixed_precision == "bf16" and kind == "cuda" and not torch.cuda.is_bf16_supported():
            raise DeviceUnavailableError(f"mixed_precision='bf16' is not supported by {self._resolved}; use mixed_precision='fp16' or 'no'")
        self._mixed_precision = mixed_precision
        if isinstance(gradient_accumulation_steps, bool) or not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 1:
            raise InputError(f"gradient_accumulation_steps must be an int >= 1, got {gradient_accumulation_steps!r}")
        self._grad_accum = gradient_accumulation_steps
        if progress is not None and not isinstance(progress, bool):
            raise InputError(f"progress must be True, False or None (auto: on when stderr is a terminal), got {progress!r}")
        self._progress = progress
        if epoch_log is not None and not (isinstance(epoch_log, bool) or callable(epoch_log)):
            raise InputError(f"epoch_log must be a callable taking an EpochReport, True, False or None (EMOZOO_EPOCH_LOG), got {epoch_log!r}")
        self._epoch_log = epoch_log
        self._log_with = log_with
        self.seed = seed
        self.deterministic = bool(deterministic)
        if seed is not None:
            seed_everything(seed, deterministic=self.deterministic)
        elif self.deterministic:
            _enable_determinism()
        self._accelerator: Any = None
        self._distributed = False
        self._snapshot: tuple[dict, ...] | None = None
        self._plugin_kwargs: dict | None = None  # identity marks "the shared GradientState is ours"

    # --- lazy accelerator and shared-state switching ---

    @property
    def accelerator(self) -> Any:
        """The underlying :class:`accelerate.Accelerator` (built on first access; made current on every access)."""
        if self._accelerator is None:
            self._build()
        elif not self._holds_shared_state():
            self._activate()
        return self._accelerator

    def _holds_shared_state(self) -> bool:
        from accelerate.state import AcceleratorState, GradientState

        active = _ACTIVE() if _ACTIVE is not None else None
        return (
            active is self
            and GradientState._shared_state.get("plugin_kwargs") is self._plugin_kwargs
            and AcceleratorState._shared_state.get("_mixed_precision") == self._mixed_precision
        )

    def _release_previous(self) -> None:
        """Let the runtime that currently holds the shared state keep its latest version of it."""
        previous = _ACTIVE() if _ACTIVE is not None else None
        if previous is not None and previous is not self and previous._holds_shared_state():
            previous._snapshot = _capture_state(not previous._distributed)

    def _activate(self) -> None:
        global _ACTIVE
        self._release_previous()
        _restore_state(self._snapshot, include_process_state=not self._distributed)
        _ACTIVE = weakref.ref(self)

    def _build(self) -> None:
        global _ACTIVE
        from accelerate import Accelerator
        from accelerate.state import AcceleratorState, GradientState
        from accelerate.utils import GradientAccumulationPlugin

        self._distributed = _in_distributed_launch()
        self._release_previous()
        cpu = self._resolved == "cpu"
        if self._distributed:
            # Never reset process state under a launcher: it holds the process group. Only GradientState is ours.
            shared = AcceleratorState._shared_state
            if shared and shared.get("_mixed_precision") not in (None, self._mixed_precision):
                raise InputError(
                    f"this distributed process already runs with mixed_precision={shared.get('_mixed_precision')!r}; "
                    f"every Runtime in a launched process must use the same precision, so pass mixed_precision={shared.get('_mixed_precision')!r}"
                )
            GradientState._reset_state()
            env_override = None
        else:
            AcceleratorState._reset_state(reset_partial_state=True)
            GradientState._reset_state()
            env_override = self._resolved  # also for "cpu": a stale ACCELERATE_TORCH_DEVICE would beat cpu=True
        plugin = GradientAccumulationPlugin(num_steps=self._grad_accum)  # bypasses ACCELERATE_GRADIENT_ACCUMULATION_STEPS
        saved_env = os.environ.get("ACCELERATE_TORCH_DEVICE")
        try:
            if env_override is not None:
                os.environ["ACCELERATE_TORCH_DEVICE"] = env_override  # how accelerate takes an explicit device
            accelerator = Accelerator(
                mixed_precision=self._mixed_precision,
                cpu=cpu,
                gradient_accumulation_plugin=plugin,
                log_with=self._log_with,
            )
        finally:
            if env_override is not None:
                if saved_env is None:
                    os.environ.pop("ACCELERATE_TORCH_DEVICE", None)
                else:
                    os.environ["ACCELERATE_TORCH_DEVICE"] = saved_env
        self._accelerator = accelerator
        if self._distributed:
            _destroy_process_group_at_exit()
        self._plugin_kwargs = GradientState._shared_state.get("plugin_kwargs")
        self._snapshot = _capture_state(not self._distributed)
        _ACTIVE = weakref.ref(self)

    # --- properties ---

    @property
    def device(self) -> torch.device:
        """Where this process computes (per rank under a distributed launch)."""
        return self.accelerator.device

    @property
    def is_main_process(self) -> bool:
        """True on global rank 0 (always True without a launcher)."""
        return self.accelerator.is_main_process

    @property
    def num_processes(self) -> int:
        """Number of processes in the run (1 without a launcher)."""
        return self.accelerator.num_processes

    @property
    def process_index(self) -> int:
        """This process's global rank."""
        return self.accelerator.process_index

    @property
    def mixed_precision(self) -> str:
        """"no", "fp16" or "bf16"."""
        return self._mixed_precision

    @property
    def gradient_accumulation_steps(self) -> int:
        """Micro-batches per optimizer step."""
        return self._grad_accum

    @property
    def sync_gradients(self) -> bool:
        """True on the micro-batch where an accumulated optimizer step happens (inside :meth:`accumulate`)."""
        return self.accelerator.sync_gradients

    @property
    def progress(self) -> bool:
        """Whether :meth:`train` shows a progress bar: the argument, else ``EMOZOO_PROGRESS``, else stderr is a TTY."""
        if self._progress is not None:
            return self._progress
        env = _env.flag("EMOZOO_PROGRESS", default=None)
        if env is not None:
            return env
        try:
            return sys.stderr.isatty()
        except (AttributeError, ValueError):
            return False

    def _epoch_reporter(self) -> Callable[[EpochReport], None] | None:
        """Where :meth:`train` reports each epoch: the ``epoch_log`` argument, else ``EMOZOO_EPOCH_LOG`` (stderr lines)."""
        log = self._epoch_log
        if log is None:
            log = bool(_env.flag("EMOZOO_EPOCH_LOG", default=False))
        if log is True:
            return print_epoch
        return log or None

    # --- thin delegations ---

    def prepare(self, *objs: Any) -> Any:
        """Place models/optimizers/loaders/schedulers for this run (device, DDP, AMP, sharded loaders); returns them in order.

        Prepared data loaders are sharded across processes and yield batches already on :attr:`device`.
        """
        from torch.utils.data import DataLoader
        from torch.utils.data.distributed import DistributedSampler

        acc = self.accelerator
        if acc.num_processes > 1:
            for obj in objs:
                if isinstance(obj, DataLoader):
                    samplers = (obj.sampler, getattr(obj.batch_sampler, "sampler", None))
                    if any(isinstance(s, DistributedSampler) for s in samplers):
                        raise InputError(
                            "this DataLoader already uses a DistributedSampler, and prepare() shards it again, so each process "
                            "would see only 1/num_processes of its shard; pass a plain DataLoader (shuffle=True/False) to prepare()"
                        )
        return acc.prepare(*objs)

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """``loss.backward()`` with AMP loss scaling and division by the accumulation steps."""
        self.accelerator.backward(loss, **kwargs)

    def accumulate(self, *models: Any) -> contextlib.AbstractContextManager:
        """Context for one micro-batch: skips gradient sync and (prepared) optimizer steps until the accumulation boundary."""
        return self.accelerator.accumulate(*models)

    def autocast(self) -> contextlib.AbstractContextManager:
        """Context running ops in this runtime's mixed precision (a no-op for ``mixed_precision='no'``)."""
        return self.accelerator.autocast()

    def clip_grad_norm_(self, parameters: Iterable[torch.Tensor], max_norm: float, norm_type: float = 2.0) -> torch.Tensor | None:
        """Clip gradients (unscaling fp16 first); call it only when :attr:`sync_gradients` is True."""
        return self.accelerator.clip_grad_norm_(parameters, max_norm, norm_type=norm_type)

    def unwrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        """The plain module under DDP/compile wrappers, e.g. for saving weights."""
        return self.accelerator.unwrap_model(model)

    def gather_for_metrics(self, x: Any) -> Any:
        """Gather predictions/targets from all processes, dropping the samples padded for even sharding."""
        return self.accelerator.gather_for_metrics(x)

    def wait_for_everyone(self) -> None:
        """Barrier across processes (no-op without a launcher)."""
        self.accelerator.wait_for_everyone()

    def end(self) -> None:
        """Finish a run: a barrier, then trackers stopped and the process group destroyed (accelerate's ``end_training``).

        Call it last in a launched script. Processes that exit with a live gloo/NCCL group can abort in its teardown
        ("terminate called without an active exception"), so a distributed Runtime also does this at interpreter exit.
        """
        if self._accelerator is None:
            return
        self.accelerator.wait_for_everyone()
        self.accelerator.end_training()

    def print(self, *args: Any, **kwargs: Any) -> None:
        """``print`` on the main process only."""
        self.accelerator.print(*args, **kwargs)

    # --- training loop ---

    def train(
        self,
        step_fn: Callable[[Any], Mapping[str, Any] | None],
        loader: Iterable[Any],
        *,
        epochs: int,
        callbacks: Sequence[Callback] = (),
        desc: str = "train",
        max_steps: int | None = None,
    ) -> History:
        """Run ``step_fn`` on every batch for ``epochs`` epochs and return the per-epoch :class:`History`.

        ``step_fn(batch)`` does its own forward, :meth:`backward` and optimizer step(s) (so GANs with several
        optimizers fit) and returns ``{name: number or scalar tensor}``. A step function that declares a parameter
        named ``info`` is called as ``step_fn(batch, info=StepInfo(...))``: its epoch, step in the epoch, global step
        and the totals, for warm-ups and schedules (``info.progress`` is the fraction of training done). The loop moves nothing: batches reach
        ``step_fn`` exactly as ``loader`` yields them, so pass a loader from :meth:`prepare` to get them on
        :attr:`device` and sharded across processes. Each epoch record holds the mean of every logged value
        (averaged across processes too), ``epoch`` (0-based), ``steps`` and ``seconds``. A NaN/inf value whose
        name contains "loss" raises :class:`TrainingDivergedError` (at once; at the epoch-end sync under a
        launcher, so no rank hangs). After each epoch every callback's ``on_epoch_end(epoch, logs)`` runs; any
        True stops training. ``max_steps`` caps the total number of batches over all epochs.
        """
        if not callable(step_fn):
            raise InputError(f"step_fn must be callable as step_fn(batch) -> dict of logs, got {type(step_fn).__name__}")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise InputError(f"epochs must be an int >= 0, got {epochs!r}")
        if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1):
            raise InputError(f"max_steps must be None or an int >= 1, got {max_steps!r}")
        callbacks = tuple(callbacks)
        for cb in callbacks:
            if not callable(getattr(cb, "on_epoch_end", None)):
                raise InputError(f"callback {cb!r} has no on_epoch_end(epoch, logs) method; see emozoo.runtime.EarlyStopping for an example")

        from tqdm.auto import tqdm

        wants_info = _accepts_info(step_fn)
        acc = self.accelerator
        distributed = acc.num_processes > 1
        show = self.progress and acc.is_main_process
        history = History()
        for cb in callbacks:
            if callable(getattr(cb, "on_train_begin", None)):
                cb.on_train_begin()
        total_steps = 0
        began = time.perf_counter()
        for epoch in range(epochs):
            start = time.perf_counter()
            sums: dict[str, float] = {}
            counts: dict[str, int] = {}
            nonfinite: tuple[str, float, int] | None = None
            steps = 0
            hit_max = False
            total = None
            with contextlib.suppress(TypeError):
                total = len(loader)  # type: ignore[arg-type]
            bar = tqdm(loader, desc=f"{desc} {epoch + 1}/{epochs}", total=total, disable=not show, leave=False, dynamic_ncols=True)
            try:
                for batch in bar:
                    if wants_info:
                        info = StepInfo(epoch, steps, total_steps, epochs, total, max_steps)
                        logs = step_fn(batch, info=info)
                    else:
                        logs = step_fn(batch)
                    steps += 1
                    total_steps += 1
                    if logs is not None:
                        if not isinstance(logs, Mapping):
                            raise InputError(f"step_fn must return a mapping of name -> number (or None), got {type(logs).__name__}")
                        for name, raw in logs.items():
                            if name in _RESERVED_LOG_KEYS:
                                raise InputError(f"step_fn logged {name!r}, a name the loop records itself; rename it (reserved: {', '.join(_RESERVED_LOG_KEYS)})")
                            value = _to_float(name, raw)
                            if _is_loss(name) and not math.isfinite(value):
                                if not distributed:
                                    raise TrainingDivergedError(name, value, epoch, total_steps)
                                nonfinite = nonfinite or (name, value, total_steps)
                            sums[name] = sums.get(name, 0.0) + value
                            counts[name] = counts.get(name, 0) + 1
                        if show:
                            bar.set_postfix({k: f"{sums[k] / counts[k]:.4g}" for k in sums}, refresh=False)
                    if max_steps is not None and total_steps >= max_steps:
                        hit_max = True
                        break
            finally:
                bar.close()
            if steps == 0:
                raise EmptyInputError(f"the loader yielded no batches in epoch {epoch}; check the data set size and batch_size/drop_last")
            means = {k: sums[k] / counts[k] for k in sums}
            if distributed:
                means, bad_ranks = self._reduce_means(means, nonfinite is not None)
                if bad_ranks:
                    name, value, step = nonfinite if nonfinite else ("loss", float("nan"), None)
                    raise TrainingDivergedError(name, value, epoch, step)
            record: dict[str, Any] = {"epoch": epoch, "steps": steps, "seconds": time.perf_counter() - start, **means}
            history.append(record)
            report = self._epoch_reporter() if acc.is_main_process else None
            if report is not None:
                done = time.perf_counter() - began
                report(EpochReport(desc, epoch + 1, epochs, means, record["seconds"], done, done / (epoch + 1) * (epochs - epoch - 1)))
            stop = False
            for cb in callbacks:
                if cb.on_epoch_end(epoch, record):
                    stop = True
                    history.stop_reason = history.stop_reason or f"callback:{type(cb).__name__}"
            if hit_max and history.stop_reason is None:
                history.stop_reason = "max_steps"
            if stop or hit_max:
                break
        for cb in callbacks:
            if callable(getattr(cb, "on_train_end", None)):
                cb.on_train_end(history)
        return history

    def _reduce_means(self, means: dict[str, float], diverged: bool) -> tuple[dict[str, float], int]:
        """Average epoch means over processes (so every rank logs and decides alike); count ranks that diverged.

        Every process must log the same names.
        """
        keys = sorted(means)
        values = [means[k] for k in keys] + [1.0 if diverged else 0.0]
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        t = self.accelerator.reduce(t, reduction="sum")
        n = self.num_processes
        reduced = {k: float(t[i]) / n for i, k in enumerate(keys)}
        return reduced, int(round(float(t[-1])))

    def __repr__(self) -> str:
        state = "built" if self._accelerator is not None else "lazy"
        return (
            f"Runtime(device={self._device_spec!r} -> {self._resolved!r}, mixed_precision={self._mixed_precision!r}, "
            f"gradient_accumulation_steps={self._grad_accum}, seed={self.seed!r}, {state})"
        )


@dataclass(frozen=True)
class EpochReport:
    """One finished epoch of :meth:`Runtime.train`: what was trained, where it stands, its means and the time left."""

    desc: str
    epoch: int  # 1-based
    epochs: int
    means: dict[str, float]
    seconds: float  # this epoch
    elapsed: float  # this fit so far
    left: float  # this fit, estimated from its mean epoch time

    def line(self) -> str:
        """``"<desc> epoch 3/15 · loss 0.1234 · 2.1 s/epoch · ~25 s left"``."""
        shown = " · ".join(f"{k} {v:.4g}" for k, v in list(self.means.items())[:3])
        return f"{self.desc} epoch {self.epoch}/{self.epochs}{' · ' + shown if shown else ''} · {self.seconds:.1f} s/epoch · ~{_duration(self.left)} left"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


def print_epoch(report: EpochReport) -> None:
    """Write :meth:`EpochReport.line` to stderr (``EMOZOO_EPOCH_LOG=1``)."""
    print(f"  {report.line()}", file=sys.stderr, flush=True)


class TensorRows(torch.utils.data.Dataset):
    """Aligned tensors (features, labels, ...) whose rows a DataLoader fetches a whole batch at a time: one indexing
    per batch through ``__getitems__``, not one per sample and a collate (which dominates small models' epochs)."""

    def __init__(self, *tensors: torch.Tensor) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise InputError(f"TensorRows needs tensors with one row per sample, got lengths {[len(t) for t in tensors]}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, ...]:
        return tuple(t[i] for t in self.tensors)

    def __getitems__(self, idx: list[int]) -> tuple[torch.Tensor, ...]:
        ix = torch.as_tensor(idx, device=self.tensors[0].device)
        return tuple(t[ix] for t in self.tensors)


def _already_stacked(batch: Any) -> Any:
    """Collate of :class:`TensorRows` batches: ``__getitems__`` stacked them already."""
    return batch


def rows_loader(*tensors: torch.Tensor, batch_size: int, shuffle: bool = True, seed: int | None = None,
                drop_last: bool = False) -> torch.utils.data.DataLoader:
    """A DataLoader over the rows of ``tensors`` yielding tuples of batched tensors; ``seed`` fixes the shuffling
    order without touching the global RNG (None: the global torch RNG, e.g. after :func:`seed_everything`)."""
    generator = None if seed is None else torch.Generator().manual_seed(int(seed))
    return torch.utils.data.DataLoader(TensorRows(*tensors), batch_size=batch_size, shuffle=shuffle, generator=generator,
                                       drop_last=drop_last, collate_fn=_already_stacked)


def supervised_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    runtime: Runtime,
    *,
    max_grad_norm: float | None = None,
) -> Callable[[Any], dict[str, torch.Tensor]]:
    """A ``step_fn`` for ``(inputs, targets)`` batches: forward under autocast, ``loss_fn(outputs, targets)``,
    backward, optional clipping, and an optimizer step at each accumulation boundary; logs ``{"loss": ...}``.

    Pass ``model``/``optimizer`` through ``runtime.prepare`` first (required for fp16 loss scaling).
    """
    if not isinstance(runtime, Runtime):
        raise InputError(f"runtime must be an emozoo.runtime.Runtime, got {type(runtime).__name__}")
    if not callable(loss_fn):
        raise InputError(f"loss_fn must be callable as loss_fn(outputs, targets), got {type(loss_fn).__name__}")
    if max_grad_norm is not None and not (isinstance(max_grad_norm, (int, float)) and max_grad_norm > 0):
        raise InputError(f"max_grad_norm must be None or a number > 0, got {max_grad_norm!r}")
    if runtime.mixed_precision == "fp16":
        from accelerate.optimizer import AcceleratedOptimizer

        if not isinstance(optimizer, AcceleratedOptimizer):
            raise InputError("with mixed_precision='fp16' the optimizer must come from runtime.prepare(...) so the loss scaler unscales it")

    def step(batch: Any) -> dict[str, torch.Tensor]:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            got = f"a {type(batch).__name__} of length {len(batch)}" if isinstance(batch, (tuple, list)) else f"a {type(batch).__name__}"
            raise InputError(f"supervised_step expects (inputs, targets) batches, got {got}; write your own step_fn for other layouts")
        inputs, targets = batch
        with runtime.accumulate(model):
            with runtime.autocast():
                outputs = model(inputs)
                loss = loss_fn(outputs, targets)
            runtime.backward(loss)
            if runtime.sync_gradients:  # a no-op for prepared optimizers off the boundary; needed for plain ones
                if max_grad_norm is not None:
                    runtime.clip_grad_norm_(model.parameters(), max_grad_norm)
                optimizer.step()
                optimizer.zero_grad()
        return {"loss": loss.detach()}

    return step

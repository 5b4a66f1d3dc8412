"""Boundary checks every method's ``generate`` / ``predict`` calls first, so bad arguments get typed errors.

A plugin still checks what only it knows (shapes, classes, modalities); these are the checks that are the
same for every method::

    def generate(self, n=None, *, condition=None, seed=None):
        check_generate(self.method_id, n, seed)
        ...

    def predict(self, inputs):
        check_inputs(self.method_id, inputs)
        ...

* ``n``: None or an int in ``[1, MAX_GENERATE]`` (one call never allocates more than that many samples; ask in
  several calls for more);
* ``seed``: None or an int in ``[0, 2**63)`` (what every ``torch.Generator`` takes exactly);
* tensors (as they are, or inside a tuple, list, dict or batch dataclass): dense (strided), with data (not on the
  ``meta`` device), and a non-empty first (batch) dimension;
* a ``batch_size`` argument: an int in ``[1, MAX_GENERATE]``.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

from emozoo.errors import ConfigError, DTypeError, EmptyInputError, InputError

T = TypeVar("T")

#: The most samples one ``generate`` call produces (and the largest ``batch_size`` a ``predict`` takes).
MAX_GENERATE = 1 << 20
#: Seeds are ints in ``[0, SEED_LIMIT)``.
SEED_LIMIT = 1 << 63
_MAX_DEPTH = 3
_MAX_ITEMS = 64


def build(method_id: str, make: Callable[[], T]) -> T:
    """``make()`` (a model constructor), with an allocation that the machine cannot satisfy as a ConfigError.

    The config's int ranges (``emozoo.config``) keep sizes sane; a config within them can still ask for more memory
    than there is (a huge width times a huge depth), and that is a problem of the config, named as such.
    """
    try:
        return make()
    except MemoryError as exc:
        raise ConfigError(f"{method_id}: building the model needs more memory than is available; use a smaller config ({exc})") from exc
    except RuntimeError as exc:
        if "alloc" not in str(exc).lower() and "memory" not in str(exc).lower():
            raise
        raise ConfigError(f"{method_id}: building the model failed to allocate memory ({str(exc)[:200]}); use a smaller config") from exc


def check_count(method_id: str, value: Any, name: str = "n", maximum: int = MAX_GENERATE) -> int | None:
    """``value`` as an int in ``[1, maximum]`` (None passes); InputError / DTypeError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DTypeError(f"{method_id}: {name} must be an int >= 1, got {type(value).__name__} {value!r}"[:300])
    if not 1 <= value <= maximum:
        raise InputError(f"{method_id}: {name}={int(value)} is outside [1, {maximum}]; ask for at most {maximum} per call"[:300])
    return int(value)


def check_seed(method_id: str, seed: Any) -> int | None:
    """``seed`` as an int in ``[0, 2**63)`` (None passes); InputError / DTypeError otherwise."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise DTypeError(f"{method_id}: seed must be an int in [0, 2**63) or None, got {type(seed).__name__} {seed!r}"[:300])
    if not 0 <= seed < SEED_LIMIT:
        raise InputError(f"{method_id}: seed {int(seed)} is outside [0, 2**63); pass a non-negative seed below 2**63"[:300])
    return int(seed)


def check_generate(method_id: str, n: Any = None, seed: Any = None) -> None:
    """The checks of ``generate(n, seed=...)`` common to every method (see the module docstring)."""
    check_count(method_id, n)
    check_seed(method_id, seed)


def check_inputs(method_id: str, inputs: Any, *, batch_size: Any = None, seed: Any = None) -> None:
    """The checks of ``predict(inputs)`` common to every method: dense tensors with data and at least one sample."""
    if batch_size is not None:
        check_count(method_id, batch_size, "batch_size")
    check_seed(method_id, seed)
    _walk(method_id, inputs, "inputs", 0)


def _walk(method_id: str, value: Any, where: str, depth: int) -> None:
    import sys

    torch = sys.modules.get("torch")  # a tensor can only exist where torch is imported; never import it here
    if torch is not None and isinstance(value, torch.Tensor):
        _check_tensor(method_id, value, where, torch)
        return
    if depth >= _MAX_DEPTH or isinstance(value, (str, bytes)):
        return
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value)[:_MAX_ITEMS]:
            _walk(method_id, getattr(value, f.name, None), f"{where}.{f.name}", depth + 1)
    elif isinstance(value, dict):
        for k, v in list(value.items())[:_MAX_ITEMS]:
            _walk(method_id, v, f"{where}[{k!r}]", depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value[:_MAX_ITEMS]):
            _walk(method_id, v, f"{where}[{i}]", depth + 1)


def _check_tensor(method_id: str, t: Any, where: str, torch: Any) -> None:
    if t.layout != torch.strided:
        raise DTypeError(f"{method_id}: {where} is a {t.layout} tensor; pass a dense tensor (call .to_dense())")
    if t.is_meta or t.device.type == "meta":
        raise InputError(f"{method_id}: {where} is on the meta device and holds no data; pass a tensor with values")
    if t.ndim >= 1 and t.shape[0] == 0:
        raise EmptyInputError(f"{method_id}: {where} has no samples (first dimension 0); pass at least one")


def condition_labels(method_id: str, n: Any, condition: Any, num_classes: int, cycle: Any = None) -> Any:
    """The class ids [n] (int64 tensor) that ``generate(n, condition=...)`` conditions on, or a typed error.

    ``condition`` None: the classes of ``cycle`` (default 0..num_classes-1) in turn, so the samples are class-balanced;
    an int: that class ``n`` times (once without ``n``); a sequence: one class id per sample (``n`` must equal its length
    when given). Shared by every class-conditional generator so they accept and refuse the same conditions.
    """
    import torch

    from emozoo.data.batches import as_label_tensor
    from emozoo.errors import DTypeError, EmptyInputError, LabelError, ShapeError

    k = int(num_classes)
    if condition is None:
        if n is None:
            raise InputError(f"{method_id}: generate() needs n (how many samples) or condition (a class id per sample)")
        classes = torch.arange(k) if cycle is None else torch.as_tensor(cycle, dtype=torch.long).cpu()
        return classes[torch.arange(n) % len(classes)]
    if isinstance(condition, (bool, float)):
        raise DTypeError(f"{method_id}: condition must be an int class id or a sequence of them, got {condition!r}")
    if isinstance(condition, int):
        if not 0 <= condition < k:
            raise LabelError(f"{method_id}: condition {condition} is out of range for {k} classes (0..{k - 1})")
        return torch.full((n if n is not None else 1,), condition, dtype=torch.long)
    try:
        count = len(condition)
    except TypeError as exc:
        raise DTypeError(f"{method_id}: condition must be an int class id or a sequence of them, got {type(condition).__name__}") from exc
    if count == 0:
        raise EmptyInputError(f"{method_id}: condition is empty; pass one class id per sample to generate")
    if n is not None and n != count:
        raise ShapeError(f"{method_id}: condition has {count} labels but n={n}; pass n equal to len(condition) or leave n out")
    labels = as_label_tensor(condition.cpu() if isinstance(condition, torch.Tensor) else condition, "condition", count)
    if labels.is_floating_point() or int(labels.min()) < 0 or int(labels.max()) >= k:
        raise LabelError(f"{method_id}: condition must hold int class ids in 0..{k - 1}")
    return labels

"""Typed batch containers: validated once at construction so models can trust shapes, dtypes and labels.

Every container is a frozen dataclass that checks its fields in ``__post_init__`` and raises the typed
errors of :mod:`emozoo.errors` (the message names the field, what was expected, what came and the fix).
All share ``len``, ``index`` (subset -> same type), ``to(device)`` and ``loader`` (a DataLoader that
yields the same container type, reproducibly shuffled under a seed).

One sample interface, read by every protocol whatever the modality: each tensor batch has ``features``
(the per-sample tensor; for :class:`MultimodalBatch` the dict of modality -> tensor; :class:`AudioBatch` and
:class:`ImageBatch` keep their own field names ``inputs`` / ``images`` and expose them as ``features`` too),
``labels``, ``len``, ``index``, ``with_samples(features, labels)`` (new samples, same kind of batch, same
non-sample attributes: layout, band names, sample rate, kind, source) and ``coarse_modality`` (one of
:data:`emozoo.specs.MODALITIES`, for modality checks against a method's spec). Every batch, dialogues included,
carries an optional ``source`` (:class:`emozoo.data.source.DataSource`) that ``index``, ``to`` and
``with_samples`` keep.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from emozoo.data.source import DataSource
from emozoo.errors import (
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    ShapeError,
    closest,
)

__all__ = [
    "AUDIO_KINDS",
    "MULTIMODAL_MODALITIES",
    "PHYSIO_LAYOUTS",
    "PHYSIO_MODALITIES",
    "AudioBatch",
    "Dialogue",
    "DialogueBatch",
    "EEGBatch",
    "ImageBatch",
    "MultimodalBatch",
    "PhysioBatch",
    "TextBatch",
    "Utterance",
    "as_float_tensor",
    "as_label_tensor",
]

PHYSIO_MODALITIES: tuple[str, ...] = ("eeg", "ecg", "eda", "emg", "resp", "ppg", "eye", "wrist")
MULTIMODAL_MODALITIES: tuple[str, ...] = ("text", "audio", "vision", "eeg", "physio")
PHYSIO_LAYOUTS: dict[str, tuple[int, str]] = {
    "channels_bands": (3, "[N, C, B]"), "grid": (4, "[N, B, H, W]"), "flat": (2, "[N, D]"), "channels_time": (3, "[N, C, T]"),
}
AUDIO_KINDS: dict[str, tuple[int, str]] = {"waveform": (2, "[N, S]"), "features": (3, "[N, T, D]"), "functionals": (2, "[N, D]")}
"""Speech sample kinds: raw waveforms, frame features (e.g. log-mel [N, T, n_mels]), utterance functionals (e.g. eGeMAPS [N, 88])."""

B = TypeVar("B", bound="_Batch")
Index = int | slice | Sequence[int] | Sequence[bool] | np.ndarray | torch.Tensor


# --- conversion and checks ------------------------------------------------------------------------


def _shape(t: torch.Tensor) -> str:
    """Format a shape as ``(2, 3)`` for messages."""
    return str(tuple(t.shape))


def _to_tensor(x: Any, name: str) -> torch.Tensor:
    """Turn a tensor / numpy array / (nested) list / number into a tensor; strings and objects raise DTypeError."""
    if isinstance(x, torch.Tensor):
        return x
    if x is None or isinstance(x, (str, bytes)):
        raise DTypeError(f"{name}: expected a numeric tensor or array, got {type(x).__name__}; pass numbers, not text")
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, torch.Tensor) for v in x):
        try:
            return torch.stack(list(x))
        except RuntimeError as exc:
            raise ShapeError(f"{name}: cannot stack a list of tensors of different shapes ({exc}); pad them to one shape") from exc
    if isinstance(x, (list, tuple)) and not x:
        return torch.empty(0)
    try:
        arr = np.array(x, copy=True, order="C")
    except ValueError as exc:  # ragged nested lists
        raise ShapeError(f"{name}: got a ragged nested list ({exc}); pad sequences to one length first") from exc
    if arr.dtype.kind not in "biuf":
        raise DTypeError(
            f"{name}: expected a numeric tensor or array, got {type(x).__name__} of dtype {arr.dtype}; "
            f"convert strings/objects to numbers first (e.g. encode text with a tokenizer)"
        )
    return torch.from_numpy(arr)


def _is_torch(x: Any) -> bool:
    """True for a tensor or a non-empty list/tuple of tensors (whose float dtype is kept as given)."""
    return isinstance(x, torch.Tensor) or (isinstance(x, (list, tuple)) and bool(x) and isinstance(x[0], torch.Tensor))


def _check_ndim(t: torch.Tensor, name: str, ndim: int | tuple[int, ...] | None, dims: str | None) -> None:
    """Raise ShapeError unless ``t.ndim`` is (one of) ``ndim``."""
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if t.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed) + (f" {dims}" if dims else "")
        raise ShapeError(f"{name}: expected a {want} tensor, got {t.ndim}-D shape {_shape(t)}; reshape it to {dims or want}")


def _check_finite(t: torch.Tensor, name: str) -> None:
    """Raise NonFiniteError naming the count and the first position of NaN/inf values."""
    bad = ~torch.isfinite(t)
    if bool(bad.any()):
        first = tuple(bad.nonzero()[0].tolist())
        raise NonFiniteError(
            f"{name}: contains {int(bad.sum())} NaN/inf value(s), first at index {first}; "
            f"impute or drop those samples (e.g. torch.nan_to_num) before building the batch"
        )


def as_float_tensor(
    x: Any,
    name: str,
    ndim: int | tuple[int, ...] | None = None,
    *,
    dims: str | None = None,
    dtype: torch.dtype | None = None,
    finite: bool = True,
) -> torch.Tensor:
    """Convert numpy/list/tensor input to a float tensor, checking ndim and finiteness with typed errors.

    Floating torch tensors keep their dtype; everything else (ints, bools, numpy, lists) becomes float32,
    or ``dtype`` when given. ``dims`` (e.g. ``"[N, C, B]"``) only makes messages clearer.
    """
    t = _to_tensor(x, name)
    if t.is_complex():
        raise DTypeError(f"{name}: expected a real float tensor, got {t.dtype}; take .real or .abs() first")
    if dtype is not None:
        t = t.to(dtype)
    elif not (t.is_floating_point() and _is_torch(x)):
        t = t.to(torch.float32)
    _check_ndim(t, name, ndim, dims)
    if finite:
        _check_finite(t, name)
    return t


def _as_int_vector(x: Any, name: str, n: int) -> torch.Tensor:
    """Convert to a 1-D int64 tensor of length ``n``; floats, bools and strings raise DTypeError."""
    t = _to_tensor(x, name)
    if t.dtype == torch.bool or t.is_floating_point() or t.is_complex():
        raise DTypeError(f"{name}: expected integer ids (int64), got {t.dtype}; cast with .long() if they are whole numbers")
    t = t.long()
    _check_ndim(t, name, 1, "[N]")
    if t.shape[0] != n:
        raise ShapeError(f"{name}: expected length {n} (one per sample), got {t.shape[0]}; pass one entry per sample")
    return t


def as_label_tensor(x: Any, name: str, n: int, *, allow_float: bool = False) -> torch.Tensor:
    """Validate labels: int64 class ids [N] (non-negative), or with ``allow_float`` float targets [N] / [N, K]."""
    t = _to_tensor(x, name)
    if t.is_floating_point() and allow_float:
        t = t if _is_torch(x) else t.to(torch.float32)
        _check_ndim(t, name, (1, 2), "[N] or [N, K]")
        _check_finite(t, name)
        if t.shape[0] != n:
            raise ShapeError(f"{name}: expected {n} rows (one per sample), got shape {_shape(t)}; pass one label per sample")
        return t
    if t.is_floating_point():
        raise DTypeError(f"{name}: expected int64 class ids, got {t.dtype}; cast with .long() if they are class ids")
    t = _as_int_vector(t, name, n)
    if t.numel() and int(t.min()) < 0:
        pos = int((t < 0).nonzero()[0])
        raise LabelError(
            f"{name}: class ids must be >= 0, got {int(t[pos])} at position {pos}; "
            f"map classes to 0..K-1 and drop unlabelled samples (or pass labels=None)"
        )
    return t


def _check_choice(value: Any, name: str, allowed: Sequence[str], error: type[Exception] = InputError) -> None:
    """Raise ``error`` unless ``value`` is one of ``allowed``, suggesting the closest names."""
    if isinstance(value, str) and value in allowed:
        return
    hint = closest(value, allowed) if isinstance(value, str) else []
    tip = f"; did you mean {hint[0]!r}?" if hint else ""
    raise error(f"{name}: expected one of {tuple(allowed)}, got {value!r}{tip}")


def _check_nonempty(n: int, owner: str) -> None:
    """Raise EmptyInputError for a batch with no samples."""
    if n == 0:
        raise EmptyInputError(f"{owner}: got 0 samples; a batch needs at least one")


# --- indexing and loading -------------------------------------------------------------------------


def _normalize_index(idx: Index, n: int, owner: str) -> torch.Tensor:
    """Turn an int / slice / int list / LongTensor / bool mask into a 1-D int64 tensor of positions."""
    if isinstance(idx, (bool, np.bool_)):
        raise DTypeError(f"{owner}.index: got a bare bool; pass a bool mask of length {n} instead")
    if isinstance(idx, numbers.Integral):
        if not -n <= int(idx) < n:
            raise InputError(f"{owner}.index: position {int(idx)} is out of range for {n} samples")
        return torch.tensor([int(idx) % n])
    if isinstance(idx, slice):
        r = range(n)[idx]
        return torch.arange(r.start, r.stop, r.step)
    if isinstance(idx, range):
        idx = list(idx)
    t = idx if isinstance(idx, torch.Tensor) else _to_tensor(idx, f"{owner}.index")
    if t.dtype == torch.bool:
        if t.shape != (n,):
            raise ShapeError(f"{owner}.index: a bool mask must have shape ({n},), got {_shape(t)}")
        return t.nonzero().flatten().cpu()
    if t.numel() == 0:
        return torch.empty(0, dtype=torch.long)
    if t.is_floating_point() or t.is_complex():
        raise DTypeError(f"{owner}.index: expected integer positions or a bool mask, got {t.dtype}")
    t = t.long().flatten().cpu()
    if bool(((t < -n) | (t >= n)).any()):
        raise InputError(f"{owner}.index: positions must be in [{-n}, {n}), got min {int(t.min())} max {int(t.max())}")
    return t % n


def _take(value: Any, ix: torch.Tensor) -> Any:
    """Select rows ``ix`` from a tensor, dict of tensors, or tuple of items (None passes through)."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return value[ix.to(value.device)]
    if isinstance(value, Mapping):
        return {k: _take(v, ix) for k, v in value.items()}
    return tuple(value[i] for i in ix.tolist())


def _move(value: Any, device: torch.device | str) -> Any:
    """Move tensors (also inside dicts) to ``device``; anything else is returned as is."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, Mapping):
        return {k: _move(v, device) for k, v in value.items()}
    return value


class _Positions(Dataset):
    """A dataset whose items are just positions 0..n-1; the collate does the real indexing."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i


class _IndexCollate:
    """Collate a list of positions by calling ``batch.index`` (a class, so workers can pickle it)."""

    def __init__(self, batch: _Batch):
        self.batch = batch

    def __call__(self, positions: list[int]) -> _Batch:
        return self.batch.index(torch.tensor(positions, dtype=torch.long))


def _describe(value: Any) -> str:
    """Short repr for a field: tensors as dtype[shape], dicts by key."""
    if isinstance(value, torch.Tensor):
        return f"{str(value.dtype).removeprefix('torch.')}{list(value.shape)}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple) and len(value) > 4:
        return f"({len(value)} items)"
    if isinstance(value, DataSource):
        return repr(value.dataset)
    return repr(value)


def _check_source(source: Any) -> None:
    """Raise DTypeError unless ``source`` is a DataSource or None."""
    if source is not None and not isinstance(source, DataSource):
        raise DTypeError(
            f"source: expected an emozoo.data.source.DataSource or None, got {type(source).__name__}; "
            f"e.g. DataSource('ravdess', license='CC BY-NC-SA 4.0')"
        )


class _Batch:
    """Shared behaviour: ``len``, ``index``, ``to``, ``with_samples``, ``loader`` and a compact repr."""

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: The field holding the per-sample data (read through ``features`` whatever its name).
    _FEATURE_FIELD: ClassVar[str] = "features"
    #: The batch's coarse modality, in the terms of emozoo.specs.MODALITIES.
    coarse_modality: ClassVar[str] = ""

    def __len__(self) -> int:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __repr__(self) -> str:
        """Show shapes and dtypes instead of tensor contents (and the source only when there is one)."""
        fields = [f for f in dataclasses.fields(self) if not (f.name == "source" and getattr(self, "source", None) is None)]  # type: ignore[arg-type]
        parts = [f"{f.name}={_describe(getattr(self, f.name))}" for f in fields]
        return f"{type(self).__name__}(n={len(self)}, {', '.join(parts)})"

    @property
    def signals(self) -> tuple[str, ...]:
        """Fine-grained signal names present (as in emozoo.specs.SIGNALS), for modality checks."""
        return ()

    def with_samples(self: B, features: Any, labels: Any = None) -> B:
        """A batch of the same kind holding new samples (e.g. synthetic ones) with this batch's non-sample attributes.

        Per-sample fields other than the features and labels (subjects, lengths, masks) are dropped: new samples
        have none. Layout, band names, sample rate, kind, modality and source are kept.
        """
        changes: dict[str, Any] = {f: None for f in self._SAMPLE_FIELDS}
        changes[self._FEATURE_FIELD] = features
        if "labels" in self._SAMPLE_FIELDS:
            changes["labels"] = labels
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def index(self: B, idx: Index) -> B:
        """Return the samples at ``idx`` (int, slice, int list, LongTensor or bool mask) as the same type."""
        ix = _normalize_index(idx, len(self), type(self).__name__)
        if ix.numel() == 0:
            raise EmptyInputError(f"{type(self).__name__}.index: the selection is empty; select at least one sample")
        return dataclasses.replace(self, **{f: _take(getattr(self, f), ix) for f in self._SAMPLE_FIELDS})  # type: ignore[type-var]

    def to(self: B, device: torch.device | str) -> B:
        """Return a copy with every tensor on ``device``."""
        changes = {f.name: _move(getattr(self, f.name), device) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def loader(self, batch_size: int, *, shuffle: bool = False, seed: int | None = None, drop_last: bool = False) -> DataLoader:
        """Return a DataLoader yielding batches of this type; with ``seed`` the shuffle order is reproducible.

        Each call builds a fresh seeded generator, so two loaders with the same seed give the same order;
        iterating one loader again draws a new order (the next epoch).
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise InputError(f"batch_size: expected a positive int, got {batch_size!r}")
        generator = torch.Generator().manual_seed(int(seed)) if (shuffle and seed is not None) else None
        return DataLoader(
            _Positions(len(self)),
            batch_size=int(batch_size),
            shuffle=shuffle,
            generator=generator,
            drop_last=drop_last,
            collate_fn=_IndexCollate(self),
        )


class _TensorBatch(_Batch):
    """Batch holding an optional ``labels`` tensor."""

    labels: torch.Tensor | None

    @property
    def num_classes(self) -> int | None:
        """Max class id + 1 among the labels present (None for no/float labels); pass the true count to models."""
        if self.labels is None or self.labels.is_floating_point():
            return None
        return int(self.labels.max()) + 1


def _set(obj: Any, name: str, value: Any) -> None:
    """Assign a normalised value to a frozen dataclass field during validation."""
    object.__setattr__(obj, name, value)


# --- physiological signals ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class PhysioBatch(_TensorBatch):
    """Physiological-signal features: [N, C, B] channels x bands, [N, B, H, W] topographic grid, [N, D] flat, or raw
    multichannel windows [N, C, T] (layout "channels_time", never inferred: pass it; ``band_names`` then names the channels,
    e.g. ("bvp", "eda", "temp"); modality "wrist" for a wrist-worn sensor's several signals)."""

    features: torch.Tensor
    labels: torch.Tensor | None = None
    modality: str = "eeg"
    layout: str | None = None
    subjects: torch.Tensor | None = None
    trials: torch.Tensor | None = None
    band_names: tuple[str, ...] | None = None
    source: DataSource | None = None

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("features", "labels", "subjects", "trials")
    coarse_modality: ClassVar[str] = "physiological"

    @property
    def signals(self) -> tuple[str, ...]:
        """The physiological signal, e.g. ``("eeg",)``."""
        return (self.modality,)

    def __post_init__(self) -> None:
        """Validate modality, layout vs ndim, finiteness, labels and per-sample ids."""
        _check_source(self.source)
        _check_choice(self.modality, "modality", PHYSIO_MODALITIES, ModalityError)
        feats = as_float_tensor(self.features, "features", finite=False)
        layout = self.layout if self.layout is not None else _infer_layout(feats)
        _check_choice(layout, "layout", tuple(PHYSIO_LAYOUTS))
        ndim, dims = PHYSIO_LAYOUTS[layout]
        _check_ndim(feats, f"features (layout {layout!r})", ndim, dims)
        _check_finite(feats, "features")
        n = feats.shape[0]
        _check_nonempty(n, type(self).__name__)
        if 0 in feats.shape[1:]:
            raise EmptyInputError(f"features: shape {_shape(feats)} has an empty feature dimension; every sample needs at least one value")
        _set(self, "features", feats)
        _set(self, "layout", layout)
        _set(self, "labels", None if self.labels is None else as_label_tensor(self.labels, "labels", n))
        _set(self, "subjects", None if self.subjects is None else _as_int_vector(self.subjects, "subjects", n))
        _set(self, "trials", None if self.trials is None else _as_int_vector(self.trials, "trials", n))
        _set(self, "band_names", _check_band_names(self.band_names, feats, layout))

    def __len__(self) -> int:
        return int(self.features.shape[0])


def _infer_layout(feats: torch.Tensor) -> str:
    """Pick the layout from ndim (2 -> flat, 3 -> channels_bands, 4 -> grid) when none is given."""
    for name, (ndim, _) in PHYSIO_LAYOUTS.items():
        if feats.ndim == ndim:
            return name
    raise ShapeError(
        f"features: expected 2-D [N, D], 3-D [N, C, B] or 4-D [N, B, H, W], got {feats.ndim}-D shape {_shape(feats)}; "
        f"reshape it and/or pass layout="
    )


def _check_band_names(names: Any, feats: torch.Tensor, layout: str) -> tuple[str, ...] | None:
    """Check band names are strings, one per band (dim 2 for channels_bands, dim 1 for grid)."""
    if names is None:
        return None
    if isinstance(names, str) or not isinstance(names, Sequence) or not all(isinstance(b, str) for b in names):
        raise DTypeError(f"band_names: expected a sequence of str, got {names!r}; e.g. ('delta', 'theta', 'alpha')")
    names = tuple(names)
    axis = {"channels_bands": 2, "grid": 1, "channels_time": 1}.get(layout)
    if axis is not None and len(names) != feats.shape[axis]:
        raise ShapeError(
            f"band_names: expected {feats.shape[axis]} names (features dim {axis} of {_shape(feats)}), got {len(names)}"
        )
    return names


@dataclass(frozen=True, eq=False, repr=False)
class EEGBatch(PhysioBatch):
    """A PhysioBatch whose modality is always ``"eeg"``."""

    modality: str = "eeg"

    def __post_init__(self) -> None:
        """Reject any modality but eeg, then validate as PhysioBatch."""
        if self.modality != "eeg":
            raise ModalityError(f"modality: EEGBatch is always 'eeg', got {self.modality!r}; use PhysioBatch for other signals")
        super().__post_init__()


# --- multimodal sequences -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class MultimodalBatch(_TensorBatch):
    """Per-modality sequences [N, T_m, D_m] with a per-sample availability mask for missing modalities."""

    features: dict[str, torch.Tensor]
    available: dict[str, torch.Tensor] | None = None
    labels: torch.Tensor | None = None
    lengths: dict[str, torch.Tensor] | None = None
    source: DataSource | None = None

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("features", "available", "labels", "lengths")
    coarse_modality: ClassVar[str] = "multimodal"

    @property
    def signals(self) -> tuple[str, ...]:
        """The modality names present, e.g. ``("audio", "vision")``."""
        return tuple(self.features)

    def __post_init__(self) -> None:
        """Validate modality names, shared N, the availability mask, lengths and labels."""
        _check_source(self.source)
        feats = self._check_features(self.features)
        n = next(iter(feats.values())).shape[0]
        _check_nonempty(n, type(self).__name__)
        _set(self, "features", feats)
        _set(self, "available", self._check_available(self.available, feats, n))
        _set(self, "lengths", self._check_lengths(self.lengths, feats, n))
        _set(self, "labels", None if self.labels is None else as_label_tensor(self.labels, "labels", n, allow_float=True))

    @staticmethod
    def _check_features(features: Any) -> dict[str, torch.Tensor]:
        """Check the dict of modality -> [N, T, D] float tensors, all with the same N."""
        if not isinstance(features, Mapping):
            raise DTypeError(f"features: expected a dict of modality -> tensor [N, T, D], got {type(features).__name__}")
        if not features:
            raise EmptyInputError(f"features: got no modalities; pass at least one of {MULTIMODAL_MODALITIES}")
        out: dict[str, torch.Tensor] = {}
        for name, value in features.items():
            _check_choice(name, "features key", MULTIMODAL_MODALITIES, ModalityError)
            out[name] = as_float_tensor(value, f"features[{name!r}]", 3, dims="[N, T, D]")
        sizes = {k: v.shape[0] for k, v in out.items()}
        if len(set(sizes.values())) > 1:
            raise ShapeError(f"features: every modality needs the same N (dim 0), got {sizes}; align samples across modalities")
        return out

    @staticmethod
    def _check_available(available: Any, feats: dict[str, torch.Tensor], n: int) -> dict[str, torch.Tensor]:
        """Default to all-available; otherwise require exactly the feature keys, each a bool [N] mask."""
        if available is None:
            return {k: torch.ones(n, dtype=torch.bool, device=v.device) for k, v in feats.items()}
        if not isinstance(available, Mapping):
            raise ModalityError(f"available: expected a dict of modality -> bool tensor [N], got {type(available).__name__}")
        missing = [k for k in feats if k not in available]
        extra = [k for k in available if k not in feats]
        if missing or extra:
            raise ModalityError(
                f"available: keys must match features keys {tuple(feats)}, missing {missing}, unexpected {extra}; "
                f"give one bool [N] mask per modality"
            )
        out = {k: _as_mask(available[k], f"available[{k!r}]", n) for k in feats}
        none = ~torch.stack(list(out.values())).any(dim=0)
        if bool(none.any()):
            raise ModalityError(
                f"available: sample(s) {none.nonzero().flatten()[:5].tolist()} have no available modality; "
                f"drop them or mark at least one modality available"
            )
        return out

    @staticmethod
    def _check_lengths(lengths: Any, feats: dict[str, torch.Tensor], n: int) -> dict[str, torch.Tensor] | None:
        """Check optional per-modality valid lengths: int64 [N] within [0, T]."""
        if lengths is None:
            return None
        if not isinstance(lengths, Mapping):
            raise DTypeError(f"lengths: expected a dict of modality -> int tensor [N], got {type(lengths).__name__}")
        out = {}
        for k, v in lengths.items():
            if k not in feats:
                raise ModalityError(f"lengths: key {k!r} is not a features modality {tuple(feats)}; drop it")
            out[k] = _check_length_range(_as_int_vector(v, f"lengths[{k!r}]", n), f"lengths[{k!r}]", 0, feats[k].shape[1])
        return out

    def __len__(self) -> int:
        return int(next(iter(self.features.values())).shape[0])

    @property
    def modalities(self) -> tuple[str, ...]:
        """Modality names in stored order."""
        return tuple(self.features)

    def masked(self, zero_fill: bool = True) -> dict[str, torch.Tensor]:
        """Return features with unavailable samples blanked: zeros, or (zero_fill=False) the batch mean of available ones."""
        assert self.available is not None  # set in __post_init__
        out = {}
        for k, x in self.features.items():
            keep = self.available[k].to(x.device)
            fill = torch.zeros_like(x[:1]) if zero_fill or not bool(keep.any()) else x[keep].mean(dim=0, keepdim=True)
            out[k] = torch.where(keep.view(-1, 1, 1), x, fill)
        return out


def _as_mask(value: Any, name: str, n: int) -> torch.Tensor:
    """Convert to a bool [N] mask (0/1 ints accepted); anything else raises ModalityError."""
    t = _to_tensor(value, name)
    if t.dtype != torch.bool:
        if t.is_floating_point() or t.is_complex() or not bool(((t == 0) | (t == 1)).all()):
            raise ModalityError(f"{name}: expected a bool mask (True = present), got {t.dtype}; pass a BoolTensor of shape ({n},)")
        t = t.bool()
    if t.shape != (n,):
        raise ModalityError(f"{name}: expected shape ({n},) (one flag per sample), got {_shape(t)}")
    return t


def _check_length_range(t: torch.Tensor, name: str, low: int, high: int) -> torch.Tensor:
    """Raise ShapeError unless every length lies in [low, high]."""
    if bool(((t < low) | (t > high)).any()):
        raise ShapeError(f"{name}: lengths must lie in [{low}, {high}] (the padded size), got min {int(t.min())} max {int(t.max())}")
    return t


# --- audio and images -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class AudioBatch(_TensorBatch):
    """Speech input: raw waveforms [N, S] (with sample_rate), frame features [N, T, D] or utterance functionals [N, D]."""

    inputs: torch.Tensor
    labels: torch.Tensor | None = None
    sample_rate: int | None = None
    lengths: torch.Tensor | None = None
    kind: str = "waveform"
    source: DataSource | None = None
    subjects: torch.Tensor | None = None  # the speaker of each utterance (int ids), for intervals over speakers

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("inputs", "labels", "lengths", "subjects")
    _FEATURE_FIELD: ClassVar[str] = "inputs"
    coarse_modality: ClassVar[str] = "speech"

    @property
    def features(self) -> torch.Tensor:
        """The samples (``inputs``) under the name every protocol reads."""
        return self.inputs

    @property
    def signals(self) -> tuple[str, ...]:
        """``("audio",)``."""
        return ("audio",)

    def __post_init__(self) -> None:
        """Validate kind vs ndim, sample rate, lengths and labels (class ids or float targets)."""
        _check_source(self.source)
        _check_choice(self.kind, "kind", tuple(AUDIO_KINDS))
        ndim, dims = AUDIO_KINDS[self.kind]
        x = as_float_tensor(self.inputs, f"inputs (kind {self.kind!r})", ndim, dims=dims)
        n = x.shape[0]
        _check_nonempty(n, type(self).__name__)
        _set(self, "inputs", x)
        _set(self, "sample_rate", _check_sample_rate(self.sample_rate, required=self.kind == "waveform"))
        if self.lengths is not None:
            if self.kind == "functionals":
                raise InputError("lengths: utterance functionals [N, D] have no time axis; pass lengths=None")
            lengths = _check_length_range(_as_int_vector(self.lengths, "lengths", n), "lengths", 1, x.shape[1])
            _set(self, "lengths", lengths)
        _set(self, "labels", None if self.labels is None else as_label_tensor(self.labels, "labels", n, allow_float=True))
        _set(self, "subjects", None if self.subjects is None else _as_int_vector(self.subjects, "subjects", n))

    def __len__(self) -> int:
        return int(self.inputs.shape[0])


def _check_sample_rate(rate: Any, *, required: bool) -> int | None:
    """Require a positive int sample rate (Hz) for waveforms; optional for features."""
    if rate is None:
        if required:
            raise InputError("sample_rate: waveform input needs the sample rate in Hz, got None; e.g. sample_rate=16000")
        return None
    if isinstance(rate, bool) or not isinstance(rate, numbers.Integral):
        raise DTypeError(f"sample_rate: expected an int (Hz), got {type(rate).__name__} {rate!r}")
    if rate <= 0:
        raise InputError(f"sample_rate: expected a positive int (Hz), got {rate}")
    return int(rate)


@dataclass(frozen=True, eq=False, repr=False)
class ImageBatch(_TensorBatch):
    """Face images [N, C, H, W] float with C = 1 (grey) or 3 (RGB)."""

    images: torch.Tensor
    labels: torch.Tensor | None = None
    source: DataSource | None = None

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("images", "labels")
    _FEATURE_FIELD: ClassVar[str] = "images"
    coarse_modality: ClassVar[str] = "face"

    @property
    def features(self) -> torch.Tensor:
        """The samples (``images``) under the name every protocol reads."""
        return self.images

    @property
    def signals(self) -> tuple[str, ...]:
        """``("vision",)``."""
        return ("vision",)

    def __post_init__(self) -> None:
        """Validate image shape, channel count, finiteness and labels."""
        _check_source(self.source)
        x = as_float_tensor(self.images, "images", 4, dims="[N, C, H, W]")
        if x.shape[1] not in (1, 3):
            raise ShapeError(
                f"images: expected 1 or 3 channels at dim 1 of [N, C, H, W], got shape {_shape(x)}; "
                f"channels-last input needs .permute(0, 3, 1, 2)"
            )
        _check_nonempty(x.shape[0], type(self).__name__)
        _set(self, "images", x)
        _set(self, "labels", None if self.labels is None else as_label_tensor(self.labels, "labels", x.shape[0]))

    def __len__(self) -> int:
        return int(self.images.shape[0])


# --- texts -----------------------------------------------------------------------------------------


def _check_texts(texts: Any) -> tuple[str, ...]:
    """A non-empty tuple of str, each with visible content and encodable as UTF-8 (typed errors naming positions)."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise DTypeError(f"texts: expected a list of str, got {type(texts).__name__}; wrap a single text in a list")
    out = tuple(texts)
    if not out:
        raise EmptyInputError("texts: got an empty list; a batch needs at least one text")
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise DTypeError(f"texts[{i}]: expected str, got {type(t).__name__}; decode bytes with .decode('utf-8') first")
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(f"texts[{i}]: not valid Unicode text ({exc.reason} at character {exc.start}); "
                             "decode the source with errors='replace' or drop the row") from None
    blank = [i for i, t in enumerate(out) if not t.strip()]
    if blank:
        raise EmptyInputError(f"texts: {len(blank)} empty or whitespace-only text(s) at positions {blank[:10]}; "
                              "drop them before building the batch (a data plugin's reader counts what it drops)")  # fmt: skip
    return out


@dataclass(frozen=True, eq=False, repr=False)
class TextBatch(_TensorBatch):
    """Texts (sentences, comments), one per sample, with single-label ids ``labels`` [N] int64, multi-label
    indicators ``labels`` [N, K] (0/1, stored as float32) or dimensional ``targets`` [N, D] float32 (e.g. valence,
    arousal, dominance); ``ids`` names each text (optional)."""

    texts: tuple[str, ...]
    labels: torch.Tensor | None = None
    targets: torch.Tensor | None = None
    label_names: tuple[str, ...] | None = None
    target_names: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    source: DataSource | None = None

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("texts", "labels", "targets", "ids")
    _FEATURE_FIELD: ClassVar[str] = "texts"
    coarse_modality: ClassVar[str] = "text"

    @property
    def features(self) -> tuple[str, ...]:
        """The samples (``texts``) under the name every protocol reads."""
        return self.texts

    @property
    def signals(self) -> tuple[str, ...]:
        """``("text",)``."""
        return ("text",)

    @property
    def multi_label(self) -> bool:
        """True when ``labels`` are per-class indicators [N, K]."""
        return self.labels is not None and self.labels.ndim == 2

    @property
    def num_classes(self) -> int | None:
        """K for multi-label indicators, else the label vocabulary's size (or max id + 1 without names)."""
        if self.labels is None:
            return None
        if self.multi_label:
            return int(self.labels.shape[1])
        return len(self.label_names) if self.label_names else int(self.labels.max()) + 1

    def __len__(self) -> int:
        return len(self.texts)

    def __post_init__(self) -> None:
        """Check texts, labels (ids or 0/1 indicators with at least one label per row), targets, names and ids."""
        _check_source(self.source)
        texts = _check_texts(self.texts)
        _set(self, "texts", texts)
        n = len(texts)
        if self.label_names is not None:
            _set(self, "label_names", DialogueBatch._check_label_names(self.label_names))
        if self.labels is not None:
            _set(self, "labels", self._check_labels(self.labels, n))
        if self.targets is not None:
            t = as_float_tensor(self.targets, "targets")
            _check_ndim(t, "targets", (1, 2), "[N] or [N, D]")
            t = t[:, None] if t.ndim == 1 else t
            if t.shape[0] != n:
                raise ShapeError(f"targets: expected {n} rows (one per text), got shape {_shape(t)}")
            _set(self, "targets", t)
            if self.target_names is not None:
                names = tuple(self.target_names)
                if len(names) != t.shape[1] or not all(isinstance(x, str) for x in names):
                    raise ShapeError(f"target_names: expected {t.shape[1]} str names (one per target column), got {names!r}")
                _set(self, "target_names", names)
        if self.ids is not None:
            ids = tuple(self.ids)
            if len(ids) != n or not all(isinstance(x, str) for x in ids):
                raise ShapeError(f"ids: expected {n} str ids (one per text), got {len(ids)} items")
            _set(self, "ids", ids)

    def _check_labels(self, labels: Any, n: int) -> torch.Tensor:
        t = _to_tensor(labels, "labels")
        k = len(self.label_names) if self.label_names else None
        if t.ndim == 2:  # multi-label indicators
            if t.shape[0] != n:
                raise ShapeError(f"labels: expected {n} rows (one per text), got shape {_shape(t)}")
            if k is not None and t.shape[1] != k:
                raise ShapeError(f"labels: {t.shape[1]} indicator columns for {k} label_names; pass one column per class")
            if not bool(((t == 0) | (t == 1)).all()):
                raise LabelError("labels: multi-label indicators must be 0 or 1; threshold probabilities before building the batch")
            empty = (t.sum(1) == 0).nonzero().flatten().tolist()
            if empty:
                raise LabelError(f"labels: {len(empty)} row(s) carry no label, first at positions {empty[:10]}; drop them or give "
                                 "each row at least one class (GoEmotions marks 'neutral' explicitly)")  # fmt: skip
            return t.to(torch.float32)
        ids = as_label_tensor(t, "labels", n)
        if k is not None and ids.numel() and int(ids.max()) >= k:
            pos = int((ids >= k).nonzero()[0])
            raise LabelError(f"labels: class id {int(ids[pos])} at position {pos} is outside 0..{k - 1} ({k} label_names)")
        return ids


# --- dialogues (pure Python) ----------------------------------------------------------------------


def _require_str(value: Any, name: str) -> None:
    """Raise DTypeError unless ``value`` is a str."""
    if not isinstance(value, str):
        raise DTypeError(f"{name}: expected str, got {type(value).__name__} {value!r}")


@dataclass(frozen=True)
class Utterance:
    """One turn of a conversation: who spoke, what was said, and its emotion label (None if unlabelled)."""

    speaker: str
    text: str
    label: str | None = None

    def __post_init__(self) -> None:
        """Check field types (empty text is allowed)."""
        _require_str(self.speaker, "speaker")
        _require_str(self.text, "text")
        if self.label is not None:
            _require_str(self.label, "label")


@dataclass(frozen=True)
class Dialogue:
    """A conversation: an id and its utterances in order."""

    dialogue_id: str
    utterances: tuple[Utterance, ...]

    def __post_init__(self) -> None:
        """Check the id, turn the utterances into a non-empty tuple of Utterance."""
        _require_str(self.dialogue_id, "dialogue_id")
        if isinstance(self.utterances, (str, bytes, Utterance)) or not isinstance(self.utterances, Sequence):
            raise DTypeError(f"utterances: expected a sequence of Utterance, got {type(self.utterances).__name__}")
        utts = tuple(self.utterances)
        for i, u in enumerate(utts):
            if not isinstance(u, Utterance):
                raise DTypeError(f"utterances[{i}] of dialogue {self.dialogue_id!r}: expected Utterance, got {type(u).__name__}")
        if not utts:
            raise EmptyInputError(f"dialogue {self.dialogue_id!r}: has no utterances; drop it or add at least one")
        object.__setattr__(self, "utterances", utts)

    def __len__(self) -> int:
        return len(self.utterances)


@dataclass(frozen=True, repr=False)
class DialogueBatch(_Batch):
    """Dialogues for emotion recognition in conversation, with the label vocabulary they use."""

    dialogues: tuple[Dialogue, ...]
    label_names: tuple[str, ...]
    source: DataSource | None = None

    _SAMPLE_FIELDS: ClassVar[tuple[str, ...]] = ("dialogues",)
    _FEATURE_FIELD: ClassVar[str] = "dialogues"
    coarse_modality: ClassVar[str] = "text"

    @property
    def signals(self) -> tuple[str, ...]:
        """``("text",)``."""
        return ("text",)

    def __post_init__(self) -> None:
        """Check the label vocabulary, that dialogues are non-empty and uniquely named, and every label is known."""
        _check_source(self.source)
        names = self._check_label_names(self.label_names)
        if isinstance(self.dialogues, (str, bytes, Dialogue)) or not isinstance(self.dialogues, Sequence):
            raise DTypeError(f"dialogues: expected a list of Dialogue, got {type(self.dialogues).__name__}; wrap it in a list")
        dialogues = tuple(self.dialogues)
        if not dialogues:
            raise EmptyInputError("dialogues: got an empty list; a batch needs at least one dialogue")
        seen: set[str] = set()
        for i, d in enumerate(dialogues):
            if not isinstance(d, Dialogue):
                raise DTypeError(f"dialogues[{i}]: expected Dialogue, got {type(d).__name__}")
            if d.dialogue_id in seen:
                raise InputError(f"dialogues: id {d.dialogue_id!r} appears twice; dialogue ids must be unique")
            seen.add(d.dialogue_id)
            self._check_labels(d, names)
        object.__setattr__(self, "label_names", names)
        object.__setattr__(self, "dialogues", dialogues)

    @staticmethod
    def _check_label_names(label_names: Any) -> tuple[str, ...]:
        """Require a non-empty sequence of unique str label names."""
        if isinstance(label_names, str) or not isinstance(label_names, Sequence):
            raise DTypeError(f"label_names: expected a tuple of str, got {type(label_names).__name__}")
        names = tuple(label_names)
        for name in names:
            _require_str(name, "label_names item")
        if not names:
            raise EmptyInputError("label_names: got none; pass the emotion classes, e.g. ('neutral', 'joy', 'anger')")
        if len(set(names)) != len(names):
            raise LabelError(f"label_names: contains duplicates {names}; list each class once")
        return names

    @staticmethod
    def _check_labels(dialogue: Dialogue, names: tuple[str, ...]) -> None:
        """Raise LabelError for an utterance label outside ``names``."""
        for pos, u in enumerate(dialogue.utterances):
            if u.label is not None and u.label not in names:
                hint = closest(u.label, names)
                tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                raise LabelError(
                    f"dialogue {dialogue.dialogue_id!r} utterance {pos}: label {u.label!r} is not one of {names}{tip}; "
                    f"map it to an allowed label or set label=None"
                )

    def __len__(self) -> int:
        return len(self.dialogues)

    def __repr__(self) -> str:
        source = "" if self.source is None else f", source={self.source.dataset!r}"
        return f"DialogueBatch(n={len(self)}, utterances={self.num_utterances}, label_names={self.label_names!r}{source})"

    @property
    def num_utterances(self) -> int:
        """Total utterances over all dialogues."""
        return sum(len(d.utterances) for d in self.dialogues)

    @property
    def num_classes(self) -> int:
        """Size of the label vocabulary."""
        return len(self.label_names)

    def label_id(self, label: str) -> int:
        """Return the class id of ``label`` (its position in label_names)."""
        if label not in self.label_names:
            raise LabelError(f"label {label!r} is not one of {self.label_names}")
        return self.label_names.index(label)

    def targets(self) -> Iterator[tuple[Dialogue, int]]:
        """Yield (dialogue, position) for every labelled utterance, in order."""
        for d in self.dialogues:
            for pos, u in enumerate(d.utterances):
                if u.label is not None:
                    yield d, pos

    def to(self, device: torch.device | str) -> DialogueBatch:
        """Text has no device; return self so generic code can call ``to`` on any batch."""
        return self

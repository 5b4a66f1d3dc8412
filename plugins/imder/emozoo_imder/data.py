"""CMU-MOSI / CMU-MOSEI aligned features in the MMSA layout (``aligned_50.pkl``), read without running pickle code.

MMSA ships the features as a pickle: ``{"train"|"valid"|"test": {"text", "audio", "vision", "regression_labels", ...}}``.
:func:`load_mmsa_pickle` admits only numpy arrays/dtypes/scalars and builtin containers; anything else (e.g. a
``__reduce__`` calling ``os.system``) is refused *before* it runs. :func:`convert_to_npz` writes a pickle-free
``.npz`` once; :class:`MMSAAligned` reads either and yields :class:`MultimodalBatch` splits.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from emozoo.errors import InputError

SPLITS = ("train", "valid", "test")
_KEYS = ("text", "audio", "vision", "regression_labels")
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # numpy arrays pickled with protocol 2 carry their bytes through it
}


class UnsafePickleError(InputError):
    """A pickle asked for something other than numpy arrays and builtin containers."""


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"refusing to unpickle {module}.{name}: only numpy arrays and builtin containers are allowed in MMSA feature "
            f"files; this file is not a plain feature file (do not load it with pickle)"
        )


def load_mmsa_pickle(path: str | Path) -> dict[str, Any]:
    """Read an MMSA ``aligned_50.pkl`` with the restricted unpickler; returns the nested dict of arrays."""
    data = Path(path).read_bytes()
    try:
        obj = _RestrictedUnpickler(io.BytesIO(data)).load()
    except UnsafePickleError:
        raise
    except Exception as exc:  # truncated or malformed files
        raise InputError(f"{path} is not a readable MMSA feature pickle ({type(exc).__name__}: {exc})") from exc
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a dict with splits {SPLITS}, got {type(obj).__name__}")
    return obj


def _split_arrays(obj: dict[str, Any], source: Any) -> dict[str, dict[str, np.ndarray]]:
    out = {}
    for split in SPLITS:
        if split not in obj:
            raise InputError(f"{source}: split {split!r} is missing (found {sorted(obj)})")
        part = obj[split]
        missing = [k for k in _KEYS if k not in part]
        if missing:
            raise InputError(f"{source}: split {split!r} lacks {missing}; expected MMSA keys {_KEYS}")
        out[split] = {k: np.asarray(part[k]) for k in _KEYS}
        if "id" in part:
            out[split]["id"] = np.asarray(part["id"]).astype(str)
    return out


def convert_to_npz(src: str | Path, dst: str | Path) -> Path:
    """One-time conversion of an MMSA pickle to a pickle-free ``.npz`` (keys ``<split>/<field>``)."""
    arrays = _split_arrays(load_mmsa_pickle(src), src)
    flat = {f"{split}/{k}": v for split, part in arrays.items() for k, v in part.items()}
    dst = Path(dst)
    np.savez(dst, **flat)
    return dst


class MMSAAligned:
    """Word-aligned MOSI/MOSEI features (``.npz`` from :func:`convert_to_npz`, or the original pickle, read safely).

    ``load()`` returns ``{"train", "valid", "test"} -> MultimodalBatch`` with float labels in [-3, 3]. As MMSA's loader
    does, ``-inf`` audio values are set to 0.
    """

    dataset_id = "cmu-mosi"
    feature_dims: tuple[int, int, int] = (768, 5, 20)

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def arrays(self) -> dict[str, dict[str, np.ndarray]]:
        """The raw arrays per split."""
        if self.path.suffix == ".npz":
            with np.load(self.path, allow_pickle=False) as fh:
                nested: dict[str, dict[str, np.ndarray]] = {}
                for key in fh.files:
                    split, name = key.split("/", 1)
                    nested.setdefault(split, {})[name] = fh[key]
            return _split_arrays(nested, self.path)
        return _split_arrays(load_mmsa_pickle(self.path), self.path)

    def load(self) -> dict[str, Any]:
        """Splits as MultimodalBatch (text/audio/vision [N, 50, D], labels [N])."""
        import torch

        from emozoo.data.batches import MultimodalBatch

        out = {}
        for split, part in self.arrays().items():
            audio = np.where(np.isneginf(part["audio"]), 0.0, part["audio"])
            feats = {"text": part["text"], "audio": audio, "vision": part["vision"]}
            for name, dim in zip(("text", "audio", "vision"), self.feature_dims):
                if feats[name].ndim != 3 or feats[name].shape[2] != dim:
                    raise InputError(f"{self.path} [{split}] {name}: expected [N, T, {dim}] for {self.dataset_id}, got {feats[name].shape}")
            labels = torch.as_tensor(part["regression_labels"].reshape(-1), dtype=torch.float32)
            out[split] = MultimodalBatch(features={k: torch.as_tensor(v, dtype=torch.float32) for k, v in feats.items()}, labels=labels)
        return out


class CMUMOSI(MMSAAligned):
    """CMU-MOSI aligned_50: text 768 (BERT), audio 5 (COVAREP), vision 20 (Facet)."""


class CMUMOSEI(MMSAAligned):
    """CMU-MOSEI aligned_50: text 768 (BERT), audio 74 (COVAREP), vision 35 (Facet)."""

    dataset_id = "cmu-mosei"
    feature_dims = (768, 74, 35)

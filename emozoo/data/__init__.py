"""Typed data layer: validated batch containers (torch) and split manifests (stdlib + numpy).

Names are re-exported lazily, so ``import emozoo.data.manifest`` (or ``from emozoo.data import
SplitManifest``) never imports torch; only touching a batch name loads :mod:`emozoo.data.batches`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    **{
        name: "batches"
        for name in (
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
        )
    },
    **{name: "manifest" for name in ("SplitManifest", "sha256_array", "sha256_file", "sha256_files")},
    "DataSource": "source",
    "Fold": "folds",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover - static analysers see the real names
    from emozoo.data.batches import (
        AUDIO_KINDS,
        MULTIMODAL_MODALITIES,
        PHYSIO_LAYOUTS,
        PHYSIO_MODALITIES,
        AudioBatch,
        Dialogue,
        DialogueBatch,
        EEGBatch,
        ImageBatch,
        MultimodalBatch,
        PhysioBatch,
        TextBatch,
        Utterance,
        as_float_tensor,
        as_label_tensor,
    )
    from emozoo.data.folds import Fold
    from emozoo.data.manifest import (
        SplitManifest,
        sha256_array,
        sha256_file,
        sha256_files,
    )
    from emozoo.data.source import DataSource


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access (keeps torch out until needed)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the lazy exports alongside the module's own attributes."""
    return sorted(set(globals()) | set(__all__))

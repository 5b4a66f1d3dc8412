"""emozoo: one installable, comparable, publishable zoo of generative emotion-recognition methods.

Importing ``emozoo`` is cheap: listing and inspecting methods needs no torch. Torch is imported only
when a model is built (``load`` / ``from_pretrained``) or a torch-based module is used.

    >>> import emozoo
    >>> emozoo.list_methods(modality="eeg")
    >>> model = emozoo.load("vae-d2gan")
    >>> fold = emozoo.load_folds("seed-synthetic", max_folds=1)[0]
    >>> emozoo.list_pretrained(modality="speech")       # released weights; from_pretrained("speech-cnn-ravdess")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from emozoo._version import CORE_API_VERSION, __version__
from emozoo.errors import EmozooError
from emozoo.hookspecs import hookimpl
from emozoo.registry import get_registry, get_spec, list_datasets, list_methods
from emozoo.specs import DatasetSpec, MethodSpec, Paper, ReportedResult, TensorSpec

_LAZY = {
    "load": "emozoo.api",
    "from_pretrained": "emozoo.api",
    "EmotionModel": "emozoo.model",
    "Prediction": "emozoo.model",
    "Runtime": "emozoo.runtime",
    "History": "emozoo.runtime",
    "seed_everything": "emozoo.runtime",
    "metrics": "emozoo.metrics",
    "benchmark": "emozoo.bench",
    "load_folds": "emozoo.api",
    "Fold": "emozoo.data.folds",
    "StepInfo": "emozoo.runtime",
    "list_pretrained": "emozoo.release.lookup",
}

__all__ = [
    "CORE_API_VERSION",
    "DatasetSpec",
    "EmozooError",
    "MethodSpec",
    "Paper",
    "ReportedResult",
    "TensorSpec",
    "__version__",
    "get_registry",
    "get_spec",
    "hookimpl",
    "list_datasets",
    "list_methods",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'emozoo' has no attribute {name!r}")
    module = import_module(module_name)
    value = module if module_name == f"emozoo.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

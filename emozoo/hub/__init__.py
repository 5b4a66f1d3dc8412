"""Publishing and pulling emozoo models: Hub push/pull, model cards, catalogue pins, offline bundles.

Everything here talks to a Hub through ``huggingface_hub`` with an injectable endpoint and token
(argument, else ``HF_ENDPOINT`` / ``HF_TOKEN``), so a self-hosted Hub works the same as huggingface.co.
Nothing pulled is ever executed or unpickled: the installed plugin supplies the code.
"""

from __future__ import annotations

from emozoo.hub.bundle import export_bundle, import_bundle
from emozoo.hub.cards import render_card, validate_card
from emozoo.hub.metadata import TrainingData
from emozoo.hub.pins import pin_artifact
from emozoo.hub.pull import Pulled, download
from emozoo.hub.push import PushResult, push_directory

__all__ = [
    "Pulled",
    "PushResult",
    "TrainingData",
    "download",
    "export_bundle",
    "import_bundle",
    "pin_artifact",
    "push_directory",
    "render_card",
    "validate_card",
]

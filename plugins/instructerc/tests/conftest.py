"""Fixtures: the bundled MELD subset, and a tiny Llama LM with a SentencePiece tokenizer trained on its text."""

from __future__ import annotations

from pathlib import Path

import pytest
from emozoo_text.dialogue import MELDAdapter, bundled_subset
from emozoo_instructerc.example import build_tiny_base


@pytest.fixture(scope="session")
def meld_train():
    return MELDAdapter(bundled_subset("meld")).load("train")


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, meld_train) -> Path:
    """A tiny Llama LM with a SentencePiece tokenizer trained on the bundled MELD text (see build_tiny_base)."""
    return build_tiny_base(tmp_path_factory.mktemp("tiny-llama"), meld_train)

"""Fixtures: the shared real data (RAVDESS, CREMA-D clips), a private feature cache per test, generated audio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest


def _data_root() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[4] / "shared" / "data", here.parents[3] / "shared" / "data"):  # ../shared beside the checkout
        if (cand / "ravdess").is_dir():
            return cand
    return None


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The checkout's ../shared/data; absent data fails under CI=true and skips elsewhere."""
    root = _data_root()
    if root is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("shared/data (RAVDESS, CREMA-D) is missing beside the checkout; CI must provide it")
        pytest.skip("shared/data not found beside the checkout")
    return root


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own EMOZOO_CACHE, so no test reads another's features."""
    cache = tmp_path / "emozoo-cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(cache))
    monkeypatch.delenv("EMOZOO_SPEECH_CACHE", raising=False)
    return cache


@pytest.fixture
def mini_ravdess(tmp_path: Path, data_root: Path) -> Path:
    """A RAVDESS copy with actors 1-4 (one test actor in each of EmoBox folds 1, 2, 4, 5), 240 files."""
    dst = tmp_path / "ravdess" / "speech_16k"
    for a in (1, 2, 3, 4):
        shutil.copytree(data_root / "ravdess" / "speech_16k" / f"Actor_{a:02d}", dst / f"Actor_{a:02d}")
    shutil.copy(data_root / "ravdess" / "emobox_folds.csv", tmp_path / "ravdess" / "emobox_folds.csv")
    return tmp_path / "ravdess"


def _tone(sr: int, seconds: float, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(round(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def tone():
    """tone(sr, seconds, freq=440, amp=0.5) -> a float32 sine."""
    return _tone

"""Fixtures: the shared real face set (read at run time, never copied into the repository) and toy npz files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


def _face_dir() -> Path | None:
    here = Path(__file__).resolve()
    for cand in (here.parents[4] / "shared" / "data", here.parents[3] / "shared" / "data"):  # ../shared beside the checkout
        if (cand / "facial-expressions-muxspace" / "faces_48x48.npz").is_file():
            return cand / "facial-expressions-muxspace"
    return None


@pytest.fixture(scope="session")
def face_dir() -> Path:
    """The checkout's ../shared/data/facial-expressions-muxspace; absent data fails under CI=true and skips elsewhere."""
    root = _face_dir()
    if root is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("shared/data/facial-expressions-muxspace is missing beside the checkout; CI must provide it")
        pytest.skip("shared/data/facial-expressions-muxspace not found beside the checkout")
    return root


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "emozoo-cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(cache))
    return cache


NAMES = np.array(["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"])


def write_toy_npz(path: Path, files: list[str], labels: list[int], override: dict) -> Path:
    """A face-set-shaped npz of generated (random) images: no real pixels; ``override`` replaces arrays."""
    rng = np.random.default_rng(0)
    arrays = {"images": rng.integers(0, 256, (len(files), 48, 48), dtype=np.uint8), "labels": np.array(labels, dtype=np.int64),
              "label_names": NAMES, "filenames": np.array(files)}
    arrays.update(override)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)
    return path


@pytest.fixture
def toy_npz(tmp_path: Path):
    """toy_npz(files, labels, override=None) -> the folder holding a toy faces_48x48.npz."""

    def make(files: list[str], labels: list[int], override: dict | None = None) -> Path:
        write_toy_npz(tmp_path / "faces" / "faces_48x48.npz", files, labels, override or {})
        return tmp_path / "faces"

    return make

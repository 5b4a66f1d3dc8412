"""Shared fixtures: an isolated registry holding the toy plugin, and the toy plugin's source on sys.path."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOY_SRC = REPO / "tests" / "fixtures" / "emozoo-toy"
SHARED = REPO.parent / "shared"


@pytest.fixture
def toy_on_path(monkeypatch):
    """Make the toy plugin importable without installing it."""
    monkeypatch.syspath_prepend(str(TOY_SRC))
    yield
    for name in [m for m in sys.modules if m == "emozoo_toy" or m.startswith("emozoo_toy.")]:
        del sys.modules[name]


@pytest.fixture
def registry(toy_on_path, monkeypatch):
    """A fresh process registry (no entry points) with the toy plugin registered as version 0.3.1."""
    from emozoo import registry as registry_mod

    for var in ("EMOZOO_STRICT_PLUGINS", "EMOZOO_PLUGINS", "EMOZOO_PLUGINS_DISABLE"):
        monkeypatch.delenv(var, raising=False)
    reg = registry_mod.Registry(autoload=False)
    reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
    registry_mod.reset_registry(reg)
    yield reg
    registry_mod.reset_registry(None)


@pytest.fixture(scope="session")
def reliability_checks():
    """The checks of benchmarks/reliability.py (the figures script runs them at larger counts), loaded once."""
    name = "emozoo_reliability_checks"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / "reliability.py")
        module = sys.modules[name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def protocol_fixtures(registry):
    """The toy plugin's protocol test methods and data sets (speech, face, EEG, audio+vision, text), registered;
    the augmentation protocol's shared baselines cleared before and after."""
    from emozoo_toy import generators

    from emozoo.bench.protocols import augmentation

    registry.register_plugin(generators.ProtocolPlugin(), name="protocol-fixtures", distribution="emozoo-toy", version="0.3.1")
    augmentation._BASELINES.clear()
    yield generators
    augmentation._BASELINES.clear()


def _classes_changed(new_confusion: list[list[int]], old_confusion: list[list[int]]) -> int:
    """How many test items changed class between two confusion matrices of one test set (a lower bound on the
    predictions that changed: two swaps inside one cell cancel)."""
    return sum(abs(a - b) for new_row, old_row in zip(new_confusion, old_confusion) for a, b in zip(new_row, old_row)) // 2


@pytest.fixture(scope="session")
def rerun_drift():
    """``drift(new_record, cell_path)`` → (items the rerun moved against the recorded cell, the most items that
    changing only the seed moved between the recorded cells of the same method and fold). Another CPU rounds some
    sums differently and a trained network amplifies that as a new seed would, so the seed spread, not a guess, is
    how far a faithful rerun may drift; a broken pipeline (labels shuffled, the wrong split, a model that learned
    nothing) moves far more."""

    def drift(new_record: dict, cell_path: Path) -> tuple[int, int]:
        method, fold, _ = cell_path.stem.split("__")
        cells = sorted(cell_path.parent.glob(f"{method}__{fold}__seed*.json"))
        records = [json.loads(p.read_text(encoding="utf-8"))["records"][0] for p in cells]
        if len(records) < 2:
            raise AssertionError(f"{cell_path.parent} records fewer than two seeds of {method} on {fold}: no seed spread to compare with")
        recorded = records[cells.index(cell_path)]  # the recorded cell is one of its fold's seeds
        spread = max(_classes_changed(a["confusion"], b["confusion"]) for i, a in enumerate(records) for b in records[i + 1 :])
        return _classes_changed(new_record["confusion"], recorded["confusion"]), spread

    return drift

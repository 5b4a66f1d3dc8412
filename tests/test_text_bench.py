"""The text benchmark's recorded generator-independent conditions are reproduced, and its report's statistics are right.

``real`` and ``real+token-aug`` of the recorded EmoBank low-resource cell (seed 0: 10 % of the training split drawn by
the protocol, tfidf-logreg's ridge, EDA copies) are recomputed through the protocol's own pieces and must equal the
recorded Pearson r values (within 1e-6: a different BLAS may sum in another order). The generators themselves need the
135M base LM, which CI does not install; their texts are in the recorded audit.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "emobank"
CELL = REPO / "benchmarks" / "results" / "text" / "emobank-10pct" / "cells" / "llm-paraphrase__official__seed0.json"


def test_recorded_emobank_baselines_are_reproduced() -> None:
    if not DATA.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"EmoBank is missing at {DATA}; CI must provide ../shared/data")
        pytest.skip(f"EmoBank is not at {DATA}")
    pytest.importorskip("emozoo_text_baselines")
    from emozoo.bench.protocols import text_augmentation as ta
    from emozoo_text.adapters import EmoBankAdapter

    cell = json.loads(CELL.read_text())
    recorded = {r["condition"]: r for r in cell["records"] if r["condition"] in ("real", "real+token-aug")}
    fold = next(EmoBankAdapter().folds(data_dir=DATA))
    opts = ta.TextAugmentationOptions(ratios=(0.25, 0.5), train_fraction=0.1)
    train, rest = ta._subset(fold.train, opts.train_fraction, 0, fold.name)
    assert len(train) == recorded["real"]["n_real"] and len(train) + len(rest) == len(fold.train)
    downstream = ta._Downstream(opts, fold, 0, None)
    for condition, method in (("real", None), ("real+token-aug", "tfidf-logreg-aug")):
        again = downstream.record(condition, None, train, len(train), method)
        for metric in ("r:V", "r:A", "r:D", "Corr", "MAE"):
            assert again["metrics"][metric] == pytest.approx(recorded[condition]["metrics"][metric], abs=1e-6), (condition, metric)


def test_report_interval_and_gain_match_hand_computed_values() -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import text_table
    finally:
        sys.path.pop(0)
    mean, half = text_table.interval([0.30, 0.32, 0.34])
    assert mean == pytest.approx(0.32) and half == pytest.approx(4.3027 * 0.02 / 3**0.5)  # t(0.975, 2)
    assert text_table.interval([0.5]) == (0.5, None)
    assert text_table.fmt(0.0123, 0.004, signed=True) == "+1.23 [±0.40]"
    cells = [{"method": "m", "seed": s, "records": [
        {"condition": "real", "ratio": None, "metrics": {"MF1": 0.30 + 0.01 * s, "microF1": 0.4}, "n_added": 0},
        {"condition": "real+synthetic", "ratio": 0.1, "metrics": {"MF1": 0.31 + 0.02 * s, "microF1": 0.4}, "n_added": 10}]}
        for s in range(3)]  # fmt: skip
    lines = text_table.augmentation_table("job", "goemotions", cells)
    row = next(line for line in lines if line.startswith("| real+synthetic"))
    gains = [0.01, 0.02, 0.03]  # paired per seed: (0.31 + 0.02 s) - (0.30 + 0.01 s)
    assert row.endswith(f"| {text_table.fmt(*text_table.interval(gains), signed=True)} |") and "| 0.1 | 10 |" in row

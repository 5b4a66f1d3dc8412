"""``emozoo bench`` reproduces a recorded cell of the wrist benchmark (benchmarks/results/wearable).

The recorded cell (``wearable-cnn1d``, subject-grouped fold 1, seed 0, the benchmark's data, protocol and method
configuration) is run again through the command line into a fresh output folder; the configuration hash must be the
recorded one and the test metrics, confusion matrix and per-subject scores must match: exactly on a machine like the
recording one; elsewhere no more test windows may change class than changing the seed moves between the recorded seeds
(a different CPU rounds some sums differently, and training amplifies that as a new seed would).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "stress-predict"
CELL = REPO / "benchmarks" / "results" / "wearable" / "recognition" / "cells" / "wearable-cnn1d__fold1__seed0.json"


def _stage_config() -> dict:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import face_muxspace
        import wearable_stress
    finally:
        sys.path.pop(0)
    cfg = face_muxspace.load_config(wearable_stress.DEFAULT_CONFIG)
    return wearable_stress.stage_config("recognition", cfg, None, ["wearable-cnn1d"])


def test_emozoo_bench_reproduces_the_recorded_wearable_cnn1d_cell(tmp_path: Path, rerun_drift) -> None:
    if not DATA.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Stress-Predict is missing at {DATA}; CI must provide ../shared/data")
        pytest.skip(f"Stress-Predict is not at {DATA} (../shared/data beside the checkout)")
    pytest.importorskip("emozoo_wearable_baselines", reason="could not import emozoo_wearable_baselines (plugins/wearable-baselines)")
    recorded = json.loads(CELL.read_text(encoding="utf-8"))
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_stage_config()), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "emozoo", "bench", "wearable-cnn1d", "--dataset", "stress-predict", "--config", str(config),
           "--seeds", "1", "--max-folds", "1", "--data-dir", str(DATA), "--out", str(tmp_path / "out"), "--no-resume", "--quiet"]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    cell = json.loads((tmp_path / "out" / "cells" / CELL.name).read_text(encoding="utf-8"))
    assert cell["status"] == "ok" and cell["cell_sha256"] == recorded["cell_sha256"]  # the very configuration recorded
    new, old = cell["records"][0], recorded["records"][0]
    assert new["n_test"] == old["n_test"]
    assert set(new["metrics"]) == set(old["metrics"]) >= {"UAR", "F1_pos", "AUROC"}
    assert set(new["per_unit"]) == set(old["per_unit"]) and len(new["per_unit"]) >= 5  # the fold's test subjects
    assert sum(u["n"] for u in new["per_unit"].values()) == new["n_test"]
    if new["confusion"] == old["confusion"]:
        assert new["metrics"] == pytest.approx(old["metrics"], abs=1e-12)
        assert new["per_unit"] == old["per_unit"]
    else:
        moved, seed_spread = rerun_drift(new, CELL)
        assert 0 < moved <= seed_spread, f"{moved} test windows changed class against the recorded cell; a new seed moves at most {seed_spread}"
        assert abs(new["metrics"]["ACC"] - old["metrics"]["ACC"]) <= moved / new["n_test"] + 1e-12

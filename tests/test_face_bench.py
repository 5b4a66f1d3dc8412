"""``emozoo bench`` reproduces a recorded cell of the face benchmark (benchmarks/results/face).

The recorded cell (``fer-cnn``, person-grouped fold 1, seed 0, the benchmark's data and method configuration) is run
again through the command line into a fresh output folder; the configuration hash must be the recorded one and the
test-set metrics and confusion matrix must match: exactly on a machine like the recording one; elsewhere no more test
images may change class than changing the seed moves between the recorded seeds (a different CPU rounds some sums
differently, and training amplifies that as a new seed would).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FACES = REPO.parent / "shared" / "data" / "facial-expressions-muxspace"
CELL = REPO / "benchmarks" / "results" / "face" / "recognition" / "cells" / "fer-cnn__fold1__seed0.json"


def _stage_config() -> dict:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import face_muxspace
    finally:
        sys.path.pop(0)
    cfg = face_muxspace.load_config(face_muxspace.DEFAULT_CONFIG)
    return face_muxspace.stage_config("recognition", cfg, None, ["fer-cnn"])


def test_emozoo_bench_reproduces_the_recorded_fer_cnn_cell(tmp_path: Path, rerun_drift) -> None:
    if not (FACES / "faces_48x48.npz").is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the face set is missing at {FACES}; CI must provide ../shared/data")
        pytest.skip(f"the face set is not at {FACES} (../shared/data beside the checkout)")
    pytest.importorskip("emozoo_fer_cnn", reason="could not import emozoo_fer_cnn (plugins/fer-cnn)")
    recorded = json.loads(CELL.read_text(encoding="utf-8"))
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_stage_config()), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "emozoo", "bench", "fer-cnn", "--dataset", "muxspace-faces", "--config", str(config), "--seeds", "1",
           "--max-folds", "1", "--data-dir", str(FACES), "--out", str(tmp_path / "out"), "--no-resume", "--quiet"]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    cell = json.loads((tmp_path / "out" / "cells" / CELL.name).read_text(encoding="utf-8"))
    assert cell["status"] == "ok" and cell["cell_sha256"] == recorded["cell_sha256"]  # the very configuration recorded
    new, old = cell["records"][0], recorded["records"][0]
    assert new["n_test"] == old["n_test"]
    assert set(new["metrics"]) == set(old["metrics"]) >= {"UAR", "recall:contempt", "recall:fear"}
    if new["confusion"] == old["confusion"]:
        assert new["metrics"] == old["metrics"]
    else:
        moved, seed_spread = rerun_drift(new, CELL)
        assert 0 < moved <= seed_spread, f"{moved} test images changed class against the recorded cell; a new seed moves at most {seed_spread}"
        assert abs(new["metrics"]["ACC"] - old["metrics"]["ACC"]) <= moved / new["n_test"] + 1e-12


def test_the_allowed_drift_is_the_recorded_seed_spread(rerun_drift) -> None:
    """The bound comes from the recorded seeds of fold 1 (seed 0 vs 1 moves 282 test images, 0 vs 2 moves 111,
    1 vs 2 moves 218): another seed's own cell sits at the edge, the recorded cell itself moves nothing."""
    seed1 = json.loads(CELL.with_name("fer-cnn__fold1__seed1.json").read_text(encoding="utf-8"))["records"][0]
    seed2 = json.loads(CELL.with_name("fer-cnn__fold1__seed2.json").read_text(encoding="utf-8"))["records"][0]
    recorded = json.loads(CELL.read_text(encoding="utf-8"))["records"][0]
    assert rerun_drift(recorded, CELL) == (0, 282)
    assert rerun_drift(seed1, CELL) == (282, 282)
    assert rerun_drift(seed2, CELL) == (111, 282)

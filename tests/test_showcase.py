"""The main job (emozoo.showcase): released models scored on their held-out data with intervals, a fresh benchmark,
a closing table; a part that fails is reported and the others still run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emozoo.showcase import FreshBenchmark, run_main_job
from emozoo.showcase.run import MainJobResult, summary

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def own_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "emozoo-cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("EMOZOO_REGISTRY", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)


def test_summary_table_holds_the_numbers_and_the_page():
    held = [{"release": "r1", "dataset": "ravdess", "fold": "fold1", "metric": "UAR", "now": 0.40625, "card": 0.40625, "ci95": 0.1166,
             "n_units": 4, "unit": "speaker", "reproduced": True},
            {"release": "r2", "dataset": "goemotions", "fold": "official", "metric": "MF1", "now": 0.41, "card": 0.42, "ci95": None,
             "n_units": 1, "unit": "sample", "reproduced": False}]  # fmt: skip
    rows = [{"method": "speech-ddpm", "condition": "real+synthetic", "ratio": 1.0, "classifier": "pooled_cnn", "metrics": {"UAR": {"mean": 0.3}}}]
    text = summary(MainJobResult(held, rows, Path("/o"), Path("/o/index.html"), 125.0, ["x: boom"]))
    assert "| r1 | ravdess (fold1) | UAR | 40.62 [±11.66, 4 speakers] | 40.62 |" in text
    assert "| r2 | goemotions (official) | MF1 | 41.00 | 42.00 (NOT reproduced) |" in text
    assert "| speech-ddpm real+synthetic | 1.0 | pooled_cnn | 30.00 |" in text
    assert "leaderboard: /o/index.html" in text and "main job: 2.1 min" in text and "1 part(s) failed: x: boom" in text


@pytest.mark.skipif(not (DATA / "goemotions").is_dir(), reason="needs ../shared/data/goemotions")
def test_a_release_is_pulled_scored_with_its_interval_and_a_failing_part_is_reported(own_caches, tmp_path, capsys):
    result = run_main_job(repo_root=REPO, data_root=DATA, out=tmp_path / "out", fresh=None, leaderboard=False,
                          releases=("tfidf-logreg-goemotions-ekman", "tfidf-logreg-emobank", "no-such-release"))  # fmt: skip
    (scored,) = result.held_out
    card = json.loads((REPO / "releases" / "tfidf-logreg-goemotions-ekman" / "emozoo.json").read_text())["release"]["held_out"]
    assert scored["release"] == "tfidf-logreg-goemotions-ekman" and scored["reproduced"] and scored["now"] == card["MF1"]
    assert scored["unit"] == "sample" and scored["interval"] == "bootstrap over samples" and 0 < scored["ci95"] < 0.05
    assert scored["commit"] and len(scored["commit"]) == 40
    assert len(result.failures) == 2 and "predicts no class labels" in result.failures[0] and "no-such-release" in result.failures[1]
    assert json.loads((tmp_path / "out" / "held_out.json").read_text())["releases"] == [scored]
    out = capsys.readouterr().out
    assert "(1/3) tfidf-logreg-goemotions-ekman: MF1 50.24" in out and "= card" in out and "(2/3) tfidf-logreg-emobank: FAILED" in out


def test_the_fresh_benchmark_runs_with_epoch_lines(protocol_fixtures, own_caches, tmp_path, capsys):
    fresh = FreshBenchmark(method="gauss-speech", dataset="test-speech", data=None, max_folds=1, what="toy",
                           config={"protocol": {"ratios": [1.0], "classifiers": ["pooled_cnn"],
                                                "classifier_settings": {"pooled_cnn": {"epochs": 2, "options": {"channels": [4]}}}}})  # fmt: skip
    result = run_main_job(repo_root=REPO, data_root=tmp_path, out=tmp_path / "out", releases=(), fresh=fresh, leaderboard=False)
    assert result.failures == []
    conditions = {r["condition"] for r in result.bench_rows}
    assert {"real", "real+synthetic"} <= conditions
    assert (tmp_path / "out" / "bench" / "results.json").is_file()
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "left" in err  # one line per epoch, with the fit's time left

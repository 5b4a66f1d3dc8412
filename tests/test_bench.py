"""emozoo.benchmark: same folds and seeds for every method, resume, failure isolation, provenance, tables."""

from __future__ import annotations

import json

import pytest

import emozoo
from emozoo import MethodSpec, Paper, ReportedResult, hookimpl
from emozoo.bench import report
from emozoo.errors import InputError, UnknownMethodError


class _FlakyPlugin:
    @hookimpl
    def emozoo_register_methods(self, register):
        register(MethodSpec(id="toy-flaky", model_class="emozoo_toy.model:FlakyClassifier", config_class="emozoo_toy.model:ToyConfig",
                            family="AE", modality="physiological", tasks=("recognition",), paper=Paper("flaky", 2024),
                            reported=(ReportedResult("toy", "ACC", 90.0),)))


@pytest.fixture
def bench_registry(registry):
    registry.register_plugin(_FlakyPlugin(), name="flaky", distribution="emozoo-flaky", version="0.0.1")
    from emozoo_toy.model import FlakyClassifier

    FlakyClassifier.fail = True
    yield registry
    FlakyClassifier.fail = True


CONFIG = {"methods": {"toy-mlp": {"epochs": 8}, "toy-flaky": {"epochs": 8}}}


def test_benchmark_runs_resumes_and_isolates_failures(bench_registry, tmp_path):
    result = emozoo.benchmark(["toy-mlp", "toy-flaky"], "toy-blobs", seeds=2, config=CONFIG, out=tmp_path)
    assert len(result.cells) == 2 * 2 * 2  # methods x folds x seeds
    assert [c["status"] for c in result.cells if c["method"] == "toy-mlp"] == ["ok"] * 4
    failed = result.failed
    assert len(failed) == 4 and all("CUDA out of memory" in c["error"]["message"] for c in failed)
    assert "## Failed cells" in result.markdown

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["seeds"] == [0, 1] and results["dataset"]["id"] == "toy-blobs" and results["dataset"]["synthetic"]
    assert {f["name"] for f in results["folds"]} == {"fold0", "fold1"}
    assert all(len(f["manifest_sha256"]) == 64 for f in results["folds"])
    env = results["environment"]
    assert env["emozoo"] == emozoo.__version__ and env["device"] == "cpu" and "torch" in env["packages"]
    assert all(c["wall_seconds"] >= 0 for c in results["cells"])
    assert results["methods"][0] == {"id": "toy-mlp", "plugin": "emozoo-toy", "version": "0.3.1", "overrides": {"epochs": 8}}
    assert (tmp_path / "manifests" / "fold0.json").exists()
    assert (tmp_path / "confusion_toy-mlp.png").stat().st_size > 1000
    assert (tmp_path / "results.csv").read_text().startswith("method,condition,ratio,classifier,n,ACC_mean,ACC_std")

    # resume: finished cells are loaded, not re-run; the failed ones are retried (and now succeed)
    from emozoo_toy.model import FlakyClassifier

    FlakyClassifier.fail = False
    again = emozoo.benchmark(["toy-mlp", "toy-flaky"], "toy-blobs", seeds=2, config=CONFIG, out=tmp_path)
    resumed = {(c["method"], c["resumed"]) for c in again.cells}
    assert resumed == {("toy-mlp", True), ("toy-flaky", False)}
    assert not again.failed
    before = {r["method"]: r for r in result.rows}
    after = {r["method"]: r for r in again.rows}
    assert after["toy-mlp"] == before["toy-mlp"]  # loaded cells give the same numbers

    # a changed config invalidates the cells it touches
    changed = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=2, config={"methods": {"toy-mlp": {"epochs": 3}}}, out=tmp_path)
    assert not any(c["resumed"] for c in changed.cells)


def test_same_seed_same_numbers_and_paper_gap(bench_registry, tmp_path):
    a = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=[5], config=CONFIG, out=tmp_path / "a")
    b = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=[5], config=CONFIG, out=tmp_path / "b")
    assert a.rows == b.rows
    (comparison,) = a.comparisons
    assert comparison["paper"] == 100.0 and comparison["metric"] == "ACC" and comparison["paper_dataset"] == "toy"
    ours = a.rows[0]["metrics"]["ACC"]["mean"] * 100
    assert comparison["ours"] == pytest.approx(ours) and comparison["gap"] == pytest.approx(ours - 100.0)
    assert "synthetic, NOT real toy" in comparison["data_note"]
    assert "SYNTHETIC, not real data" in a.markdown


def test_bad_arguments(bench_registry, tmp_path):
    with pytest.raises(UnknownMethodError, match="did you mean 'toy-mlp'"):
        emozoo.benchmark(["toy-mpl"], "toy-blobs", out=tmp_path)
    with pytest.raises(InputError, match="unknown protocol"):
        emozoo.benchmark(["toy-mlp"], "toy-blobs", protocol="speed", out=tmp_path)
    with pytest.raises(UnknownMethodError, match="toy-mpl"):  # a typo in the config's method names
        emozoo.benchmark(["toy-mlp"], "toy-blobs", config={"methods": {"toy-mpl": {}}}, out=tmp_path)
    with pytest.raises(InputError, match="unknown sections"):
        emozoo.benchmark(["toy-mlp"], "toy-blobs", config={"method": {}}, out=tmp_path)
    with pytest.raises(InputError, match="seeds=0"):
        emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=0, out=tmp_path)


def _cell(method, fold, seed, acc, status="ok"):
    return {"method": method, "fold": fold, "seed": seed, "status": status,
            "records": [{"condition": "test", "ratio": None, "classifier": None, "metrics": {"ACC": acc}}]}


def test_aggregation_against_hand_computed_values():
    cells = [_cell("m", "f0", 0, 0.80), _cell("m", "f0", 1, 0.90), _cell("m", "f1", 0, 0.70), _cell("m", "f1", 1, 0.0, status="failed")]
    (row,) = report.aggregate(cells)
    # mean = (0.8 + 0.9 + 0.7) / 3 = 0.8; sample std = sqrt(((0)^2 + (0.1)^2 + (-0.1)^2) / 2) = 0.1
    assert row["n"] == 3
    assert row["metrics"]["ACC"]["mean"] == pytest.approx(0.8)
    assert row["metrics"]["ACC"]["std"] == pytest.approx(0.1)
    assert report.mean_std([0.5]) == (0.5, 0.0)


def test_table_rendering_against_expected_text():
    rows = [
        {"method": "cwgan", "condition": "real+synthetic", "ratio": 1.0, "classifier": "mlp", "n": 6,
         "metrics": {"ACC": {"mean": 0.8512, "std": 0.0123}, "MAE": {"mean": 0.71234, "std": 0.01}}},
        {"method": "cwgan", "condition": "real", "ratio": None, "classifier": "svm", "n": 6,
         "metrics": {"ACC": {"mean": 0.8, "std": 0.0}}},
    ]
    assert report.results_table(rows) == (
        "| method | condition | ratio | classifier | n | ACC | MAE |\n"
        "|---|---|---|---|---|---|---|\n"
        "| cwgan | real+synthetic | 1 | mlp | 6 | 85.12 ± 1.23 | 0.712 ± 0.010 |\n"
        "| cwgan | real |  | svm | 6 | 80.00 ± 0.00 |  |"
    )
    comparisons = [{"method": "cwgan", "paper_dataset": "SEED", "metric": "ACC", "paper": 86.96, "ours": 85.12, "gap": -1.84,
                    "data_note": "seed-synthetic (synthetic, NOT real SEED)"}]
    assert report.comparison_table(comparisons) == (
        "| method | paper dataset | metric | paper | ours | gap | our data |\n"
        "|---|---|---|---|---|---|---|\n"
        "| cwgan | SEED | ACC | 86.96 | 85.12 | -1.84 | seed-synthetic (synthetic, NOT real SEED) |"
    )
    assert report.results_csv(rows).splitlines()[1] == "cwgan,real+synthetic,1,mlp,6,0.8512,0.0123,0.71234,0.01"


def test_cli_bench_prints_tables_and_writes_outputs(bench_registry, tmp_path, capsys):
    from emozoo.cli import main

    config = tmp_path / "bench.toml"
    config.write_text('[methods.toy-mlp]\nepochs = 5\n\n[dataset]\nn_folds = 1\n')
    code = main(["bench", "toy-mlp", "--dataset", "toy-blobs", "--seeds", "0,3", "--config", str(config), "--out", str(tmp_path / "o"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "## Paper / ours / gap" in out and "| toy-mlp | toy | ACC | 100 |" in out
    results = json.loads((tmp_path / "o" / "results.json").read_text())
    assert results["seeds"] == [0, 3] and len(results["cells"]) == 2
    assert results["methods"][0]["overrides"] == {"epochs": 5}


def test_results_feed_a_model_card(bench_registry, tmp_path):
    from emozoo.bench import card_metrics

    result = emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=1, config=CONFIG, out=tmp_path)
    ours = result.comparisons[0]["ours"]
    rows = card_metrics(tmp_path / "results.json", "toy-mlp")
    assert rows == [{"dataset": "toy", "metric": "ACC", "value": pytest.approx(ours / 100), "split": "test"}]
    assert result.card_metrics("toy-mlp") == rows
    from emozoo.hub.metadata import normalise_metrics

    assert normalise_metrics(rows) == rows  # the shape a Hub push accepts
    with pytest.raises(InputError, match="no number for method 'toy-flaky'"):
        card_metrics(tmp_path / "results.json", "toy-flaky")

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


# --- one harness: modality check, statistics, headline metric, stable columns, any modality ------------------------

FAST_AUG = {"ratios": [1.0], "classifier_settings": {k: {"epochs": 3, "lr": 0.01, "batch_size": 8} for k in ("mlp", "svm")}}


@pytest.fixture
def fixtures(bench_registry, protocol_fixtures):
    return protocol_fixtures


def test_mismatched_modality_is_refused_before_any_cell(fixtures, tmp_path):
    from emozoo.errors import ModalityError

    with pytest.raises(ModalityError, match=r"'toy-mlp' takes physiological \(eeg\) data but data set 'test-text' holds text"):
        emozoo.benchmark(["toy-mlp"], "test-text", out=tmp_path)
    with pytest.raises(ModalityError, match=r"'gauss-speech' takes speech \(audio\) data .* 'test-eeg' holds physiological"):
        emozoo.benchmark(["gauss-eeg", "gauss-speech"], "test-eeg", protocol="augmentation", out=tmp_path)
    assert not (tmp_path / "cells").exists() and not (tmp_path / "manifests").exists()
    # a multimodal audio+vision method shares "audio" with a speech data set
    from emozoo.bench.runner import check_modalities

    check_modalities([emozoo.get_spec("centroid-av")], emozoo.get_registry().get_dataset("test-speech"))


def test_bad_protocol_options_fail_before_any_cell(fixtures, tmp_path):
    from emozoo.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown option"):
        emozoo.benchmark(["gauss-eeg"], "test-eeg", protocol="augmentation", config={"protocol": {"ratio": [1]}}, out=tmp_path)
    assert not (tmp_path / "cells").exists()


def test_speech_and_face_data_through_recognition_and_augmentation(fixtures, tmp_path):
    speech = emozoo.benchmark(["centroid-speech"], "test-speech", seeds=1, out=tmp_path / "rs")
    faces = emozoo.benchmark(["centroid-face"], "test-faces", seeds=1, out=tmp_path / "rf")
    assert not speech.failed and not faces.failed
    assert all(0.0 <= r["metrics"]["ACC"]["mean"] <= 1.0 for r in speech.rows + faces.rows)
    # the data set's headline metric (RAVDESS-style "UA") answers when the paper reports nothing on the data set
    (comparison,) = speech.comparisons
    assert comparison["metric"] == "UA" and comparison["paper"] is None
    assert comparison["ours"] == pytest.approx(100 * speech.rows[0]["metrics"]["UAR"]["mean"])
    assert (tmp_path / "rs" / "results.csv").read_text().startswith("method,condition,ratio,classifier,n,UAR_mean,UAR_std,ACC_mean")
    assert "| n | UAR | ACC | WF1 | MF1 |" in speech.markdown
    aug = emozoo.benchmark(["gauss-speech"], "test-speech", protocol="augmentation", seeds=1, config={"protocol": FAST_AUG},
                           out=tmp_path / "as")  # fmt: skip
    assert not aug.failed
    conditions = {(r["condition"], r["ratio"], r["classifier"]) for r in aug.rows}
    assert ("real+synthetic", 1.0, "mlp") in conditions and ("synthetic", 1.0, "svm") in conditions
    row = next(r for r in aug.rows if r["condition"] == "real+synthetic" and r["classifier"] == "mlp")
    assert set(row["metrics"]) == {"ACC", "UAR", "WF1", "MF1"} and row["n"] == 2 and "gain" in row


def _cells(values):
    """Cells with one augmentation-like pair of records each: real and real+synthetic (ACC), for hand computation."""
    return [{"method": "m", "fold": fold, "seed": seed, "status": "ok", "records": [
        {"condition": "real", "ratio": None, "classifier": "mlp", "metrics": {"ACC": real}},
        {"condition": "real+synthetic", "ratio": 1.0, "classifier": "mlp", "metrics": {"ACC": aug}}]}
        for fold, seed, real, aug in values]  # fmt: skip


def test_statistics_convention_against_hand_computed_values():
    rows = report.aggregate(_cells([("A", 0, 0.5, 0.6), ("A", 1, 0.7, 0.9), ("B", 0, 0.8, 0.8), ("B", 1, 0.6, 0.8)]))
    real, aug = (next(r for r in rows if r["condition"] == c) for c in ("real", "real+synthetic"))
    # real: values .5 .7 .8 .6 -> mean .65, sample std sqrt((.0225 + .0025 + .0225 + .0025) / 3) = 0.129099
    # fold means A .6, B .7 -> s = 0.0707107, ci95 = t(.975, 1) * s / sqrt(2) = 12.7062 * 0.05 = 0.63531
    assert real["metrics"]["ACC"] == {"mean": pytest.approx(0.65), "std": pytest.approx(0.1290994), "ci95": pytest.approx(0.63531)}
    # aug: .6 .9 .8 .8 -> mean .775, std sqrt((.030625 + .015625 + .000625 + .000625) / 3) = 0.125831; fold means .75, .8
    assert aug["metrics"]["ACC"] == {"mean": pytest.approx(0.775), "std": pytest.approx(0.1258306), "ci95": pytest.approx(12.7062 * 0.025)}
    # paired gains .1 .2 .0 .2 -> mean .125, std 0.095743; fold means .15, .1 -> ci95 = 12.7062 * 0.025
    assert aug["gain"]["ACC"] == {"mean": pytest.approx(0.125), "std": pytest.approx(0.0957427), "ci95": pytest.approx(12.7062 * 0.025)}
    assert "gain" not in real and (aug["n"], aug["n_folds"]) == (4, 2)
    one_fold = report.aggregate(_cells([("A", 0, 0.5, 0.6), ("A", 1, 0.7, 0.9)]))
    assert one_fold[0]["metrics"]["ACC"]["ci95"] is None  # one fold: no interval over folds
    assert report.t_interval([0.1, 0.3, 0.2]) == pytest.approx(4.3027 * 0.1 / 3**0.5)  # t(.975, 2) = 4.3027
    assert report._t975(60) == pytest.approx(2.0003, abs=1e-3) and report._t975(1000) == pytest.approx(1.9623, abs=1e-3)


def test_one_harness_gives_the_same_spread_from_the_api_and_the_cli(fixtures, tmp_path):
    from emozoo.cli import main

    api = emozoo.benchmark(["gauss-eeg"], "test-eeg", protocol="augmentation", seeds=[0, 1], config={"protocol": FAST_AUG},
                           out=tmp_path / "api")  # fmt: skip
    config = tmp_path / "bench.toml"
    config.write_text("[protocol]\nratios = [1.0]\n" + "".join(
        f"[protocol.classifier_settings.{k}]\nepochs = 3\nlr = 0.01\nbatch_size = 8\n" for k in ("mlp", "svm")))
    code = main(["bench", "gauss-eeg", "--dataset", "test-eeg", "--protocol", "augmentation", "--seeds", "0,1",
                 "--config", str(config), "--out", str(tmp_path / "cli"), "--quiet"])  # fmt: skip
    assert code == 0
    cli = json.loads((tmp_path / "cli" / "results.json").read_text())
    assert cli["rows"] == json.loads(json.dumps(api.rows))
    assert cli["statistics"] == report.CONVENTION and report.CONVENTION in api.markdown.splitlines()[-1]
    # and the spread is the module's convention, recomputed by hand from the cells
    accs = [r["metrics"]["ACC"] for c in api.cells for r in c["records"] if r["condition"] == "real+synthetic" and r["classifier"] == "mlp"]
    row = next(r for r in api.rows if r["condition"] == "real+synthetic" and r["classifier"] == "mlp")
    assert row["metrics"]["ACC"]["std"] == pytest.approx(report.mean_std(accs)[1])


def test_metric_columns_keep_a_fixed_order_across_resumed_runs(fixtures, tmp_path):
    first = [{"method": "m", "fold": "f", "seed": 0, "status": "ok", "records": [
        {"condition": "distribution", "ratio": None, "classifier": None, "metrics": {"MMD2": 0.1}},
        {"condition": "real", "ratio": None, "classifier": "mlp", "metrics": {"MF1": 0.5, "ACC": 0.6, "UAR": 0.55}}]}]
    second = [{**first[0], "seed": 1, "records": list(reversed(first[0]["records"]))}]
    assert report.metric_names(report.aggregate(first + second)) == report.metric_names(report.aggregate(second + first))
    assert report.metric_names(report.aggregate(first)) == ["ACC", "UAR", "MF1", "MMD2"]
    assert report.metric_names(report.aggregate(first), headline="UA") == ["UAR", "ACC", "MF1", "MMD2"]
    # end to end: a resumed run (one cell re-run) writes the same columns
    run = lambda: emozoo.benchmark(["centroid-speech"], "test-speech", seeds=2, out=tmp_path)  # noqa: E731
    header = lambda: (tmp_path / "results.csv").read_text().splitlines()[0]  # noqa: E731
    run()
    before = header()
    next((tmp_path / "cells").glob("*seed0.json")).unlink()
    again = run()
    assert sorted(c["resumed"] for c in again.cells) == [False, True, True, True] and header() == before

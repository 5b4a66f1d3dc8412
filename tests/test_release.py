"""The release pipeline's parts: the plan's checks, deterministic mirrors and weights, lookups, recipes, pins, the
reproduction check, and the CLI's views of releases. The end-to-end runs against loopback Hubs are in
tests/test_release_e2e.py; the committed releases are checked in tests/test_releases_committed.py."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from emozoo.catalogue import Release, clear_cache, load_catalogue
from emozoo.errors import ArtifactError, ConfigError
from emozoo.release.mirror import commit_of
from emozoo.release.plan import load_plan

REPO = Path(__file__).resolve().parents[1]
PLAN = REPO / "releases" / "plan.toml"
SHA = "0" * 64


def write_plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(textwrap.dedent(text))
    return path


ENTRY = """
[[release]]
name = "{name}"
method = "{method}"
modality = "text"
dataset = "emobank"
fold = "official"
{extra}
"""


def entry(name: str = "tfidf-logreg-emobank", method: str = "tfidf-logreg", extra: str = "") -> str:
    return ENTRY.format(name=name, method=method, extra=extra)


# --- the plan ------------------------------------------------------------------------------------------------


def test_the_committed_plan_names_installed_methods_existing_benchmarks_and_one_default_each():
    import emozoo

    plan = load_plan(PLAN)
    assert len(plan.releases) >= 10
    for spec in plan.releases:
        assert emozoo.get_spec(spec.method).id == spec.method
        assert spec.benchmark is None or (REPO / spec.benchmark.partition(":")[0] / "results.json").is_file(), spec.name
        assert spec.repo_id == f"emozoo/{spec.name}"
    assert {"speech", "face", "wearable", "text"} <= {s.modality for s in plan.releases}
    assert {"vae-d2gan", "cwgan", "imder"} <= set(plan.unreleased)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (entry(extra="colour = 'blue'"), "unknown key(s) ['colour']"),
        (entry(name="Bad_Name"), "must be 3-64 lower-case"),
        (entry() + entry(), "appear more than once"),
        (entry(extra="default = true") + entry(name="tfidf-logreg-other", extra="default = true"), "more than one default"),
        (entry(extra="seed = -1"), "seed must be an int >= 0"),
        (entry(extra="small = { epochs = 1 }"), "small takes only dataset_options and overrides"),
        (entry() + "\n[unreleased]\ntfidf-logreg = 'why'\n", "both released and listed as [unreleased]"),
        ("[[release]]\nname = 'abc'\n", "'method' must be a non-empty string"),
        (entry(extra="kind = 'generator'"), "a generator release names its downstream recognizer release"),
        (entry(extra="downstream = 'x'"), "a generator release names its downstream recognizer release"),
        (entry(extra="kind = 'painter'"), "kind must be one of ['recognizer', 'generator']"),
        (entry(extra="kind = 'generator'\ndownstream = 'nowhere'"), "downstream 'nowhere' is not a recognizer release of the plan"),
        (entry(extra="ratio = 0"), "ratio must be a number in (0, 10]"),
        ("release = 3\n", "must be an array of tables"),
        ("[releases]\n", "unknown top-level key(s) ['releases']"),
        ("[[release]\n", "not valid TOML"),
    ],
)
def test_a_bad_plan_is_a_config_error_naming_the_file_and_the_problem(tmp_path, text, message):
    path = write_plan(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_plan(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_an_unknown_release_name_suggests_the_close_ones():
    plan = load_plan(PLAN)
    with pytest.raises(ConfigError, match=r"did you mean speech-cnn-ravdess"):
        plan.get("speech-cnn-ravdes")


def test_small_applies_its_options_over_the_release():
    plan = load_plan(PLAN)
    spec = plan.get("tfidf-logreg-emobank")
    assert spec.shrunk().dataset_options == {**spec.dataset_options, "train_fraction": 0.2}
    assert plan.get("speech-cnn-ravdess").shrunk().overrides["epochs"] == 1


# --- determinism: mirrors and weights ------------------------------------------------------------------------


def test_a_release_folder_has_the_same_commit_everywhere_and_another_when_a_byte_changes(tmp_path):
    folder = tmp_path / "rel"
    folder.mkdir()
    (folder / "README.md").write_text("hello\n")
    (folder / "model.safetensors").write_bytes(bytes(range(256)))
    # fixed identity, dates, message and mode 100644: this id is the same with any git, on any machine
    assert commit_of(folder, "emozoo release golden") == "9d31cb3071ec0ae3be9557b3412357625e3c4d70"
    (folder / "model.safetensors").chmod(0o600)
    (folder / ".DS_Store").write_text("ignored")
    assert commit_of(folder, "emozoo release golden") == "9d31cb3071ec0ae3be9557b3412357625e3c4d70"
    (folder / "README.md").write_text("hello!\n")
    assert commit_of(folder, "emozoo release golden") != "9d31cb3071ec0ae3be9557b3412357625e3c4d70"


def test_two_saves_of_one_model_are_byte_identical(tmp_path, registry):
    import emozoo

    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "a")
    model.save_pretrained(tmp_path / "b")
    digest = [hashlib.sha256((tmp_path / d / "model.safetensors").read_bytes()).hexdigest() for d in "ab"]
    assert digest[0] == digest[1]
    header = (tmp_path / "a" / "model.safetensors").read_bytes()
    meta = json.loads(header[8 : 8 + int.from_bytes(header[:8], "little")])["__metadata__"]
    assert list(meta) == sorted(meta)


# --- lookups -------------------------------------------------------------------------------------------------


def release_json(name: str, method: str, *, default: bool = False, modality: str = "speech", dataset: str = "ravdess") -> dict:
    files = {n: SHA for n in ("model.safetensors", "config.json", "emozoo.json", "README.md")}
    return {"name": name, "method": method, "repo_id": f"emozoo/{name}", "revision": "a" * 40, "files": files, "dataset": dataset,
            "license": "CC BY-NC-SA 4.0", "modality": modality, "default": default,
            "metric": {"name": "UAR", "value": 0.41, "split": "test (fold1, held out)", "percent": True}, "published": {}}  # fmt: skip


@pytest.fixture
def release_registry(tmp_path, monkeypatch):
    data = json.loads((REPO / "registry.json").read_text())
    data["releases"] = [
        release_json("speech-cnn-ravdess", "speech-cnn", default=True),
        release_json("speech-cnn-crema", "speech-cnn"),
        release_json("speech-cnn-specaugment-ravdess", "speech-cnn-specaugment"),
        release_json("fer-cnn-muxspace", "fer-cnn", modality="face", dataset="muxspace-faces"),
        release_json("tfidf-logreg-goemotions", "tfidf-logreg", modality="text", dataset="goemotions"),
        release_json("tfidf-logreg-emobank", "tfidf-logreg", modality="text", dataset="emobank"),
    ]
    data["unreleased"] = {"vae-d2gan": "only synthetic SEED-format features are here"}
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data))
    monkeypatch.setenv("EMOZOO_REGISTRY", str(path))
    clear_cache()
    yield path
    clear_cache()


def test_find_release_by_name_repo_method_default_and_unique_prefix(release_registry):
    from emozoo.release.lookup import find_release

    assert find_release("speech-cnn-crema").name == "speech-cnn-crema"
    assert find_release("emozoo/fer-cnn-muxspace").name == "fer-cnn-muxspace"
    assert find_release("speech-cnn").name == "speech-cnn-ravdess"  # the method's default release
    assert find_release("fer-cnn").name == "fer-cnn-muxspace"  # its only release
    assert find_release("speech-cnn-spec").name == "speech-cnn-specaugment-ravdess"
    assert find_release("vae-d2gan") is None and find_release("someone/else") is None


def test_a_short_name_that_matches_several_releases_lists_them(release_registry):
    from emozoo.release.lookup import find_release

    with pytest.raises(ArtifactError, match="matches several releases: speech-cnn-crema, speech-cnn-ravdess, speech-cnn-specaugment-ravdess"):
        find_release("speech")
    with pytest.raises(ArtifactError, match="several releases and none is its default: tfidf-logreg-emobank, tfidf-logreg-goemotions"):
        find_release("tfidf-logreg")


def test_list_pretrained_filters_by_pattern_modality_and_data(release_registry):
    import emozoo

    assert [r.name for r in emozoo.list_pretrained("*crema*")] == ["speech-cnn-crema"]
    assert [r.name for r in emozoo.list_pretrained(modality="vision")] == ["fer-cnn-muxspace"]
    assert [r.name for r in emozoo.list_pretrained(dataset="emobank")] == ["tfidf-logreg-emobank"]
    assert {r.method for r in emozoo.list_pretrained("speech-cnn*")} == {"speech-cnn", "speech-cnn-specaugment"}
    assert len(emozoo.list_pretrained()) == 6


def test_a_malformed_release_entry_makes_the_catalogue_refuse(tmp_path, monkeypatch):
    data = json.loads((REPO / "registry.json").read_text())
    data["releases"] = [{**release_json("speech-cnn-ravdess", "speech-cnn"), "files": "nope"}]
    (tmp_path / "r.json").write_text(json.dumps(data))
    clear_cache()
    with pytest.raises(ArtifactError, match="'files' and 'metric' must be objects"):
        load_catalogue(tmp_path / "r.json")
    clear_cache()


def test_cli_lists_releases_and_info_gives_releases_or_the_reason_for_none(release_registry, capsys, monkeypatch):
    from emozoo.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # a terminal wide enough for every cell (tests/test_table.py: narrow ones)

    assert main(["list", "--pretrained", "--modality", "speech"]) == 0
    out = capsys.readouterr().out
    assert "speech-cnn-ravdess" in out and "UAR 41.00" in out and "fer-cnn" not in out
    assert main(["list", "--pretrained", "--json"]) == 0
    assert {r["name"] for r in json.loads(capsys.readouterr().out)} >= {"speech-cnn-crema", "tfidf-logreg-emobank"}
    assert main(["info", "speech-cnn"]) == 0
    out = capsys.readouterr().out
    assert "release:   speech-cnn-ravdess (default): ravdess, UAR 41.00 test (fold1, held out)" in out
    assert main(["info", "vae-d2gan"]) == 0
    assert "weights:   none released: only synthetic SEED-format features are here" in capsys.readouterr().out


# --- recipes, pins -------------------------------------------------------------------------------------------


def test_the_recipe_is_the_benchmarks_config_with_the_plans_on_top():
    from emozoo.release.build import recipe

    spec = load_plan(PLAN).get("speech-cnn-ravdess")
    bench = json.loads((REPO / spec.benchmark / "results.json").read_text())
    got = recipe(spec, REPO)
    assert got.dataset_options == {**bench["config"]["dataset"], "ceilings": False}
    assert got.overrides == next(m for m in bench["methods"] if m["id"] == "speech-cnn")["overrides"]
    assert got.benchmark["metrics"]["UAR"]["mean"] == next(r for r in bench["rows"] if r["method"] == "speech-cnn")["metrics"]["UAR"]["mean"]
    assert set(got.benchmark["others"]) == {"speech-cnn-specaugment"}


def test_a_release_of_a_missing_or_other_benchmark_is_refused(tmp_path):
    from dataclasses import replace

    from emozoo.release.build import recipe

    spec = load_plan(PLAN).get("speech-cnn-ravdess")
    with pytest.raises(ConfigError, match="cannot read its benchmark result"):
        recipe(replace(spec, benchmark="benchmarks/results/nowhere"), REPO)
    with pytest.raises(ConfigError, match="benchmarked 'muxspace-faces', not 'ravdess'"):
        recipe(replace(spec, benchmark="benchmarks/results/face/recognition"), REPO)
    with pytest.raises(ConfigError, match="has no run of 'fer-cnn'"):
        recipe(replace(spec, method="fer-cnn"), REPO)


def test_write_release_replaces_by_name_and_forgets_other_hubs_when_the_files_change(tmp_path):
    from emozoo.release.publish import write_release

    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"releases": [release_json("speech-cnn-ravdess", "speech-cnn", default=True)]}))
    record = Release.from_json(release_json("speech-cnn-ravdess", "speech-cnn", default=True))
    write_release(record, path, published=("https://hub.example", "b" * 40))
    write_release(record, path)  # same files: the other Hub's commit stays
    (saved,) = json.loads(path.read_text())["releases"]
    assert saved["published"] == {"https://hub.example": "b" * 40}
    changed = Release.from_json({**release_json("speech-cnn-ravdess", "speech-cnn"), "files": {**record.files, "README.md": "1" * 64}})
    write_release(changed, path)
    assert json.loads(path.read_text())["releases"][0]["published"] == {}
    other = Release.from_json(release_json("speech-cnn-crema", "speech-cnn", default=True))
    write_release(other, path)  # a new default release of the method: the old one stops being the default
    assert {r["name"]: r["default"] for r in json.loads(path.read_text())["releases"]} == {"speech-cnn-crema": True, "speech-cnn-ravdess": False}


def test_doctor_reports_whether_the_embedded_hub_can_serve(release_registry, capsys, monkeypatch):
    from emozoo.cli import main

    monkeypatch.setenv("EMOZOO_OLAH", "/nonexistent/olah-cli")
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr("emozoo.release.paths.checkout_root", lambda: None)
    monkeypatch.setenv("EMOZOO_RELEASES", str(REPO / "releases"))
    main(["doctor", "--json"])
    hub = json.loads(capsys.readouterr().out)["embedded_hub"]
    assert hub["olah"] is None and hub["pinned_releases"] == 6 and "pip install olah" in hub["summary"]


def test_no_train_publishes_what_is_built_and_skips_the_rest(tmp_path):
    from emozoo.cli import main
    from emozoo.release.pipeline import run_releases

    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({**json.loads((REPO / "registry.json").read_text()), "releases": []}))
    lines = []
    out = run_releases(load_plan(PLAN), ["tfidf-logreg-emobank"], out=tmp_path / "empty", data_root=None, repo_root=REPO,
                       registry_path=registry, train=False, log=lines.append)  # fmt: skip
    assert out == [] and "not built" in lines[0] and json.loads(registry.read_text())["releases"] == []
    assert main(["release", "--rebuild", "--no-train", "--out", str(tmp_path)]) == 2

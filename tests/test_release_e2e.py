"""The release pipeline end to end on a small config, against loopback Hubs: build -> card -> reproduction check ->
publish (embedded Hub, and a push endpoint) -> pin -> pull through olah -> predict reproduces the card.

The embedded Hub is the product's (olah from ``.venv-olah`` over a releases folder); the push endpoint is the tests'
``PushHub`` writing git repos that a second olah serves. Data: EmoBank from ../shared/data (20 % of its training split).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import emozoo
from emozoo.catalogue import clear_cache
from emozoo.errors import ArtifactError

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
NAME = "tfidf-logreg-emobank"

pytestmark = pytest.mark.skipif(not (DATA / "emobank").is_dir(), reason="needs ../shared/data/emobank")


def _load_servers():
    spec = importlib.util.spec_from_file_location("emozoo_test_hub_servers", REPO / "tests" / "hub_support" / "servers.py")
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module


servers = _load_servers()


@pytest.fixture(scope="module")
def olah_cli():
    try:
        return servers.ensure_olah(REPO / ".venv-olah")
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"olah could not be installed into .venv-olah (needs PyPI): {exc}")


@pytest.fixture(scope="module")
def released(tmp_path_factory, olah_cli):
    """The small release built and published to the embedded Hub, pinned in a registry of its own."""
    root = tmp_path_factory.mktemp("release")
    registry = root / "registry.json"
    registry.write_text(json.dumps({**json.loads((REPO / "registry.json").read_text()), "releases": []}))  # only what this test pins
    out = subprocess.run(
        [sys.executable, "-m", "emozoo", "release", NAME, "--small", "--out", str(root / "releases"), "--registry", str(registry),
         "--data-root", str(DATA), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    (outcome,) = json.loads(out.stdout)
    return {"root": root, "registry": registry, "releases": root / "releases", "outcome": outcome}


@pytest.fixture
def zoo(released, olah_cli, tmp_path, monkeypatch):
    """This process pointed at the small release: its registry, its releases folder, an empty HF cache, no endpoint."""
    from emozoo.hub import embedded

    monkeypatch.setenv("EMOZOO_REGISTRY", str(released["registry"]))
    monkeypatch.setenv("EMOZOO_RELEASES", str(released["releases"]))
    monkeypatch.setenv("EMOZOO_OLAH", str(olah_cli))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr(embedded, "_SERVER", None)
    monkeypatch.setattr("emozoo._fileio.cache_dir", lambda: tmp_path / "emozoo-cache")
    clear_cache()
    yield released
    if embedded._SERVER is not None:
        embedded._SERVER.stop()
    clear_cache()


def test_the_pipeline_builds_checks_and_pins_the_release(released):
    from emozoo.artifact import ARTIFACT_FILES
    from emozoo.hub.cards import validate_card
    from emozoo.release.mirror import commit_of, release_message

    folder = released["releases"] / NAME
    assert released["outcome"]["built"] and released["outcome"]["endpoint"] == "embedded"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*ARTIFACT_FILES, "DATA_LICENSE.md"])
    card = validate_card((folder / "README.md").read_text())
    assert "SMALL CONFIGURATION" in card.text and "## How it was made" in card.text
    meta = json.loads((folder / "emozoo.json").read_text())
    assert meta["release"]["small"] and meta["release"]["dataset_options"]["train_fraction"] == 0.2
    (pin,) = json.loads(released["registry"].read_text())["releases"]
    assert pin["revision"] == released["outcome"]["commit"] == commit_of(folder, release_message(NAME))
    assert pin["metric"]["name"] == "Corr" and pin["metric"]["value"] == meta["release"]["held_out"]["Corr"]
    assert "CC-BY-SA-4.0" in (folder / "DATA_LICENSE.md").read_text()


def test_a_second_run_keeps_the_weights(released):
    out = subprocess.run(
        [sys.executable, "-m", "emozoo", "release", NAME, "--small", "--out", str(released["releases"]), "--registry",
         str(released["registry"]), "--data-root", str(DATA), "--json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    (again,) = json.loads(out.stdout)
    assert not again["built"] and again["commit"] == released["outcome"]["commit"]


def test_pull_by_short_name_goes_through_the_embedded_hub_and_reproduces_the_card(zoo):
    from emozoo.hub import embedded
    from emozoo.release.lookup import reproduce

    model = emozoo.from_pretrained(NAME)
    assert model.pretrained_source["commit"] == zoo["outcome"]["commit"]
    assert embedded._SERVER is not None and embedded._SERVER.url.startswith("http://127.0.0.1:")
    card_and_now = reproduce(NAME, data_root=DATA)
    assert card_and_now and all(card == now for card, now in card_and_now.values()), card_and_now
    embedded._SERVER.stop()  # a cached commit loads with no server at all
    assert emozoo.from_pretrained(NAME).pretrained_source["commit"] == zoo["outcome"]["commit"]
    assert not embedded._SERVER.running()


def test_a_changed_release_file_or_cache_file_is_refused(zoo, tmp_path, monkeypatch):
    from emozoo.hub import embedded
    from emozoo.hub.pull import download

    pulled = download(NAME)
    card = pulled.directory / "README.md"
    card.write_text(card.read_text() + "tampered\n")
    with pytest.raises(ArtifactError, match=r"does not match the sha256 pinned in the catalogue .*expected [0-9a-f]{64}, got [0-9a-f]{64}\)"):
        download(NAME)
    # the committed folder changed after pinning: a fresh embedded Hub serves another commit, the pinned one is not there
    embedded._SERVER.stop()
    monkeypatch.setattr(embedded, "_SERVER", None)
    monkeypatch.setattr("emozoo._fileio.cache_dir", lambda: tmp_path / "fresh-cache")
    folder = zoo["releases"] / NAME
    original = (folder / "README.md").read_text()
    try:
        (folder / "README.md").write_text(original + "changed after pinning\n")
        with pytest.raises(ArtifactError, match=rf"pins emozoo/{NAME} at commit {zoo['outcome']['commit']}, but .* gives [0-9a-f]{{40}}"):
            download(NAME, force_download=True)
    finally:
        (folder / "README.md").write_text(original)


def test_publishing_to_a_push_hub_pins_its_commit_and_pulls_verify_the_files(zoo, olah_cli, tmp_path):
    from emozoo.hub.pull import download
    from emozoo.release.plan import load_plan
    from emozoo.release.publish import publish_release

    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    spec = load_plan(REPO / "releases" / "plan.toml").get(NAME)
    original = zoo["registry"].read_text()
    with servers.PushHub(mirrors, token="t") as push, servers.Olah(olah_cli, mirrors, tmp_path / "olah") as olah:
        commit, endpoint = publish_release(spec, zoo["releases"] / NAME, target=push.url, token="t",
                                           registry_path=zoo["registry"], verify_endpoint=olah.url)  # fmt: skip
        (pin,) = json.loads(zoo["registry"].read_text())["releases"]
        assert pin["published"] == {push.url: commit} and pin["revision"] == zoo["outcome"]["commit"] != commit
        pulled = download(NAME, endpoint=olah.url)  # not recorded for this URL: its main, checked file by file
        assert pulled.commit == commit and pulled.pin is not None
        # a pin that does not match what the server serves is refused, with both hashes
        data = json.loads(zoo["registry"].read_text())
        data["releases"][0]["files"]["config.json"] = "f" * 64
        zoo["registry"].write_text(json.dumps(data))
        clear_cache()
        try:
            with pytest.raises(ArtifactError, match=r"expected f{64}, got [0-9a-f]{64}\)"):
                download(NAME, endpoint=olah.url, force_download=True)
        finally:
            zoo["registry"].write_text(original)  # the module's other tests pull with the true pins
            clear_cache()


def test_a_release_whose_reload_scores_differently_is_not_written(tmp_path, monkeypatch):
    from emozoo.bench.protocols import recognition
    from emozoo.release.build import ReproductionError, build_release
    from emozoo.release.plan import load_plan

    real = recognition.score
    calls = []

    def drifting(model, test, options):
        record = real(model, test, options)
        calls.append(1)
        if len(calls) == 2:  # the reloaded model's score
            record["metrics"]["Corr"] += 1e-12
        return record

    monkeypatch.setattr(recognition, "score", drifting)
    spec = load_plan(REPO / "releases" / "plan.toml").get(NAME)
    with pytest.raises(ReproductionError, match=r"scores differently .*'Corr'.*it is not published"):
        build_release(spec, tmp_path / "out", data_root=DATA, repo_root=REPO, small=True)
    assert not (tmp_path / "out" / NAME).exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


@pytest.mark.skipif(not (DATA / "ravdess").is_dir(), reason="needs ../shared/data/ravdess")
def test_a_generator_is_released_with_its_downstream_classifier_beside_real_only(tmp_path, monkeypatch, olah_cli):
    from emozoo.artifact import read_metadata
    from emozoo.release.lookup import reproduce
    from emozoo.release.pipeline import run_releases
    from emozoo.release.plan import load_plan

    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({**json.loads((REPO / "registry.json").read_text()), "releases": []}))
    plan = load_plan(REPO / "releases" / "plan.toml")
    outcomes = run_releases(plan, ["speech-cnn-ravdess", "bagan-ser-ravdess"], out=tmp_path / "releases", data_root=DATA,
                            repo_root=REPO, small=True, registry_path=registry, log=lambda _: None)  # fmt: skip
    assert [o.name for o in outcomes] == ["speech-cnn-ravdess", "bagan-ser-ravdess", "bagan-ser-ravdess-downstream"]
    generator = read_metadata(tmp_path / "releases" / "bagan-ser-ravdess")
    downstream = read_metadata(tmp_path / "releases" / "bagan-ser-ravdess-downstream")
    real_only = read_metadata(tmp_path / "releases" / "speech-cnn-ravdess")["release"]["held_out"]
    assert generator["method"] == "bagan-ser" and downstream["method"] == "speech-cnn"
    assert generator["release"]["downstream"]["real_only"] == real_only  # the real-only row is the recognizer's release
    assert generator["release"]["held_out"] == downstream["release"]["held_out"]  # the generator's numbers: its classifier's
    synthetic = generator["release"]["synthetic"]
    assert synthetic["total"] == sum(synthetic["per_class"].values()) == downstream["release"]["sizes"]["train"]  # ratio 1
    card = (tmp_path / "releases" / "bagan-ser-ravdess" / "README.md").read_text()
    assert "| real only (release speech-cnn-ravdess) |" in card and "| gain |" in card and "memorisation" in card
    assert "| real+noise | 1 |" in card and "| ceiling:new-units | 1 |" in card  # the benchmark's baselines and ceilings
    pins = {r["name"]: r for r in json.loads(registry.read_text())["releases"]}
    assert set(pins) == {o.name for o in outcomes} and not pins["bagan-ser-ravdess-downstream"]["default"]
    # pulled through the embedded Hub, the generator reproduces its card through its downstream classifier
    monkeypatch.setenv("EMOZOO_REGISTRY", str(registry))
    monkeypatch.setenv("EMOZOO_RELEASES", str(tmp_path / "releases"))
    monkeypatch.setenv("EMOZOO_OLAH", str(olah_cli))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.setattr("emozoo._fileio.cache_dir", lambda: tmp_path / "emozoo-cache")
    from emozoo.hub import embedded

    monkeypatch.setattr(embedded, "_SERVER", None)
    clear_cache()
    try:
        card_and_now = reproduce("bagan-ser-ravdess", data_root=DATA)
        assert card_and_now and all(card == now for card, now in card_and_now.values())
        assert emozoo.from_pretrained("bagan-ser-ravdess").method_id == "bagan-ser"
    finally:
        if embedded._SERVER is not None:
            embedded._SERVER.stop()
        clear_cache()


def test_a_different_copy_of_the_data_is_refused_not_scored(zoo, tmp_path):
    import shutil

    from emozoo.release.lookup import reproduce

    copy = tmp_path / "data" / "emobank"
    shutil.copytree(DATA / "emobank", copy)
    lines = (copy / "emobank.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (copy / "emobank.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # one sentence fewer
    with pytest.raises(ArtifactError, match="does not give the split .* a different copy or version of the data"):
        reproduce(NAME, data_root=tmp_path / "data")

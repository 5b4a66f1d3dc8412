"""The committed releases (``releases/``): every built release is planned, pinned in registry.json and served by the
embedded Hub at its pinned commit (``emozoo release`` lists what the plan still has to build), and one release per
modality, pulled with ``emozoo pull`` into an empty cache and scored on its own held-out test split, reproduces its
card's numbers exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emozoo.catalogue import clear_cache, load_catalogue

REPO = Path(__file__).resolve().parents[1]
RELEASES = REPO / "releases"
DATA = REPO.parent / "shared" / "data"
ONE_PER_MODALITY = {
    "speech": "speech-cnn-ravdess",
    "face": "fer-cnn-muxspace",
    "wearable": "wearable-logreg-stress-predict",
    "text": "tfidf-logreg-goemotions",
}
MAX_BYTES = 150 * 1024 * 1024


def plan():
    from emozoo.release.plan import load_plan

    return load_plan(RELEASES / "plan.toml")


def pinned():
    clear_cache()
    return {r.name: r for r in load_catalogue(REPO / "registry.json").releases}


def published_parts():
    from emozoo.release.pipeline import artifact_specs

    the_plan = plan()
    return [part for spec in the_plan.releases for part in artifact_specs(the_plan, spec)]


def built() -> set[str]:
    return {p.name for p in RELEASES.iterdir() if (p / "emozoo.json").is_file()}


def test_every_built_release_is_planned_and_pinned_and_nothing_else():
    assert set(pinned()) == built() <= {s.name for s in published_parts()}
    # a generator and its downstream classifier are built and pinned together
    for spec in plan().releases:
        if spec.kind == "generator":
            assert (spec.name in built()) == (f"{spec.name}-downstream" in built()), spec.name
    assert load_catalogue(REPO / "registry.json").unreleased == plan().unreleased


@pytest.mark.parametrize("spec", [s for s in published_parts() if (RELEASES / s.name / "emozoo.json").is_file()], ids=lambda s: s.name)
def test_the_committed_folder_is_what_the_pin_names(spec):
    from emozoo._fileio import sha256_file
    from emozoo.artifact import read_metadata
    from emozoo.hub.cards import validate_card
    from emozoo.release.mirror import commit_of, release_message

    folder = RELEASES / spec.name
    record = pinned()[spec.name]
    assert record.method == spec.method and record.repo_id == spec.repo_id and record.default == spec.default
    assert {name: sha256_file(folder / name) for name in record.files} == record.files
    assert commit_of(folder, release_message(spec.name)) == record.revision  # what a fresh clone's embedded Hub serves
    card = validate_card((folder / "README.md").read_text(encoding="utf-8"))
    assert "## How it was made" in card.text and "SMALL CONFIGURATION" not in card.text
    release = read_metadata(folder)["release"]
    assert not release["small"] and release["name"] == spec.name and release["fold"] == spec.fold
    assert record.metric["value"] == release["held_out"][record.metric["name"]]  # the catalogue's number is the card's
    assert (folder / "DATA_LICENSE.md").is_file()


def test_the_whole_set_fits_the_size_budget():
    total = sum(p.stat().st_size for p in RELEASES.rglob("*") if p.is_file())
    assert total <= MAX_BYTES, f"releases/ holds {total / 2**20:.1f} MiB, over the 150 MiB budget"


@pytest.fixture(scope="module")
def olah():
    import importlib.util

    spec = importlib.util.spec_from_file_location("emozoo_test_hub_servers", REPO / "tests" / "hub_support" / "servers.py")
    servers = sys.modules.get(spec.name)
    if servers is None:
        servers = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = servers
        spec.loader.exec_module(servers)
    try:
        return servers.ensure_olah(REPO / ".venv-olah")
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"olah could not be installed into .venv-olah (needs PyPI): {exc}")


@pytest.mark.parametrize("modality", sorted(ONE_PER_MODALITY))
def test_a_pulled_release_reproduces_its_card_on_its_test_split(modality, olah, tmp_path, monkeypatch):
    from emozoo.hub import embedded
    from emozoo.release.lookup import reproduce

    name = ONE_PER_MODALITY[modality]
    record = pinned()[name]
    if not (DATA / plan().get(name).data).is_dir():
        pytest.skip(f"needs ../shared/data/{plan().get(name).data}")
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hf"), "EMOZOO_OLAH": str(olah), "EMOZOO_CACHE": str(tmp_path / "emozoo")}
    for key in ("HF_ENDPOINT", "EMOZOO_REGISTRY", "EMOZOO_RELEASES"):
        env.pop(key, None)
    out = subprocess.run([sys.executable, "-m", "emozoo", "pull", name, "--json"], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    pulled = json.loads(out.stdout)
    assert pulled["pinned"] and pulled["commit"] == record.revision and pulled["repo_id"] == record.repo_id
    # predict on the held-out split from the pulled copy (no server: the pinned commit is in the cache now)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    # features this process extracts go to a cache of its own, not the user's (tests leave ~/.cache/emozoo as it was)
    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "emozoo-in-process"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hf"))
    monkeypatch.delenv("EMOZOO_REGISTRY", raising=False)
    monkeypatch.setattr(embedded, "embedded_endpoint", lambda: pytest.fail("the cached release contacted a Hub"))
    clear_cache()
    card_and_now = reproduce(name, data_root=DATA)
    assert card_and_now and all(card == now for card, now in card_and_now.values()), card_and_now
    assert card_and_now[record.metric["name"]][1] == record.metric["value"]

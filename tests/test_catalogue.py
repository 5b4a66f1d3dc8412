"""The shipped catalogue as the registry reads it, merged with the installed plugins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emozoo.catalogue import load_catalogue
from emozoo.errors import ArtifactError
from emozoo.registry import Registry

REPO = Path(__file__).resolve().parents[1]


def test_packaged_catalogue_is_the_repo_root_file():
    catalogue = load_catalogue()
    assert catalogue.path.resolve() == (REPO / "registry.json").resolve()
    assert len(catalogue) == 132
    entry = catalogue.for_method("vae-d2gan")
    assert entry is not None and entry.ref == 265 and entry.plugin == "emozoo-vae-d2gan"
    assert entry.results_text() == "SEED ACC 92.5; SEED-IV ACC 82.3 (as the survey prints them, not checked against the paper)"


def test_every_installed_plugin_method_is_catalogued():
    """Every method of every plugin installed through an entry point must appear in registry.json."""
    registry = Registry()
    fatal = [p for p in registry.problems if p.fatal]
    assert fatal == [], fatal
    assert registry.uncatalogued_methods() == []


def test_uncatalogued_methods_are_detected(registry):
    assert registry.uncatalogued_methods() == ["toy-mlp", "toy-mlp-wide"]


def test_registry_env_override_and_malformed_file(tmp_path, monkeypatch):
    data = json.loads((REPO / "registry.json").read_text())
    data["methods"] = data["methods"][:2]
    (tmp_path / "mine.json").write_text(json.dumps(data))
    monkeypatch.setenv("EMOZOO_REGISTRY", str(tmp_path / "mine.json"))
    assert len(load_catalogue()) == 2
    (tmp_path / "bad.json").write_text('{"methods": [{"id": 1}]}')
    with pytest.raises(ArtifactError, match="malformed"):
        load_catalogue(tmp_path / "bad.json")
    with pytest.raises(ArtifactError, match="not found"):
        load_catalogue(tmp_path / "absent.json")


def test_baselines_need_no_catalogue_entry(registry):
    from dataclasses import replace

    spec = replace(registry.get_method("toy-mlp"), baseline=True)
    registry._methods["toy-mlp"] = spec
    assert registry.uncatalogued_methods() == ["toy-mlp-wide"]

"""Model cards: rendering against expected text, plugin card.md sections, Hub metadata, offline validation."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

import emozoo
from emozoo.errors import ArtifactError, ConfigError
from emozoo.hub.cards import plugin_card_text, render_card, validate_card
from emozoo.hub.metadata import TrainingData, publish_metadata

EXPECTED = Path(__file__).resolve().parent / "hub_support" / "expected_toy_card.md"


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _meta(**extra):
    model = emozoo.load("toy-mlp")
    user = publish_metadata(
        training_data=TrainingData("toy", "CC0-1.0", "ab" * 32, note="synthetic Gaussian blobs instead of the paper's EEG"),
        metrics=[{"dataset": "toy", "metric": "ACC", "value": 0.9612, "split": "test"}, {"dataset": "toy", "metric": "MAE", "value": 0.5}],
    )
    return model.artifact_metadata({**user, **extra})


def test_card_renders_expected_text(registry, no_network):
    text = render_card(_meta(), repo_id="emozoo/toy-mlp-toy")
    assert text == EXPECTED.read_text(encoding="utf-8")


def test_card_metadata_is_hub_model_index(registry, no_network):
    card = validate_card(render_card(_meta(), repo_id="emozoo/toy-mlp-toy"))
    data = card.data
    assert data.library_name == "emozoo" and data.license == "cc0-1.0" and data.datasets == ["toy"]  # the data's licence
    assert {"physiological", "eeg", "ae", "recognition", "toy-mlp"} <= set(data.tags)
    results = {(r.dataset_name, r.metric_name): r.metric_value for r in data.eval_results}
    assert results == {("toy", "ACC"): 96.12, ("toy", "MAE"): 0.5}  # ACC in percent like the paper; MAE as is
    assert data.model_name == "emozoo/toy-mlp-toy"


def test_card_without_training_data_or_results_says_so(registry):
    text = render_card(emozoo.load("toy-mlp").artifact_metadata(), location="out-dir")
    assert "Not recorded: this model was saved without `training_data` metadata." in text
    assert "| toy | ACC | 100.00 | — | — |" in text  # the paper's number, ours missing
    assert 'emozoo.from_pretrained("out-dir")' in text
    validate_card(text)


def test_unknown_licence_becomes_other_with_name(registry):
    card = validate_card(render_card(_meta(license="SEED research licence")))
    assert (card.data.license, card.data.license_name) == ("other", "SEED research licence")


def test_save_pretrained_writes_the_emozoo_card(registry, tmp_path):
    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "m", metadata={"training_data": {"dataset": "toy", "license": "CC0-1.0"}})
    text = (tmp_path / "m" / "README.md").read_text()
    assert text.startswith("---\n") and "## Intended use and limits" in text and "library_name: emozoo" in text
    assert "PyTorchModelHubMixin" not in text  # not the mixin's generic card
    validate_card(text)
    emozoo.from_pretrained(tmp_path / "m")  # the card's hash is in emozoo.json and checks out


def test_plugin_card_is_found_beside_or_inside_the_package(tmp_path, monkeypatch, registry):
    pkg = tmp_path / "plug" / "emozoo_cardtest"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "notes.md").write_text("# Named\n")
    monkeypatch.syspath_prepend(str(tmp_path / "plug"))
    try:
        cls = type("M", (), {"__module__": "emozoo_cardtest.model", "card_template": None})
        assert plugin_card_text(cls) is None
        (tmp_path / "plug" / "card.md").write_text("# Beside\n")  # plugins/<dir>/card.md of a source install ...
        assert plugin_card_text(cls) is None  # ... but only in a plugin source tree
        (tmp_path / "plug" / "pyproject.toml").write_text("[project]\nname = 'emozoo-cardtest'\n")
        assert plugin_card_text(cls) == "# Beside\n"
        (pkg / "card.md").write_text("# Inside\n")  # shipped inside the package: wins
        assert plugin_card_text(cls) == "# Inside\n"
        cls.card_template = "notes.md"
        assert plugin_card_text(cls) == "# Named\n"
        cls.card_template = "missing.md"
        with pytest.raises(emozoo.EmozooError, match="card_template"):
            plugin_card_text(cls)
    finally:
        sys.modules.pop("emozoo_cardtest", None)


def test_plugin_sections_are_included_with_headings_demoted(registry, tmp_path, monkeypatch):
    from emozoo_toy.model import ToyClassifier

    notes = tmp_path / "card.md"
    notes.write_text("---\nlicense: mit\n---\n# Toy MLP\n\n## Divergences\n\nNone.\n\n```python\n# not a heading\n```\n")
    monkeypatch.setattr("emozoo.hub.cards.plugin_card_text", lambda cls: notes.read_text())
    text = render_card(_meta(), model_class=ToyClassifier)
    assert "\n## Method notes (from emozoo-toy)\n\n### Toy MLP\n\n#### Divergences\n\nNone.\n\n```python\n# not a heading\n```\n" in text
    assert "See the method notes below." in text and "license: mit" not in text
    validate_card(text)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("library_name: emozoo", "library_name: other"), "library_name"),
        (lambda t: t.replace("## Citation", "## Cite"), "Citation"),
        (lambda t: t.replace("---\n", "", 1), "front matter"),
        (lambda t: t.replace("datasets:", "datasets: [oops"), "metadata is invalid"),
        (lambda t: t + "\n{{ leftover }}\n", "placeholder"),
    ],
)
def test_validation_is_local_and_catches_broken_cards(registry, no_network, edit, message):
    good = render_card(_meta(), repo_id="emozoo/toy-mlp-toy")
    validate_card(good)
    with pytest.raises(ArtifactError, match=message):
        validate_card(edit(good))


def test_publish_metadata_is_checked(registry):
    with pytest.raises(ConfigError, match="license"):
        publish_metadata(training_data={"dataset": "toy"})
    with pytest.raises(ConfigError, match="split_manifest_sha256"):
        TrainingData("toy", "CC0", split_manifest_sha256="xyz").to_dict()
    with pytest.raises(ConfigError, match="finite"):
        publish_metadata(training_data=TrainingData("toy", "CC0"), metrics={"ACC": float("nan")})
    with pytest.raises(ConfigError, match="which data set"):
        publish_metadata(metrics={"ACC": 0.5})
    assert publish_metadata(training_data=TrainingData("toy", "CC0"), metrics={"ACC": 1})["metrics"] == [
        {"dataset": "toy", "metric": "ACC", "value": 1.0}
    ]
    with pytest.raises(ConfigError, match="dataset"):
        emozoo.load("toy-mlp").save_pretrained("unused-dir", metadata={"training_data": {"license": "CC0"}})
    text = render_card(emozoo.load("toy-mlp").artifact_metadata(publish_metadata(training_data={"dataset": "toy"}, require_license=False)))
    assert "- licence of the data: not recorded" in text  # a local save may omit it; a push may not

"""EmotionModel: bit-exact save/load, strict weights, safetensors metadata, atomic saves, capabilities."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

import emozoo
from emozoo._fileio import sha256_file
from emozoo.artifact import METADATA_NAME, WEIGHTS_NAME
from emozoo.config import config_hash
from emozoo.errors import (
    ArtifactError,
    CapabilityError,
    ConfigError,
    PluginNotInstalledError,
    PluginVersionError,
    WeightsError,
)
from emozoo.model import EmotionModel, load_weights


def _toy(**overrides):
    return emozoo.load("toy-mlp", **overrides)


def _state_equal(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) and sa[k].dtype == sb[k].dtype for k in sa)


def test_load_builds_from_spec_with_preset_and_overrides(registry):
    assert _toy().config.hidden == 16
    assert emozoo.load("toy-mlp-wide").config.hidden == 64  # preset of the second spec
    assert emozoo.load("toy-mlp-wide", hidden=8).config.hidden == 8  # overrides beat the preset
    with pytest.raises(ConfigError, match="did you mean 'hidden'"):
        _toy(hiden=3)


def test_round_trip_is_bit_exact_and_records_metadata(registry, tmp_path):
    torch.manual_seed(3)
    model = _toy(hidden=5, lr=0.123456789)
    model.save_pretrained(tmp_path / "m", metadata={"training_data": {"dataset": "toy", "license": "CC0"}})
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert files == ["README.md", "config.json", "emozoo.json", "model.safetensors"]

    meta = json.loads((tmp_path / "m" / METADATA_NAME).read_text())
    assert meta["method"] == "toy-mlp"
    assert meta["plugin"] == {"distribution": "emozoo-toy", "version": "0.3.1", "requires": "emozoo-toy>=0.3.1,<0.4"}
    assert meta["config_sha256"] == config_hash(model.config)
    assert meta["training_data"] == {"dataset": "toy", "license": "CC0"}
    assert meta["files"][WEIGHTS_NAME] == sha256_file(tmp_path / "m" / WEIGHTS_NAME)
    with safe_open(str(tmp_path / "m" / WEIGHTS_NAME), framework="pt") as fh:
        st_meta = fh.metadata()
    assert st_meta["emozoo.method"] == "toy-mlp"
    assert st_meta["emozoo.plugin_version"] == "0.3.1"
    assert st_meta["emozoo.config_sha256"] == config_hash(model.config)

    for loaded in (type(model).from_pretrained(tmp_path / "m"), emozoo.from_pretrained(tmp_path / "m")):
        assert loaded.config == model.config and loaded.config.lr == 0.123456789
        assert _state_equal(model, loaded)
        assert not loaded.training  # loaded for inference
        x = torch.randn(4, 8)
        assert torch.equal(model.eval()(x), loaded(x))


def test_reserved_metadata_keys_are_refused(registry, tmp_path):
    with pytest.raises(ConfigError, match="reserved"):
        _toy().save_pretrained(tmp_path / "m", metadata={"method": "other"})


def test_unserialisable_config_fails_at_construction(registry):
    from emozoo_toy.model import ToyClassifier, ToyConfig

    with pytest.raises(ConfigError, match="label_names"):
        ToyClassifier(ToyConfig(label_names=({"a"},)))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="takes a ToyConfig"):
        ToyClassifier("hidden=3")  # type: ignore[arg-type]


def _saved(registry, tmp_path: Path) -> tuple[EmotionModel, Path]:
    model = _toy()
    model.save_pretrained(tmp_path / "m")
    return model, tmp_path / "m"


def test_strict_loading_missing_unexpected_and_shape(registry, tmp_path):
    model, path = _saved(registry, tmp_path)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    fresh = _toy()

    missing = {k: v for k, v in state.items() if k != "net.2.bias"}
    save_file(missing, str(tmp_path / "missing.safetensors"))
    with pytest.raises(WeightsError, match=r"missing keys \['net.2.bias'\]"):
        load_weights(fresh, tmp_path / "missing.safetensors")

    save_file({**state, "extra.weight": torch.zeros(1)}, str(tmp_path / "extra.safetensors"))
    with pytest.raises(WeightsError, match=r"unexpected keys \['extra.weight'\]"):
        load_weights(fresh, tmp_path / "extra.safetensors")

    with pytest.raises(WeightsError, match="does not fit ToyClassifier"):
        load_weights(_toy(hidden=7), path / WEIGHTS_NAME)


def test_corrupt_and_truncated_weights_are_refused(registry, tmp_path):
    _, path = _saved(registry, tmp_path)
    weights = path / WEIGHTS_NAME
    data = weights.read_bytes()

    (tmp_path / "header.safetensors").write_bytes(b"\xff" * 8 + data[8:])
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        load_weights(_toy(), tmp_path / "header.safetensors")

    weights.write_bytes(data[: len(data) // 2])  # truncated in place: the hash in emozoo.json catches it
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        emozoo.from_pretrained(path)


def test_tampered_config_and_wrong_method_are_refused(registry, tmp_path):
    _, path = _saved(registry, tmp_path)
    from emozoo_toy.model import ToyClassifier

    class Other(ToyClassifier):
        spec = dataclasses.replace(ToyClassifier.spec, id="other-method")

    with pytest.raises(ArtifactError, match="holds a 'toy-mlp' model, not 'other-method'"):
        Other.from_pretrained(path)
    (path / "config.json").write_text(json.dumps({"hidden": 99}))
    with pytest.raises(ArtifactError, match="config.json does not match the sha256"):
        ToyClassifier.from_pretrained(path)


def test_incomplete_directory_is_not_a_model(registry, tmp_path):
    _, path = _saved(registry, tmp_path)
    (path / METADATA_NAME).unlink()
    with pytest.raises(ArtifactError, match="not a complete emozoo model"):
        emozoo.from_pretrained(path)
    (path / METADATA_NAME).write_text("{not json")
    with pytest.raises(ArtifactError, match="not valid JSON"):
        emozoo.from_pretrained(path)


def test_missing_plugin_and_incompatible_version(registry, tmp_path):
    _, path = _saved(registry, tmp_path)
    meta = json.loads((path / METADATA_NAME).read_text())
    meta["plugin"]["requires"] = "emozoo-toy>=1.0,<2"
    (path / METADATA_NAME).write_text(json.dumps(meta))
    with pytest.raises(PluginVersionError, match=r"needs emozoo-toy>=1.0,<2, but emozoo-toy 0.3.1 is installed"):
        emozoo.from_pretrained(path)
    meta["method"] = "vae-d2gan"
    meta["plugin"] = {"distribution": "emozoo-vae-d2gan", "version": "0.1.0", "requires": "emozoo-vae-d2gan>=0.1.0,<0.2"}
    (path / METADATA_NAME).write_text(json.dumps(meta))
    with pytest.raises(PluginNotInstalledError, match=r"pip install 'emozoo-vae-d2gan>=0.1.0,<0.2'"):
        emozoo.from_pretrained(path)


def test_config_overrides_on_load(registry, tmp_path):
    _, path = _saved(registry, tmp_path)
    assert emozoo.from_pretrained(path, lr=0.5).config.lr == 0.5
    with pytest.raises(WeightsError):
        emozoo.from_pretrained(path, hidden=3)  # changes the architecture: the strict load refuses


def test_failed_save_leaves_previous_version_intact(registry, tmp_path, monkeypatch):
    model, path = _saved(registry, tmp_path)
    (path / "notes.txt").write_text("user file")
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    other = _toy()
    with torch.no_grad():
        other.net[0].weight.add_(1.0)

    import emozoo.model as model_mod

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(model_mod, "sha256_file", crash)  # fails after the weights were written
    with pytest.raises(OSError, match="disk full"):
        other.save_pretrained(path)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temp directories left behind
    assert _state_equal(emozoo.from_pretrained(path), model)

    other.save_pretrained(path)  # a successful re-save replaces the model and keeps the user's file
    assert (path / "notes.txt").read_text() == "user file"
    assert _state_equal(emozoo.from_pretrained(path), other)


def test_capabilities(registry):
    model = _toy()
    with pytest.raises(CapabilityError, match="'toy-mlp' cannot generate"):
        model.generate(4)
    with pytest.raises(NotImplementedError):  # CapabilityError is also a NotImplementedError
        model.generate()

    @dataclass
    class Cfg:
        size: int = 2

    with pytest.raises(TypeError, match="can_generate=True but does not implement generate"):

        class Liar(EmotionModel):  # noqa: F841 - the class statement itself must fail
            spec = dataclasses.replace(emozoo.get_spec("toy-mlp"), id="liar", can_generate=True)
            config_class = Cfg

            def fit(self, *a, **k): ...

            def predict(self, *a, **k): ...


def test_evaluate_uses_predict_and_metrics(registry):
    model = _toy()
    x = torch.randn(6, 8)
    labels = model.predict(x).labels
    assert model.evaluate((x, labels)) == {"ACC": 1.0, "UAR": 1.0, "WF1": 1.0, "MF1": 1.0}
    with pytest.raises(CapabilityError, match="evaluate unlabelled data"):
        model.evaluate(x)


def test_label_strings_names_single_and_multi_label_predictions():
    import torch

    from emozoo.errors import CapabilityError
    from emozoo.model import Prediction

    names = ("joy", "anger", "fear")
    assert Prediction(labels=torch.tensor([2, 0]), label_names=names).label_strings() == ["fear", "joy"]
    multi = Prediction(labels=torch.tensor([[1, 0, 1], [0, 0, 0]]), label_names=names)
    assert multi.label_strings() == [["joy", "fear"], []]
    with pytest.raises(CapabilityError, match="2 indicator columns for 3 label names"):
        Prediction(labels=torch.tensor([[1, 0]]), label_names=names).label_strings()
    with pytest.raises(CapabilityError):
        Prediction(labels=torch.tensor([1])).label_strings()

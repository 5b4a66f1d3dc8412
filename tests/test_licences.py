"""Licences travel: a model fitted on a data set's batches records the data and its licence in emozoo.json and the card."""

from __future__ import annotations

import json

import pytest
import torch

import emozoo
from emozoo.data import PhysioBatch
from emozoo.data.source import DataSource
from emozoo.hub.cards import hub_license, validate_card, weights_license

NC = DataSource("ravdess-like", name="RAVDESS-like", license="CC BY-NC-SA 4.0")


def _batch(source: DataSource | None) -> PhysioBatch:
    g = torch.Generator().manual_seed(0)
    y = torch.arange(3).repeat(10)
    return PhysioBatch(features=torch.randn(30, 8, generator=g) + y[:, None], labels=y, source=source)


def test_fit_on_non_commercial_data_gives_non_commercial_weights(registry, tmp_path):
    model = emozoo.load("toy-mlp")
    model.fit(_batch(NC))
    assert model.training_source == NC
    model.save_pretrained(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "emozoo.json").read_text())
    assert meta["training_data"] == {"dataset": "ravdess-like", "license": "CC BY-NC-SA 4.0"}
    card = validate_card((tmp_path / "m" / "README.md").read_text())
    assert card.data.license == "cc-by-nc-sa-4.0"  # the Hub licence is the data's, not the plugin's Apache-2.0
    assert "weights: CC BY-NC-SA 4.0; training data (ravdess-like): CC BY-NC-SA 4.0; code of the plugin: Apache-2.0" in card.text
    assert "- licence of the data: CC BY-NC-SA 4.0" in card.text


def test_loaded_model_keeps_the_licence_on_resave(registry, tmp_path):
    model = emozoo.load("toy-mlp")
    model.fit(_batch(NC))
    model.save_pretrained(tmp_path / "a")
    again = emozoo.from_pretrained(tmp_path / "a")
    again.save_pretrained(tmp_path / "b")
    assert json.loads((tmp_path / "b" / "emozoo.json").read_text())["training_data"]["license"] == "CC BY-NC-SA 4.0"


def test_explicit_training_data_wins_and_unknown_origin_claims_nothing(registry, tmp_path):
    model = emozoo.load("toy-mlp")
    model.fit(_batch(NC))
    model.save_pretrained(tmp_path / "m", metadata={"training_data": {"dataset": "mine", "license": "CC0-1.0"}})
    assert json.loads((tmp_path / "m" / "emozoo.json").read_text())["training_data"]["dataset"] == "mine"
    plain = emozoo.load("toy-mlp")
    plain.fit(_batch(None))
    plain.save_pretrained(tmp_path / "p")
    assert "training_data" not in json.loads((tmp_path / "p" / "emozoo.json").read_text())
    assert "Not recorded: this model was saved without `training_data` metadata." in (tmp_path / "p" / "README.md").read_text()


def test_a_later_fit_on_other_data_replaces_the_source(registry):
    model = emozoo.load("toy-mlp")
    model.fit(_batch(NC))
    model.fit(_batch(DataSource("other", license="MIT")))
    assert model.training_source.dataset == "other"


@pytest.mark.parametrize("meta,expected", [
    ({"training_data": {"dataset": "d", "license": "CC BY-NC-SA 4.0"}}, "CC BY-NC-SA 4.0"),
    ({"training_data": {"dataset": "d"}}, "Apache-2.0"),
    ({"training_data": {"dataset": "d", "license": "GPL-3.0"}, "license": "MIT"}, "MIT"),
    ({}, "Apache-2.0"),
])
def test_weights_licence_rule(meta, expected):
    class Spec:
        license = "Apache-2.0"

    chosen, text = weights_license(meta, Spec())
    assert chosen == expected
    if meta.get("training_data"):
        assert "training data (d): " in text
        if "license" not in meta["training_data"]:
            assert "not recorded: check the data set's own terms" in text


@pytest.mark.parametrize("text,hub", [("CC BY-NC-SA 4.0", ("cc-by-nc-sa-4.0", None)), ("GPL-3.0", ("gpl-3.0", None)),
                                      ("MIT", ("mit", None)), ("SEED licence", ("other", "SEED licence"))])
def test_hub_licence_ids(text, hub):
    assert hub_license(text) == hub


def test_load_folds_batches_carry_the_data_set_and_its_licence():
    fold = emozoo.load_folds("meld", max_folds=1)[0]
    for batch in (fold.train, fold.test):
        assert batch.source.dataset == "meld" and batch.source.license == "GPL-3.0"
    fold = emozoo.load_folds("seed-synthetic", protocol="augmentation", max_folds=1, n_subjects=1)[0]
    assert fold.train.source.synthetic and fold.train.index([0, 1]).source == fold.train.source


def test_load_folds_refuses_bad_arguments():
    from emozoo.errors import InputError, UnknownDatasetError

    with pytest.raises(InputError, match="unknown protocol 'recognise'"):
        emozoo.load_folds("meld", protocol="recognise")
    with pytest.raises(InputError, match="max_folds must be None or an int >= 1"):
        emozoo.load_folds("meld", max_folds=0)
    with pytest.raises(UnknownDatasetError, match="did you mean 'meld'"):
        emozoo.load_folds("mled")

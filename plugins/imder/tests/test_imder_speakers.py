"""Speaker units of the synthetic MOSI-shaped data: per-speaker offsets, speaker-grouped folds, intervals over speakers."""

import numpy as np
import pytest
import torch
from emozoo_imder.toy import (
    make_toy,
    speaker_folds,
    speaker_of,
    speaker_split,
    speaker_unit,
)

from emozoo.bench import report
from emozoo.bench.protocols import completion
from emozoo.data.manifest import SplitManifest, sha256_array
from emozoo.errors import ConfigError, InputError
from emozoo.model import Prediction

DIMS, LENGTH = (12, 5, 8), 8


def _digest(batch):
    return sha256_array(np.concatenate([batch.features[m].numpy().ravel() for m in sorted(batch.features)] + [batch.labels.numpy()]))


def test_without_speakers_the_toy_is_the_old_one_bit_for_bit():
    # digests of the toy as it was before speakers existed (emozoo_imder.toy at commit 5fcecfc)
    assert _digest(make_toy(6, seed=3, dims=DIMS, length=LENGTH)) == "4cbc0509090cd6998abf6e388bbd513e6a840158c2dfaec9c90bb2a9cee2471f"
    old_private0 = "3afa2fd9e17f52d1e92bcce378831e7756ee083dfddca22405c78123def104cd"
    assert _digest(make_toy(6, seed=3, dims=DIMS, length=LENGTH, static=0.3, private=0.0)) == old_private0


def test_each_speaker_shifts_all_its_utterances_by_one_constant_offset():
    plain = make_toy(12, seed=5, dims=DIMS, length=LENGTH)
    spk = make_toy(12, seed=5, dims=DIMS, length=LENGTH, speakers=[7, 3, 9])
    assert torch.equal(plain.labels, spk.labels)  # the offset is a nuisance in the features, not in the label
    who = speaker_of(12, [7, 3, 9])
    assert who.tolist() == [7] * 4 + [3] * 4 + [9] * 4
    for m in plain.features:
        diff = (spk.features[m] - plain.features[m]).numpy()  # same draws otherwise: only the offset differs
        per_speaker = {}
        for s in (7, 3, 9):
            block = diff[who == s]
            assert np.allclose(block, block[0, 0], atol=1e-5)  # constant over utterances and time
            per_speaker[s] = block[0, 0]
        assert not np.allclose(per_speaker[7], per_speaker[3], atol=1e-3)  # speakers differ
        assert np.linalg.norm(per_speaker[7]) > 0.05
    # a speaker's offset is a property of the speaker: the same in any split, scaled by speaker_scale
    again = make_toy(4, seed=99, dims=DIMS, length=LENGTH, speakers=[3], speaker_scale=1.0)
    base = make_toy(4, seed=99, dims=DIMS, length=LENGTH)
    assert np.allclose((again.features["audio"] - base.features["audio"])[0, 0].numpy(), 2.0 * per_speaker_audio(3), atol=1e-5)


def per_speaker_audio(s):
    """Audio offset of speaker ``s`` at the default speaker_scale (0.5)."""
    return (make_toy(4, seed=1, dims=DIMS, length=LENGTH, speakers=[s]).features["audio"] - make_toy(4, seed=1, dims=DIMS, length=LENGTH).features["audio"])[0, 0].numpy()


def test_speaker_folds_never_share_a_speaker_and_name_it_as_the_unit():
    folds = speaker_folds(5, 3, 4, dims=DIMS, length=LENGTH)
    train, test, train_who, test_who = speaker_split(5, 3, 4, dims=DIMS, length=LENGTH)
    assert [f.unit for f in folds] == [f.name for f in folds] == ["spk005", "spk006", "spk007"]
    assert not set(train_who) & set(test_who)
    train_units = {i.split("/")[0] for i in folds[0].manifest.splits["train"]}
    assert train_units == {speaker_unit(s) for s in range(5)}
    for fold in folds:
        assert fold.train is folds[0].train and len(fold.test) == 4
        assert {i.split("/")[0] for i in fold.manifest.splits["test"]} == {fold.unit}
        assert not train_units & {fold.unit}
        rows = np.flatnonzero(test_who == int(fold.unit[3:]))
        assert torch.equal(fold.test.features["text"], test.features["text"][rows])
    assert torch.equal(folds[0].train.labels, train.labels)
    with pytest.raises(InputError, match="leak"):  # the manifest refuses a speaker in both splits
        SplitManifest(dataset="d", protocol="completion", splits={"train": ("spk001/0",), "test": ("spk001/0",)}, data_sha256="0" * 64)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: speaker_of(4, [1, 1]), "distinct"),
        (lambda: speaker_of(2, [1, 2, 3]), "at least one utterance"),
        (lambda: speaker_split(0, 2, 3, dims=DIMS, length=LENGTH), "at least one train speaker"),
    ],
)
def test_bad_speaker_settings_are_typed_errors(call, match):
    with pytest.raises(ConfigError, match=match):
        call()


class _ZeroWhenAudioMissing:
    """Predicts the label, or 0 where audio is hidden: per-speaker MAE differs, so intervals are non-trivial."""

    def fit(self, train, val=None, *, runtime=None):
        pass

    def predict(self, batch):
        return Prediction(values=torch.where(batch.available["audio"], batch.labels, torch.zeros(len(batch))))


def test_completion_over_speaker_folds_gives_intervals_over_speakers(monkeypatch):
    folds = speaker_folds(3, 4, 6, dims=DIMS, length=LENGTH)
    monkeypatch.setattr(completion, "build_model", lambda method, seed, overrides: _ZeroWhenAudioMissing())
    cells = []
    for fold in folds:
        for seed in (0, 1):
            records = completion.run_cell("stub", fold, seed, {}, {"missing_rates": (0.0, 0.5)}, None)
            cells.append({"method": "stub", "fold": fold.name, "unit": fold.unit, "seed": seed, "status": "ok", "records": records})
    rows = {r["ratio"]: r for r in report.aggregate(cells)}
    half = rows[0.5]
    assert half["n"] == 8 and half["n_units"] == 4
    per_unit = [np.mean([c["records"][1]["metrics"]["MAE"] for c in cells if c["unit"] == u]) for u in sorted({c["unit"] for c in cells})]
    assert half["metrics"]["MAE"]["ci95"] == pytest.approx(report.t_interval(per_unit))
    assert half["metrics"]["MAE"]["ci95"] > 0 and rows[0.0]["metrics"]["MAE"]["mean"] == 0.0
    table = report.completion_table(list(rows.values()), metrics=["MAE"])
    assert f"[±{report.format_value('MAE', half['metrics']['MAE']['ci95'])}]" in table and "| 8 (4) |" in table

"""Tests for emozoo.data.batches: validation errors, subsetting, device moves and loaders."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo.data import (
    AudioBatch,
    Dialogue,
    DialogueBatch,
    EEGBatch,
    ImageBatch,
    MultimodalBatch,
    PhysioBatch,
    Utterance,
    as_float_tensor,
    as_label_tensor,
)
from emozoo.errors import (
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    ShapeError,
)

N = 10


def physio(n: int = N, **kw) -> PhysioBatch:
    """A small channels x bands batch with labels, subjects and trials."""
    return PhysioBatch(torch.randn(n, 4, 5), labels=torch.arange(n) % 3, subjects=torch.arange(n) // 2,
                       trials=torch.arange(n), **kw)


def multimodal(n: int = N, **kw) -> MultimodalBatch:
    """Text + audio sequences of different lengths."""
    feats = {"text": torch.randn(n, 7, 3), "audio": torch.randn(n, 9, 2)}
    return MultimodalBatch(feats, **kw)


def dialogues() -> DialogueBatch:
    """Three dialogues, one utterance unlabelled and one with empty text."""
    d = [
        Dialogue("d0", (Utterance("A", "hi", "joy"), Utterance("B", "", None))),
        Dialogue("d1", (Utterance("A", "no", "anger"),)),
        Dialogue("d2", [Utterance("B", "ok", "neutral"), Utterance("A", "fine", "neutral")]),
    ]
    return DialogueBatch(d, ("neutral", "joy", "anger"))


# --- conversion helpers ---------------------------------------------------------------------------


def test_as_float_tensor_converts_numpy_and_lists() -> None:
    assert as_float_tensor(np.zeros((2, 3)), "x", 2).dtype == torch.float32
    assert as_float_tensor([[1, 2], [3, 4]], "x", 2).dtype == torch.float32
    assert as_float_tensor(torch.zeros(2, dtype=torch.float64), "x").dtype == torch.float64
    assert as_float_tensor([torch.zeros(3), torch.ones(3)], "x", 2).shape == (2, 3)


@pytest.mark.parametrize("bad", ["text", ["a", "b"], np.array(["a"]), np.array([object()]), None, {"a": 1}])
def test_as_float_tensor_rejects_strings_and_objects(bad) -> None:
    with pytest.raises(DTypeError, match="x"):
        as_float_tensor(bad, "x")


def test_as_float_tensor_shape_and_finite_errors() -> None:
    with pytest.raises(ShapeError, match=r"x: expected a 3-D \[N, C, B\] tensor, got 2-D"):
        as_float_tensor(torch.zeros(2, 3), "x", 3, dims="[N, C, B]")
    with pytest.raises(ShapeError, match="ragged"):
        as_float_tensor([[1, 2], [3]], "x")
    with pytest.raises(NonFiniteError, match=r"first at index \(1, 0\)"):
        as_float_tensor(torch.tensor([[0.0, 1.0], [float("nan"), float("inf")]]), "x")
    with pytest.raises(DTypeError):
        as_float_tensor(torch.zeros(2, dtype=torch.complex64), "x")


def test_as_label_tensor() -> None:
    assert as_label_tensor(np.array([0, 2], dtype=np.int32), "y", 2).dtype == torch.int64
    assert as_label_tensor([0.5, -1.0], "y", 2, allow_float=True).dtype == torch.float32
    with pytest.raises(DTypeError):
        as_label_tensor([0.0, 1.0], "y", 2)
    with pytest.raises(LabelError, match="-1 at position 1"):
        as_label_tensor([0, -1], "y", 2)
    with pytest.raises(ShapeError, match="expected length 3"):
        as_label_tensor([0, 1], "y", 3)
    with pytest.raises(DTypeError):
        as_label_tensor(["happy", "sad"], "y", 2)


# --- PhysioBatch / EEGBatch -----------------------------------------------------------------------


def test_physio_layouts_inferred_and_checked() -> None:
    assert physio().layout == "channels_bands"
    assert PhysioBatch(np.zeros((3, 5, 8, 9)), modality="eeg").layout == "grid"
    assert PhysioBatch(np.zeros((3, 6)), modality="ecg").layout == "flat"
    with pytest.raises(ShapeError, match=r"layout 'grid'.*4-D \[N, B, H, W\]"):
        PhysioBatch(torch.zeros(3, 4, 5), layout="grid")
    with pytest.raises(InputError, match="layout"):
        PhysioBatch(torch.zeros(3, 4, 5), layout="bands")
    with pytest.raises(ShapeError):
        PhysioBatch(torch.zeros(3))


def test_physio_errors() -> None:
    x = torch.randn(4, 2, 3)
    with pytest.raises(ModalityError, match="did you mean 'eeg'"):
        PhysioBatch(x, modality="eegg")
    nan = x.clone()
    nan[1, 0, 2] = float("nan")
    with pytest.raises(NonFiniteError, match="features"):
        PhysioBatch(nan)
    with pytest.raises(DTypeError):
        PhysioBatch("not a tensor")  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="labels"):
        PhysioBatch(x, labels=[0, 1, 2])
    with pytest.raises(LabelError):
        PhysioBatch(x, labels=[0, 1, -2, 0])
    with pytest.raises(DTypeError, match="labels"):
        PhysioBatch(x, labels=torch.zeros(4))
    with pytest.raises(ShapeError, match="subjects"):
        PhysioBatch(x, subjects=[0, 1])
    with pytest.raises(ShapeError, match="band_names"):
        PhysioBatch(x, band_names=("a", "b"))
    with pytest.raises(EmptyInputError):
        PhysioBatch(torch.zeros(0, 2, 3))


def test_eeg_batch_fixes_modality() -> None:
    b = EEGBatch(torch.randn(3, 2, 5), band_names=["d", "t", "a", "b", "g"])
    assert b.modality == "eeg" and b.band_names == ("d", "t", "a", "b", "g")
    assert isinstance(b, PhysioBatch)
    with pytest.raises(ModalityError):
        EEGBatch(torch.randn(3, 2, 5), modality="ecg")


@pytest.mark.parametrize(
    "idx, expected",
    [
        ([3, 1], [3, 1]),
        (slice(2, 6, 2), [2, 4]),
        (slice(None, None, -3), [9, 6, 3, 0]),
        (torch.tensor([0, -1]), [0, 9]),
        (torch.arange(N) >= 8, [8, 9]),
        (np.array([5]), [5]),
        (4, [4]),
    ],
)
def test_physio_index(idx, expected) -> None:
    b = physio()
    sub = b.index(idx)
    assert type(sub) is PhysioBatch and len(sub) == len(expected)
    assert sub.trials.tolist() == expected
    assert torch.equal(sub.features, b.features[expected])
    assert torch.equal(sub.labels, b.labels[expected])


def test_index_errors() -> None:
    b = physio()
    with pytest.raises(InputError, match="out of range"):
        b.index(N)
    with pytest.raises(InputError):
        b.index([0, 99])
    with pytest.raises(ShapeError, match="bool mask"):
        b.index(torch.ones(3, dtype=torch.bool))
    with pytest.raises(EmptyInputError):
        b.index([])
    with pytest.raises(DTypeError):
        b.index(torch.tensor([0.5]))


def test_to_and_num_classes_and_repr() -> None:
    b = physio()
    moved = b.to("cpu")
    assert type(moved) is PhysioBatch and moved.features.device.type == "cpu"
    assert b.num_classes == 3
    assert "float32[10, 4, 5]" in repr(b)


# --- loader ---------------------------------------------------------------------------------------


def test_loader_yields_container_type_and_sizes() -> None:
    b = EEGBatch(torch.randn(N, 2, 3), labels=torch.arange(N) % 2)
    sizes = [len(x) for x in b.loader(4)]
    assert sizes == [4, 4, 2]
    assert all(type(x) is EEGBatch for x in b.loader(4))
    assert [len(x) for x in b.loader(4, drop_last=True)] == [4, 4]
    assert torch.equal(torch.cat([x.features for x in b.loader(3)]), b.features)  # no shuffle keeps order
    with pytest.raises(InputError):
        b.loader(0)


def order(batch, seed):
    """Trial ids in the order a seeded shuffled loader yields them."""
    return torch.cat([x.trials for x in batch.loader(3, shuffle=True, seed=seed)]).tolist()


def test_loader_shuffle_reproducible() -> None:
    b = physio(n=32)
    assert order(b, 0) == order(b, 0)
    assert order(b, 0) != order(b, 1)
    assert sorted(order(b, 0)) == list(range(32))


def test_other_containers_load_as_themselves() -> None:
    mm = multimodal(labels=torch.randn(N))
    assert [type(x).__name__ for x in mm.loader(6)] == ["MultimodalBatch"] * 2
    img = ImageBatch(torch.rand(5, 3, 4, 4), labels=[0, 1, 0, 1, 2])
    assert [len(x) for x in img.loader(2, shuffle=True, seed=3)] == [2, 2, 1]
    dl = [x for x in dialogues().loader(2)]
    assert [type(x) for x in dl] == [DialogueBatch, DialogueBatch] and [len(x) for x in dl] == [2, 1]


# --- MultimodalBatch ------------------------------------------------------------------------------


def test_multimodal_defaults_and_masked() -> None:
    avail = {"text": torch.tensor([True] * N), "audio": torch.tensor([True, False] * (N // 2))}
    b = multimodal(available=avail, labels=torch.arange(N))
    assert b.modalities == ("text", "audio") and len(b) == N
    z = b.masked()
    assert torch.equal(z["text"], b.features["text"])
    assert bool((z["audio"][1] == 0).all()) and torch.equal(z["audio"][0], b.features["audio"][0])
    mean = b.masked(zero_fill=False)["audio"]
    assert torch.allclose(mean[1], b.features["audio"][0::2].mean(0))
    assert all(bool(m.all()) for m in multimodal().available.values())


def test_multimodal_index_keeps_masks_aligned() -> None:
    avail = {"text": torch.tensor([True] * N), "audio": torch.arange(N) % 2 == 0}
    lengths = {"audio": torch.arange(N) % 9}
    b = multimodal(available=avail, lengths=lengths)
    sub = b.index([1, 2])
    assert sub.available["audio"].tolist() == [False, True] and sub.lengths["audio"].tolist() == [1, 2]


def test_multimodal_errors() -> None:
    f = {"text": torch.randn(4, 3, 2)}
    with pytest.raises(ModalityError, match="video"):
        MultimodalBatch({"video": torch.randn(4, 3, 2)})
    with pytest.raises(ModalityError, match="missing"):
        MultimodalBatch({**f, "audio": torch.randn(4, 5, 2)}, available={"text": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(ModalityError, match="unexpected"):
        MultimodalBatch(f, available={"text": torch.ones(4, dtype=torch.bool), "audio": torch.ones(4, dtype=torch.bool)})
    with pytest.raises(ModalityError, match=r"shape \(4,\)"):
        MultimodalBatch(f, available={"text": torch.ones(3, dtype=torch.bool)})
    with pytest.raises(ModalityError, match="bool mask"):
        MultimodalBatch(f, available={"text": torch.full((4,), 0.5)})
    with pytest.raises(ModalityError, match="no available modality"):
        MultimodalBatch(f, available={"text": torch.tensor([1, 0, 1, 1])})
    with pytest.raises(ShapeError, match="same N"):
        MultimodalBatch({**f, "audio": torch.randn(5, 3, 2)})
    with pytest.raises(ShapeError, match=r"\[N, T, D\]"):
        MultimodalBatch({"text": torch.randn(4, 3)})
    with pytest.raises(EmptyInputError):
        MultimodalBatch({})
    with pytest.raises(NonFiniteError):
        MultimodalBatch({"text": torch.full((2, 1, 1), float("inf"))})
    with pytest.raises(ShapeError, match="lengths"):
        MultimodalBatch(f, lengths={"text": torch.tensor([1, 2, 3, 4])})
    with pytest.raises(ShapeError, match="labels"):
        MultimodalBatch(f, labels=torch.zeros(3))
    with pytest.raises(DTypeError):
        MultimodalBatch({"text": ["some", "words"]})


# --- AudioBatch / ImageBatch ----------------------------------------------------------------------


def test_audio_batch() -> None:
    w = AudioBatch(np.zeros((3, 1600)), sample_rate=16000, lengths=[1600, 800, 1], labels=[0, 1, 2])
    assert w.inputs.dtype == torch.float32 and w.index([2]).lengths.tolist() == [1]
    f = AudioBatch(torch.zeros(3, 50, 40), kind="features", labels=torch.zeros(3, 2))  # dimensional targets
    assert f.sample_rate is None and f.labels.shape == (3, 2)
    with pytest.raises(InputError, match="sample_rate"):
        AudioBatch(torch.zeros(3, 100))
    with pytest.raises(InputError):
        AudioBatch(torch.zeros(3, 100), sample_rate=0)
    with pytest.raises(DTypeError):
        AudioBatch(torch.zeros(3, 100), sample_rate=16000.0)
    with pytest.raises(ShapeError, match=r"\[N, S\]"):
        AudioBatch(torch.zeros(3, 1, 100), sample_rate=16000)
    with pytest.raises(ShapeError, match=r"\[N, T, D\]"):
        AudioBatch(torch.zeros(3, 100), kind="features")
    with pytest.raises(InputError, match="kind"):
        AudioBatch(torch.zeros(3, 100), kind="spectrum")
    with pytest.raises(ShapeError, match="lengths"):
        AudioBatch(torch.zeros(2, 100), sample_rate=8000, lengths=[100, 101])
    g = AudioBatch(torch.randn(4, 88), kind="functionals", labels=[0, 1, 0, 1])  # utterance functionals, e.g. eGeMAPS
    assert g.sample_rate is None and g.features.shape == (4, 88) and len(g.index([0, 3])) == 2
    with pytest.raises(InputError, match="no time axis"):
        AudioBatch(torch.randn(4, 88), kind="functionals", lengths=[88, 88, 88, 88])
    with pytest.raises(ShapeError, match=r"\[N, D\]"):
        AudioBatch(torch.randn(4, 5, 88), kind="functionals")


def test_image_batch() -> None:
    b = ImageBatch(torch.rand(4, 1, 8, 8), labels=[0, 1, 2, 3])
    assert len(b.index(torch.tensor([True, False, True, False]))) == 2
    with pytest.raises(ShapeError, match="permute"):
        ImageBatch(torch.rand(4, 8, 8, 3))
    with pytest.raises(ShapeError):
        ImageBatch(torch.rand(4, 8, 8))
    with pytest.raises(LabelError):
        ImageBatch(torch.rand(2, 3, 4, 4), labels=[-1, 0])


# --- dialogues ------------------------------------------------------------------------------------


def test_dialogue_batch() -> None:
    b = dialogues()
    assert len(b) == 3 and b.num_utterances == 5 and b.num_classes == 3
    targets = [(d.dialogue_id, pos) for d, pos in b.targets()]
    assert targets == [("d0", 0), ("d1", 0), ("d2", 0), ("d2", 1)]
    sub = b.index([2, 0])
    assert type(sub) is DialogueBatch and [d.dialogue_id for d in sub.dialogues] == ["d2", "d0"]
    assert b.index(slice(1, None)).num_utterances == 3
    assert b.to("cpu") is b and b.label_id("anger") == 2


def test_dialogue_errors() -> None:
    with pytest.raises(LabelError, match=r"'happy' is not one of \('neutral', 'joy'\)"):
        DialogueBatch([Dialogue("d", (Utterance("A", "x", "happy"),))], ("neutral", "joy"))
    with pytest.raises(EmptyInputError):
        DialogueBatch([], ("neutral",))
    with pytest.raises(EmptyInputError):
        Dialogue("d", ())
    with pytest.raises(DTypeError):
        Utterance("A", 3)  # type: ignore[arg-type]
    with pytest.raises(DTypeError):
        Dialogue("d", ("just a string",))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="twice"):
        d = Dialogue("d", (Utterance("A", "x"),))
        DialogueBatch([d, d], ("neutral",))
    with pytest.raises(LabelError, match="duplicates"):
        DialogueBatch([Dialogue("d", (Utterance("A", "x"),))], ("a", "a"))


# --- one sample interface -------------------------------------------------------------------------------------


def test_every_batch_exposes_features_labels_and_its_modality() -> None:
    from emozoo.specs import MODALITIES

    y = torch.tensor([0, 1, 0])
    audio = AudioBatch(inputs=torch.randn(3, 5, 2), labels=y, kind="features", sample_rate=16000)
    image = ImageBatch(images=torch.rand(3, 1, 4, 4), labels=y)
    eeg = EEGBatch(features=torch.randn(3, 4, 5), labels=y)
    mm = MultimodalBatch({"audio": torch.randn(3, 2, 4), "vision": torch.randn(3, 2, 6)}, labels=y)
    dialogues = DialogueBatch([Dialogue("d", (Utterance("a", "hi", "joy"),))], ("joy",))
    assert audio.features is audio.inputs and image.features is image.images
    assert [b.coarse_modality for b in (eeg, audio, image, mm, dialogues)] == ["physiological", "speech", "face", "multimodal", "text"]
    assert all(b.coarse_modality in MODALITIES for b in (eeg, audio, image, mm, dialogues))
    assert (eeg.signals, audio.signals, image.signals, mm.signals) == (("eeg",), ("audio",), ("vision",), ("audio", "vision"))
    with pytest.raises(AttributeError):
        audio.features = torch.zeros(3, 5, 2)  # read-only: the field is inputs


def test_with_samples_keeps_the_non_sample_attributes() -> None:
    from emozoo.data.source import DataSource

    src = DataSource("ravdess", name="RAVDESS", license="CC BY-NC-SA 4.0")
    audio = AudioBatch(inputs=torch.randn(3, 5, 2), labels=torch.tensor([0, 1, 0]), kind="features", sample_rate=16000,
                       lengths=torch.tensor([5, 4, 3]), source=src)  # fmt: skip
    new = audio.with_samples(torch.zeros(2, 5, 2), torch.tensor([1, 1]))
    assert type(new) is AudioBatch and (new.kind, new.sample_rate, new.source) == ("features", 16000, src)
    assert new.lengths is None and new.labels.tolist() == [1, 1] and torch.equal(new.features, torch.zeros(2, 5, 2))
    eeg = EEGBatch(features=torch.randn(3, 4, 5), labels=torch.tensor([0, 1, 2]), subjects=torch.tensor([1, 1, 2]),
                   band_names=("d", "t", "a", "b", "g"), source=src)  # fmt: skip
    syn = eeg.with_samples(torch.randn(4, 4, 5), torch.tensor([0, 0, 1, 1]))
    assert type(syn) is EEGBatch and syn.layout == "channels_bands" and syn.band_names == eeg.band_names and syn.subjects is None
    image = ImageBatch(images=torch.rand(2, 3, 4, 4), source=src).with_samples(torch.rand(1, 3, 4, 4))
    assert image.source == src and len(image) == 1 and image.labels is None
    mm = MultimodalBatch({"audio": torch.randn(2, 2, 4)}, available={"audio": torch.tensor([True, True])}, source=src)
    assert mm.with_samples({"audio": torch.randn(5, 2, 4)}).available["audio"].tolist() == [True] * 5
    with pytest.raises(ShapeError):
        audio.with_samples(torch.zeros(2, 5))  # validated like any batch


def test_source_is_kept_by_index_and_to_and_kept_short_in_repr() -> None:
    from emozoo.data import DataSource

    src = DataSource("ravdess", name="RAVDESS", license="CC BY-NC-SA 4.0 " * 10)
    batches = [
        EEGBatch(features=torch.randn(3, 4, 5), source=src),
        AudioBatch(inputs=torch.randn(3, 5, 2), kind="features", source=src),
        ImageBatch(images=torch.rand(3, 1, 4, 4), source=src),
        MultimodalBatch({"text": torch.randn(3, 2, 4)}, source=src),
    ]
    for b in batches:
        assert b.index([0, 2]).source is src and b.to("cpu").source is src
        assert "source='ravdess'" in repr(b) and "CC BY" not in repr(b)
    d = DialogueBatch([Dialogue("a", (Utterance("x", "hi", "joy"),)), Dialogue("b", (Utterance("y", "ho"),))], ("joy",), source=src)
    assert d.index(1).source is src and "source='ravdess'" in repr(d)
    assert "source" not in repr(EEGBatch(features=torch.randn(2, 4, 5)))
    with pytest.raises(DTypeError, match="DataSource"):
        EEGBatch(features=torch.randn(2, 4, 5), source="ravdess")


# --- TextBatch ------------------------------------------------------------------------------------


def test_text_batch_holds_single_multi_label_and_dimensional_targets() -> None:
    from emozoo.data import TextBatch

    single = TextBatch(texts=["so happy", "so sad", "meh"], labels=[1, 0, 2], label_names=("sad", "happy", "neutral"))
    assert single.num_classes == 3 and not single.multi_label and single.features == ("so happy", "so sad", "meh")
    assert single.index([2, 0]).texts == ("meh", "so happy") and single.index([2, 0]).labels.tolist() == [2, 1]
    multi = TextBatch(texts=["a", "b"], labels=torch.tensor([[1, 0, 1], [0, 1, 0]], dtype=torch.bool), ids=("x", "y"))
    assert multi.multi_label and multi.num_classes == 3 and multi.labels.dtype == torch.float32
    assert multi.index(torch.tensor([False, True])).ids == ("y",)
    vad = TextBatch(texts=["calm"], targets=[[3.0, 1.5, 2.0]], target_names=("V", "A", "D"))
    assert vad.targets.shape == (1, 3) and vad.labels is None and vad.num_classes is None
    fresh = single.with_samples(("new text",), torch.tensor([0]))
    assert fresh.texts == ("new text",) and fresh.label_names == single.label_names and fresh.ids is None
    assert TextBatch(texts=["x"]).coarse_modality == "text" and TextBatch(texts=["x"]).signals == ("text",)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"texts": "one string"}, DTypeError, "wrap a single text"),
        ({"texts": []}, EmptyInputError, "at least one text"),
        ({"texts": ["ok", b"bytes"]}, DTypeError, "decode bytes"),
        ({"texts": ["ok", " \t\n"]}, EmptyInputError, r"whitespace-only text\(s\) at positions \[1\]"),
        ({"texts": ["bad \udc80 half"]}, InputError, "not valid Unicode"),
        ({"texts": ["a", "b"], "labels": [0]}, ShapeError, "2"),
        ({"texts": ["a"], "labels": [2], "label_names": ("x", "y")}, LabelError, "outside 0..1"),
        ({"texts": ["a"], "labels": [[0, 0]]}, LabelError, "carry no label"),
        ({"texts": ["a"], "labels": [[0.5, 1.0]]}, LabelError, "0 or 1"),
        ({"texts": ["a"], "labels": [[1, 0, 0]], "label_names": ("x", "y")}, ShapeError, "indicator columns"),
        ({"texts": ["a"], "targets": [[1.0, float("nan")]]}, NonFiniteError, "targets"),
        ({"texts": ["a"], "targets": [[1.0, 2.0]], "target_names": ("V",)}, ShapeError, "target_names"),
        ({"texts": ["a", "b"], "ids": ("x",)}, ShapeError, "ids"),
    ],
)
def test_text_batch_refuses_bad_input(kwargs, error, match) -> None:
    from emozoo.data import TextBatch

    with pytest.raises(error, match=match):
        TextBatch(**kwargs)

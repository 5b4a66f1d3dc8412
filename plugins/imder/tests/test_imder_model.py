"""IMDer model: both training stages, predict/generate APIs, baselines, save/load round trip, determinism, errors."""


import numpy as np
import pytest
import torch
from emozoo_imder.missing import per_sample_masks
from emozoo_imder.model import IMDer, IMDerConfig, apply_masks

from emozoo.data.batches import MultimodalBatch
from emozoo.errors import ConfigError, InputError, LabelError, ModalityError, ShapeError


def _fit(cfg, data, **kw):
    torch.manual_seed(0)
    model = IMDer(IMDerConfig(**cfg))
    return model, model.fit(data, **kw)


def test_both_stages_train_and_log_the_paper_losses(tiny_config, toy_train, toy_test):
    model, hist = _fit(tiny_config(stage1_steps=6, stage2_steps=6), toy_train, val=toy_test)
    assert len(hist["pretrain"]) == 2 and len(hist["train"]) == 2
    first = hist["pretrain"][-1]  # stage 1: complete data, score matching under simulated masks, no sampling
    assert first["score_loss"] > 0 and first["rec_loss"] == 0.0
    last = hist["train"][-1]
    assert last["score_loss"] > 0 and last["rec_loss"] > 0 and "val_mae" in last
    assert last["loss"] == pytest.approx(last["task_loss"] + 0.1 * (last["score_loss"] + last["rec_loss"]), rel=1e-4)
    pred = model.predict(apply_masks(toy_test, per_sample_masks(len(toy_test), 0.5, 3)))
    assert pred.values.shape == (len(toy_test),) and pred.values.abs().max() <= 3.0
    report = model.evaluate(toy_test)
    assert {"Acc-2", "F1", "Acc-7", "MAE", "Corr"} <= set(report)


def test_stage2_freezes_projection_and_task_loss_falls(tiny_config, toy_train):
    torch.manual_seed(0)
    model = IMDer(IMDerConfig(**tiny_config(stage1_steps=0, stage2_steps=0)))
    before = {k: v.clone() for k, v in model.proj.state_dict().items()}
    hist = model.fit(toy_train)  # nothing to run: no stages
    assert hist == {}
    model.config.stage2_steps = 18
    hist = model.fit(toy_train)
    assert all(torch.equal(before[k], v) for k, v in model.proj.state_dict().items())
    task = hist["train"].series("task_loss")
    assert task[-1] < task[0]


def test_paper_mask_mode_and_baselines_train(tiny_config, toy_train, toy_test):
    _, hist = _fit(tiny_config(mask_mode="paper", missing_rate=0.7, stage1_steps=0, batch_size=8), toy_train)
    assert hist["train"][-1]["score_loss"] > 0
    for completion in ("zero", "mean"):
        model, hist = _fit(tiny_config(completion=completion), toy_train)
        assert hist["train"][-1]["score_loss"] == 0.0
        assert not hasattr(model, "score")
        assert model.predict(apply_masks(toy_test, per_sample_masks(len(toy_test), 0.7, 0))).values.shape == (len(toy_test),)
    assert torch.allclose(model.mean_audio, toy_train.features["audio"].mean(dim=(0, 1)), atol=1e-5)
    with pytest.raises(InputError, match="no diffusion generator"):
        model.generate(toy_test, missing="audio")


def test_generate_call_forms(tiny_config, toy_train, toy_test):
    model, _ = _fit(tiny_config(), toy_train)
    a = model.generate(toy_test, missing="audio", seed=3)
    b = model.generate(batch=toy_test, missing=["audio"], seed=3)
    c = model.generate(condition=apply_masks(toy_test, np.tile([True, False, True], (len(toy_test), 1))), seed=3)
    assert a.features["audio"].shape == (len(toy_test), 8 - 2, 8)
    assert torch.equal(a.features["audio"], b.features["audio"]) and torch.equal(a.features["audio"], c.features["audio"])
    assert a.recovered["audio"].all() and not a.recovered["text"].any()
    observed = model.project(toy_test.features)["text"].transpose(1, 2)
    assert torch.equal(a.features["text"], observed)  # available modalities pass through unchanged
    with pytest.raises(InputError, match="exactly one"):
        model.generate()
    with pytest.raises(ModalityError, match="not one of"):
        model.generate(toy_test, missing="eeg")
    with pytest.raises(ModalityError, match="no available"):
        model.generate(toy_test, missing=("text", "audio", "vision"))


def test_bad_inputs_raise_typed_errors(tiny_config, toy_train):
    model = IMDer(IMDerConfig(**tiny_config()))
    f = toy_train.features
    with pytest.raises(ModalityError, match="exactly"):
        model.predict(MultimodalBatch(features={"text": f["text"], "audio": f["audio"]}))
    with pytest.raises(ShapeError, match="D = 5"):
        model.predict(MultimodalBatch(features={**f, "audio": torch.zeros(len(toy_train), 8, 7)}))
    with pytest.raises(ShapeError, match="same T"):
        model.predict(MultimodalBatch(features={**f, "vision": f["vision"][:, :6]}))
    with pytest.raises(InputError, match="MultimodalBatch"):
        model.predict(f["text"])
    with pytest.raises(LabelError, match=r"\[-3.0, 3.0\]"):
        model.fit(MultimodalBatch(features=f, labels=toy_train.labels * 10))
    with pytest.raises(LabelError, match="float"):
        model.fit(MultimodalBatch(features=f))
    with pytest.raises(ModalityError, match="shape"):
        model.fit(toy_train, masks=np.ones((3, 3), bool))
    with pytest.raises(ModalityError, match="no available modality"):
        model.fit(toy_train, masks=np.zeros((len(toy_train), 3), bool))
    with pytest.raises(ModalityError, match="no available modality"):
        apply_masks(toy_train, np.zeros((len(toy_train), 3), bool))
    with pytest.raises(ConfigError, match="completion"):  # the core's config check: a Literal field's choices
        IMDer(IMDerConfig(**tiny_config(completion="knn")))

"""What LAUN StarGAN should achieve on a learnable toy, and the translation contract: sources, identity, the tail, errors."""

from __future__ import annotations

import pytest
import torch
from emozoo_stargan.example import toy_faces
from emozoo_stargan.model import LAUNStarGAN, LAUNStarGANConfig

import emozoo
from emozoo.data.batches import AudioBatch, ImageBatch
from emozoo.errors import (
    ConfigError,
    DTypeError,
    EmptyInputError,
    InputError,
    LabelError,
    ModalityError,
    NonFiniteError,
    NotFittedError,
    ShapeError,
)
from emozoo.evaluation.classifiers import (
    build_classifier,
    fit_classifier,
    predict_logits,
)


@pytest.fixture(scope="module")
def judge(toy):
    """A classifier trained on real toy faces only: it tells the expressions apart on held-out real faces."""
    train, (x, y, _) = toy
    model = build_classifier("logreg", (1, 16, 16), 3, seed=0)
    fit_classifier(model, train.images, train.labels, epochs=1, lr=1e-3, batch_size=32)
    assert (predict_logits(model, x).argmax(1) == y).float().mean() > 0.95
    return model


def test_translations_carry_their_target_expression(trained, toy, judge):
    model, _ = trained
    x = toy[1][0]
    for c in range(3):
        acc = (predict_logits(judge, model.translate(x, c)).argmax(1) == c).float().mean()
        assert acc > 0.8, f"translations to {c} are classified as {c} only {acc:.2f} of the time (chance 1/3)"


def test_losses_fall_while_training(trained):
    _, history = trained
    rec, cls = history.series("reconstruction_loss"), history.series("g_cls_loss")
    assert sum(rec[-3:]) / 3 < 0.6 * sum(rec[:3]) / 3  # the cycle x -> G(x, c) -> G(., c') comes back closer
    assert cls[-1] < 0.2 < cls[0]  # D's class head accepts the translations as their targets
    assert {"d_loss", "gp", "g_cx_loss", "g_adv_loss"} <= set(history.names())


def test_translation_to_the_own_class_keeps_the_identity(trained, toy):
    model, _ = trained
    x, y, ids = toy[1]
    own = model.translate(x, y)
    self_dist = (own - x).abs().mean((1, 2, 3))
    other_dist = torch.stack([(own[i] - x[(y == y[i]) & (ids != ids[i])]).abs().mean((1, 2, 3)).min() for i in range(len(x))])
    assert (self_dist < other_dist).float().mean() > 0.8  # closest to its own person, not another of the same expression
    assert self_dist.mean() < 0.6 * (model.translate(x, (y + 1) % 3) - x).abs().mean()


def test_generate_translates_majority_faces_into_the_conditions(trained, toy, judge):
    model, _ = trained
    assert model.source_classes == (0,)  # TINY: num_source_classes=1, ties go to the lower id
    a, b = model.generate(9, seed=3), model.generate(9, seed=3)
    assert torch.equal(a.images, b.images) and a.images.shape == (9, 1, 16, 16) and a.images.dtype == torch.float32
    assert a.labels.tolist() == [0, 1, 2] * 3 and 0 <= a.images.min() and a.images.max() <= 1
    assert not torch.equal(a.images, model.generate(9, seed=4).images)
    fear = model.generate(12, condition=2, seed=0)
    assert fear.labels.tolist() == [2] * 12 and (predict_logits(judge, fear.images).argmax(1) == 2).float().mean() > 0.8
    src = toy[1][0][:5]
    out = model.generate(4, condition=[1, 2, 1, 2], seed=0, source=src)
    picks = torch.randint(5, (4,), generator=torch.Generator().manual_seed(0))  # the documented draw
    assert torch.equal(out.images, model.translate(src[picks], [1, 2, 1, 2]))
    assert isinstance(model.generate(2, seed=0, source=ImageBatch(images=src)), ImageBatch)


def test_translation_strip_holds_only_translations(trained, toy):
    model, _ = trained
    x = toy[1][0][:2]
    strip = model.translation_strip(x, [2, 0, 1])
    assert strip.shape == (1, 32, 48)
    assert torch.allclose(strip[:, 16:32, 0:16], model.translate(x[1:2], 2)[0], atol=1e-5)  # batch size changes the last bits
    assert torch.allclose(strip[:, 0:16, 32:48], model.translate(x[0:1], 1)[0], atol=1e-5)


def test_photographs_are_never_saved_and_a_loaded_model_needs_a_source(trained, toy, tmp_path):
    from safetensors.torch import load_file

    model, _ = trained
    model.save_pretrained(tmp_path / "m")
    saved = load_file(str(tmp_path / "m" / "model.safetensors"))
    assert not any(t.ndim == 4 and t.shape[-2:] == (16, 16) and t.shape[1] == 1 and t.shape[0] > 8 for t in saved.values())
    assert saved["source_mask"].tolist() == [1, 0, 0]
    loaded = emozoo.from_pretrained(tmp_path / "m")
    with pytest.raises(InputError, match="source="):
        loaded.generate(3, seed=0)
    src = toy[1][0][:6]
    assert torch.equal(loaded.generate(3, seed=0, source=src).images, model.generate(3, seed=0, source=src).images)
    # the training faces passed back: the loaded model draws exactly what the trained one drew from its own pool
    pool = loaded.source_faces(toy[0])
    assert len(pool) == int((toy[0].labels == 0).sum())  # source_mask [1, 0, 0]: the faces of class 0
    assert torch.equal(loaded.generate(7, seed=3, source=pool).images, model.generate(7, seed=3).images)
    with pytest.raises(LabelError, match="labelled"):
        loaded.source_faces(toy[0].images)


def test_the_tail_a_class_with_three_images_trains_and_a_missing_class_is_named(make_config):
    x, y, _ = toy_faces(60, seed=2)
    keep = torch.cat([torch.nonzero(y != 2).flatten(), torch.nonzero(y == 2).flatten()[:3]])
    model = LAUNStarGAN(make_config(iterations=6))
    model.fit(ImageBatch(images=x[keep], labels=y[keep]))
    assert model.fit_report["synthetic"] == 20 - 3 and model.generate(2, condition=2, seed=0).labels.tolist() == [2, 2]
    with pytest.raises(LabelError, match=r"2 \(c\)"):
        LAUNStarGAN(make_config()).fit_generator(ImageBatch(images=x[y != 2], labels=y[y != 2]))


def test_fit_balances_with_translations_and_predicts(make_config):
    x, y, _ = toy_faces(40)
    model = LAUNStarGAN(make_config(iterations=4, max_synthetic_per_class=2))
    assert model.balancing_conditions(torch.tensor([0] * 5 + [1] * 2 + [2] * 4)) == [1, 1, 2]
    before = {k: v.clone() for k, v in model.classifier.state_dict().items()}
    model.fit_generator(ImageBatch(images=x, labels=y))
    assert all(torch.equal(before[k], v) for k, v in model.classifier.state_dict().items())  # fit_generator: G and D only
    model.fit(ImageBatch(images=x, labels=y))
    assert model.predict(x).probabilities.shape == (40, 3)


def test_same_seed_same_translator_and_the_resnet_variant(make_config, toy):
    train = toy[0].index(list(range(30)))
    a, b = LAUNStarGAN(make_config(iterations=4)), LAUNStarGAN(make_config(iterations=4))
    a.fit_generator(train)
    b.fit_generator(train)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    star = LAUNStarGAN(make_config(iterations=4, generator="resnet", lambda_cx=0.0))
    star.fit_generator(train)
    assert "g_cx_loss" not in star.fit_generator(train).names() and star.translate(train.images[:2], 1).shape == (2, 1, 16, 16)


def test_bad_inputs_and_configs_raise_typed_errors(make_config, trained):
    model, _ = trained
    good = torch.rand(2, 1, 16, 16)
    with pytest.raises(DTypeError, match="prepare_images"):
        model.translate((good * 255).to(torch.uint8), 0)
    with pytest.raises(InputError, match="divide by 255"):
        model.translate(good * 255, 0)
    with pytest.raises(ShapeError, match=r"\[N, 1, 16, 16\]"):
        model.translate(torch.rand(2, 1, 48, 48), 0)
    with pytest.raises(ShapeError):
        model.translate(torch.rand(2, 3, 16, 16), 0)
    with pytest.raises(NonFiniteError):
        model.translate(torch.full((1, 1, 16, 16), float("nan")), 0)
    with pytest.raises(EmptyInputError):
        model.translate(torch.rand(0, 1, 16, 16), 0)
    with pytest.raises(ModalityError):
        model.translate(AudioBatch(inputs=torch.randn(2, 16, 16), kind="features"), 0)
    with pytest.raises(LabelError):
        model.translate(good, 3)
    with pytest.raises(LabelError):
        model.fit_generator((good, torch.tensor([0, 5])))
    with pytest.raises(LabelError):
        model.fit_generator(good)  # no labels
    with pytest.raises(ShapeError):
        model.generate(3, condition=[0, 1])
    with pytest.raises(NotFittedError):
        LAUNStarGAN(make_config()).generate(2, seed=0)
    with pytest.raises(ConfigError):
        LAUNStarGANConfig(num_classes=3)  # eight default names
    with pytest.raises(ConfigError):
        make_config(image_size=20)  # not divisible by 2**d_repeat
    with pytest.raises(ConfigError):
        make_config(source_classes=(0, 5))
    with pytest.raises(ConfigError):
        make_config(generator="unet")

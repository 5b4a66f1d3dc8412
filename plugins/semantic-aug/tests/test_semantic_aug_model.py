"""The method on the learnable toy: training, class-conditional samples, the tail class, determinism, typed errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

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

TAIL = 3


def spread(codes: torch.Tensor) -> float:
    """Mean squared distance to the centroid (the trace of the ML covariance)."""
    return float(((codes - codes.mean(0)) ** 2).sum(1).mean())


def test_training_lowers_the_reconstruction_loss_and_keeps_the_posterior_informative(trained):
    _, history = trained
    first, last = history[0], history[-1]
    assert last["reconstruction_loss"] < 0.3 * first["reconstruction_loss"]
    assert last["kl_divergence"] > 1.0  # the codes carry information: no posterior collapse
    assert {"discriminator_loss", "generator_loss"} <= set(last)


def test_generated_samples_are_recognised_as_their_condition(trained, toy, real_classifier):
    from emozoo.evaluation.classifiers import predict_logits

    model, _ = trained
    x, y = toy[1]
    assert (predict_logits(real_classifier, x).argmax(1) == y).float().mean() > 0.95  # the judge knows the classes
    out = model.generate(400, seed=0)
    assert out.labels.tolist() == (torch.arange(400) % 4).tolist()  # condition None: balanced, in turn
    pred = predict_logits(real_classifier, out.images).argmax(1)
    hits = [float((pred[out.labels == k] == k).float().mean()) for k in range(4)]
    assert sum(hits) / 4 > 0.7, f"per-class recognition {hits} (chance 0.25)"
    assert min(hits) > 0.5, f"per-class recognition {hits} (chance 0.25); the 3-image tail class is class 3"


def test_a_three_image_tail_class_gets_samples_more_diverse_than_its_images(trained, toy):
    model, _ = trained
    train = toy[0]
    real_mu, _ = model.encode(train.images[train.labels == TAIL])
    assert len(real_mu) == 3
    z, labels = model.semantic_latents(200, condition=TAIL, seed=1)
    assert bool((labels == TAIL).all())
    assert spread(z) > 1.5 * spread(real_mu)  # in the latent space the samples are drawn in
    decoded_mu, _ = model.encode(model.generate(200, condition=TAIL, seed=1).images)
    assert spread(decoded_mu) > spread(real_mu)  # and still after decoding and re-encoding
    # the head-to-tail transfer is what widens them: without it (the paper's posterior noise alone) they are narrower
    strength = model.config.semantic_strength
    try:
        model.config.semantic_strength = 0.0
        z_own, _ = model.semantic_latents(200, condition=TAIL, seed=1)
    finally:
        model.config.semantic_strength = strength
    assert spread(z) > 1.2 * spread(z_own)


def test_tail_transfer_borrows_head_covariance(trained):
    model, _ = trained
    cov = model.class_chols @ model.class_chols.transpose(1, 2)
    counts = model.train_counts.tolist()
    assert counts == [60, 60, 60, 3]
    assert model.bank_count.tolist() == [60, 60, 60, 3]
    head_trace = float(cov[:3].diagonal(dim1=1, dim2=2).sum(1).mean())
    # kappa = 20: the tail keeps 3/23 of its own covariance, so its spread is close to the head classes'
    assert float(cov[TAIL].trace()) > 0.6 * head_trace


def test_same_seed_same_samples_and_exact_counts(trained):
    model, _ = trained
    a = model.generate(7, condition=[0, 3, 3, 1, 2, 3, 0], seed=11)
    b = model.generate(7, condition=[0, 3, 3, 1, 2, 3, 0], seed=11)
    c = model.generate(7, condition=[0, 3, 3, 1, 2, 3, 0], seed=12)
    assert torch.equal(a.images, b.images) and not torch.equal(a.images, c.images)
    assert a.images.shape == (7, 1, 16, 16) and a.images.dtype == torch.float32
    assert a.labels.tolist() == [0, 3, 3, 1, 2, 3, 0]
    assert float(a.images.min()) >= 0.0 and float(a.images.max()) <= 1.0
    assert len(model.generate(1, condition=TAIL, seed=0)) == 1
    # chunking (256 per decoder pass) does not change a sample
    big = model.generate(300, condition=TAIL, seed=5)
    assert torch.equal(big.images[:7], model.generate(300, condition=TAIL, seed=5).images[:7])


def test_save_and_load_generates_the_same_samples(trained, tmp_path):
    from emozoo_semantic_aug.model import SemanticAugFER

    model, _ = trained
    model.save_pretrained(tmp_path / "m")
    loaded = SemanticAugFER.from_pretrained(tmp_path / "m")
    assert torch.equal(model.generate(20, condition=TAIL, seed=4).images, loaded.generate(20, condition=TAIL, seed=4).images)


def test_fit_trains_the_classifier_on_real_plus_balancing_synthetic(toy, make_config):
    from emozoo_semantic_aug.model import SemanticAugFER

    model = SemanticAugFER(make_config(epochs=1, classifier_epochs=1, balance_to=0.5))
    model.fit(toy[0])
    assert model.fit_report["real"] == 183 and model.fit_report["synthetic"] == 27  # class 3: 3 -> 30
    prediction = model.predict(toy[1][0][:5])
    assert prediction.probabilities.shape == (5, 4) and prediction.labels.dtype == torch.int64


def test_a_class_without_training_images_is_a_label_error_naming_it(toy, make_config):
    from emozoo_semantic_aug.model import SemanticAugFER

    train = toy[0]
    keep = train.labels != TAIL
    with pytest.raises(LabelError, match="3 \\(diagonal\\)"):
        SemanticAugFER(make_config(epochs=1)).fit_generator(train.index(keep))


def test_bad_inputs_raise_typed_errors_that_name_the_fix(trained, toy):
    model, _ = trained
    x = toy[1][0][:4]
    with pytest.raises(DTypeError, match="prepare_images"):
        model.predict((x * 255).to(torch.uint8))
    with pytest.raises(ShapeError, match="image_size"):
        model.predict(torch.rand(2, 1, 48, 48))
    with pytest.raises(ShapeError):
        model.predict(torch.rand(2, 3, 16, 16))
    with pytest.raises(InputError, match="\\[0, 1\\]"):
        model.predict(x * 255)
    bad = x.clone()
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(NonFiniteError):
        model.predict(bad)
    with pytest.raises(EmptyInputError):
        model.predict(torch.zeros(0, 1, 16, 16))
    with pytest.raises(ModalityError):
        model.predict(AudioBatch(inputs=torch.zeros(2, 16000), kind="waveform", sample_rate=16000))
    with pytest.raises(LabelError):
        model.fit_generator((x, torch.tensor([0, 1, 2, 4])))
    with pytest.raises(LabelError):
        model.generate(2, condition=4, seed=0)
    with pytest.raises(DTypeError):
        model.generate(2, seed=1.5)


def test_unfitted_model_refuses_to_generate(make_config):
    from emozoo_semantic_aug.model import SemanticAugFER

    with pytest.raises(NotFittedError, match="fit"):
        SemanticAugFER(make_config()).generate(2, seed=0)


@pytest.mark.parametrize("field,value", [("image_size", 20), ("channels", 2), ("encoder_channels", (8, 8)), ("decoder_std", 0.0),
                                         ("label_names", ("a",))])
def test_bad_config_is_a_config_error(make_config, field, value):
    with pytest.raises(ConfigError):
        make_config(**{field: value})


REAL = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "facial-expressions-muxspace" / "faces_48x48.npz"


@pytest.mark.skipif(not REAL.exists(), reason="the muxspace face set is not beside the checkout")
def test_real_48x48_faces_with_a_five_image_class(make_config):
    """A slice of the real set (read at run time, never written): 5 contempt faces among 60 others still give contempt samples."""
    from emozoo_semantic_aug.model import SemanticAugFER

    with np.load(REAL) as data:
        labels, images = data["labels"], data["images"]
    names = ("anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
    rows = np.concatenate([np.flatnonzero(labels == 1)[:5], np.flatnonzero(labels == 4)[:30], np.flatnonzero(labels == 5)[:30]])
    remap = {1: 0, 4: 1, 5: 2}
    x = torch.from_numpy(images[rows]).float().div(255).unsqueeze(1)
    y = torch.tensor([remap[int(v)] for v in labels[rows]])
    config = make_config(image_size=48, num_classes=3, label_names=(names[1], names[4], names[5]), epochs=1, head_min_count=10)
    model = SemanticAugFER(config)
    model.fit_generator(ImageBatch(images=x, labels=y))
    out = model.generate(8, condition=0, seed=0)
    assert out.images.shape == (8, 1, 48, 48) and out.labels.tolist() == [0] * 8
    assert float(out.images.min()) >= 0 and float(out.images.max()) <= 1
    with pytest.raises(DTypeError, match="prepare_images"):
        model.predict(torch.from_numpy(images[rows[:2]]).unsqueeze(1))

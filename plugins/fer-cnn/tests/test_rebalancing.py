"""Class rebalancing: inverse-frequency weights against hand-computed values, the weighted loss, class-balanced
oversampled epochs (counts), and the LabelError for a class without training images."""

from __future__ import annotations

import math

import pytest
import torch

import emozoo
from emozoo.data.batches import ImageBatch
from emozoo.errors import LabelError
from emozoo.evaluation.classifiers import build_classifier
from emozoo.runtime import seed_everything


def _imbalanced(toy_faces, counts=(14, 5, 3), seed=0):
    big = toy_faces(3 * max(counts), seed=seed)
    idx = torch.cat([torch.nonzero(big.labels == c).flatten()[:k] for c, k in enumerate(counts)]).sort().values
    return big.index(idx)


def test_class_weights_are_inverse_frequencies_that_average_one():
    from emozoo_fer_cnn.model import class_weights

    y = torch.tensor([0, 0, 0, 1, 2, 2])
    w = class_weights(y, 3)
    # w_c = N / (K n_c): 6 / (3 * 3), 6 / (3 * 1), 6 / (3 * 2)
    assert torch.allclose(w, torch.tensor([2 / 3, 2.0, 1.0]))
    assert w.dtype == torch.float32 and float(w[y].mean()) == pytest.approx(1.0)
    long_tail = torch.tensor([0] * 6864 + [1] * 9 + [2] * 207)
    wl = class_weights(long_tail, 3)
    assert float(wl[long_tail].mean()) == pytest.approx(1.0, rel=1e-6)
    assert float(wl[1]) == pytest.approx(7080 / (3 * 9))


def test_weighted_cross_entropy_against_hand_computation():
    from emozoo_fer_cnn.model import weighted_cross_entropy

    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.5], [0.0, 3.0, 1.0]])
    targets = torch.tensor([0, 2, 1])
    w = torch.tensor([0.5, 2.0, 1.5])

    def ce(row, t):
        return -row[t] + math.log(sum(math.exp(v) for v in row))

    rows = logits.tolist()
    expected = (0.5 * ce(rows[0], 0) + 1.5 * ce(rows[1], 2) + 2.0 * ce(rows[2], 1)) / 3
    assert float(weighted_cross_entropy(logits, targets, w)) == pytest.approx(expected, rel=1e-6)
    # with unit weights it is the plain cross-entropy
    plain = torch.nn.functional.cross_entropy(logits, targets)
    assert torch.allclose(weighted_cross_entropy(logits, targets, torch.ones(3)), plain)


def test_rebalanced_fit_is_a_weighted_hand_loop(make_config, toy_faces):
    """fer-cnn-rebalanced equals a plain PyTorch loop with the weighted loss, seeded like the protocol's classifier."""
    from emozoo_fer_cnn.model import weighted_cross_entropy

    batch = _imbalanced(toy_faces)
    model = emozoo.load("fer-cnn-rebalanced", **make_config(epochs=2))
    model.fit(batch)
    n = torch.tensor([14, 5, 3])
    assert model.fit_report["class_weights"] == pytest.approx((22 / (3 * n.double())).tolist())
    ref = build_classifier("pooled_cnn", (1, 16, 16), 3, seed=0, channels=(4, 8), dropout=0.3)
    seed_everything(0)
    ref.norm.fit(batch.images)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3, weight_decay=1e-4)
    w = torch.tensor(model.fit_report["class_weights"])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(batch.images, batch.labels), batch_size=8,
                                         shuffle=True, generator=torch.Generator().manual_seed(0))
    ref.train()
    for _ in range(2):
        for x, y in loader:
            loss = weighted_cross_entropy(ref(x), y, w)
            loss.backward()
            opt.step()
            opt.zero_grad()
    ours, theirs = model.classifier.state_dict(), ref.state_dict()
    assert all(torch.allclose(ours[k].float(), theirs[k].float(), atol=1e-6) for k in ours)
    plain = emozoo.load("fer-cnn", **make_config(epochs=2))
    plain.fit(batch)
    assert not torch.equal(plain.classifier.features[0].weight, model.classifier.features[0].weight)


def test_balanced_counts_split_n_evenly():
    from emozoo_fer_cnn.model import balanced_counts

    g = torch.Generator().manual_seed(0)
    for n, k in ((22, 3), (24, 3), (13677, 8), (5, 8)):
        counts = balanced_counts(n, k, g)
        assert int(counts.sum()) == n and set(counts.tolist()) <= {n // k, n // k + 1}


def test_oversampling_draws_class_balanced_epochs(make_config, toy_faces):
    from emozoo_fer_cnn.model import BalancedSampler

    batch = _imbalanced(toy_faces)  # 14 / 5 / 3 images
    model = emozoo.load("fer-cnn-rebalanced", **make_config(epochs=3, rebalance="oversample"))
    model.fit(batch)
    epochs = model.fit_report["oversampled_class_counts"]
    assert len(epochs) == 3  # a fresh draw every epoch, through the prepared loader
    for counts in epochs:
        assert sum(counts) == 22 and set(counts) <= {7, 8}  # 22 draws over 3 classes: 7 or 8 each
    sampler = BalancedSampler(batch.labels, 3, seed=5)
    a, b = sampler.draw(), sampler.draw()
    assert not torch.equal(a, b)
    again = BalancedSampler(batch.labels, 3, seed=5)
    assert torch.equal(again.draw(), a) and torch.equal(again.draw(), b)
    # with replacement: the 3 images of class 2 appear about 7-8 times in an epoch, and only those images
    class2 = set(torch.nonzero(batch.labels == 2).flatten().tolist())
    assert {i for i in a.tolist() if int(batch.labels[i]) == 2} <= class2
    assert len(list(sampler)) == 22


def test_a_class_without_training_images_is_a_label_error(make_config, toy_faces):
    batch = _imbalanced(toy_faces, counts=(6, 4, 0))
    for mode in ("weighted", "oversample"):
        model = emozoo.load("fer-cnn-rebalanced", **make_config(epochs=1, rebalance=mode))
        with pytest.raises(LabelError, match=r"class id\(s\) \[2\]"):
            model.fit(batch)
    plain = emozoo.load("fer-cnn", **make_config(epochs=1))
    plain.fit(batch)  # the plain CNN needs no class frequencies


def test_a_class_with_very_few_images_still_works(make_config, toy_faces):
    """As contempt in the muxspace set (9 images in all, 3-5 in a fold's training split)."""
    batch = _imbalanced(toy_faces, counts=(20, 10, 1))
    for mode in ("weighted", "oversample"):
        model = emozoo.load("fer-cnn-rebalanced", **make_config(epochs=1, rebalance=mode))
        model.fit(batch)
        assert model.predict(ImageBatch(images=batch.images)).labels.shape == (31,)

"""Distribution measures of the augmentation protocol against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from emozoo.data.batches import EEGBatch
from emozoo.errors import EmptyInputError, InputError, ShapeError
from emozoo.evaluation.distribution import (
    band_moment_errors,
    median_bandwidth,
    mmd_rbf,
    per_class_report,
)


def test_mmd_matches_a_hand_computed_example() -> None:
    x, y = torch.tensor([[0.0], [1.0]]), torch.tensor([[3.0], [4.0]])
    # sigma = 1: within-x and within-y pairs are 1 apart; cross pairs are 3, 4, 2, 3 apart.
    within = math.exp(-0.5)
    cross = (2 * math.exp(-4.5) + math.exp(-8.0) + math.exp(-2.0)) / 4
    assert mmd_rbf(x, y, 1.0) == pytest.approx(2 * within - 2 * cross, rel=1e-12)
    # two bandwidths sum two kernels
    assert mmd_rbf(x, y, [1.0, 2.0]) == pytest.approx(mmd_rbf(x, y, 1.0) + mmd_rbf(x, y, 2.0), rel=1e-12)


def test_median_heuristic_is_the_default_bandwidth() -> None:
    x, y = torch.tensor([[0.0], [1.0]]), torch.tensor([[3.0], [4.0]])
    # distinct pairwise distances 1, 3, 4, 2, 3, 1 -> median 2.5
    assert median_bandwidth(x, y) == pytest.approx(2.5)
    assert mmd_rbf(x, y) == pytest.approx(mmd_rbf(x, y, 2.5), rel=1e-12)


def test_mmd_is_near_zero_for_one_distribution_and_grows_with_a_mean_shift() -> None:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 8, generator=g), torch.randn(300, 8, generator=g)
    same = mmd_rbf(a, b, 4.0)
    shifts = [mmd_rbf(a, b + d, 4.0) for d in (0.25, 0.5, 1.0)]
    assert abs(same) < 0.01
    assert same < shifts[0] < shifts[1] < shifts[2]


def test_mmd_errors() -> None:
    with pytest.raises(ShapeError):
        mmd_rbf(torch.zeros(3, 2), torch.zeros(3, 4))
    with pytest.raises(EmptyInputError, match="at least 2"):
        mmd_rbf(torch.zeros(1, 2), torch.zeros(3, 2))
    with pytest.raises(InputError, match="bandwidths"):
        mmd_rbf(torch.zeros(3, 2), torch.ones(3, 2), [0.0])


def test_band_moment_errors_by_hand() -> None:
    real = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[2.0, 3.0], [4.0, 5.0]]])  # [N=2, C=2, B=2]
    synth = real + torch.tensor([[1.0, 0.0], [3.0, 0.0]])  # shifts band 0 by 1 (channel 0) and 3 (channel 1)
    synth = torch.cat([synth, synth])  # same per-feature variance as itself
    out = band_moment_errors(real, synth)
    assert out["mean_abs_error"] == pytest.approx([2.0, 0.0])
    assert out["var_abs_error"] == pytest.approx([0.0, 0.0])
    # doubling: per feature {x, x+2} -> {2x, 2x+4}: variance 1 -> 4, mean error x + 1 with x = real[0]
    doubled = band_moment_errors(real, real * 2)
    assert doubled["mean_abs_error"] == pytest.approx([2.0, 3.0])
    assert doubled["var_abs_error"] == pytest.approx([3.0, 3.0])
    with pytest.raises(ShapeError, match="band_axis"):
        band_moment_errors(real, synth, band_axis=0)


def test_per_class_report_splits_by_label() -> None:
    g = torch.Generator().manual_seed(1)
    real = EEGBatch(features=torch.randn(40, 4, 5, generator=g), labels=torch.arange(2).repeat(20), band_names=("d", "t", "a", "b", "g"))
    feats = torch.randn(30, 4, 5, generator=g)
    labels = torch.tensor([0] * 29 + [1])
    feats[labels == 0] += 3.0
    synth = EEGBatch(features=feats, labels=labels)
    report = per_class_report(real, synth)
    c0, c1 = report["per_class"]["0"], report["per_class"]["1"]
    assert (c0["n_real"], c0["n_synth"], c1["n_synth"]) == (20, 29, 1)
    assert c0["mmd2"] > 0.1 and c1["mmd2"] is None
    assert len(c0["mean_abs_error"]) == 5 and c0["bands"] == ["d", "t", "a", "b", "g"]
    assert c0["mean_abs_error"][2] > 2.0
    assert report["overall"]["n_real"] == 40

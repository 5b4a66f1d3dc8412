"""Missing-rate protocol: MR formula, the official schedule (and its MR = 0 bug), per-sample masks, mask files."""

import numpy as np
import pytest
from emozoo_imder import missing as miss

from emozoo.errors import InputError, ModalityError


def test_missing_rate_formula_and_official_schedule():
    assert miss.missing_rate(0.1, 0.1) == pytest.approx(0.1)
    assert miss.missing_rate(0.5, 0.2) == pytest.approx(0.4)
    expected = {0.1: 0.1, 0.2: 0.2, 0.3: 0.3, 0.4: 0.4, 0.5: 0.5, 0.6: 0.6, 0.7: 2 / 3}  # 0.7 only reaches 2/3
    for mr, effective in expected.items():
        assert miss.missing_rate(*miss.schedule(mr)) == pytest.approx(effective)
    assert miss.schedule(0.0) == (0.0, 0.0)
    assert miss.schedule(0.0, wraparound_bug=True) == (1.0, 0.0)  # index -1: every batch loses two modalities
    with pytest.raises(InputError, match="missing rate"):
        miss.schedule(0.15)


def test_official_batch_plan_hand_computed():
    # 41 batches (MOSI train, batch 32): denominator round(4.1) * 10 = 40; MR 0.1 -> 4 batches keep one modality,
    # 4 keep two, 33 complete
    plan = miss.official_batch_plan(41, 0.1)
    assert plan == [1] * 4 + [2] * 4 + [3] * 33
    assert miss.official_batch_plan(41, 0.0) == [3] * 41
    assert miss.official_batch_plan(41, 0.0, wraparound_bug=True) == [1] * 40 + [3]  # 40/40 is not < 1.0
    assert miss.official_batch_plan(10, 0.7) == [1] * 10
    # 4 batches: denominator round(0.4) * 10 = 0, so nothing is ever dropped
    assert miss.official_batch_plan(4, 0.5) == [3] * 4


def test_official_batch_masks_share_one_pattern_per_batch():
    m = miss.official_batch_masks([3] * 9 + [2], 0.3, seed=0)  # 10 batches: 3 keep one modality, 3 keep two
    assert m.shape == (29, 3)
    kept = m.sum(axis=1)
    assert kept.tolist() == [1] * 9 + [2] * 9 + [3] * 11
    assert all((m[i : i + 3] == m[i]).all() for i in range(0, 27, 3))


def test_per_sample_masks_counts_and_seed():
    m = miss.per_sample_masks(10, 0.3, seed=5)
    kept = m.sum(axis=1)
    assert (kept == 1).sum() == 3 and (kept == 2).sum() == 3 and (kept == 3).sum() == 4
    assert miss.effective_missing_rate(m) == pytest.approx((2 * 3 + 3) / 30)
    assert np.array_equal(m, miss.per_sample_masks(10, 0.3, seed=5))
    assert not np.array_equal(m, miss.per_sample_masks(10, 0.3, seed=6))
    assert miss.per_sample_masks(7, 0.0, seed=1).all()
    big = miss.per_sample_masks(1000, 0.4, seed=0)
    assert miss.effective_missing_rate(big) == pytest.approx(0.4)


def test_check_masks_errors():
    with pytest.raises(ModalityError, match="shape"):
        miss.check_masks(np.ones((4, 2), bool), 4)
    with pytest.raises(ModalityError, match="no available modality"):
        miss.check_masks(np.array([[1, 0, 0], [0, 0, 0]], bool), 2)
    with pytest.raises(ModalityError, match="bool"):
        miss.check_masks(np.full((1, 3), 0.5), 1)


def test_mask_file_round_trip(tmp_path):
    masks = {"train": miss.per_sample_masks(9, 0.2, 0), "test": miss.per_sample_masks(5, 0.6, 1)}
    miss.save_masks(tmp_path / "m.npz", masks, {"mr": 0.2, "seed": 0})
    back, meta = miss.load_masks(tmp_path / "m.npz")
    assert meta["mr"] == 0.2 and meta["columns"] == ["text", "audio", "vision"]
    assert all(np.array_equal(back[k], masks[k]) for k in masks)

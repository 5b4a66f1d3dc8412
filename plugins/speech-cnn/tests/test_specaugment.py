"""SpecAugment (Park et al. 2019, Sec. 2): mask counts and widths as configured, masked cells set, the rest untouched."""

from __future__ import annotations

import pytest
import torch

from emozoo.errors import ConfigError, ShapeError
from emozoo_speech_cnn.augment import SpecAugmentConfig, SpecAugmentMasks, apply_masks, draw_masks, spec_augment, time_warp


def test_masks_have_the_configured_counts_and_width_ranges():
    policy = SpecAugmentConfig(freq_masks=3, freq_width=5, time_masks=4, time_width=50, time_ratio=0.1)
    m = draw_masks(2000, 100, 16, policy, torch.Generator().manual_seed(0))
    assert m.freq_width.shape == m.freq_start.shape == (2000, 3)
    assert m.time_width.shape == m.time_start.shape == (2000, 4)
    # f ~ U{0..F}: every width 0..5 occurs, none beyond; t bounded by min(T, floor(p * tau)) = min(50, 10)
    assert set(m.freq_width.unique().tolist()) == set(range(6))
    assert set(m.time_width.unique().tolist()) == set(range(11))
    # f0 in [0, nu - f), t0 in [0, tau - t): masks stay inside the spectrogram
    assert int((m.freq_start + m.freq_width).max()) <= 16 and int(m.freq_start.min()) >= 0
    assert int((m.time_start + m.time_width).max()) <= 100 and int(m.time_start.min()) >= 0
    assert m.warp_centre is None  # warping is off by default


def test_masked_cells_take_the_utterance_mean_and_the_rest_is_unchanged():
    x = torch.randn(3, 20, 8, generator=torch.Generator().manual_seed(1))
    masks = SpecAugmentMasks(
        freq_start=torch.tensor([[1], [0], [7]]), freq_width=torch.tensor([[2], [0], [1]]),
        time_start=torch.tensor([[5], [10], [0]]), time_width=torch.tensor([[3], [4], [0]]),
    )
    out = apply_masks(x, masks, "mean")
    expected = x.clone()
    mean = x.mean((1, 2))
    expected[0, :, 1:3] = mean[0]
    expected[0, 5:8, :] = mean[0]
    expected[1, 10:14, :] = mean[1]
    expected[2, :, 7:8] = mean[2]
    assert torch.equal(out, expected)
    cells = masks.cells(20, 8)
    assert int(cells[0].sum()) == 20 * 2 + 3 * 8 - 3 * 2 and int(cells[1].sum()) == 4 * 8 and int(cells[2].sum()) == 20
    zero = apply_masks(x, masks, "zero")
    assert torch.equal(zero[cells], torch.zeros(int(cells.sum()))) and torch.equal(zero[~cells], x[~cells])


def test_spec_augment_draws_per_utterance_and_repeats_under_a_seed():
    x = torch.randn(16, 40, 16)
    policy = SpecAugmentConfig(freq_width=4, time_width=8)
    a = spec_augment(x, policy, torch.Generator().manual_seed(3))
    b = spec_augment(x, policy, torch.Generator().manual_seed(3))
    c = spec_augment(x, policy, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    changed = (a != x).reshape(16, -1).sum(1)
    assert len(set(changed.tolist())) > 1  # each utterance gets its own masks
    # at most m_F * F mel bins and m_T * T frames are masked in any utterance
    for i in range(16):
        rows = (a[i] != x[i]).all(1).sum()
        cols = (a[i] != x[i]).all(0).sum()
        assert rows <= 2 * 8 and cols <= 2 * 4


def test_time_warp_moves_the_anchor_and_keeps_the_ends():
    ramp = torch.arange(50, dtype=torch.float32)[None, :, None].expand(2, 50, 3).contiguous()
    out = time_warp(ramp, torch.tensor([20, 20]), torch.tensor([5, 0]))
    assert torch.allclose(out[1], ramp[1])  # no shift: identity
    assert out[0, 0, 0] == 0 and out[0, -1, 0] == 49  # both ends stay
    assert torch.isclose(out[0, 25, 0], torch.tensor(20.0))  # the anchor frame 20 now sits at 25
    assert bool((out[0, 1:, 0] > out[0, :-1, 0]).all())  # monotone: a warp, no folding
    policy = SpecAugmentConfig(freq_width=4, warp_width=5)
    m = draw_masks(500, 50, 8, policy, torch.Generator().manual_seed(0))
    assert int(m.warp_centre.min()) >= 5 and int(m.warp_centre.max()) < 45 and int(m.warp_shift.abs().max()) == 5


def test_bad_policies_and_inputs_raise_typed_errors():
    with pytest.raises(ConfigError, match="freq_width"):
        draw_masks(1, 10, 8, SpecAugmentConfig(freq_width=9), torch.Generator())
    with pytest.raises(ConfigError, match="time_ratio"):
        SpecAugmentConfig(time_ratio=1.5)
    with pytest.raises(ShapeError):
        apply_masks(torch.zeros(4, 8), draw_masks(4, 4, 8, SpecAugmentConfig(freq_width=2), torch.Generator()))

"""Electrode layouts and the 9x9 grid: known positions, bit-exact round trips for numpy and torch, typed errors."""

import numpy as np
import pytest
import torch

from emozoo.errors import ConfigError, ShapeError
from emozoo_eeg.layout import (
    BAND_EDGES_HZ,
    BANDS,
    DEAP_CHANNELS,
    DREAMER_CHANNELS,
    GRID_SHAPE,
    SEED_CHANNELS,
    from_grid,
    grid_positions,
    to_grid,
)


def test_channel_lists_match_the_data_sets():
    assert len(SEED_CHANNELS) == len(set(SEED_CHANNELS)) == 62
    assert SEED_CHANNELS[:5] == ("FP1", "FPZ", "FP2", "AF3", "AF4") and SEED_CHANNELS[-5:] == ("CB1", "O1", "OZ", "O2", "CB2")
    assert len(DEAP_CHANNELS) == len(set(DEAP_CHANNELS)) == 32
    assert DEAP_CHANNELS[0] == "FP1" and DEAP_CHANNELS[15] == "PZ" and DEAP_CHANNELS[16] == "FP2" and DEAP_CHANNELS[31] == "O2"
    assert len(DREAMER_CHANNELS) == 14 and set(DREAMER_CHANNELS) <= set(SEED_CHANNELS)
    assert len(BANDS) == len(BAND_EDGES_HZ) == 5 and BAND_EDGES_HZ[2] == (8, 14)


@pytest.mark.parametrize(
    ("layout", "name", "cell"),
    [("seed62", "FP1", (0, 3)), ("seed62", "FPZ", (0, 4)), ("seed62", "CZ", (4, 4)), ("seed62", "T7", (4, 0)),
     ("seed62", "T8", (4, 8)), ("seed62", "CB1", (8, 2)), ("seed62", "OZ", (8, 4)), ("seed62", "PO7", (7, 1)),
     ("deap32", "F7", (2, 0)), ("deap32", "FC5", (3, 1)), ("deap32", "PZ", (6, 4)), ("deap32", "O2", (8, 5))],
)
def test_known_electrode_positions(layout, name, cell):
    assert grid_positions(layout)[name] == cell


@pytest.mark.parametrize("layout", ["seed62", "deap32", "dreamer14"])
def test_positions_are_distinct_and_in_the_grid(layout):
    pos = grid_positions(layout)
    assert len(set(pos.values())) == len(pos)
    assert all(0 <= r < GRID_SHAPE[0] and 0 <= c < GRID_SHAPE[1] for r, c in pos.values())
    # left hemisphere (odd 10-20 numbers) lies left of the midline column, right hemisphere right of it
    for name, (_, col) in pos.items():
        if name[-1].isdigit():
            assert (col < 4) == (int(name[-1]) % 2 == 1), name


@pytest.mark.parametrize("layout", ["seed62", "deap32"])
def test_numpy_round_trip_is_bit_exact_and_empty_cells_are_zero(layout):
    n = len(grid_positions(layout))
    x = np.random.default_rng(0).normal(size=(4, 3, n, 5)).astype(np.float32) + 1.0
    g = to_grid(x, layout)
    assert g.shape == (4, 3, 5, 9, 9) and g.dtype == np.float32
    assert int((g[0, 0, 0] != 0).sum()) == n
    r, c = grid_positions(layout)["FP1"]
    assert g[1, 2, 4, r, c] == x[1, 2, 0, 4]
    back = from_grid(g, layout)
    assert back.shape == x.shape and np.array_equal(back, x)


def test_torch_round_trip_keeps_dtype_and_gradients():
    x = torch.randn(2, 62, 5, dtype=torch.float64, requires_grad=True)
    g = to_grid(x)
    assert isinstance(g, torch.Tensor) and g.shape == (2, 5, 9, 9) and g.dtype == torch.float64
    back = from_grid(g)
    assert torch.equal(back, x)
    back.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))
    assert np.array_equal(to_grid(x.detach().numpy()), g.detach().numpy())


def test_grid_errors_are_typed():
    with pytest.raises(ShapeError, match="62"):
        to_grid(np.zeros((3, 32, 5)), "seed62")
    with pytest.raises(ShapeError, match="9, 9"):
        from_grid(np.zeros((3, 5, 8, 8)))
    with pytest.raises(ConfigError, match="seed62"):
        grid_positions("seed-62")

"""Electrode layouts: band names and edges, channel orders of SEED / DEAP / DREAMER, and the 9x9 scalp grid.

Band edges are SEED's (Zheng & Lu 2015, IEEE TAMD 7(3); SEED/SEED-IV ReadMe: delta 1-4, theta 4-8,
alpha 8-14, beta 14-31, gamma 31-50 Hz). Channel orders: SEED's ``channel-order`` file (62 channels of
the ESI NeuroScan cap, shared by SEED and SEED-IV); DEAP's Geneva order (DEAP ``participant_ratings`` /
preprocessed-data description, channels 1-32); DREAMER's Emotiv EPOC order (Katsigiannis & Ramzan 2018).
Names are upper-case throughout (SEED's spelling) so one grid serves every data set.

The 9x9 grid is the map used by EEG "topographic matrix" models: Yang et al. 2018, "Continuous
convolutional neural network with 3D input for EEG-based emotion recognition" (ICONIP; the DEAP map) and
Li et al. 2018 / later SEED papers (the 62-channel map), as also tabulated by TorchEEG
(``SEED_LOCATION_LIST``, ``DEAP_LOCATION_LIST``). Rows run front (Fp) to back (O), columns left to right.
Works on numpy arrays and torch tensors alike; torch is imported only when a tensor is passed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emozoo.errors import ConfigError, ShapeError, closest

__all__ = [
    "BANDS",
    "BAND_EDGES_HZ",
    "DEAP_CHANNELS",
    "DREAMER_CHANNELS",
    "GRID_SHAPE",
    "LAYOUTS",
    "SEED_CHANNELS",
    "from_grid",
    "grid_positions",
    "to_grid",
]

BANDS: tuple[str, ...] = ("delta", "theta", "alpha", "beta", "gamma")
BAND_EDGES_HZ: tuple[tuple[float, float], ...] = ((1, 4), (4, 8), (8, 14), (14, 31), (31, 50))
GRID_SHAPE: tuple[int, int] = (9, 9)

SEED_CHANNELS: tuple[str, ...] = (
    "FP1", "FPZ", "FP2", "AF3", "AF4",
    "F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8",
    "T7", "C5", "C3", "C1", "CZ", "C2", "C4", "C6", "T8",
    "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6", "TP8",
    "P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8",
    "PO7", "PO5", "PO3", "POZ", "PO4", "PO6", "PO8",
    "CB1", "O1", "OZ", "O2", "CB2",
)  # fmt: skip

DEAP_CHANNELS: tuple[str, ...] = (
    "FP1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3", "P7", "PO3", "O1", "OZ", "PZ",
    "FP2", "AF4", "FZ", "F4", "F8", "FC6", "FC2", "CZ", "C4", "T8", "CP6", "CP2", "P4", "P8", "PO4", "O2",
)  # fmt: skip

DREAMER_CHANNELS: tuple[str, ...] = (
    "AF3", "F7", "F3", "FC5", "T7", "P7", "O1", "O2", "P8", "T8", "FC6", "F4", "F8", "AF4",
)  # fmt: skip

# The 9x9 map of the 10-10 positions SEED's cap covers ("-" = no electrode).
_GRID_10_10: tuple[tuple[str, ...], ...] = (
    ("-", "-", "-", "FP1", "FPZ", "FP2", "-", "-", "-"),
    ("-", "-", "-", "AF3", "-", "AF4", "-", "-", "-"),
    ("F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8"),
    ("FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8"),
    ("T7", "C5", "C3", "C1", "CZ", "C2", "C4", "C6", "T8"),
    ("TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6", "TP8"),
    ("P7", "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8"),
    ("-", "PO7", "PO5", "PO3", "POZ", "PO4", "PO6", "PO8", "-"),
    ("-", "-", "CB1", "O1", "OZ", "O2", "CB2", "-", "-"),
)  # fmt: skip

_CELL: dict[str, tuple[int, int]] = {
    name: (r, c) for r, row in enumerate(_GRID_10_10) for c, name in enumerate(row) if name != "-"
}

#: layout name -> channel order of the data set's features.
LAYOUTS: dict[str, tuple[str, ...]] = {"seed62": SEED_CHANNELS, "deap32": DEAP_CHANNELS, "dreamer14": DREAMER_CHANNELS}


def grid_positions(layout: str) -> dict[str, tuple[int, int]]:
    """Map each channel of ``layout`` (in the data set's order) to its (row, col) on the 9x9 grid."""
    channels = _channels(layout)
    return {name: _CELL[name] for name in channels}


def _channels(layout: str) -> tuple[str, ...]:
    """Channel order of a layout; unknown names raise ConfigError with suggestions."""
    if layout not in LAYOUTS:
        hint = closest(str(layout), LAYOUTS)
        raise ConfigError(
            f"layout {layout!r} is unknown; use one of {sorted(LAYOUTS)}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
    return LAYOUTS[layout]


def _index(layout: str) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index arrays, one entry per channel in the layout's order."""
    pos = grid_positions(layout)
    rows = np.array([p[0] for p in pos.values()], dtype=np.int64)
    cols = np.array([p[1] for p in pos.values()], dtype=np.int64)
    return rows, cols


def _is_torch(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "torch"


def to_grid(x: Any, layout: str = "seed62") -> Any:
    """Place ``[..., C, B]`` channel features on the scalp grid: ``[..., B, 9, 9]``, empty cells 0."""
    rows, cols = _index(layout)
    n_ch = len(rows)
    if x.ndim < 2 or x.shape[-2] != n_ch:
        raise ShapeError(
            f"to_grid: expected [..., {n_ch}, B] for layout {layout!r}, got shape {tuple(x.shape)}; "
            f"pass channels on dim -2 in the {layout} order"
        )
    lead, n_bands = tuple(x.shape[:-2]), x.shape[-1]
    if _is_torch(x):
        import torch

        out = torch.zeros((*lead, n_bands, *GRID_SHAPE), dtype=x.dtype, device=x.device)
        out[..., torch.from_numpy(rows).to(x.device), torch.from_numpy(cols).to(x.device)] = x.transpose(-1, -2)
        return out
    arr = np.asarray(x)
    out = np.zeros((*lead, n_bands, *GRID_SHAPE), dtype=arr.dtype)
    out[..., rows, cols] = np.swapaxes(arr, -1, -2)
    return out


def from_grid(g: Any, layout: str = "seed62") -> Any:
    """Read channel features back off the grid: ``[..., B, 9, 9]`` -> ``[..., C, B]`` (exact inverse of to_grid)."""
    rows, cols = _index(layout)
    if g.ndim < 3 or tuple(g.shape[-2:]) != GRID_SHAPE:
        raise ShapeError(f"from_grid: expected [..., B, 9, 9], got shape {tuple(g.shape)}; pass a grid made by to_grid")
    if _is_torch(g):
        import torch

        picked = g[..., torch.from_numpy(rows).to(g.device), torch.from_numpy(cols).to(g.device)]
        return picked.transpose(-1, -2).contiguous()
    arr = np.asarray(g)
    return np.ascontiguousarray(np.swapaxes(arr[..., rows, cols], -1, -2))

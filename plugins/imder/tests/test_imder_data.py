"""MMSA feature files: safe unpickling (a malicious pickle is refused without running), conversion, adapters."""

import pickle

import numpy as np
import pytest
import torch
from emozoo_imder.data import (
    CMUMOSEI,
    CMUMOSI,
    UnsafePickleError,
    convert_to_npz,
    load_mmsa_pickle,
)

from emozoo.errors import InputError


def _mmsa(dims=(768, 5, 20), n=(4, 2, 3), length=50):
    rng = np.random.default_rng(0)
    out = {}
    for split, k in zip(("train", "valid", "test"), n):
        audio = rng.normal(size=(k, length, dims[1])).astype(np.float32)
        audio[0, 0, 0] = -np.inf  # MMSA's MOSI audio holds -inf; the loader zeroes it
        out[split] = {
            "text": rng.normal(size=(k, length, dims[0])).astype(np.float32),
            "audio": audio,
            "vision": rng.normal(size=(k, length, dims[2])).astype(np.float32),
            "regression_labels": rng.uniform(-3, 3, size=(k,)).astype(np.float32),
            "classification_labels": np.zeros(k, dtype=np.int64),
            "id": np.array([f"clip{i}" for i in range(k)], dtype=object),
            "raw_text": np.array(["words"] * k),
        }
    return out


@pytest.mark.parametrize("protocol", [2, 4])
def test_restricted_unpickler_reads_mmsa_layout_and_converts(tmp_path, protocol):
    data = _mmsa()
    src = tmp_path / "aligned_50.pkl"
    src.write_bytes(pickle.dumps(data, protocol=protocol))
    loaded = load_mmsa_pickle(src)
    assert np.array_equal(loaded["train"]["text"], data["train"]["text"])
    splits = CMUMOSI(src).load()
    assert splits["train"].features["audio"].shape == (4, 50, 5)
    assert splits["train"].features["audio"][0, 0, 0] == 0.0
    assert torch.allclose(splits["test"].labels, torch.from_numpy(data["test"]["regression_labels"]))
    npz = convert_to_npz(src, tmp_path / "mosi.npz")
    again = CMUMOSI(npz).load()
    assert torch.equal(again["valid"].features["vision"], splits["valid"].features["vision"])


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    data = _mmsa()
    data["train"]["text"] = _Evil(marker)
    src = tmp_path / "evil.pkl"
    src.write_bytes(pickle.dumps(data))
    with pytest.raises(UnsafePickleError, match="system"):
        load_mmsa_pickle(src)
    with pytest.raises(UnsafePickleError):
        CMUMOSI(src).load()
    assert not marker.exists()


def test_bad_files_raise_clear_errors(tmp_path):
    trunc = tmp_path / "t.pkl"
    trunc.write_bytes(pickle.dumps(_mmsa())[:100])
    with pytest.raises(InputError, match="not a readable"):
        load_mmsa_pickle(trunc)
    nosplit = tmp_path / "n.pkl"
    nosplit.write_bytes(pickle.dumps({"train": {}}))
    with pytest.raises(InputError, match="lacks"):
        CMUMOSI(nosplit).load()
    mosi = tmp_path / "mosi.pkl"
    mosi.write_bytes(pickle.dumps(_mmsa()))
    with pytest.raises(InputError, match="cmu-mosei"):
        CMUMOSEI(mosi).load()  # MOSI dims are not MOSEI's


def test_plugin_registers_datasets():
    import emozoo

    ids = {d.id: d for d in emozoo.list_datasets()}
    assert ids["cmu-mosi"].load_adapter_class() is CMUMOSI
    assert ids["cmu-mosei"].load_adapter_class() is CMUMOSEI

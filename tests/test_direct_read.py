"""A warm load reads the weights file's bytes straight into the model's tensors (emozoo.weights._read_into_model):
bit-exact for every dtype, ties kept, and the general path (with its casts, hooks and errors) whenever that is not
exactly what ``load_state_dict`` would do."""

from __future__ import annotations

import os
import time

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

import emozoo.weights as weights_mod
from emozoo import hash_cache
from emozoo.errors import WeightsError
from emozoo.weights import load_weights


class Mixed(nn.Module):
    """One tensor of each dtype safetensors and emozoo's releases use, a scalar and an empty one, and a tied pair."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(5, 3)
        self.tied = nn.Linear(3, 5, bias=False)
        self.tied_again = nn.Linear(3, 5, bias=False)
        self.tied_again.weight = self.tied.weight
        self.register_buffer("f64", torch.zeros(4, dtype=torch.float64))
        self.register_buffer("f16", torch.zeros(2, 3, dtype=torch.float16))
        self.register_buffer("bf16", torch.zeros(3, dtype=torch.bfloat16))
        self.register_buffer("i64", torch.zeros((), dtype=torch.long))
        self.register_buffer("u8", torch.zeros(7, dtype=torch.uint8))
        self.register_buffer("flags", torch.zeros(3, dtype=torch.bool))
        self.register_buffer("empty", torch.zeros(0, 4))


def _filled(seed: int) -> Mixed:
    torch.manual_seed(seed)
    model = Mixed()
    with torch.no_grad():
        for name, tensor in model.state_dict(keep_vars=True).items():
            if tensor.dtype.is_floating_point:
                tensor.copy_(torch.randn(tensor.shape, dtype=torch.float64).to(tensor.dtype))
            elif tensor.dtype == torch.bool:
                tensor.copy_(torch.tensor([True, False, True]))
            else:
                tensor.copy_(torch.randint(0, 200, tensor.shape, dtype=tensor.dtype))
    return model


@pytest.fixture
def known_file(tmp_path, monkeypatch):
    """Save a state dict and let the hash cache learn it, so that ``load_weights`` takes the warm path."""
    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 0.0)

    def save(tensors: dict[str, torch.Tensor], name: str = "w.safetensors"):
        path = tmp_path / name
        save_file(tensors, path)
        time.sleep(0.05)
        return path, hash_cache.sha256_cached(path)

    return save


@pytest.fixture
def direct_reads(monkeypatch):
    calls = []
    real = weights_mod._preadv_all
    monkeypatch.setattr(weights_mod, "_preadv_all", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def _state_to_save(model: nn.Module) -> dict[str, torch.Tensor]:
    state = dict(model.state_dict())
    state.pop("tied_again.weight", None)  # save_model writes a tied tensor once
    return {k: v.contiguous() for k, v in state.items()}


def test_direct_read_is_bit_exact_for_every_dtype_and_keeps_ties(known_file, direct_reads):
    source = _filled(0)
    path, digest = known_file(_state_to_save(source))
    target = _filled(1)
    load_weights(target, path, expected_sha256=digest)
    assert direct_reads == [1]
    for key, tensor in source.state_dict().items():
        got = target.state_dict()[key]
        assert got.dtype == tensor.dtype and got.shape == tensor.shape
        assert torch.equal(got.reshape(-1).view(torch.uint8), tensor.reshape(-1).view(torch.uint8)), key  # to the bit
    assert target.tied_again.weight is target.tied.weight and target.linear.weight.requires_grad


def test_short_reads_and_few_buffers_per_call_still_fill_every_tensor(known_file, monkeypatch):
    source = _filled(0)
    path, digest = known_file(_state_to_save(source))
    real_preadv, calls = os.preadv, []

    def dribbling(fd, buffers, offset):  # at most 7 bytes per call, as a slow file system may give
        calls.append(len(buffers))
        first = buffers[0][:7] if len(buffers[0]) > 7 else buffers[0]
        return real_preadv(fd, [first], offset)

    monkeypatch.setattr(os, "preadv", dribbling)
    real_all = weights_mod._preadv_all
    monkeypatch.setattr(weights_mod, "_preadv_all", lambda fd, views, offset: real_all(fd, views, offset, limit=2))
    target = _filled(1)
    load_weights(target, path, expected_sha256=digest)
    assert len(calls) > 20 and max(calls) <= 2
    assert all(torch.equal(a, b) for a, b in zip(source.state_dict().values(), target.state_dict().values(), strict=True))


def test_a_file_that_ends_early_is_an_error_not_a_partial_model(tmp_path):
    path = tmp_path / "short.bin"
    path.write_bytes(b"abc")
    buffer = bytearray(8)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(OSError, match="ended at byte 3"):
            weights_mod._preadv_all(fd, [memoryview(buffer)], 0)
    finally:
        os.close(fd)


def test_another_dtype_in_the_file_takes_the_casting_path(known_file, direct_reads):
    source = nn.Linear(4, 2).to(torch.float16)
    path, digest = known_file({k: v.contiguous() for k, v in source.state_dict().items()})
    target = nn.Linear(4, 2)
    load_weights(target, path, expected_sha256=digest)
    assert direct_reads == [] and target.weight.dtype == torch.float32
    assert torch.equal(target.weight, source.weight.float())


def test_load_hooks_are_honoured_by_taking_the_general_path(known_file, direct_reads):
    source = nn.Linear(4, 2)
    path, digest = known_file(dict(source.state_dict()))
    target, seen = nn.Linear(4, 2), []
    target.register_load_state_dict_post_hook(lambda module, keys: seen.append(module))
    load_weights(target, path, expected_sha256=digest)
    assert direct_reads == [] and seen == [target] and torch.equal(target.weight, source.weight)


def test_mismatched_files_give_the_general_paths_errors(known_file, direct_reads):
    source = nn.Linear(4, 2)
    path, digest = known_file({"weight": source.weight.detach().contiguous()}, "missing.safetensors")
    with pytest.raises(WeightsError, match=r"missing keys \['bias'\]"):
        load_weights(nn.Linear(4, 2), path, expected_sha256=digest)
    path, digest = known_file({k: v.contiguous() for k, v in nn.Linear(4, 3).state_dict().items()}, "shape.safetensors")
    with pytest.raises(WeightsError, match="does not fit Linear"):
        load_weights(nn.Linear(4, 2), path, expected_sha256=digest)
    path, digest = known_file({"weight": torch.zeros(2, 4, dtype=torch.long), "bias": torch.zeros(2)}, "kind.safetensors")
    with pytest.raises(WeightsError, match="never casts on load"):
        load_weights(nn.Linear(4, 2), path, expected_sha256=digest)
    assert direct_reads == []


def test_views_sharing_memory_are_not_read_into(known_file, direct_reads):
    class Overlap(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("whole", torch.zeros(6))
            self.register_buffer("head", self.whole[:3])  # a view of part of another tensor

    source = Overlap()
    source.whole.copy_(torch.arange(6.0))
    path, digest = known_file({"whole": torch.arange(6.0), "head": torch.arange(3.0) + 10})
    target = Overlap()
    load_weights(target, path, expected_sha256=digest)
    assert direct_reads == []  # load_state_dict's order decides which write wins: the general path does that


@pytest.mark.parametrize("offsets", ['5', '[0]', '[0, "8"]', '[0, 8, 16]', '[4, 12]', 'null'])
def test_a_header_with_odd_offsets_is_left_to_the_general_path(tmp_path, offsets):
    """A file a cache entry vouched for but whose header is not what safetensors writes: never read into the model."""
    import json

    header = json.dumps({"weight": {"dtype": "F32", "shape": [2], "data_offsets": json.loads(offsets)}}).encode()
    path = tmp_path / "odd.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))

    class One(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("weight", torch.full((2,), 3.0))

    model = One()
    fd = os.open(path, os.O_RDONLY)
    try:
        assert weights_mod._read_into_model(model, fd, path.stat().st_size, "cpu", path, None) is False
    finally:
        os.close(fd)
    assert torch.equal(model.weight, torch.full((2,), 3.0))

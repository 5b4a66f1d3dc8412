"""Loading builds without weight init (emozoo.weights): same values to the bit, own memory, ties kept, dtype cast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
import torch
from torch import nn

import emozoo
from emozoo._fileio import sha256_file
from emozoo.artifact import WEIGHTS_NAME
from emozoo.model import EmotionModel
from emozoo.specs import MethodSpec, Paper
from emozoo.weights import INIT_FUNCTIONS, skip_weight_init


@dataclass
class TiedConfig:
    width: int = 6


def _spec(method_id: str) -> MethodSpec:
    return MethodSpec(
        id=method_id, model_class="tests:Tied", family="AE", modality="physiological", tasks=("recognition",),
        paper=Paper("test", 2024), can_predict=False,
    )


class Tied(EmotionModel):
    """Encoder and decoder share one weight matrix (save_model writes it once)."""

    spec = _spec("tied-test")
    config_class = TiedConfig
    can_fit = False

    def __init__(self, config=None):
        super().__init__(config)
        self.encoder = nn.Linear(self.config.width, self.config.width, bias=False)
        self.decoder = nn.Linear(self.config.width, self.config.width, bias=False)
        self.decoder.weight = self.encoder.weight
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))


class CountsInit(Tied):
    spec = _spec("counts-init-test")
    fast_load = False
    built_with_init: ClassVar[list[bool]] = []

    def __init__(self, config=None):
        probe = torch.zeros(3)
        nn.init.ones_(probe)
        type(self).built_with_init.append(bool(probe.sum() == 3))
        super().__init__(config)


def test_skip_weight_init_is_a_scoped_no_op():
    t = torch.full((4,), 7.0)
    originals = {name: getattr(nn.init, name) for name in INIT_FUNCTIONS}
    with skip_weight_init():
        assert nn.init.kaiming_uniform_(t) is t and nn.init.zeros_(t) is t
        assert torch.equal(t, torch.full((4,), 7.0))
    assert {name: getattr(nn.init, name) for name in INIT_FUNCTIONS} == originals
    with pytest.raises(RuntimeError, match="boom"), skip_weight_init():
        raise RuntimeError("boom")
    assert nn.init.zeros_ is originals["zeros_"]  # restored after an error too
    assert torch.equal(nn.init.zeros_(t), torch.zeros(4))


def test_fast_load_is_bit_exact_and_writes_stay_private(registry, tmp_path):
    torch.manual_seed(0)
    model = emozoo.load("toy-mlp", hidden=32)
    model.save_pretrained(tmp_path / "m")
    before = sha256_file(tmp_path / "m" / WEIGHTS_NAME)

    loaded = emozoo.from_pretrained(tmp_path / "m")
    saved, got = model.state_dict(), loaded.state_dict()
    assert saved.keys() == got.keys() and all(torch.equal(saved[k], got[k]) and saved[k].dtype == got[k].dtype for k in saved)
    assert all(p.requires_grad for p in loaded.parameters())
    with torch.no_grad():  # in-place training updates must not reach the file
        for p in loaded.parameters():
            p.add_(1.0)
    assert sha256_file(tmp_path / "m" / WEIGHTS_NAME) == before
    assert torch.equal(emozoo.from_pretrained(tmp_path / "m").state_dict()["net.0.weight"], saved["net.0.weight"])


def test_from_pretrained_runs_no_init_but_plain_construction_does(registry, tmp_path, monkeypatch):
    emozoo.load("toy-mlp").save_pretrained(tmp_path / "m")
    calls = []
    original = nn.init.kaiming_uniform_

    def counting(tensor, *args, **kwargs):
        calls.append(tuple(tensor.shape))
        return original(tensor, *args, **kwargs)

    monkeypatch.setattr(nn.init, "kaiming_uniform_", counting)
    emozoo.from_pretrained(tmp_path / "m")
    assert calls == []
    emozoo.load("toy-mlp")
    assert calls  # nn.Linear.reset_parameters uses it


def test_fast_load_keeps_tied_weights_tied(tmp_path):
    model = Tied()
    model.save_pretrained(tmp_path / "t")
    loaded = Tied.from_pretrained(tmp_path / "t")
    assert loaded.decoder.weight is loaded.encoder.weight
    assert torch.equal(loaded.encoder.weight, model.encoder.weight)


def test_fast_load_casts_to_the_model_dtype(tmp_path):
    model = Tied()
    model.encoder.to(torch.float16)  # saved in half precision, the fresh model is float32
    model.save_pretrained(tmp_path / "h")
    loaded = Tied.from_pretrained(tmp_path / "h")
    assert loaded.encoder.weight.dtype == torch.float32
    assert torch.equal(loaded.encoder.weight, model.encoder.weight.float())


def test_models_can_opt_out_of_fast_load(tmp_path):
    CountsInit().save_pretrained(tmp_path / "c")
    CountsInit.built_with_init.clear()
    CountsInit.from_pretrained(tmp_path / "c")
    assert CountsInit.built_with_init == [True]
    Tied().save_pretrained(tmp_path / "t")
    with skip_weight_init():
        CountsInit()
    assert CountsInit.built_with_init == [True, False]  # the probe sees the skip only inside the context


def test_weights_of_another_method_are_refused_before_reading_tensors(registry, tmp_path):
    from emozoo.errors import WeightsError
    from emozoo.weights import load_weights

    emozoo.load("toy-mlp").save_pretrained(tmp_path / "m")
    with pytest.raises(WeightsError, match="holds weights of 'toy-mlp', not 'cwgan'"):
        load_weights(emozoo.load("toy-mlp"), tmp_path / "m" / WEIGHTS_NAME, expected_method="cwgan")

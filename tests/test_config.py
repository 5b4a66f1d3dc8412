"""Config round trips: exact, strict, and loud about anything JSON cannot hold."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pytest

from emozoo.config import config_from_dict, config_hash, config_to_dict, replace_config
from emozoo.errors import ConfigError


@dataclass
class Optim:
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)


@dataclass
class Rich:
    layers: tuple[int, ...] = (64, 32)
    mode: Literal["paper", "code"] = "paper"
    alpha: float = 0.2
    seed: int | None = None
    names: list[str] = field(default_factory=lambda: ["a", "b"])
    weights: dict[str, float] = field(default_factory=lambda: {"d1": 1.0})
    optim: Optim = field(default_factory=Optim)
    tiny: float = 1e-300


def test_round_trip_is_exact_including_tuples_and_nested():
    cfg = Rich(layers=(1, 2, 3), mode="code", alpha=0.1 + 0.2, seed=7, optim=Optim(lr=3e-4, betas=(0.9, 0.99)))
    data = config_to_dict(cfg)
    import json

    back = config_from_dict(Rich, json.loads(json.dumps(data)))
    assert back == cfg
    assert isinstance(back.layers, tuple) and isinstance(back.optim.betas, tuple)
    assert back.alpha == 0.30000000000000004  # float repr survives JSON to the bit


def test_int_accepted_for_float_but_not_bool_for_int():
    assert config_from_dict(Rich, {"alpha": 1}).alpha == 1.0
    with pytest.raises(ConfigError, match=r"Rich.seed: .*True"):
        config_from_dict(Rich, {"seed": True})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"alhpa": 0.1}, r"unknown field\(s\) \['alhpa'\].*did you mean 'alpha'"),
        ({"mode": "other"}, r"Rich.mode: 'other' is not one of \['paper', 'code'\]"),
        ({"layers": [1, "x"]}, r"Rich.layers\[1\]: expected int, got str"),
        ({"optim": {"lr": "fast"}}, r"Rich.optim.lr: expected float"),
        ({"optim": {"betas": [0.9]}}, r"expected 2 items, got 1"),
        ({"weights": [1.0]}, r"expected an object"),
    ],
)
def test_bad_data_is_rejected_with_path(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(Rich, data)


@dataclass
class Holder:
    value: object = None


@pytest.mark.parametrize(
    ("value", "message"),
    [({1, 2}, "holds a set"), (float("nan"), "NaN/inf"), (lambda x: x, "holds a function"), ({1: "a"}, "non-string keys")],
)
def test_unserialisable_values_fail_at_save_time(value, message):
    with pytest.raises(ConfigError, match=message):
        config_to_dict(Holder(value=value))


def test_hash_is_stable_and_sensitive():
    assert config_hash(Rich()) == config_hash(Rich())
    assert config_hash(Rich()) != config_hash(Rich(alpha=0.21))
    assert len(config_hash(Rich())) == 64


def test_hash_of_a_validated_config_is_the_same_hash_without_the_second_check():
    decoded = config_from_dict(Rich, config_to_dict(Rich(alpha=0.3)))
    assert config_hash(decoded, validated=True) == config_hash(decoded) == config_hash(Rich(alpha=0.3))
    with pytest.raises(ConfigError, match="NaN/inf"):  # encoding still refuses what JSON cannot hold
        config_hash(Holder(value=float("nan")), validated=True)


def test_replace_config_suggests_names():
    assert replace_config(Rich(), alpha=0.5).alpha == 0.5
    with pytest.raises(ConfigError, match="did you mean 'layers'"):
        replace_config(Rich(), layer=(1,))

"""Faithful JSON round trips of method configs (dataclasses), with no silent drops, and one range check.

``huggingface_hub``'s mixin silently leaves out config values it cannot serialise and ignores unknown
keys when loading. Here a non-serialisable value is an error at save time, an unknown or wrongly typed
key is an error at load time, and tuples, nested dataclasses and ``Literal`` choices survive the trip.

Every config is checked by :func:`validate_config` wherever one is built, replaced, serialised or loaded (so
``Model(config)``, ``emozoo.load(id, **overrides)`` and ``from_pretrained`` all refuse the same values):

* each field's value must survive the JSON round trip against the field's type hint (a float for an ``int``
  field is refused at once, not when the saved model is loaded back);
* every ``int`` in a field (inside tuples, lists and dicts too) must lie in the field's range: by default
  ``0 <= value <= MAX_CONFIG_INT`` (2**24: sizes, counts and epochs; no hyper-parameter of the surveyed methods
  comes near), widened or narrowed per field with ``dataclasses.field(metadata={"min": ..., "max": ...})``;
  seeds use ``field(default=0, metadata=SEED)`` (0 <= seed < 2**63).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union, get_args, get_origin

from emozoo.errors import ConfigError, closest


#: The default range of every int in a config field (see the module docstring); a field's metadata overrides it.
MIN_CONFIG_INT = 0
MAX_CONFIG_INT = 1 << 24
#: Field metadata for a seed: ``seed: int = field(default=0, metadata=SEED)``.
SEED: Mapping[str, int] = types.MappingProxyType({"min": 0, "max": (1 << 63) - 1})


def config_to_dict(config: Any) -> dict[str, Any]:
    """Serialise a config dataclass to JSON-ready data (after :func:`validate_config`); ConfigError names any bad field."""
    data = _encoded(config)
    _validate(type(config), data, type(config).__name__)
    return data


def _encoded(config: Any) -> dict[str, Any]:
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise ConfigError(f"a method config must be a dataclass instance, got {type(config).__name__}")
    return {f.name: _encode(getattr(config, f.name), f.name) for f in dataclasses.fields(config)}


def validate_config(config: Any) -> Any:
    """``config`` if every field survives the JSON round trip against its type hint and every int is in its range."""
    config_to_dict(config)
    return config


def _validate(cls: type, data: Mapping[str, Any], path: str) -> None:
    """Type-check encoded ``data`` against ``cls``'s hints (by decoding it) and range-check its ints."""
    hints = _type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name not in data or f.name not in hints:
            continue
        where = f"{path}.{f.name}"
        _decode(hints[f.name], data[f.name], where)
        low, high = f.metadata.get("min", MIN_CONFIG_INT), f.metadata.get("max", MAX_CONFIG_INT)
        _check_ints(data[f.name], low, high, where, hints[f.name])


def _check_ints(value: Any, low: Any, high: Any, path: str, tp: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(
                f"config field {path} is {value}, outside its range [{low}, {high}]; "
                "pass a value in range (a field widens its range with dataclasses.field(metadata={'min': ..., 'max': ...}))"
            )
        return
    nested = _dataclass_of(tp)
    if nested is not None and isinstance(value, Mapping):
        _validate(nested, value, path)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_ints(v, low, high, f"{path}.{k}", Any)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_ints(v, low, high, f"{path}[{i}]", Any)


def _dataclass_of(tp: Any) -> type | None:
    """The dataclass a hint names (directly or as an Optional/Union member), if any."""
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return tp
    if get_origin(tp) in (Union, types.UnionType):
        found = [a for a in get_args(tp) if dataclasses.is_dataclass(a)]
        return found[0] if len(found) == 1 else None
    return None


def _encode(value: Any, path: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"config field {path} is {value}; JSON cannot hold NaN/inf, use None or a finite value")
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name), f"{path}.{f.name}") for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        bad = [k for k in value if not isinstance(k, str)]
        if bad:
            raise ConfigError(f"config field {path} has non-string keys {bad[:3]}; JSON objects need string keys")
        return {k: _encode(v, f"{path}.{k}") for k, v in value.items()}
    raise ConfigError(
        f"config field {path} holds a {type(value).__name__}, which cannot be saved as JSON; "
        "store plain numbers, strings, lists, dicts or nested dataclasses instead"
    )


def config_from_dict(cls: type, data: Mapping[str, Any]) -> Any:
    """Rebuild a config dataclass from JSON data, checking every key and type against the dataclass."""
    return _decode_dataclass(cls, data, cls.__name__)


@functools.lru_cache(maxsize=256)
def _type_hints(cls: type) -> dict[str, Any]:
    """Resolved field types of a config dataclass (evaluating string annotations is slow: once per class)."""
    return typing.get_type_hints(cls)


def _decode_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path} must be a JSON object, got {type(data).__name__}")
    hints = _type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in known]
    if unknown:
        hint = closest(unknown[0], known)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ConfigError(f"{path}: unknown field(s) {unknown} for {cls.__name__}{extra}")
    kwargs = {name: _decode(hints[name], value, f"{path}.{name}") for name, value in data.items()}
    try:
        built = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    _validate(cls, {f.name: _encode(getattr(built, f.name), f.name) for f in dataclasses.fields(built)}, path)
    return built


def _decode(tp: Any, value: Any, path: str) -> Any:
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for option in (a for a in args if a is not type(None)):
            try:
                return _decode(option, value, path)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(f"{path}: {value!r} fits none of {tp}: {'; '.join(errors)}")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{path}: {value!r} is not one of {list(args)}")
        return value
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, value, path)
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: expected a list, got {type(value).__name__}")
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise ConfigError(f"{path}: expected {len(args)} items, got {len(value)}")
            items = [_decode(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value))]
        else:
            item_tp = args[0] if args else Any
            items = [_decode(item_tp, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, Mapping) or tp in (dict,):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: expected an object, got {type(value).__name__}")
        val_tp = args[1] if len(args) == 2 else Any
        return {k: _decode(val_tp, v, f"{path}.{k}") for k, v in value.items()}
    return _decode_scalar(tp, value, path)


def _decode_scalar(tp: Any, value: Any, path: str) -> Any:
    if tp is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if tp in (int, str, bool) and type(value) is tp:
        return value
    if tp is type(None) and value is None:
        return None
    if tp in (int, float, str, bool, type(None)):
        raise ConfigError(f"{path}: expected {tp.__name__}, got {type(value).__name__} {value!r}")
    raise ConfigError(f"{path}: unsupported config type {tp!r}; use plain types, tuples, lists, dicts or dataclasses")


def canonical_json(data: Any) -> str:
    """Deterministic JSON text (sorted keys, no spaces, no NaN) used for hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)


def config_hash(config: Any, *, validated: bool = False) -> str:
    """sha256 of the config's canonical JSON: identifies a config across saves and machines. ``validated``: the config
    was just checked (as :func:`config_from_dict` does), so it is encoded without checking it again."""
    return hashlib.sha256(canonical_json(_encoded(config) if validated else config_to_dict(config)).encode()).hexdigest()


def replace_config(config: Any, **overrides: Any) -> Any:
    """Copy of ``config`` with fields replaced; unknown names raise with a suggestion."""
    names = {f.name for f in dataclasses.fields(config)}
    unknown = [k for k in overrides if k not in names]
    if unknown:
        hint = closest(unknown[0], names)
        extra = f"; did you mean {hint[0]!r}?" if hint else f"; known fields: {sorted(names)}"
        raise ConfigError(f"{type(config).__name__} has no field(s) {unknown}{extra}")
    hints = _type_hints(type(config))
    # each value as a load would give it back (a list for a tuple field becomes a tuple; a float for an int is refused)
    decoded = {k: _decode(hints[k], _encode(v, k), f"{type(config).__name__}.{k}") for k, v in overrides.items()}
    try:
        return validate_config(dataclasses.replace(config, **decoded))
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{type(config).__name__}: {exc}") from exc

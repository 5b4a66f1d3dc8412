"""The public entry points that build models and give them data: ``load`` (from a spec), ``from_pretrained``
(from an artifact) and ``load_folds`` (a registered data set's folds, as benchmarks use them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emozoo.errors import (
    ArtifactError,
    CapabilityError,
    ConfigError,
    EmozooError,
    EmptyInputError,
    InputError,
    PluginNotInstalledError,
    PluginVersionError,
)
from emozoo.registry import get_registry

if TYPE_CHECKING:
    from emozoo.data.folds import Fold
    from emozoo.specs import DatasetSpec


def load(method_id: str, config: Any = None, **overrides: Any):
    """Build a fresh model of an installed method: ``emozoo.load("vae-d2gan", latent_dim=64)``.

    ``config`` may be the method's config dataclass or a dict; ``overrides`` replace single fields
    (applied after the spec's preset). Unknown field names raise with a suggestion.
    """
    from emozoo.config import config_from_dict, replace_config

    spec = get_registry().get_method(method_id)
    model_cls = spec.load_model_class()
    linked = getattr(model_cls, "spec", None)
    if linked is None:
        raise EmozooError(f"method {spec.id!r}: {spec.model_class} links no MethodSpec; set `spec = ...` on the class")
    if linked.id != spec.id and not spec.preset:
        raise EmozooError(
            f"method {spec.id!r} names {spec.model_class}, whose spec is {linked.id!r}; link the class to "
            f"{spec.id!r}, or make {spec.id!r} a preset of {linked.id!r} (MethodSpec(preset={{...}}))"
        )
    config_cls = spec.load_config_class()
    if model_cls.config_class is not config_cls:
        raise EmozooError(f"plugin {spec.plugin!r}: spec config_class does not match {model_cls.__name__}.config_class")
    if config is None:
        config = replace_config(config_cls(), **spec.preset) if spec.preset else config_cls()
    elif isinstance(config, dict):
        config = config_from_dict(config_cls, config)
    elif not isinstance(config, config_cls):
        raise ConfigError(f"{spec.id} takes a {config_cls.__name__} (or a dict), got {type(config).__name__}")
    if overrides:
        config = replace_config(config, **overrides)
    from emozoo.guards import build

    return build(spec.id, lambda: model_cls(config))


def from_pretrained(name_or_path: str | os.PathLike[str], *, revision: str | None = None, **kwargs: Any):
    """Load any emozoo model from a directory or Hub repo; the installed plugin supplies the code.

    Reads ``emozoo.json`` to find the method and the plugin version range it needs; a missing plugin
    raises with the exact ``pip install`` line, an incompatible version with the range.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from emozoo.artifact import read_metadata
    from emozoo.hub.pull import resolve_directory

    hub_keys = ("cache_dir", "force_download", "token", "local_files_only", "endpoint")
    hub_kwargs = {k: kwargs.pop(k) for k in hub_keys if k in kwargs}
    directory, _ = resolve_directory(name_or_path, revision=revision, **hub_kwargs)
    meta = read_metadata(directory)
    plugin = meta["plugin"]
    registry = get_registry()
    try:
        spec = registry.get_method(meta["method"])
    except EmozooError as exc:
        raise PluginNotInstalledError(f"model {str(name_or_path)!r} (method {meta['method']!r})", plugin["distribution"], plugin["requires"]) from exc
    if spec.plugin and canonicalize_name(plugin["distribution"]) != canonicalize_name(spec.plugin):
        raise ArtifactError(
            f"model {str(name_or_path)!r} says method {meta['method']!r} comes from {plugin['distribution']!r}, "
            f"but the installed {meta['method']!r} is provided by {spec.plugin!r}; the emozoo.json is wrong or tampered"
        )
    try:
        required = SpecifierSet(plugin["requires"].removeprefix(plugin["distribution"]))
    except InvalidSpecifier as exc:
        raise ArtifactError(
            f"model {str(name_or_path)!r}: emozoo.json requires {plugin['requires']!r}, which is not "
            f"'{plugin['distribution']}' followed by a version range; re-save or re-download the model"
        ) from exc
    if spec.version and spec.version != "0+unknown" and not required.contains(Version(spec.version), prereleases=True):
        raise PluginVersionError(
            f"model {str(name_or_path)!r} needs {plugin['requires']}, but {spec.plugin} {spec.version} is installed; "
            f"run `pip install '{plugin['requires']}'`"
        )
    from emozoo.model import _READ_METADATA

    model_cls = spec.load_model_class()
    token = _READ_METADATA.set((Path(directory), meta))  # the class's load checks its files against this same table
    try:
        model = model_cls.from_pretrained(directory, **kwargs)
    finally:
        _READ_METADATA.reset(token)
    model.pretrained_source.update({"name": str(name_or_path), "revision": revision, "commit": _commit_of(directory)})
    return model


def _commit_of(directory: os.PathLike[str]) -> str | None:
    name = os.fspath(directory).rstrip("/").rsplit("/", 1)[-1]
    return name if len(name) == 40 and all(c in "0123456789abcdef" for c in name) else None



def resolve_folds(
    dataset: str, *, protocol: str = "recognition", data_dir: str | None = None, max_folds: int | None = None, **options: Any
) -> tuple[DatasetSpec, list[Fold]]:
    """(the data set's spec, its folds): ``dataset`` resolved through the registry, its adapter asked for the folds."""
    from emozoo.bench.protocols import PROTOCOLS

    if protocol not in PROTOCOLS:
        raise InputError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    if max_folds is not None and (isinstance(max_folds, bool) or not isinstance(max_folds, int) or max_folds < 1):
        raise InputError(f"max_folds must be None or an int >= 1, got {max_folds!r}")
    from emozoo.data.folds import Fold, source_of, with_source

    spec = get_registry().get_dataset(dataset)
    adapter = spec.load_adapter_class()()
    if not hasattr(adapter, "folds"):
        raise CapabilityError(spec.id, "be benchmarked", f"its adapter {spec.adapter_class} has no folds() method")
    folds = adapter.folds(data_dir=data_dir, protocol=protocol, **options)
    source = source_of(spec)
    selected = []
    for fold in folds:
        if not isinstance(fold, Fold):
            raise CapabilityError(spec.id, "give folds", f"its adapter yielded a {type(fold).__name__}, not an emozoo Fold")
        fold.train, fold.test, fold.val = (with_source(b, source) for b in (fold.train, fold.test, fold.val))
        fold.pools = {name: with_source(b, source) for name, b in (fold.pools or {}).items()}
        selected.append(fold)
        if max_folds is not None and len(selected) >= max_folds:
            break
    if not selected:
        raise EmptyInputError(f"dataset {spec.id!r} gave no folds for protocol {protocol!r}; check --data-dir")
    return spec, selected


def load_folds(
    dataset: str, *, protocol: str = "recognition", data_dir: str | None = None, max_folds: int | None = None, **options: Any
) -> list[Fold]:
    """The folds of a registered data set, exactly as ``emozoo bench`` uses them.

        >>> fold = emozoo.load_folds("meld", max_folds=1)[0]
        >>> model.fit(fold.train, fold.val); model.evaluate(fold.test)

    ``options`` go to the adapter (e.g. ``max_dialogues=20``); ``data_dir`` is where your copy of a data set that
    is not bundled lives (nothing is downloaded).
    """
    return resolve_folds(dataset, protocol=protocol, data_dir=data_dir, max_folds=max_folds, **options)[1]

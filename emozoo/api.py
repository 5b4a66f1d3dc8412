"""The public entry points that build models: ``load`` (from a spec) and ``from_pretrained`` (from an artifact)."""

from __future__ import annotations

import os
from typing import Any

from emozoo.errors import (
    ArtifactError,
    ConfigError,
    EmozooError,
    PluginNotInstalledError,
    PluginVersionError,
)
from emozoo.registry import get_registry


def load(method_id: str, config: Any = None, **overrides: Any):
    """Build a fresh model of an installed method: ``emozoo.load("vae-d2gan", latent_dim=64)``.

    ``config`` may be the method's config dataclass or a dict; ``overrides`` replace single fields
    (applied after the spec's preset). Unknown field names raise with a suggestion.
    """
    from emozoo.config import config_from_dict, replace_config

    spec = get_registry().get_method(method_id)
    model_cls = spec.load_model_class()
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
    return model_cls(config)


def from_pretrained(name_or_path: str | os.PathLike[str], *, revision: str | None = None, **kwargs: Any):
    """Load any emozoo model from a directory or Hub repo; the installed plugin supplies the code.

    Reads ``emozoo.json`` to find the method and the plugin version range it needs; a missing plugin
    raises with the exact ``pip install`` line, an incompatible version with the range.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from emozoo.artifact import read_metadata, resolve_directory

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
    model_cls = spec.load_model_class()
    model = model_cls.from_pretrained(directory, **kwargs)
    model.pretrained_source.update({"name": str(name_or_path), "revision": revision, "commit": _commit_of(directory)})
    return model


def _commit_of(directory: os.PathLike[str]) -> str | None:
    name = os.fspath(directory).rstrip("/").rsplit("/", 1)[-1]
    return name if len(name) == 40 and all(c in "0123456789abcdef" for c in name) else None

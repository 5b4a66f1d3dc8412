"""``EmotionModel``: the base class every emozoo method derives from.

It is a ``torch.nn.Module`` and a ``huggingface_hub.PyTorchModelHubMixin`` (so ``push_to_hub`` and
the Hub model-card machinery work), with the gaps of the mixin closed: loading is strict (missing or
unexpected keys and shape mismatches raise), the safetensors file carries the method id, plugin
version and config hash, configs round-trip without silent drops, saves are atomic, and a method that
cannot generate (or predict, or be fitted) says so with a typed error.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, ClassVar

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from emozoo._fileio import atomic_directory, sha256_file
from emozoo._version import CORE_API_VERSION, __version__
from emozoo.artifact import (
    ARTIFACT_FORMAT,
    CARD_NAME,
    CONFIG_NAME,
    METADATA_NAME,
    WEIGHTS_NAME,
    compatible_range,
    read_json_file,
    read_metadata,
    verify_files,
)
from emozoo.config import config_from_dict, config_hash, config_to_dict, replace_config
from emozoo.errors import ArtifactError, CapabilityError, ConfigError
from emozoo.specs import MethodSpec
from emozoo.weights import load_weights, skip_weight_init


@dataclass
class Prediction:
    """What ``predict`` returns: class labels and probabilities, or regression values."""

    labels: torch.Tensor | None = None
    probabilities: torch.Tensor | None = None
    values: torch.Tensor | None = None
    label_names: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def label_strings(self) -> list[str] | list[list[str]]:
        """Predicted labels as names (needs ``label_names``): one name per sample, or for multi-label predictions
        (0/1 indicators [N, K]) the list of the names set for each sample."""
        if self.labels is None or not self.label_names:
            raise CapabilityError("prediction", "name its labels", "it has no labels or no label_names")
        if self.labels.ndim == 2:
            if self.labels.shape[1] != len(self.label_names):
                raise CapabilityError("prediction", "name its labels", f"it has {self.labels.shape[1]} indicator columns "
                                      f"for {len(self.label_names)} label names")  # fmt: skip
            return [[self.label_names[j] for j, on in enumerate(row) if on] for row in self.labels.tolist()]
        return [self.label_names[i] for i in self.labels.tolist()]


class EmotionModel(nn.Module, PyTorchModelHubMixin, library_name="emozoo", tags=["emozoo", "emotion-recognition"]):
    """Base of every method: ``Model(config)`` builds; fit / generate / predict / evaluate; strict save/load.

    A subclass links the method's declaration, ``spec = SPEC`` (the ``MethodSpec`` of the plugin's torch-free
    module), sets ``config_class`` (a dataclass) and overrides the methods the spec's capabilities promise.
    ``method_id``, ``can_generate`` and ``can_predict`` are derived from the spec when the class is defined;
    setting them as well is a TypeError, so the declaration cannot drift.
    """

    #: The method's declaration; ``method_id`` and the capability flags below are read from it.
    spec: ClassVar[MethodSpec | None] = None
    method_id: ClassVar[str] = ""
    config_class: ClassVar[type | None] = None
    can_fit: ClassVar[bool] = True
    can_generate: ClassVar[bool] = False
    can_predict: ClassVar[bool] = True
    #: ``train.source`` of the last ``fit``/``fit_generator`` call (its data set and licence), for the card.
    training_source: Any = None
    #: The plugin's model card notes: a file inside the class's top-level package (default: ``card.md``
    #: there or beside the package); see ``emozoo.hub.cards``.
    card_template: ClassVar[str | None] = None
    #: ``from_pretrained`` builds without running ``torch.nn.init`` (every saved tensor is overwritten by the
    #: load; ``emozoo.weights``). Set False for a model whose ``__init__`` loads weights from elsewhere or
    #: fills unsaved (non-persistent) buffers with ``torch.nn.init``.
    fast_load: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        stated = [name for name in _DERIVED if name in own]
        if "spec" in own:
            spec = own["spec"]
            if not isinstance(spec, MethodSpec):
                raise TypeError(f"{cls.__name__}.spec must be an emozoo.MethodSpec, got {type(spec).__name__}")
            if stated:
                raise TypeError(
                    f"{cls.__name__} sets {', '.join(stated)} and spec; these are derived from spec {spec.id!r}: "
                    f"remove {', '.join(f'{name} = {own[name]!r}' for name in stated)}"
                )
            cls.method_id, cls.can_generate, cls.can_predict = spec.id, spec.can_generate, spec.can_predict
        elif stated:
            raise TypeError(
                f"{cls.__name__} sets {', '.join(stated)} itself; declare the method once in a MethodSpec "
                "(the plugin's torch-free module) and link it with spec = ...; those are derived from it"
            )
        for name in ("fit", "fit_generator"):
            if callable(own.get(name)) and not hasattr(own[name], "_records_training_source"):
                setattr(cls, name, _recording_training_source(own[name]))
        promised = {"fit": cls.can_fit, "generate": cls.can_generate, "predict": cls.can_predict}
        for name, flag in promised.items():
            if flag and getattr(cls, name) is getattr(EmotionModel, name) and cls.method_id:
                raise TypeError(f"{cls.__name__} sets can_{name}=True but does not implement {name}()")

    def __init__(self, config: Any = None) -> None:
        super().__init__()
        if self.config_class is None or not self.method_id:
            raise TypeError(f"{type(self).__name__} must link its MethodSpec (spec = ...) and set config_class")
        if config is None:
            config = self.config_class()
        elif isinstance(config, dict):
            config = config_from_dict(self.config_class, config)
        elif not isinstance(config, self.config_class):
            raise ConfigError(f"{type(self).__name__} takes a {self.config_class.__name__}, got {type(config).__name__}")
        if _DECODED_CONFIG.get() is not config:  # from_pretrained's config was checked as it was decoded
            config_to_dict(config)  # fail now, not at save time, on values JSON cannot hold
        self.config = config

    # --- the method API ---------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> Any:
        """Train on ``train`` through the Runtime; returns the History."""
        raise CapabilityError(self.method_id, "be trained (fit)", "it is used with pretrained weights only")

    def fit_generator(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> Any:
        """Train only what ``generate()`` needs; returns the History.

        The augmentation protocol calls this: it scores synthetic data with its own fixed classifiers, so a
        method's downstream classifier would be trained for nothing. The default is ``fit``; methods whose fit
        also trains a downstream classifier override it.
        """
        return self.fit(train, val, runtime=runtime, callbacks=callbacks)

    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> Any:
        """Generate synthetic samples, recovered modalities or text."""
        raise CapabilityError(self.method_id, "generate", "use `emozoo list --task data_augmentation` for methods that can")

    def predict(self, inputs: Any) -> Prediction:
        """Predict emotions for ``inputs``."""
        raise CapabilityError(self.method_id, "predict", "it only generates; train a classifier on its output")

    def evaluate(self, data: Any, protocol: str | None = None) -> dict[str, float]:
        """Metrics of ``predict`` on labelled ``data`` (a batch with ``labels`` or an ``(inputs, labels)`` pair).

        ACC/UAR/WF1/MF1 when ``predict`` gives class labels, MAE/Corr/CCC when it gives values.
        """
        from emozoo import metrics

        labels = labels_of(data)
        if labels is None:
            raise CapabilityError(self.method_id, "evaluate unlabelled data", "pass data with labels")
        prediction = self.predict(data)
        if prediction.labels is not None:
            return metrics.classification_report(labels, prediction.labels)
        if prediction.values is not None:
            return metrics.compute(["MAE", "Corr", "CCC"], labels, prediction.values)
        raise CapabilityError(self.method_id, "be evaluated", "its predict() returned neither labels nor values")

    # --- saving -----------------------------------------------------------------------------------

    def artifact_metadata(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``emozoo.json`` content (without file hashes): method, plugin range, core, config hash."""
        distribution, version = _plugin_of(type(self))
        meta: dict[str, Any] = {
            "format": ARTIFACT_FORMAT,
            "method": self.method_id,
            "config_class": f"{type(self.config).__module__}:{type(self.config).__qualname__}",
            "config_sha256": config_hash(self.config),
            "plugin": {"distribution": distribution, "version": version, "requires": f"{distribution}{compatible_range(version)}"},
            "core": {"version": __version__, "api": CORE_API_VERSION},
        }
        for key, value in (extra or {}).items():
            if key in meta or key == "files":
                raise ConfigError(f"metadata key {key!r} is reserved by emozoo; choose another name")
            meta[key] = value
        return meta

    def _save_pretrained(self, save_directory: Path) -> None:
        """Write the weights as safetensors with emozoo's metadata (the mixin's hook)."""
        from safetensors.torch import save_model

        from emozoo.weights import canonical_header

        info = self.artifact_metadata()
        st_meta = {
            "format": "pt",
            "emozoo.method": self.method_id,
            "emozoo.plugin": info["plugin"]["distribution"],
            "emozoo.plugin_version": info["plugin"]["version"],
            "emozoo.config_sha256": info["config_sha256"],
            "emozoo.core_version": __version__,
        }
        save_model(self, str(Path(save_directory) / WEIGHTS_NAME), metadata=st_meta)
        canonical_header(Path(save_directory) / WEIGHTS_NAME)  # the same tensors give the same bytes, save after save

    def save_pretrained(
        self,
        save_directory: str | os.PathLike[str],
        *,
        config: Any = None,
        metadata: dict[str, Any] | None = None,
        repo_id: str | None = None,
        push_to_hub: bool = False,
        model_card_kwargs: dict[str, Any] | None = None,
        **push_to_hub_kwargs: Any,
    ) -> Any:
        """Atomically write weights, config, metadata (with file hashes) and a card to ``save_directory``.

        ``metadata`` adds JSON fields to ``emozoo.json`` (training data, metrics, ...). If anything fails
        midway, the directory is left exactly as it was.
        """
        if config is not None and config_to_dict(config) != config_to_dict(self.config):
            raise ConfigError("save_pretrained(config=...) differs from model.config; change model.config instead")
        from emozoo.hub.metadata import publish_metadata, training_data_of

        metadata = dict(metadata or {})
        if "training_data" not in metadata and training_data_of(self) is not None:
            metadata["training_data"] = training_data_of(self)  # the data's licence travels with the weights
        meta = self.artifact_metadata(publish_metadata(metadata, require_license=False))
        config_text = json.dumps(config_to_dict(self.config), indent=2, sort_keys=True, allow_nan=False) + "\n"
        with atomic_directory(save_directory) as tmp:
            self._save_pretrained(tmp)
            (tmp / CONFIG_NAME).write_text(config_text, encoding="utf-8")
            card_kwargs = dict(model_card_kwargs or {})
            if push_to_hub:
                card_kwargs.setdefault("repo_id", repo_id or Path(save_directory).name)
            card = self.render_card(meta, location=Path(save_directory).name, **card_kwargs)
            (tmp / CARD_NAME).write_text(card, encoding="utf-8")
            meta["files"] = {name: sha256_file(tmp / name) for name in (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME)}
            (tmp / METADATA_NAME).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if push_to_hub:
            from emozoo.hub.push import push_directory

            return push_directory(save_directory, repo_id or Path(save_directory).name, **push_to_hub_kwargs)
        return None

    # --- cards and publishing ---------------------------------------------------------------------

    def render_card(
        self, meta: dict[str, Any] | None = None, *, repo_id: str | None = None, location: str | None = None, **overrides: str
    ) -> str:
        """README.md text from ``model_cards/`` + the plugin's card.md; ``overrides`` replace template values."""
        from emozoo.hub.cards import render_card

        return render_card(
            meta or self.artifact_metadata(), model_class=type(self), repo_id=repo_id, location=location, overrides=overrides
        )

    def generate_model_card(self, *args: Any, **kwargs: Any) -> Any:
        """emozoo's card as a ``huggingface_hub.ModelCard`` (replaces the mixin's generic one)."""
        from huggingface_hub import ModelCard

        return ModelCard(self.render_card(**kwargs))

    def push_to_hub(  # type: ignore[override]
        self,
        repo_id: str,
        *,
        training_data: Any = None,
        metrics: Any = None,
        metadata: dict[str, Any] | None = None,
        endpoint: str | None = None,
        token: str | None = None,
        private: bool | None = None,
        branch: str | None = None,
        commit_message: str | None = None,
        model_card_kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Publish as one commit (weights, config, emozoo.json, card) to ``repo_id``; returns a ``PushResult``.

        ``training_data`` (a ``TrainingData`` or dict with dataset and licence) is required; ``metrics``
        are our measured numbers. ``endpoint``/``token`` default to ``HF_ENDPOINT``/``HF_TOKEN``.
        """
        import tempfile

        from emozoo.hub.metadata import publish_metadata
        from emozoo.hub.push import push_directory

        meta = publish_metadata(metadata, training_data=training_data, metrics=metrics)
        with tempfile.TemporaryDirectory(prefix="emozoo-push-") as tmp:
            staged = Path(tmp) / "artifact"
            self.save_pretrained(staged, metadata=meta, model_card_kwargs={"repo_id": repo_id, **(model_card_kwargs or {})})
            return push_directory(
                staged, repo_id, endpoint=endpoint, token=token, private=private, branch=branch, commit_message=commit_message
            )

    # --- loading ----------------------------------------------------------------------------------

    @classmethod
    def from_pretrained(  # type: ignore[override]
        cls,
        pretrained_model_name_or_path: str | os.PathLike[str],
        *,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        force_download: bool = False,
        token: str | bool | None = None,
        local_files_only: bool = False,
        endpoint: str | None = None,
        map_location: str | torch.device = "cpu",
        **config_overrides: Any,
    ) -> EmotionModel:
        """Load from a local directory or a Hub repo: verify hashes, rebuild the config, load strictly.

        Nothing in the directory is executed or unpickled. ``config_overrides`` replace config fields
        (those that change the architecture will make the strict load fail, on purpose).
        """
        from emozoo.hub.pull import resolve_directory

        directory, commit = resolve_directory(
            pretrained_model_name_or_path,
            revision=revision,
            cache_dir=cache_dir,
            force_download=force_download,
            token=token,
            local_files_only=local_files_only,
            endpoint=endpoint,
        )
        read = _READ_METADATA.get()  # emozoo.from_pretrained read it a moment ago to pick the plugin: the same call
        meta = read[1] if read is not None and read[0] == directory else read_metadata(directory)  # its file table must list weights, config and card
        if meta["method"] != cls.method_id:
            raise ArtifactError(
                f"{directory} holds a {meta['method']!r} model, not {cls.method_id!r}; "
                f"load it with emozoo.from_pretrained({str(pretrained_model_name_or_path)!r})"
            )
        # the config is read once and those bytes checked and used; the weights likewise, or not hashed again when the
        # stat cache knows the file (load_weights); the rest (card, licence) by the same stat rule
        verify_files(directory, meta, skip=(WEIGHTS_NAME, CONFIG_NAME))
        files = meta["files"]
        config = config_from_dict(cls.config_class, read_json_file(directory / CONFIG_NAME, "config", files[CONFIG_NAME]))
        if _config_hash_of(config, files[CONFIG_NAME]) != meta["config_sha256"]:
            raise ArtifactError(f"{directory / CONFIG_NAME} does not match the config hash in {METADATA_NAME}; re-save the model")
        if config_overrides:
            config = replace_config(config, **config_overrides)
        from emozoo.guards import build

        token_ = _DECODED_CONFIG.set(config if not config_overrides else None)  # replace_config re-checks overrides itself
        try:
            with skip_weight_init() if cls.fast_load else contextlib.nullcontext():
                model = build(cls.method_id, lambda: cls(config))
        finally:
            _DECODED_CONFIG.reset(token_)
        load_weights(model, directory / WEIGHTS_NAME, map_location=map_location, expected_method=cls.method_id,
                     expected_sha256=files[WEIGHTS_NAME])
        model.eval()
        model.pretrained_source = {"path": str(directory), "revision": revision, "commit": commit, "metadata": meta}
        model.training_source = _source_of_artifact(meta)  # a re-save keeps naming the data and its licence
        return model


_DERIVED = ("method_id", "can_generate", "can_predict")
_CONFIG_HASHES: dict[tuple[type, str], str] = {}
#: (directory, metadata) that ``emozoo.from_pretrained`` read to choose the plugin, for the class's own load to use.
_READ_METADATA: contextvars.ContextVar[tuple[Path, dict[str, Any]] | None] = contextvars.ContextVar("emozoo_read_metadata", default=None)
#: The config ``from_pretrained`` just decoded (and so checked); ``EmotionModel.__init__`` does not check it again.
_DECODED_CONFIG: contextvars.ContextVar[Any] = contextvars.ContextVar("emozoo_decoded_config", default=None)


def _config_hash_of(config: Any, file_sha256: str) -> str:
    """``config_hash(config)`` for a config decoded from a config.json whose bytes hash to ``file_sha256``: the same
    bytes decode to the same config for the same class, so the hash is computed once per (class, file) in a process."""
    key = (type(config), file_sha256)
    if key not in _CONFIG_HASHES:
        if len(_CONFIG_HASHES) >= 1024:
            _CONFIG_HASHES.clear()
        _CONFIG_HASHES[key] = config_hash(config, validated=True)  # config_from_dict checked it a moment ago
    return _CONFIG_HASHES[key]


def _source_of_artifact(meta: dict[str, Any]) -> Any:
    """The ``DataSource`` an artifact's ``training_data`` names (None when it names none)."""
    from emozoo.data.source import DataSource

    training = meta.get("training_data")
    if not isinstance(training, dict) or not isinstance(training.get("dataset"), str):
        return None
    return DataSource(dataset=training["dataset"], license=str(training.get("license") or ""))


def _recording_training_source(fit: Any) -> Any:
    """Wrap a subclass's ``fit``/``fit_generator`` so it records ``train.source`` before training."""

    @functools.wraps(fit)
    def wrapper(self: EmotionModel, *args: Any, **kwargs: Any) -> Any:
        self.training_source = getattr(args[0] if args else kwargs.get("train"), "source", None)
        return fit(self, *args, **kwargs)

    wrapper._records_training_source = True  # type: ignore[attr-defined]
    return wrapper


def labels_of(data: Any) -> Any:
    """True labels of evaluation data: an ``(inputs, labels)`` pair, a batch with ``labels``, or a
    DialogueBatch (class ids of its labelled utterances, in ``targets()`` order); None if unlabelled."""
    if isinstance(data, tuple) and len(data) == 2:
        return data[1]
    if hasattr(data, "targets") and hasattr(data, "label_id"):
        return torch.tensor([data.label_id(d.utterances[i].label) for d, i in data.targets()], dtype=torch.long)
    return getattr(data, "labels", None)


def _plugin_of(cls: type) -> tuple[str, str]:
    """(distribution, version) that provides ``cls``: from the registry, else from package metadata."""
    from emozoo.errors import EmozooError
    from emozoo.registry import get_registry

    try:
        spec = get_registry().get_method(cls.method_id)
        if spec.plugin:
            return spec.plugin, spec.version or "0+unknown"
    except EmozooError:
        pass
    top = cls.__module__.split(".")[0]
    dists = importlib_metadata.packages_distributions().get(top) or []
    if dists:
        return dists[0], importlib_metadata.version(dists[0])
    return top, "0+unknown"

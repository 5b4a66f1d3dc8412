"""What a plugin declares about a method or a data set: frozen dataclasses a user filters and trusts by.

Specs are plain data (no torch). The model and config classes are named by lazy import paths
(``"package.module:Class"``) and imported only when a model is built.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from emozoo.errors import InvalidSpecError

FAMILIES = ("AE", "VAE", "GAN", "DM", "LLM", "hybrid", "other")
TASKS = (
    "data_augmentation",
    "feature_extraction",
    "semi_supervised",
    "cross_domain",
    "modality_completion",
    "recognition",
    "noisy_environment",
    "dynamic_fer",
    "adversarial_defense",
)
#: Top-level modalities, as the survey groups methods (Sections 5-9).
MODALITIES = ("speech", "face", "text", "physiological", "multimodal")
#: Fine-grained signal names a method may declare in ``modalities``.
SIGNALS = ("audio", "speech", "face", "image", "video", "text", "eeg", "ecg", "eda", "emg", "eye", "physio", "vision", "wrist", "ppg", "resp")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PATH_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class Paper:
    """The publication a method implements, with its number in the survey's reference list."""

    title: str
    year: int
    authors: str = ""
    venue: str = ""
    url: str = ""
    survey_ref: int | None = None
    bibtex: str = ""


@dataclass(frozen=True)
class TensorSpec:
    """A named input or output: symbolic shape (``("N", 62, 5)``), dtype and meaning."""

    name: str
    shape: tuple[str | int, ...]
    dtype: str = "float32"
    description: str = ""


@dataclass(frozen=True)
class ReportedResult:
    """A number reported for the method: by the paper, or as the survey's table prints it."""

    dataset: str
    metric: str
    value: float
    source: str = "paper"  # "paper" | "survey"
    note: str = ""


def import_object(path: str) -> Any:
    """Import ``"package.module:Name"``; the error names the path and the plugin that should supply it."""
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidSpecError(f"cannot import {module_name!r} (from {path!r}): {exc}") from exc
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise InvalidSpecError(f"module {module_name!r} has no attribute {attr!r} (from {path!r})") from exc


@dataclass(frozen=True)
class MethodSpec:
    """One installable method (or preset): identity, taxonomy, capabilities, lazy class paths, provenance."""

    id: str
    model_class: str
    family: str
    modality: str
    tasks: tuple[str, ...]
    paper: Paper
    #: The config dataclass path; empty (the usual case): the model class's ``config_class``.
    config_class: str = ""
    summary: str = ""
    aliases: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    can_generate: bool = False
    can_predict: bool = True
    preset: dict[str, Any] = field(default_factory=dict)
    code_url: str = ""
    license: str = "Apache-2.0"
    inputs: tuple[TensorSpec, ...] = ()
    outputs: tuple[TensorSpec, ...] = ()
    reported: tuple[ReportedResult, ...] = ()
    datasets: tuple[str, ...] = ()
    #: A reference method (not from the survey) that benchmarks run beside the surveyed ones.
    baseline: bool = False
    core_api: str = ">=1.0,<2"
    #: ``"package.module:function"`` returning an ``emozoo.testing.Example`` (a tiny config, train and test
    #: batches) that the conformance kit fits and checks; imported only by the kit.
    example: str = ""
    #: Filled in by the registry from the entry point's distribution; plugins may leave them empty.
    plugin: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        _check_id(self.id, "MethodSpec.id")
        for alias in self.aliases:
            _check_id(alias, "MethodSpec.aliases")
        _check_choice(self.family, FAMILIES, "family", self.id)
        _check_choice(self.modality, MODALITIES, "modality", self.id)
        if not self.tasks:
            raise InvalidSpecError(f"method {self.id!r}: tasks is empty; name at least one of {TASKS}")
        for task in self.tasks:
            _check_choice(task, TASKS, "tasks", self.id)
        for signal in self.modalities:
            _check_choice(signal, SIGNALS, "modalities", self.id)
        for name, kind in (("model_class", "Class"), ("config_class", "Class"), ("example", "function")):
            value = getattr(self, name)
            if not (name != "model_class" and value == "") and not (isinstance(value, str) and _PATH_RE.match(value)):
                raise InvalidSpecError(f"method {self.id!r}: {name} must look like 'package.module:{kind}', got {value!r}")
        if not isinstance(self.paper, Paper):
            raise InvalidSpecError(f"method {self.id!r}: paper must be an emozoo.specs.Paper")

    @property
    def distribution(self) -> str:
        """The pip distribution that provides this method."""
        return self.plugin

    @property
    def install_command(self) -> str:
        """The exact command that installs the plugin providing this method."""
        return f"pip install {self.plugin}" if self.plugin else ""

    def __repr__(self) -> str:
        """One short line (``print(emozoo.list_methods())`` stays readable); ``to_dict()`` has every field."""
        plugin = f", plugin={self.plugin} {self.version}".rstrip() if self.plugin else ""
        return f"MethodSpec({self.id!r}, {self.family}, {self.modality}, tasks={','.join(self.tasks)}{plugin})"

    def load_model_class(self) -> type:
        """Import the model class (this is where torch gets imported)."""
        return import_object(self.model_class)

    def load_config_class(self) -> type:
        """Import the config dataclass (the model class's ``config_class`` unless the spec names one)."""
        if self.config_class:
            return import_object(self.config_class)
        config_class = getattr(self.load_model_class(), "config_class", None)
        if config_class is None:
            raise InvalidSpecError(f"method {self.id!r}: {self.model_class} sets no config_class and the spec names none")
        return config_class

    def load_example(self) -> Any:
        """Call the ``example`` hook: the tiny ``emozoo.testing.Example`` the conformance kit runs on."""
        if not self.example:
            raise InvalidSpecError(f"method {self.id!r} has no example; set MethodSpec(example='package.module:function')")
        return import_object(self.example)()

    def matches(self, *, modality: str | None = None, family: str | None = None, task: str | None = None) -> bool:
        """Whether the spec passes the given filters (case-insensitive; modality matches coarse or fine)."""
        if modality and modality.lower() not in {self.modality, *self.modalities}:
            return False
        if family and family.lower() != self.family.lower():
            return False
        return not (task and task.lower() not in self.tasks)

    def with_provenance(self, plugin: str, version: str) -> MethodSpec:
        """Copy with the providing distribution filled in (keeps what the plugin set itself)."""
        return replace(self, plugin=self.plugin or plugin, version=self.version or version)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (used by ``emozoo info --json``)."""
        return _as_json(self)


@dataclass(frozen=True)
class DatasetSpec:
    """One data set adapter: what it holds, its licence, and where users get it (nothing is downloaded)."""

    id: str
    name: str
    adapter_class: str
    modality: str
    label_names: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    task: str = "classification"  # "classification" | "regression"
    license: str = ""
    url: str = ""
    citation: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    bundled: bool = False
    #: The data set name papers report on (e.g. "SEED"), for paper / ours / gap tables.
    paper_dataset: str = ""
    #: True for generated stand-in data: every table built on it says it is not real.
    synthetic: bool = False
    #: How this data differs from the paper's (e.g. "100-dialogue subset of the test split").
    subset_note: str = ""
    #: The data set's standard headline metric (e.g. "UA" for RAVDESS, "ACC" for SEED): listed first in benchmark
    #: tables and used for paper / ours / gap where the paper reports no number on this data set.
    metric: str = ""
    plugin: str = ""
    version: str = ""

    def __post_init__(self) -> None:
        _check_id(self.id, "DatasetSpec.id")
        _check_choice(self.modality, MODALITIES, "modality", self.id)
        if not _PATH_RE.match(self.adapter_class):
            raise InvalidSpecError(f"dataset {self.id!r}: adapter_class must look like 'package.module:Class'")

    def with_provenance(self, plugin: str, version: str) -> DatasetSpec:
        """Copy with the providing distribution filled in."""
        return replace(self, plugin=self.plugin or plugin, version=self.version or version)

    def __repr__(self) -> str:
        """One short line; ``to_dict()`` has every field."""
        flags = ", synthetic" if self.synthetic else ""
        plugin = f", plugin={self.plugin}" if self.plugin else ""
        return f"DatasetSpec({self.id!r}, {self.modality}, {len(self.label_names)} classes{flags}{plugin})"

    def load_adapter_class(self) -> type:
        """Import the adapter class."""
        return import_object(self.adapter_class)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return _as_json(self)


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InvalidSpecError(f"{what} {value!r} must be lower-case letters, digits, '.', '_' or '-'")


def _check_choice(value: str, choices: tuple[str, ...], what: str, ident: str) -> None:
    if value not in choices:
        raise InvalidSpecError(f"{ident!r}: {what} {value!r} is not one of {', '.join(choices)}")


def _as_json(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: _as_json(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [_as_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): _as_json(v) for k, v in obj.items()}
    return obj

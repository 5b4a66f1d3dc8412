"""The release plan (``releases/plan.toml``): which method is trained on which real data, split, seed and config.

Each ``[[release]]`` names a benchmark result directory; the data options and the method's config are read from that
run's ``results.json`` (so a release is trained exactly as the benchmark trained the method), then the release's own
``dataset_options`` / ``overrides`` apply on top. ``[unreleased]`` says, per method, why it has no weights. A
``[release.small]`` table (``dataset_options`` / ``overrides``) shrinks a release for CI's end-to-end run.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emozoo.errors import ConfigError

NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")
NAMESPACE = "emozoo"
_FIELDS = {
    "name", "method", "dataset", "data", "benchmark", "fold", "seed", "dataset_options", "overrides", "protocol_options",
    "note", "data_terms", "intended_use", "default", "small", "modality", "kind", "downstream", "ratio",
}  # fmt: skip
KINDS = ("recognizer", "generator")


@dataclass(frozen=True)
class ReleaseSpec:
    """One release: ``name`` (its short name; Hub repo ``emozoo/<name>``), the method, data, held-out fold and seed."""

    name: str
    method: str
    dataset: str
    modality: str
    fold: str
    seed: int = 0
    data: str | None = None
    benchmark: str | None = None
    dataset_options: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    protocol_options: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    data_terms: str = ""
    intended_use: str = ""
    default: bool = False
    small: dict[str, Any] = field(default_factory=dict)
    kind: str = "recognizer"
    downstream: str | None = None  # a generator's: the recognizer release whose method is trained on real + its samples
    ratio: float = 1.0  # a generator's: synthetic samples per real one, per class

    @property
    def repo_id(self) -> str:
        """The Hub repo the release is published as."""
        return f"{NAMESPACE}/{self.name}"

    def shrunk(self) -> ReleaseSpec:
        """This release with its ``small`` options applied (CI's end-to-end configuration)."""
        from dataclasses import replace

        return replace(
            self,
            dataset_options={**self.dataset_options, **self.small.get("dataset_options", {})},
            overrides={**self.overrides, **self.small.get("overrides", {})},
        )


@dataclass(frozen=True)
class ReleasePlan:
    """Every planned release, and the reasons the other methods have none."""

    releases: tuple[ReleaseSpec, ...]
    unreleased: dict[str, str]
    path: Path

    def get(self, name: str) -> ReleaseSpec:
        """The release called ``name``; ConfigError listing the planned names otherwise."""
        for spec in self.releases:
            if spec.name == name:
                return spec
        from emozoo.errors import closest

        near = closest(name, [s.name for s in self.releases])
        hint = f" (did you mean {', '.join(near)}?)" if near else ""
        raise ConfigError(f"{self.path}: no release named {name!r}{hint}; planned: {', '.join(s.name for s in self.releases)}")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table, got {type(value).__name__}")
    return dict(value)


def _spec(raw: Any, index: int, path: Path) -> ReleaseSpec:
    where = f"{path} [[release]] #{index + 1}"
    raw = _table(raw, where)
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known: {sorted(_FIELDS)}")
    for key in ("name", "method", "dataset", "fold", "modality"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ConfigError(f"{where}: {key!r} must be a non-empty string")
    if not NAME_RE.fullmatch(raw["name"]):
        raise ConfigError(f"{where}: name {raw['name']!r} must be 3-64 lower-case letters, digits and '-' (it becomes a repo name)")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: seed must be an int >= 0, got {seed!r}")
    kind = raw.get("kind", "recognizer")
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {list(KINDS)}, got {kind!r}")
    ratio = raw.get("ratio", 1.0)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 10:
        raise ConfigError(f"{where}: ratio must be a number in (0, 10], got {ratio!r}")
    if (kind == "generator") != isinstance(raw.get("downstream"), str):
        raise ConfigError(f"{where}: a generator release names its downstream recognizer release (downstream = \"<name>\"), "
                          "and only a generator does")  # fmt: skip
    small = _table(raw.get("small", {}), f"{where} small")
    if set(small) - {"dataset_options", "overrides"}:
        raise ConfigError(f"{where}: small takes only dataset_options and overrides, got {sorted(small)}")
    return ReleaseSpec(
        name=raw["name"], method=raw["method"], dataset=raw["dataset"], modality=raw["modality"], fold=raw["fold"], seed=seed,
        data=raw.get("data"), benchmark=raw.get("benchmark"),
        dataset_options=_table(raw.get("dataset_options", {}), f"{where} dataset_options"),
        overrides=_table(raw.get("overrides", {}), f"{where} overrides"),
        protocol_options=_table(raw.get("protocol_options", {}), f"{where} protocol_options"),
        note=str(raw.get("note", "")), data_terms=str(raw.get("data_terms", "")), intended_use=str(raw.get("intended_use", "")),
        default=bool(raw.get("default", False)), small=small, kind=kind, downstream=raw.get("downstream"), ratio=float(ratio),
    )  # fmt: skip


def load_plan(path: str | Path) -> ReleasePlan:
    """Read and check a release plan; every problem is a ConfigError naming the file and the entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the release plan {path}: {exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"the release plan {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"release", "unreleased"})
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {unknown}; use [[release]] and [unreleased]")
    raw = data.get("release", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'release' must be an array of tables ([[release]])")
    specs = tuple(_spec(r, i, path) for i, r in enumerate(raw))
    names = [s.name for s in specs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"{path}: release name(s) {repeated} appear more than once")
    defaults = [s.method for s in specs if s.default]
    twice = sorted({m for m in defaults if defaults.count(m) > 1})
    if twice:
        raise ConfigError(f"{path}: method(s) {twice} have more than one default release")
    by_name = {s.name: s for s in specs}
    for spec in specs:
        if spec.kind == "generator":
            target = by_name.get(spec.downstream or "")
            if target is None or target.kind != "recognizer":
                raise ConfigError(f"{path}: release {spec.name}'s downstream {spec.downstream!r} is not a recognizer release of the plan")
            if spec.name + "-downstream" in by_name:
                raise ConfigError(f"{path}: the name {spec.name}-downstream is taken by the downstream classifier of {spec.name}")
    unreleased = _table(data.get("unreleased", {}), f"{path} [unreleased]")
    if not all(isinstance(v, str) and v for v in unreleased.values()):
        raise ConfigError(f"{path}: every [unreleased] value must be the reason, as a non-empty string")
    both = sorted(set(unreleased) & {s.method for s in specs})
    if both:
        raise ConfigError(f"{path}: method(s) {both} are both released and listed as [unreleased]")
    return ReleasePlan(releases=specs, unreleased=unreleased, path=path)

"""Each leaderboard row's model card and licence: the release trained on that data set (its ``README.md`` and
``DATA_LICENSE.md``), else the plugin's ``card.md`` with the plugin's code licence."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from emozoo.catalogue import Release, load_catalogue
from emozoo.release.paths import releases_dir


@dataclass(frozen=True)
class Card:
    """Where a row's card and licence come from, and the folder under ``cards/`` the page copies them to."""

    key: str  # "releases/<release>" or "plugins/<distribution>"
    title: str
    card: Path
    licence: str  # the release's data licence, or the plugin's code licence
    licence_file: Path | None = None  # a release's DATA_LICENSE.md
    note: str = ""  # why a method has no released weights, where the catalogue says

    @property
    def files(self) -> dict[str, Path]:
        """``{path under cards/: source file}`` of what the page copies."""
        out = {f"{self.key}/{self.card.name}": self.card}
        if self.licence_file is not None:
            out[f"{self.key}/{self.licence_file.name}"] = self.licence_file
        return out


class CardFinder:
    """Finds (and caches) the card of a method on a data set; the registry is read only for methods whose results do
    not record their plugin."""

    def __init__(self, releases: Path | None = None) -> None:
        catalogue = load_catalogue()
        self._releases = list(catalogue.releases)
        self._unreleased = dict(catalogue.unreleased)
        self._folder = releases if releases is not None else releases_dir()
        self._cache: dict[tuple[str, str | None, str | None], Card | None] = {}

    def find(self, method: str, dataset: str | None, plugin: str | None = None) -> Card | None:
        """The card of ``method`` trained on ``dataset``: its release's where one exists, else its plugin's; None
        when neither is here (a baseline such as zero-fill, or a plugin that is not installed)."""
        key = (method, dataset, plugin)
        if key not in self._cache:
            self._cache[key] = self._release_card(method, dataset) or self._plugin_card(method, plugin)
        return self._cache[key]

    def _release_card(self, method: str, dataset: str | None) -> Card | None:
        if dataset is None or self._folder is None:
            return None
        candidates = [r for r in self._releases if r.method == method and r.dataset == dataset]
        candidates.sort(key=lambda r: (not r.default, r.kind == "downstream", r.name))
        for release in candidates:
            card = self._folder / release.name / "README.md"
            licence = self._folder / release.name / "DATA_LICENSE.md"
            if card.is_file():
                return Card(f"releases/{release.name}", f"release {release.name}", card, release.license,
                            licence if licence.is_file() else None, note=_release_note(release))  # fmt: skip
        return None

    def _plugin_card(self, method: str, plugin: str | None) -> Card | None:
        plugin = plugin or _registered_plugin(method)
        card = _plugin_card_path(plugin) if plugin else None
        if card is None:
            return None
        licence = _code_licence(plugin)
        note = self._unreleased.get(method, "")
        return Card(f"plugins/{plugin}", f"{plugin} card", card, f"code: {licence}" if licence else "",
                    note=f"no released weights: {note}" if note else "")


def _release_note(release: Release) -> str:
    kinds = {"generator": "a generator (its numbers are its downstream classifier's)", "downstream": "trained on real + generated data"}
    return f"{release.repo_id} @ {release.revision[:12]}" + (f"; {kinds[release.kind]}" if release.kind in kinds else "")


def _registered_plugin(method: str) -> str | None:
    """The distribution that registers ``method``, when one installed does."""
    from emozoo.errors import EmozooError
    from emozoo.registry import get_registry

    try:
        return get_registry().get_method(method).plugin
    except (EmozooError, KeyError):
        return None


def _plugin_card_path(distribution: str) -> Path | None:
    """``card.md`` of the plugin package (``emozoo_<name>/card.md``), found without importing it."""
    module = distribution.replace("-", "_")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for candidate in (Path(folder) / "card.md", Path(folder).parent / "card.md"):
            if candidate.is_file():
                return candidate
    return None


def _code_licence(distribution: str) -> str:
    try:
        meta = importlib.metadata.metadata(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""
    return meta.get("License-Expression") or meta.get("License") or ""

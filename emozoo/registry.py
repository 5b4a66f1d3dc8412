"""Plugin discovery and the method / data set registry.

Plugins are found through ``importlib.metadata`` entry points (group ``emozoo.plugins``) and driven by
pluggy. Discovery is fault-isolated: a plugin that fails to import or to register becomes a
:class:`PluginProblem` that ``emozoo list`` / ``emozoo doctor`` report, and the others keep working.

Environment variables (read when the registry is built):

* ``EMOZOO_DISABLE_PLUGIN_AUTOLOAD=1`` - load no entry points (only those named in ``EMOZOO_PLUGINS``).
* ``EMOZOO_PLUGINS=a,b`` - allowlist: load only these entry points (by entry-point or distribution name,
  in any spelling pip accepts: ``emozoo_cwgan``, ``Emozoo-CWGAN`` and ``emozoo-cwgan`` are one name).
* ``EMOZOO_PLUGINS_DISABLE=a,b`` - blocklist, matched the same way.
* ``EMOZOO_STRICT_PLUGINS=1`` - re-raise plugin failures as :class:`~emozoo.errors.PluginLoadError`.

Nothing here imports torch.
"""

from __future__ import annotations

import fnmatch
import re
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from emozoo import hookspecs
import emozoo._env as _env
from emozoo._version import CORE_API_VERSION
from emozoo.catalogue import Catalogue, load_catalogue
from emozoo.errors import (
    DuplicateIdError,
    EmozooError,
    PluginLoadError,
    UnknownDatasetError,
    UnknownMethodError,
    closest,
)
from emozoo.specs import DatasetSpec, MethodSpec

_HEAVY_MODULES = ("torch", "transformers", "peft", "accelerate")


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that failed to import or register, or that broke a rule of the contract."""

    plugin: str
    stage: str  # "import" | "unknown_hook" | "register_methods" | "register_datasets" | "duplicate" | "core_api" | "heavy_import" | "slow_import"
    message: str
    fatal: bool = True  # False for warnings (the plugin's methods are still usable)


@dataclass(frozen=True)
class PluginInfo:
    """A loaded plugin: its name, distribution, version and import time."""

    name: str
    distribution: str
    version: str
    import_seconds: float
    methods: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()


def _canonical(name: str) -> str:
    """A plugin name as pip compares distribution names (PEP 503): case, '-', '_' and '.' do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _env_names(name: str) -> set[str]:
    return {_canonical(item) for item in _env.names(name)}


def _api_compatible(requirement: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(requirement).contains(CORE_API_VERSION)
    except InvalidSpecifier:
        return False


#: An entry-point module that takes longer than this to import is named by ``emozoo doctor`` (a warning).
SLOW_IMPORT_SECONDS = 0.5
#: Default bound on one plugin's import (seconds); ``EMOZOO_PLUGIN_IMPORT_TIMEOUT`` changes it.
IMPORT_TIMEOUT_SECONDS = 10.0


def _import_timeout() -> float:
    value = _env.number("EMOZOO_PLUGIN_IMPORT_TIMEOUT", IMPORT_TIMEOUT_SECONDS)
    if value <= 0:
        from emozoo.errors import ConfigError

        raise ConfigError(f"EMOZOO_PLUGIN_IMPORT_TIMEOUT must be a number of seconds > 0, got {value:g}")
    return value


def _import_bounded(ep: metadata.EntryPoint, timeout: float) -> Any:
    """``ep.load()`` in a daemon thread, waited for at most ``timeout`` s (TimeoutError after), with ``sys.argv``
    reduced to the program name, so a plugin that parses the command line at import sees nothing of emozoo's."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["module"] = ep.load()
        except BaseException as exc:  # handed to the caller, which decides what is fatal
            outcome["error"] = exc

    saved_argv = sys.argv
    sys.argv = saved_argv[:1]
    try:
        worker = threading.Thread(target=target, name=f"emozoo-plugin-import-{ep.name}", daemon=True)
        worker.start()
        worker.join(timeout)
    finally:
        sys.argv = saved_argv
    if worker.is_alive():
        raise TimeoutError(ep.name)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["module"]


class Registry:
    """All methods and data sets of the installed (or explicitly registered) plugins."""

    def __init__(self, *, autoload: bool | None = None, catalogue: Catalogue | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.strict = bool(_env.flag("EMOZOO_STRICT_PLUGINS"))
        self._catalogue = catalogue
        self._methods: dict[str, MethodSpec] = {}
        self._datasets: dict[str, DatasetSpec] = {}
        self._aliases: dict[str, str] = {}
        self._dataset_aliases: dict[str, str] = {}
        self._ambiguous: dict[str, DuplicateIdError] = {}
        self._owner: dict[str, str] = {}
        self.plugins: dict[str, PluginInfo] = {}
        self.problems: list[PluginProblem] = []
        if autoload is None:
            autoload = True
        self._load_entry_points(autoload=autoload and not _env.flag("EMOZOO_DISABLE_PLUGIN_AUTOLOAD"))

    # --- discovery --------------------------------------------------------------------------------

    def _load_entry_points(self, *, autoload: bool) -> None:
        allow = _env_names("EMOZOO_PLUGINS")
        deny = _env_names("EMOZOO_PLUGINS_DISABLE")
        if not autoload and not allow:
            return
        for ep in sorted(metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist_name = ep.dist.name if ep.dist is not None else ""
            names = {_canonical(ep.name), _canonical(dist_name)} - {""}
            if (allow and not names & allow) or names & deny:
                continue
            version = ep.dist.version if ep.dist is not None else "0+unknown"
            self._load_entry_point(ep, dist_name or ep.name, version)

    def _load_entry_point(self, ep: metadata.EntryPoint, distribution: str, version: str) -> None:
        heavy_before = {m for m in _HEAVY_MODULES if m in sys.modules}
        timeout = _import_timeout()
        start = time.perf_counter()
        try:
            module = _import_bounded(ep, timeout)
        except TimeoutError:
            self._problem(ep.name, "import", f"import did not finish within {timeout:g} s (EMOZOO_PLUGIN_IMPORT_TIMEOUT); "
                          "it was left running in the background and its methods are not listed", None)
            return
        except (Exception, SystemExit) as exc:  # a broken plugin (even one calling sys.exit) must never break the host
            self._problem(ep.name, "import", f"{type(exc).__name__}: {exc}", exc)
            return
        seconds = time.perf_counter() - start
        heavy = sorted(m for m in _HEAVY_MODULES if m in sys.modules and m not in heavy_before)
        if heavy:
            self._problem(ep.name, "heavy_import", f"imports {', '.join(heavy)} at import time; import it lazily", None, fatal=False)
        elif seconds > SLOW_IMPORT_SECONDS:
            self._problem(ep.name, "slow_import", f"took {seconds:.2f} s to import (listing budget: {SLOW_IMPORT_SECONDS:g} s "
                          "per plugin); move work out of the entry-point module", None, fatal=False)
        self.register_plugin(module, name=ep.name, distribution=distribution, version=version, import_seconds=seconds)

    def register_plugin(
        self,
        plugin: Any,
        *,
        name: str | None = None,
        distribution: str | None = None,
        version: str = "0+unknown",
        import_seconds: float = 0.0,
    ) -> PluginInfo | None:
        """Register a plugin object or module (as an entry point would) and collect its specs.

        Tests and notebooks use this to add a plugin without installing it. Returns None when the
        plugin failed (the problem is recorded in :attr:`problems`).
        """
        name = name or getattr(plugin, "__name__", None) or repr(plugin)
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:
            self._problem(name, "import", f"{type(exc).__name__}: {exc}", exc)
            return None
        unknown = self._unknown_hooks(plugin, name)
        if unknown:
            self.pm.unregister(name=name)
            self._problem(name, "unknown_hook", "; ".join(unknown), None)
            return None
        distribution = distribution or name
        methods = self._collect(name, "emozoo_register_methods", distribution, version)
        datasets = self._collect(name, "emozoo_register_datasets", distribution, version)
        if methods is None or datasets is None:
            self.pm.unregister(name=name)
            return None
        for spec in methods:
            self._add(spec, name, self._methods, self._aliases, "method")
        for spec in datasets:
            self._add(spec, name, self._datasets, self._dataset_aliases, "dataset")
        info = PluginInfo(name, distribution, version, import_seconds, tuple(s.id for s in methods), tuple(s.id for s in datasets))
        self.plugins[name] = info
        return info

    def _collect(self, plugin_name: str, hook_name: str, distribution: str, version: str) -> list[Any] | None:
        """Call one plugin's hook alone, so its failure cannot take others down; all-or-nothing per plugin."""
        collected: list[Any] = []
        expected = MethodSpec if hook_name == "emozoo_register_methods" else DatasetSpec

        def register(spec: Any) -> None:
            if not isinstance(spec, expected):
                raise TypeError(f"register() takes an emozoo.specs.{expected.__name__}, got {type(spec).__name__}")
            collected.append(spec.with_provenance(distribution, version))

        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name != plugin_name:
                continue
            try:
                impl.function(register=register)
            except Exception as exc:
                self._problem(plugin_name, hook_name.replace("emozoo_", ""), f"{type(exc).__name__}: {exc}", exc)
                return None
        if expected is MethodSpec:
            bad = [s.id for s in collected if not _api_compatible(s.core_api)]
            if bad:
                msg = f"methods {bad} need core API {collected[0].core_api!r}; this emozoo has {CORE_API_VERSION}; upgrade emozoo or the plugin"
                self._problem(plugin_name, "core_api", msg, None)
                return None
        return collected

    def _unknown_hooks(self, plugin: Any, name: str) -> list[str]:
        """What is wrong with this plugin's hook names: implementations without a hook spec (pluggy's
        ``check_pending``, for this plugin only) and unmarked ``emozoo_*`` hook functions that pluggy skips."""
        known = sorted(h for h in dir(hookspecs) if h.startswith("emozoo_"))
        problems = []
        for caller in self.pm.get_hookcallers(plugin) or ():
            if not caller.has_spec():
                hint = closest(caller.name, known)
                tip = f"did you mean {hint[0]!r}?" if hint else f"emozoo's hooks are {', '.join(known)}"
                problems.append(f"hook {caller.name!r} is not an emozoo hook; {tip}")
        registered = {caller.name for caller in self.pm.get_hookcallers(plugin) or ()}
        for attr in known:
            if attr not in registered and callable(getattr(plugin, attr, None)):
                problems.append(f"{attr} is not marked with @emozoo.hookimpl, so it would never be called; decorate it")
        return problems

    def _add(self, spec: Any, plugin_name: str, table: dict[str, Any], aliases: dict[str, str], kind: str) -> None:
        for ident in (spec.id, *spec.aliases):
            owner = self._owner.get(f"{kind}:{ident}")
            if owner is not None and owner != plugin_name:
                err = DuplicateIdError(kind, ident, owner, plugin_name)
                self._ambiguous[f"{kind}:{ident}"] = err
                self._problem(plugin_name, "duplicate", str(err), err)
                return
        for ident in (spec.id, *spec.aliases):
            self._owner[f"{kind}:{ident}"] = plugin_name
        table[spec.id] = spec
        for alias in spec.aliases:
            aliases[alias] = spec.id

    def _problem(self, plugin: str, stage: str, message: str, exc: BaseException | None, *, fatal: bool = True) -> None:
        self.problems.append(PluginProblem(plugin, stage, message, fatal))
        if self.strict and fatal:
            raise PluginLoadError(f"plugin {plugin!r} failed at {stage}: {message}") from exc

    # --- queries ----------------------------------------------------------------------------------

    @property
    def catalogue(self) -> Catalogue:
        """The survey catalogue (registry.json), loaded on first use."""
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    def list_methods(
        self,
        pattern: str | None = None,
        *,
        modality: str | None = None,
        family: str | None = None,
        task: str | None = None,
    ) -> list[MethodSpec]:
        """Installed methods, sorted by id; ``pattern`` is a shell wildcard over ids and aliases (``"*gan*"``)."""
        specs = (s for s in self._methods.values() if s.matches(modality=modality, family=family, task=task))
        if pattern:
            pat = pattern.lower()
            specs = (s for s in specs if any(fnmatch.fnmatchcase(n, pat) for n in (s.id, *s.aliases)))
        return sorted(specs, key=lambda s: s.id)

    def list_datasets(self, pattern: str | None = None, *, modality: str | None = None) -> list[DatasetSpec]:
        """Registered data sets, sorted by id."""
        specs = (d for d in self._datasets.values() if not modality or modality in {d.modality, *d.modalities})
        if pattern:
            specs = (d for d in specs if fnmatch.fnmatchcase(d.id, pattern.lower()))
        return sorted(specs, key=lambda d: d.id)

    def get_method(self, method_id: str) -> MethodSpec:
        """The spec for an id or alias; unknown ids raise with suggestions or the pip install line."""
        key = method_id.strip().lower()
        if f"method:{key}" in self._ambiguous:
            raise self._ambiguous[f"method:{key}"]
        key = self._aliases.get(key, key)
        if key in self._methods:
            return self._methods[key]
        entry = self._catalogue_entry(key)
        if entry is not None and entry.install and entry.status == "implemented":
            raise UnknownMethodError(method_id, install_hint=entry.install)
        note = None
        if entry is not None:
            note = f"the survey catalogue lists it ({entry.display_name}, ref [{entry.ref}]) but no emozoo plugin implements it yet"
        known = [*self._methods, *self._aliases]
        raise UnknownMethodError(method_id, closest(key, known), note=note)

    def get_dataset(self, dataset_id: str) -> DatasetSpec:
        """The data set spec for an id or alias."""
        key = dataset_id.strip().lower()
        if f"dataset:{key}" in self._ambiguous:
            raise self._ambiguous[f"dataset:{key}"]
        key = self._dataset_aliases.get(key, key)
        if key in self._datasets:
            return self._datasets[key]
        raise UnknownDatasetError(dataset_id, closest(key, [*self._datasets, *self._dataset_aliases]))

    def _catalogue_entry(self, key: str):
        try:
            catalogue = self.catalogue
        except EmozooError:
            return None
        return catalogue.for_method(key) or catalogue.get(key)

    def uncatalogued_methods(self) -> list[str]:
        """Installed method ids that registry.json does not list (a plugin whose catalogue entry is missing).

        Baselines (``MethodSpec.baseline``) are not surveyed methods and need no entry."""
        known = self.catalogue.method_ids()
        return sorted(i for i, s in self._methods.items() if i not in known and not s.baseline)

    def installed_for_entry(self, entry_method_ids: Iterable[str], ref: int) -> list[MethodSpec]:
        """Installed specs that implement a catalogue entry (by method id, or by survey reference)."""
        ids = set(entry_method_ids)
        return [s for s in self._methods.values() if s.id in ids or (s.paper.survey_ref == ref and ref)]


_REGISTRY: Registry | None = None
_LOCK = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built once on first use (plugin discovery is cached per process)."""
    global _REGISTRY
    if _REGISTRY is None:
        with _LOCK:
            if _REGISTRY is None:
                _REGISTRY = Registry()
    return _REGISTRY


def reset_registry(registry: Registry | None = None) -> None:
    """Drop the cached registry (or install a given one); tests and long-lived notebooks use this."""
    global _REGISTRY
    with _LOCK:
        _REGISTRY = registry


def list_methods(pattern: str | None = None, **filters: Any) -> list[MethodSpec]:
    """Installed methods, filtered; see :meth:`Registry.list_methods`."""
    return get_registry().list_methods(pattern, **filters)


def get_spec(method_id: str) -> MethodSpec:
    """The installed method's spec; see :meth:`Registry.get_method`."""
    return get_registry().get_method(method_id)


def list_datasets(pattern: str | None = None, **filters: Any) -> list[DatasetSpec]:
    """Registered data sets; see :meth:`Registry.list_datasets`."""
    return get_registry().list_datasets(pattern, **filters)


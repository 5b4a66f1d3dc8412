"""Plugin discovery, fault isolation, filtering, suggestions and duplicate detection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from emozoo import MethodSpec, Paper, hookimpl
from emozoo.catalogue import Catalogue, CatalogueEntry
from emozoo.errors import (
    DuplicateIdError,
    InvalidSpecError,
    PluginLoadError,
    UnknownMethodError,
)
from emozoo.registry import Registry, get_registry, get_spec, list_methods

REPO = Path(__file__).resolve().parents[1]
TOY_SRC = REPO / "tests" / "fixtures" / "emozoo-toy"


def _spec(method_id: str, **kw) -> MethodSpec:
    base = dict(
        model_class="x.y:Z", config_class="x.y:C", family="GAN", modality="physiological", tasks=("data_augmentation",),
        paper=Paper("t", 2020),
    )
    base.update(kw)
    return MethodSpec(id=method_id, **base)


class _Plugin:
    """A plugin object whose hook registers the given specs (or raises)."""

    def __init__(self, *specs: MethodSpec, fail: Exception | None = None):
        self.specs, self.fail = specs, fail

    @hookimpl
    def emozoo_register_methods(self, register):
        for spec in self.specs:
            register(spec)
        if self.fail:
            raise self.fail


def test_toy_plugin_methods_listed_with_provenance(registry):
    ids = [s.id for s in list_methods()]
    assert ids == ["toy-mlp", "toy-mlp-wide"]
    spec = get_spec("toy-mlp")
    assert (spec.plugin, spec.version) == ("emozoo-toy", "0.3.1")
    assert spec.install_command == "pip install emozoo-toy"
    assert get_spec("TOY") is spec  # alias, case-insensitive
    assert get_registry() is registry


def test_filters_and_wildcards():
    reg = Registry(autoload=False)
    reg.register_plugin(
        _Plugin(
            _spec("cwgan", family="GAN", modalities=("eeg",)),
            _spec("imder", family="DM", modality="multimodal", tasks=("modality_completion",)),
            _spec("vae-d2gan", family="hybrid", modalities=("eeg",), aliases=("d2gan",)),
        ),
        name="p",
    )
    assert [s.id for s in reg.list_methods(modality="eeg")] == ["cwgan", "vae-d2gan"]
    assert [s.id for s in reg.list_methods(modality="multimodal")] == ["imder"]
    assert [s.id for s in reg.list_methods(family="gan")] == ["cwgan"]
    assert [s.id for s in reg.list_methods(task="modality_completion")] == ["imder"]
    assert [s.id for s in reg.list_methods("*gan")] == ["cwgan", "vae-d2gan"]
    assert [s.id for s in reg.list_methods("d2*")] == ["vae-d2gan"]  # matches the alias
    assert reg.list_methods("nothing*") == []


def test_unknown_id_suggests_close_ids():
    reg = Registry(autoload=False, catalogue=Catalogue([]))
    reg.register_plugin(_Plugin(_spec("vae-d2gan"), _spec("cwgan")), name="p")
    with pytest.raises(UnknownMethodError, match=r"did you mean 'vae-d2gan'") as info:
        reg.get_method("vae-dgan")
    assert info.value.suggestions == ("vae-d2gan",)
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownMethodError, match="emozoo list --all"):
        reg.get_method("completely-different")


def _entry(**kw) -> CatalogueEntry:
    base = dict(id="imder", ref=307, authors="Wang et al.", year=2024, title="t", modality="multimodal",
                task="modality_completion", family="DM", family_group="DM", status="implemented",
                method_name="IMDer", plugin="emozoo-imder", method_ids=("imder",), install="pip install emozoo-imder")
    base.update(kw)
    return CatalogueEntry(**base)


def test_catalogued_but_not_installed_gives_pip_line():
    reg = Registry(autoload=False, catalogue=Catalogue([_entry()]))
    with pytest.raises(UnknownMethodError, match=r"run `pip install emozoo-imder`"):
        reg.get_method("imder")


def test_catalogued_but_unimplemented_says_so():
    reg = Registry(autoload=False, catalogue=Catalogue([_entry(status="not_implemented", install=None, method_ids=())]))
    with pytest.raises(UnknownMethodError, match=r"no emozoo plugin implements it yet"):
        reg.get_method("imder")


def test_failing_hook_is_recorded_not_fatal_and_all_or_nothing():
    reg = Registry(autoload=False)
    reg.register_plugin(_Plugin(_spec("good")), name="good-plugin")
    assert reg.register_plugin(_Plugin(_spec("half"), fail=RuntimeError("boom")), name="bad-plugin") is None
    assert [s.id for s in reg.list_methods()] == ["good"]  # "half" was registered before the raise: discarded
    (problem,) = reg.problems
    assert (problem.plugin, problem.stage) == ("bad-plugin", "register_methods")
    assert "RuntimeError: boom" in problem.message


def test_strict_mode_reraises(monkeypatch):
    monkeypatch.setenv("EMOZOO_STRICT_PLUGINS", "1")
    reg = Registry(autoload=False)
    with pytest.raises(PluginLoadError, match="bad-plugin.*boom") as info:
        reg.register_plugin(_Plugin(fail=ValueError("boom")), name="bad-plugin")
    assert isinstance(info.value.__cause__, ValueError)


def test_register_rejects_non_spec_objects():
    class Wrong:
        @hookimpl
        def emozoo_register_methods(self, register):
            register({"id": "x"})

    reg = Registry(autoload=False)
    reg.register_plugin(Wrong(), name="wrong")
    assert "takes an emozoo.specs.MethodSpec" in reg.problems[0].message


def test_duplicate_ids_name_both_plugins():
    reg = Registry(autoload=False)
    reg.register_plugin(_Plugin(_spec("cwgan")), name="first", distribution="emozoo-cwgan")
    reg.register_plugin(_Plugin(_spec("other", aliases=("cwgan",))), name="second", distribution="emozoo-fork")
    with pytest.raises(DuplicateIdError, match=r"'cwgan' is registered by both 'first' and 'second'"):
        reg.get_method("cwgan")
    assert any(p.stage == "duplicate" and "first" in p.message and "second" in p.message for p in reg.problems)


def test_incompatible_core_api_is_recorded():
    reg = Registry(autoload=False)
    reg.register_plugin(_Plugin(_spec("future", core_api=">=2,<3")), name="future-plugin")
    assert reg.list_methods() == []
    assert reg.problems[0].stage == "core_api"
    assert "upgrade emozoo" in reg.problems[0].message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "Bad Id", "lower-case"),
        ("family", "RNN", "family 'RNN' is not one of"),
        ("modality", "smell", "modality 'smell'"),
        ("tasks", (), "tasks is empty"),
        ("tasks", ("dancing",), "tasks 'dancing'"),
        ("model_class", "no_colon", "package.module:Class"),
    ],
)
def test_spec_validation(field, value, message):
    kwargs = {field: value}
    method_id = kwargs.pop("id", "ok")
    with pytest.raises(InvalidSpecError, match=message):
        _spec(method_id, **kwargs)


# --- real entry points, from dist-info folders on sys.path ------------------------------------


def _write_dist(root: Path, dist: str, module: str, body: str, ep_name: str | None = None) -> None:
    """A minimal installed distribution (dist-info with entry_points.txt) plus its plugin module."""
    info = root / f"{dist.replace('-', '_')}-1.2.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.0\n")
    (info / "entry_points.txt").write_text(f"[emozoo.plugins]\n{ep_name or dist} = {module}\n")
    (root / f"{module}.py").write_text(textwrap.dedent(body))


GOOD_PLUGIN = """
from emozoo import MethodSpec, Paper, hookimpl

@hookimpl
def emozoo_register_methods(register):
    register(MethodSpec(id="{id}", model_class="m:M", config_class="m:C", family="GAN",
                        modality="physiological", tasks=("data_augmentation",), paper=Paper("t", 2020)))
"""


@pytest.fixture
def dist_dir(tmp_path, monkeypatch):
    _write_dist(tmp_path, "emozoo-good", "good_plugin", GOOD_PLUGIN.format(id="good-method"))
    _write_dist(tmp_path, "emozoo-broken", "broken_plugin", "raise ImportError('missing native library')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for var in ("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", "EMOZOO_PLUGINS", "EMOZOO_PLUGINS_DISABLE", "EMOZOO_STRICT_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    yield tmp_path
    for name in ("good_plugin", "broken_plugin"):
        sys.modules.pop(name, None)


def test_entry_points_discovered_and_broken_one_reported(dist_dir):
    reg = Registry()
    spec = reg.get_method("good-method")
    assert (spec.plugin, spec.version) == ("emozoo-good", "1.2.0")
    broken = [p for p in reg.problems if p.plugin == "emozoo-broken"]
    assert broken and broken[0].stage == "import" and "missing native library" in broken[0].message


def test_disable_autoload_and_allow_and_block_lists(dist_dir, monkeypatch):
    monkeypatch.setenv("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert Registry().plugins == {}
    monkeypatch.setenv("EMOZOO_PLUGINS", "emozoo-good")  # the allowlist loads even with autoload off
    reg = Registry()
    assert list(reg.plugins) == ["emozoo-good"] and reg.problems == []
    monkeypatch.delenv("EMOZOO_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.delenv("EMOZOO_PLUGINS")
    monkeypatch.setenv("EMOZOO_PLUGINS_DISABLE", "emozoo-broken")
    reg = Registry()
    assert "emozoo-good" in reg.plugins and not [p for p in reg.problems if p.plugin == "emozoo-broken"]


def test_strict_env_reraises_broken_entry_point(dist_dir, monkeypatch):
    monkeypatch.setenv("EMOZOO_STRICT_PLUGINS", "1")
    monkeypatch.setenv("EMOZOO_PLUGINS", "emozoo-broken")
    with pytest.raises(PluginLoadError, match="missing native library"):
        Registry()


def _run(code: str, extra_path: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(extra_path), str(REPO)]), **(env_extra or {})}
    env.pop("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", None)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_listing_imports_no_torch_in_fresh_interpreter(dist_dir):
    shutil_copy = __import__("shutil").copytree
    shutil_copy(TOY_SRC / "emozoo_toy", dist_dir / "emozoo_toy")
    _write_dist(dist_dir, "emozoo-toy", "toy_shim", "from emozoo_toy.plugin import *\n", ep_name="toy")
    code = """
import sys, json, emozoo
from emozoo.cli import main
ids = [s.id for s in emozoo.list_methods(modality="eeg")]
emozoo.get_spec("toy-mlp"); emozoo.list_methods("*", family="AE", task="recognition")
main(["list", "--all", "--json"])  # the whole catalogue, merged with the installed plugins
heavy = [m for m in ("torch", "transformers", "peft", "accelerate", "numpy") if m in sys.modules]
print("RESULT", json.dumps({"ids": ids, "heavy": heavy}))
"""
    proc = _run(code, dist_dir)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.rsplit("RESULT", 1)[1])
    assert "toy-mlp" in result["ids"] and "good-method" not in result["ids"]
    assert result["heavy"] == []


def test_plugin_importing_torch_is_flagged(tmp_path):
    _write_dist(tmp_path, "emozoo-heavy", "heavy_plugin", "import torch\n" + GOOD_PLUGIN.format(id="heavy-method"))
    code = """
from emozoo.registry import Registry
reg = Registry()
print([(p.plugin, p.stage, p.fatal) for p in reg.problems if p.plugin == "emozoo-heavy"], reg.get_method("heavy-method").id)
"""
    proc = _run(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[('emozoo-heavy', 'heavy_import', False)] heavy-method" in proc.stdout


# --- hook names, name spellings, plugins that exit ----------------------------------------------------------


def test_misspelled_hook_fails_the_plugin_loudly_with_a_suggestion():
    class Typo:
        @hookimpl
        def emozoo_register_method(self, register):  # missing "s": pluggy alone would register nothing silently
            register(_spec("never"))

    reg = Registry(autoload=False)
    assert reg.register_plugin(Typo(), name="typo") is None
    (problem,) = reg.problems
    assert problem.stage == "unknown_hook" and problem.fatal
    assert "'emozoo_register_method' is not an emozoo hook; did you mean 'emozoo_register_methods'?" in problem.message
    assert "typo" not in reg.plugins and reg.pm.get_plugin("typo") is None


def test_unmarked_hook_function_is_reported_not_skipped():
    class Unmarked:
        def emozoo_register_methods(self, register):  # no @hookimpl: pluggy would never call it
            register(_spec("never"))

    reg = Registry(autoload=False)
    assert reg.register_plugin(Unmarked(), name="unmarked") is None
    assert "not marked with @emozoo.hookimpl" in reg.problems[0].message


def test_strict_mode_raises_for_an_unknown_hook(monkeypatch):
    class Typo:
        @hookimpl
        def emozoo_register_dataset(self, register):
            pass

    monkeypatch.setenv("EMOZOO_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="emozoo_register_datasets"):
        Registry(autoload=False).register_plugin(Typo(), name="typo")


def test_only_the_contract_hooks_exist():
    from emozoo import hookspecs

    assert sorted(n for n in dir(hookspecs) if n.startswith("emozoo_")) == ["emozoo_register_datasets", "emozoo_register_methods"]


@pytest.mark.parametrize("spelling", ["emozoo-good", "emozoo_good", "Emozoo-Good", "EMOZOO.GOOD", " emozoo__good "])
def test_allow_and_block_lists_match_every_spelling_of_a_name(dist_dir, monkeypatch, spelling):
    monkeypatch.setenv("EMOZOO_PLUGINS_DISABLE", spelling)
    assert "emozoo-good" not in Registry().plugins
    monkeypatch.delenv("EMOZOO_PLUGINS_DISABLE")
    monkeypatch.setenv("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("EMOZOO_PLUGINS", spelling)
    assert list(Registry().plugins) == ["emozoo-good"]


def test_plugin_calling_sys_exit_at_import_is_a_recorded_problem(dist_dir):
    _write_dist(dist_dir, "emozoo-exits", "exiting_plugin", "import sys\nsys.exit(3)\n")
    try:
        reg = Registry()
        problem = next(p for p in reg.problems if p.plugin == "emozoo-exits")
        assert problem.stage == "import" and problem.message == "SystemExit: 3"
        assert reg.get_method("good-method").plugin == "emozoo-good"
    finally:
        sys.modules.pop("exiting_plugin", None)


def test_a_hanging_plugin_is_cut_off_and_the_others_still_list(dist_dir, monkeypatch):
    import time as _time

    _write_dist(dist_dir, "emozoo-hangs", "hanging_plugin", "import time\ntime.sleep(60)\n")
    monkeypatch.setenv("EMOZOO_PLUGIN_IMPORT_TIMEOUT", "0.5")
    start = _time.perf_counter()
    reg = Registry()
    assert _time.perf_counter() - start < 5
    problem = next(p for p in reg.problems if p.plugin == "emozoo-hangs")
    assert problem.fatal and "did not finish within 0.5 s (EMOZOO_PLUGIN_IMPORT_TIMEOUT)" in problem.message
    assert reg.get_method("good-method").plugin == "emozoo-good"


def test_a_plugin_that_parses_the_command_line_sees_only_the_program_name(dist_dir, monkeypatch):
    body = "import argparse\nARGS = argparse.ArgumentParser().parse_args()\n" + GOOD_PLUGIN.format(id="argv-method")
    _write_dist(dist_dir, "emozoo-argv", "argv_plugin", body)
    monkeypatch.setattr(sys, "argv", ["emozoo", "list", "--all", "--json"])
    try:
        reg = Registry()
        assert reg.get_method("argv-method").plugin == "emozoo-argv"  # emozoo's own flags did not reach it
        assert sys.argv == ["emozoo", "list", "--all", "--json"]  # and they are back afterwards
    finally:
        sys.modules.pop("argv_plugin", None)


def test_a_slow_plugin_is_named_as_a_warning(dist_dir):
    _write_dist(dist_dir, "emozoo-slow", "slow_plugin", "import time\ntime.sleep(0.6)\n" + GOOD_PLUGIN.format(id="slow-method"))
    try:
        reg = Registry()
        problem = next(p for p in reg.problems if p.plugin == "emozoo-slow")
        assert problem.stage == "slow_import" and not problem.fatal and "move work out of the entry-point module" in problem.message
        assert reg.get_method("slow-method")  # still usable
    finally:
        sys.modules.pop("slow_plugin", None)


def test_bad_timeout_value_is_a_typed_error(monkeypatch):
    from emozoo.errors import ConfigError

    for raw in ("soon", "0", "-1", "nan"):
        monkeypatch.setenv("EMOZOO_PLUGIN_IMPORT_TIMEOUT", raw)
        with pytest.raises(ConfigError, match="EMOZOO_PLUGIN_IMPORT_TIMEOUT"):
            Registry()


def test_printing_specs_gives_one_short_line_each(registry):
    from emozoo import list_datasets

    text = repr(list_methods())
    assert text == ("[MethodSpec('toy-mlp', AE, physiological, tasks=recognition, plugin=emozoo-toy 0.3.1), "
                    "MethodSpec('toy-mlp-wide', AE, physiological, tasks=recognition, plugin=emozoo-toy 0.3.1)]")
    for spec in [*list_methods(), *list_datasets()]:
        assert "\n" not in str(spec) and len(str(spec)) < 120
    assert str(list_datasets()[0]) == "DatasetSpec('toy-blobs', physiological, 3 classes, synthetic, plugin=emozoo-toy)"

"""EMOZOO_* switches: one parser, one rule for bad values, every variable documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import emozoo._env as env
from emozoo.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("raw,expected", [("1", True), (" TRUE ", True), ("yes", True), ("On", True),
                                          ("0", False), ("false", False), ("NO", False), ("off", False)])
def test_flag_words(monkeypatch, raw, expected):
    monkeypatch.setenv("EMOZOO_PROGRESS", raw)
    assert env.flag("EMOZOO_PROGRESS") is expected


@pytest.mark.parametrize("raw", ["", "   "])
def test_flag_unset_or_empty_is_the_default(monkeypatch, raw):
    monkeypatch.setenv("EMOZOO_HASH_CACHE", raw)
    assert env.flag("EMOZOO_HASH_CACHE", default=True) is True
    monkeypatch.delenv("EMOZOO_HASH_CACHE")
    assert env.flag("EMOZOO_HASH_CACHE", default=None) is None


@pytest.mark.parametrize("name", [v.name for v in env.VARIABLES if v.kind == "flag"])
def test_every_flag_refuses_a_typo_by_name(monkeypatch, name):
    monkeypatch.setenv(name, "ture")
    with pytest.raises(ConfigError, match=f"{name}='ture' is not a boolean; set it to 1 or 0"):
        env.flag(name)


def test_the_switches_that_read_flags_share_the_rule(monkeypatch):
    from emozoo import hash_cache
    from emozoo.registry import Registry

    monkeypatch.setenv("EMOZOO_HASH_CACHE", "nope")
    with pytest.raises(ConfigError, match="EMOZOO_HASH_CACHE"):
        hash_cache.enabled()
    monkeypatch.setenv("EMOZOO_HASH_CACHE", "off")
    assert hash_cache.enabled() is False
    monkeypatch.setenv("EMOZOO_STRICT_PLUGINS", "maybe")
    with pytest.raises(ConfigError, match="EMOZOO_STRICT_PLUGINS"):
        Registry(autoload=False)


def test_lists_and_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("EMOZOO_PLUGINS", " a, ,b ,")
    assert env.names("EMOZOO_PLUGINS") == {"a", "b"}
    monkeypatch.setenv("EMOZOO_CACHE", "~/x")
    assert env.path("EMOZOO_CACHE") == Path.home() / "x"
    monkeypatch.setenv("EMOZOO_CACHE", "")
    assert env.path("EMOZOO_CACHE", tmp_path) == tmp_path


def test_an_undocumented_emozoo_variable_cannot_be_read():
    with pytest.raises(KeyError, match="EMOZOO_NOPE is not a documented flag"):
        env.flag("EMOZOO_NOPE")


def test_no_other_module_reads_emozoo_variables_itself():
    """One module reads EMOZOO_*: grep the core for os.environ / getenv next to an EMOZOO_ name."""
    offenders = []
    for path in (REPO / "emozoo").rglob("*.py"):
        if path.name == "_env.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"(environ|getenv)\S*\(?\s*[\"']EMOZOO_", line):
                offenders.append(f"{path.relative_to(REPO)}: {line.strip()}")
    assert offenders == []


def test_readme_documents_every_variable():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert [v.name for v in env.VARIABLES if f"`{v.name}" not in readme] == []

"""Run the conformance suite on named plugins or methods: ``python -m emozoo.testing NAME...``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

#: The method ids the generic suite module (``emozoo/testing/suite.py``) runs over, comma-separated.
METHODS_ENV = "EMOZOO_CONFORMANCE_METHODS"


def resolve_methods(names: Iterable[str] | None = None) -> list[str]:
    """Method ids for names that are method ids (or aliases), plugin distributions or entry-point names.

    ``None``: every installed method. A name that matches nothing raises ``UnknownMethodError``.
    """
    from packaging.utils import canonicalize_name

    from emozoo.errors import UnknownMethodError, closest
    from emozoo.registry import get_registry

    registry = get_registry()
    if names is None:
        return [spec.id for spec in registry.list_methods()]
    ids: list[str] = []
    for name in names:
        by_plugin = [
            m for info in registry.plugins.values()
            if canonicalize_name(name) in {canonicalize_name(info.name), canonicalize_name(info.distribution)}
            for m in info.methods
        ]
        if by_plugin:
            ids += by_plugin
            continue
        try:
            ids.append(registry.get_method(name).id)
        except UnknownMethodError:
            known = [s.id for s in registry.list_methods()] + [i.distribution for i in registry.plugins.values()]
            raise UnknownMethodError(name, closest(name, known), note="no installed method or plugin has that name") from None
    return list(dict.fromkeys(ids))


def run(names: Sequence[str] = (), pytest_args: Sequence[str] = ()) -> int:
    """Run the suite over the methods of ``names`` (all installed if empty); pytest's exit code (0: all pass)."""
    import pytest

    ids = resolve_methods(names or None)
    if not ids:
        print("no emozoo methods are installed; install a plugin first (emozoo list)")
        return 5
    suite = Path(__file__).with_name("suite.py")
    before = os.environ.get(METHODS_ENV)
    os.environ[METHODS_ENV] = ",".join(ids)
    try:
        return int(pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", str(suite.parent), str(suite), *pytest_args]))
    finally:
        if before is None:
            os.environ.pop(METHODS_ENV, None)
        else:
            os.environ[METHODS_ENV] = before


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m emozoo.testing [NAME...] [-- PYTEST_ARGS]``."""
    import argparse

    from emozoo.errors import EmozooError

    parser = argparse.ArgumentParser(prog="python -m emozoo.testing", description="Run emozoo's conformance kit.")
    parser.add_argument("names", nargs="*", help="plugin distributions (emozoo-cwgan), entry points or method ids; none: all")
    parser.add_argument("--pytest", dest="pytest_args", action="append", default=[], help="an extra pytest argument (repeatable)")
    args = parser.parse_args(argv)
    try:
        return run(args.names, args.pytest_args)
    except EmozooError as exc:
        print(f"error: {exc}")
        return 2

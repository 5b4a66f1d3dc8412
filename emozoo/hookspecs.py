"""The plugin contract: pluggy hook specifications that every emozoo plugin may implement.

A plugin is a module named by an entry point in the group ``emozoo.plugins``. It implements the hooks
below with :data:`hookimpl` and must not import torch, transformers or peft at import time, so that
listing methods stays fast with many plugins installed. A ``@hookimpl`` whose name matches no hook here
(a typo such as ``emozoo_register_method``) makes the plugin fail to load, with the name in the error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from emozoo.specs import DatasetSpec, MethodSpec

PROJECT_NAME = "emozoo"
ENTRY_POINT_GROUP = "emozoo.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def emozoo_register_methods(register: Callable[[MethodSpec], None]) -> None:
    """Call ``register(MethodSpec(...))`` once per method (or preset) this plugin provides."""


@hookspec
def emozoo_register_datasets(register: Callable[[DatasetSpec], None]) -> None:
    """Call ``register(DatasetSpec(...))`` once per data set adapter this plugin provides."""

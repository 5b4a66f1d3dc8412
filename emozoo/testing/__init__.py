"""The conformance kit: one pytest suite every emozoo method passes, in-tree or third-party.

A plugin's test file subclasses :class:`ConformanceSuite` and names its methods (or its distribution)::

    from emozoo.testing import ConformanceSuite

    class TestConformance(ConformanceSuite):
        plugin = "emozoo-cwgan"

From a shell, ``python -m emozoo.testing emozoo-cwgan`` (or ``emozoo test-plugin cwgan``) runs the same suite.
Each method supplies a tiny :class:`Example` through ``MethodSpec.example``. Importing this package imports
neither torch nor pytest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emozoo.testing.kit import ConformanceSuite

#: The invalid-input cases the kit checks. Each must raise its typed error from emozoo.errors: NonFiniteError,
#: ShapeError, DTypeError, and for a wrong modality any InputError (ModalityError where the method can tell).
INVALID_CASES = ("nan", "shape", "dtype", "modality")


@dataclass
class Example:
    """What ``MethodSpec.example`` returns: a tiny model and data the kit fits in seconds on CPU.

    Args:
        config: overrides of the method's config for a tiny model (``emozoo.load(id, **config)``).
        train: what ``fit`` takes; small enough that fitting takes a few seconds on one core.
        test: what ``predict`` takes (for a method that predicts).
        generate: keyword arguments of ``generate`` (for a method that generates); include ``seed``.
        invalid: a bad input (or a function that builds one) per case of ``INVALID_CASES``, given to ``predict``
            (else ``fit``); cases left out are derived from ``test`` (or ``train``) when it is a tensor, an
            ``(x, y)`` pair or has ``.features``.
        not_applicable: case -> why it cannot happen for this method's inputs (e.g. no NaN in text).
        fit: extra keyword arguments of ``fit``.
        after_load: called on a model loaded back from disk before it predicts, for state that is data, not
            weights (e.g. InstructERC's retrieval base: ``lambda m: m.index_demonstrations(train)``).
    """

    config: dict[str, Any]
    train: Any
    test: Any = None
    generate: dict[str, Any] = field(default_factory=lambda: {"n": 4, "seed": 0})
    invalid: dict[str, Any] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    after_load: Callable[[Any], Any] | None = None


def __getattr__(name: str) -> Any:
    if name == "ConformanceSuite":
        from emozoo.testing.kit import ConformanceSuite

        return ConformanceSuite
    if name in ("run", "resolve_methods"):
        from emozoo.testing import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'emozoo.testing' has no attribute {name!r}")


__all__ = ["INVALID_CASES", "ConformanceSuite", "Example", "resolve_methods", "run"]

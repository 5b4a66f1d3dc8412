"""Typed errors: every failure a user can cause names the problem and the fix.

All errors derive from :class:`EmozooError`, so ``except emozoo.EmozooError`` catches everything the zoo
raises on purpose. Input-validation errors also derive from ``ValueError``/``TypeError`` so generic
code that already handles those keeps working. This module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class EmozooError(Exception):
    """Base class of every error emozoo raises on purpose."""


# --- registry and plugins -------------------------------------------------------------------------


class UnknownMethodError(EmozooError, KeyError):
    """A method id that no installed plugin and no catalogue entry knows."""

    def __init__(
        self, method_id: str, suggestions: Sequence[str] = (), install_hint: str | None = None, note: str | None = None
    ):
        self.method_id = method_id
        self.suggestions = tuple(suggestions)
        self.install_hint = install_hint
        msg = f"unknown method {method_id!r}"
        if note:
            msg += f": {note}"
        if install_hint:
            msg += f": it is in the catalogue but its plugin is not installed; run `{install_hint}`"
        elif self.suggestions:
            msg += f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?"
        else:
            msg += "; run `emozoo list --all` to see every method"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return str(self.args[0])


class UnknownDatasetError(EmozooError, KeyError):
    """A data set id that no installed plugin registers."""

    def __init__(self, dataset_id: str, suggestions: Sequence[str] = ()):
        self.dataset_id = dataset_id
        self.suggestions = tuple(suggestions)
        msg = f"unknown dataset {dataset_id!r}"
        msg += f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else "; run `emozoo list --datasets`"
        super().__init__(msg)

    def __str__(self) -> str:
        return str(self.args[0])


class PluginNotInstalledError(EmozooError, ImportError):
    """A method, artifact or data set needs a plugin distribution that is not installed."""

    def __init__(self, what: str, distribution: str, requirement: str | None = None):
        self.distribution = distribution
        self.requirement = requirement or distribution
        super().__init__(f"{what} needs the plugin {distribution!r}, which is not installed; run `pip install '{self.requirement}'`")


class PluginVersionError(EmozooError):
    """The installed plugin's version does not satisfy what an artifact or the core requires."""


class PluginLoadError(EmozooError):
    """A plugin failed to import or to register (raised only with EMOZOO_STRICT_PLUGINS=1)."""


class DuplicateIdError(EmozooError):
    """Two plugins register the same method or data set id (or alias)."""

    def __init__(self, kind: str, ident: str, first: str, second: str):
        self.ident, self.first, self.second = ident, first, second
        super().__init__(
            f"{kind} id {ident!r} is registered by both {first!r} and {second!r}; "
            f"uninstall one of them or disable it with EMOZOO_PLUGINS_DISABLE"
        )


class InvalidSpecError(EmozooError, ValueError):
    """A plugin registered a MethodSpec / DatasetSpec with missing or malformed fields."""


# --- configs, weights, artifacts ------------------------------------------------------------------


class ConfigError(EmozooError, ValueError):
    """A config that cannot be saved or loaded faithfully (non-serialisable, unknown or wrongly typed field)."""


class WeightsError(EmozooError):
    """Weights that cannot be loaded: missing file, corrupt file, or keys/shapes that do not match the model."""


class ArtifactError(EmozooError):
    """A saved model directory or Hub repo that is incomplete, malformed, or for another method."""


class NetworkError(EmozooError, ConnectionError):
    """A Hub request that failed on the wire: unreachable, too slow, too large, cut short, or redirected in a loop.

    Names the endpoint (``endpoint``) and the repo (``repo_id``) it was for, so the message says where to look.
    """

    def __init__(self, message: str, *, endpoint: str, repo_id: str | None = None):
        self.endpoint, self.repo_id = endpoint, repo_id
        where = f"{endpoint} (repo {repo_id})" if repo_id else endpoint
        super().__init__(f"{where}: {message}")


class UnsafePathError(ArtifactError, ValueError):
    """A revision, commit id, file name or destination that would place files outside where they belong."""


class CapabilityError(EmozooError, NotImplementedError):
    """The method cannot do what was asked (e.g. ``generate`` on a method that only predicts)."""

    def __init__(self, method_id: str, capability: str, hint: str = ""):
        self.method_id, self.capability = method_id, capability
        msg = f"method {method_id!r} cannot {capability}"
        if hint:
            msg += f"; {hint}"
        super().__init__(msg)


class NotFittedError(EmozooError, RuntimeError):
    """``predict``/``generate`` was called on a model that needs ``fit`` (or pretrained weights) first."""


# --- inputs ---------------------------------------------------------------------------------------


class InputError(EmozooError, ValueError):
    """Bad input to the public API: the message says which argument, what was expected and what came."""


class ShapeError(InputError):
    """A tensor or array has the wrong number of dimensions or the wrong size along one."""


class DTypeError(InputError, TypeError):
    """A value has the wrong type or dtype (e.g. a string where a tensor belongs)."""


class NonFiniteError(InputError):
    """Input contains NaN or infinite values."""


class LabelError(InputError):
    """Labels out of range or of the wrong kind for the method's classes."""


class ModalityError(InputError):
    """Input of a modality the method does not accept, or an availability mask that does not fit."""


class EmptyInputError(InputError):
    """An empty batch or data set where at least one sample is needed."""


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates close to ``word`` (difflib ratio >= 0.6), best first."""
    import difflib

    pool = list(dict.fromkeys(candidates))
    return difflib.get_close_matches(word, pool, n=n, cutoff=0.6)

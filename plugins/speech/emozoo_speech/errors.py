"""Typed errors of the speech data layer; all derive from emozoo's InputError so callers can catch them together."""

from __future__ import annotations

from emozoo.errors import InputError, LabelError

__all__ = ["AudioFileError", "CorpusError", "UnknownEmotionError"]


class AudioFileError(InputError):
    """An audio file that cannot be used: missing, empty, truncated, not audio, or holding NaN/inf samples."""


class CorpusError(InputError):
    """A corpus folder that does not match its documented layout (missing manifest, fold list or files)."""


class UnknownEmotionError(CorpusError, LabelError):
    """A file whose emotion code lies outside the data set's label set."""

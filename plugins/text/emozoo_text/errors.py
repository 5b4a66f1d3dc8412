"""Typed errors of the text data layer; all derive from emozoo's InputError so callers catch them together."""

from __future__ import annotations

from emozoo.errors import InputError

__all__ = ["CorpusFormatError", "TextDataError"]


class TextDataError(InputError):
    """A text corpus folder that does not match its documented layout (a file missing, a split unknown)."""


class CorpusFormatError(TextDataError):
    """A corpus file that cannot be read as documented: bad encoding, wrong columns, labels outside the label set."""

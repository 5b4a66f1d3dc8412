"""Typed errors of the face data layer; all derive from emozoo's InputError so callers can catch them together."""

from __future__ import annotations

from emozoo.errors import InputError

__all__ = ["CorruptDataError", "FaceDataError"]


class FaceDataError(InputError):
    """A face data folder that does not match its documented layout (missing npz, missing or mismatched arrays)."""


class CorruptDataError(FaceDataError):
    """A face data file that cannot be read: truncated, not an npz, or holding arrays of the wrong type or shape."""

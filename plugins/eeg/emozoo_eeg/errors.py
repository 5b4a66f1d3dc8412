"""Typed errors of the EEG data layer; all derive from emozoo's InputError so callers can catch them together."""

from __future__ import annotations

from emozoo.errors import InputError

__all__ = ["EEGFileNotFoundError", "EEGFormatError", "UnsafePickleError"]


class EEGFormatError(InputError):
    """Files that do not match the data set's documented format (missing keys, corrupt files, bad values)."""


class EEGFileNotFoundError(EEGFormatError, FileNotFoundError):
    """A file or folder the data set's format requires is missing (e.g. SEED's ``label.mat``)."""


class UnsafePickleError(EEGFormatError):
    """A pickle that asks for anything but numpy arrays and builtin containers; refused without running it."""

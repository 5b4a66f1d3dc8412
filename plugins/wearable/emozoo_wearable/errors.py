"""Typed errors of the wrist-physiology data layer; all derive from emozoo's InputError so callers catch them together."""

from __future__ import annotations

from emozoo.errors import InputError

__all__ = ["E4FormatError", "MissingSignalError", "TimelineError", "WearableDataError"]


class WearableDataError(InputError):
    """A wearable data folder that does not match its documented layout."""


class MissingSignalError(WearableDataError):
    """A signal file a subject needs (BVP, EDA, TEMP, HR, tags) is absent."""


class E4FormatError(WearableDataError):
    """An Empatica E4 CSV that cannot be read as documented: bad header, rate, non-numeric lines, timestamps."""


class TimelineError(WearableDataError):
    """Labels or timing that do not fit the recording: tags outside it, a recording shorter than one window."""

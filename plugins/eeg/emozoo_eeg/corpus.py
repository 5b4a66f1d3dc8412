"""The in-memory EEG corpus every reader returns: per-trial DE feature sequences with their ids and provenance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emozoo.data.manifest import sha256_files
from emozoo.errors import DTypeError, EmptyInputError, ShapeError

from .layout import BANDS

__all__ = ["EEGCorpus", "EEGRecording"]


@dataclass
class EEGRecording:
    """One trial of one subject in one session: window-level features ``[W, C, B]`` and the trial's class id."""

    subject: int
    session: int
    trial: int
    features: np.ndarray
    label: int

    def __post_init__(self) -> None:
        """Check ids are ints, features a finite 3-D float32 array, label a non-negative int."""
        for name in ("subject", "session", "trial", "label"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise DTypeError(f"EEGRecording.{name}: expected int, got {type(value).__name__}")
            setattr(self, name, int(value))
        feats = np.asarray(self.features)
        if feats.ndim != 3:
            raise ShapeError(f"EEGRecording.features: expected [W, C, B], got shape {feats.shape}")
        if feats.shape[0] == 0:
            raise EmptyInputError(f"EEGRecording s{self.subject}-e{self.session}-t{self.trial}: has no windows")
        self.features = np.ascontiguousarray(feats, dtype=np.float32)
        if self.label < 0:
            raise DTypeError(f"EEGRecording.label: expected a class id >= 0, got {self.label}")

    @property
    def key(self) -> str:
        """``s{subject}-e{session}-t{trial}``, the prefix of every window id of this trial."""
        return f"s{self.subject}-e{self.session}-t{self.trial}"


@dataclass
class EEGCorpus:
    """Recordings of one data set plus what a protocol needs: label and channel names, layout, source files."""

    dataset: str
    recordings: list[EEGRecording]
    label_names: tuple[str, ...]
    channels: tuple[str, ...]
    layout: str
    source_files: tuple[Path, ...]
    band_names: tuple[str, ...] = BANDS
    synthetic: bool = False
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Check recordings agree with channels, bands and label names."""
        if not self.recordings:
            raise EmptyInputError(f"{self.dataset}: the corpus has no recordings; check --data-dir")
        self.source_files = tuple(Path(p) for p in self.source_files)
        for rec in self.recordings:
            if rec.features.shape[1:] != (len(self.channels), len(self.band_names)):
                raise ShapeError(
                    f"{self.dataset} {rec.key}: features {rec.features.shape} do not match "
                    f"{len(self.channels)} channels x {len(self.band_names)} bands"
                )
            if rec.label >= len(self.label_names):
                raise DTypeError(f"{self.dataset} {rec.key}: label {rec.label} is outside {self.label_names}")

    @property
    def data_sha256(self) -> str:
        """Digest of the source files (names relative to their common folder, and contents)."""
        if self._digest is None:
            self._digest = sha256_files(self.source_files)
        return self._digest

    @property
    def subjects(self) -> tuple[int, ...]:
        """Sorted subject ids."""
        return tuple(sorted({r.subject for r in self.recordings}))

    def sessions(self, subject: int | None = None) -> tuple[int, ...]:
        """Sorted session ids (of one subject, or of all)."""
        return tuple(sorted({r.session for r in self.recordings if subject is None or r.subject == subject}))

    def select(
        self, *, subjects: Iterable[int] | None = None, sessions: Iterable[int] | None = None
    ) -> list[EEGRecording]:
        """Recordings of the given subjects and sessions, in (subject, session, trial) order."""
        subj = None if subjects is None else set(subjects)
        sess = None if sessions is None else set(sessions)
        picked = [
            r for r in self.recordings if (subj is None or r.subject in subj) and (sess is None or r.session in sess)
        ]
        return sorted(picked, key=lambda r: (r.subject, r.session, r.trial))

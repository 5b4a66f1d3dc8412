"""Readers for the EEG emotion files users actually hold (nothing is downloaded): SEED, SEED-IV, DEAP, DREAMER.

Each reader takes the folder the user passes as ``--data-dir`` and returns an :class:`EEGCorpus` of DE
features ``[W, C, B]`` per trial (W one-second windows, C channels, B = 5 SEED bands).

* SEED ``ExtractedFeatures/``: ``<subject>_<yyyymmdd>.mat`` with ``de_LDS1..15`` (62 x T x 5) and
  ``label.mat`` (``label`` 1 x 15 in {-1, 0, 1}); a subject's sessions are its files in date order.
* SEED-IV ``eeg_feature_smooth/{1,2,3}/<subject>_<yyyymmdd>.mat`` with ``de_LDS1..24``; labels from the
  SEED-IV ReadMe (0 neutral, 1 sad, 2 fear, 3 happy).
* DEAP preprocessed ``s01.mat .. s32.mat`` (``data`` 40 x 40 x 8064 at 128 Hz, 3 s pre-trial baseline,
  channels 1-32 EEG; ``labels`` 40 x 4) or the Python ``s01.dat`` pickles (read by a restricted unpickler).
* DREAMER ``DREAMER.mat``: ``DREAMER.Data{s}.EEG.stimuli{t}`` (samples x 14 at 128 Hz), ``.baseline{t}``,
  ``.ScoreValence/ScoreArousal/ScoreDominance`` (1-5).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emozoo.errors import ConfigError, LabelError, ShapeError

from .corpus import EEGCorpus, EEGRecording
from .de import differential_entropy
from .errors import EEGFileNotFoundError, EEGFormatError
from .layout import BAND_EDGES_HZ, BANDS, DEAP_CHANNELS, DREAMER_CHANNELS, SEED_CHANNELS
from .safe_pickle import load_array_pickle

__all__ = [
    "DEAP_RATINGS",
    "DREAMER_RATINGS",
    "SEED_IV_LABEL_NAMES",
    "SEED_IV_SESSION_LABELS",
    "SEED_LABEL_NAMES",
    "SEED_TRIAL_LABELS",
    "SYNTHETIC_NOTICE_KEY",
    "EEGCorpus",
    "EEGRecording",
    "read_deap",
    "read_dreamer",
    "read_seed",
    "read_seed_iv",
]

SEED_LABEL_NAMES: tuple[str, ...] = ("negative", "neutral", "positive")
#: SEED's label.mat, as shipped (same order in every session): -1 negative, 0 neutral, 1 positive.
SEED_TRIAL_LABELS: tuple[int, ...] = (1, 0, -1, -1, 0, 1, -1, 0, 1, 1, 0, -1, 0, 1, -1)
SEED_IV_LABEL_NAMES: tuple[str, ...] = ("neutral", "sad", "fear", "happy")
#: SEED-IV ReadMe.txt, "session{1,2,3}_label"; 0 neutral, 1 sad, 2 fear, 3 happy.
SEED_IV_SESSION_LABELS: dict[int, tuple[int, ...]] = {
    1: (1, 2, 3, 0, 2, 0, 0, 1, 0, 1, 2, 1, 1, 1, 2, 3, 2, 2, 3, 3, 0, 3, 0, 3),
    2: (2, 1, 3, 0, 0, 2, 0, 2, 3, 3, 2, 3, 2, 0, 1, 1, 2, 1, 0, 3, 0, 1, 3, 1),
    3: (1, 2, 2, 1, 3, 3, 3, 1, 1, 2, 1, 0, 2, 3, 3, 0, 2, 3, 0, 0, 2, 0, 1, 0),
}
DEAP_RATINGS: tuple[str, ...] = ("valence", "arousal", "dominance", "liking")
DREAMER_RATINGS: tuple[str, ...] = ("valence", "arousal", "dominance")
#: Key that files written by :mod:`emozoo_eeg.synthetic` carry; readers flag such corpora as synthetic.
SYNTHETIC_NOTICE_KEY = "SYNTHETIC_NOTICE"

_SESSION_FILE = re.compile(r"^(\d+)_(\d{8})\.mat$")
_DEAP_FILE = re.compile(r"^s(\d{2})\.(mat|dat)$")
_DEAP_FS, _DEAP_BASELINE_S, _DEAP_EEG_CHANNELS = 128.0, 3, 32
_BASELINE_MODES = ("subtract", "none")


# --- shared helpers -------------------------------------------------------------------------------


def _loadmat(path: Path, **kwargs: Any) -> dict[str, Any]:
    """scipy.io.loadmat with format errors turned into EEGFormatError naming the file."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        return loadmat(path, **kwargs)
    except (MatReadError, ValueError, TypeError, OSError, IndexError, NotImplementedError) as exc:
        raise EEGFormatError(
            f"{str(path)!r} is not a readable MATLAB v5/v7 file ({exc}); v7.3 (HDF5) files must be re-saved with -v7"
        ) from exc


def _resolve_dir(data_dir: str | os.PathLike[str], inner: str) -> Path:
    """The folder ``inner`` inside ``data_dir`` if present, else ``data_dir`` itself (must exist)."""
    root = Path(data_dir)
    if not root.is_dir():
        raise EEGFileNotFoundError(f"data dir {str(root)!r} does not exist or is not a folder; pass the folder you hold")
    return root / inner if (root / inner).is_dir() else root


def _keep(subject: int, subjects: Iterable[int] | None) -> bool:
    return subjects is None or subject in set(subjects)


def _trial_features(mat: dict[str, Any], key: str, path: Path, n_channels: int, n_bands: int) -> np.ndarray:
    """Read ``key`` (channels x windows x bands) and return ``[W, C, B]`` float32, checking the shape."""
    if key not in mat:
        present = sorted(k for k in mat if not k.startswith("__"))
        raise EEGFormatError(f"{path.name}: key {key!r} is missing (keys present: {present[:8]}...); is this the right folder?")
    arr = np.asarray(mat[key])
    if arr.ndim != 3 or arr.shape[0] != n_channels or arr.shape[2] != n_bands or arr.shape[1] == 0:
        raise ShapeError(
            f"{path.name}: {key!r} has shape {arr.shape}, expected ({n_channels}, T, {n_bands}) "
            f"(channels x windows x bands); the file is not in the published feature format"
        )
    if arr.dtype.kind not in "biuf":
        raise EEGFormatError(f"{path.name}: {key!r} has dtype {arr.dtype}, expected numbers")
    return np.ascontiguousarray(np.transpose(arr, (1, 0, 2)), dtype=np.float32)


def _session_files(folder: Path) -> dict[int, list[Path]]:
    """``<subject>_<date>.mat`` files grouped by subject, each list sorted by date (= session order)."""
    by_subject: dict[int, list[tuple[str, Path]]] = {}
    for path in folder.iterdir():
        m = _SESSION_FILE.match(path.name)
        if m:
            by_subject.setdefault(int(m.group(1)), []).append((m.group(2), path))
    return {s: [p for _, p in sorted(files)] for s, files in sorted(by_subject.items())}


def _is_synthetic(mat: dict[str, Any]) -> bool:
    return SYNTHETIC_NOTICE_KEY in mat


# --- SEED -----------------------------------------------------------------------------------------


def _read_seed_labels(folder: Path) -> list[int]:
    """SEED's ``label.mat`` -> 15 class ids (label + 1)."""
    path = folder / "label.mat"
    if not path.is_file():
        raise EEGFileNotFoundError(
            f"{str(path)!r} is missing; SEED's ExtractedFeatures folder ships label.mat (key 'label', 1 x 15); "
            f"copy it next to the <subject>_<date>.mat files"
        )
    mat = _loadmat(path)
    if "label" not in mat:
        raise EEGFormatError(f"{path.name}: has no key 'label' (keys: {sorted(k for k in mat if not k.startswith('__'))})")
    raw = np.asarray(mat["label"]).reshape(-1)
    if raw.size != 15:
        raise ShapeError(f"{path.name}: 'label' has {raw.size} entries, expected 15 (one per SEED trial)")
    if not set(raw.tolist()) <= {-1, 0, 1}:
        raise LabelError(f"{path.name}: 'label' values must be -1/0/1, got {sorted(set(raw.tolist()))}")
    return [int(v) + 1 for v in raw]


def read_seed(
    data_dir: str | os.PathLike[str],
    *,
    feature: str = "de_LDS",
    subjects: Iterable[int] | None = None,
    dataset: str = "seed",
) -> EEGCorpus:
    """Read SEED's ``ExtractedFeatures`` (the folder itself or its parent): 15 subjects x 3 sessions x 15 trials.

    Files written by :mod:`emozoo_eeg.synthetic` are recognised by their notice: the corpus is then flagged
    ``synthetic`` and named ``seed-synthetic``.
    """
    folder = _resolve_dir(data_dir, "ExtractedFeatures")
    labels = _read_seed_labels(folder)
    files = {s: f for s, f in _session_files(folder).items() if _keep(s, subjects)}
    if not files:
        raise EEGFileNotFoundError(f"{str(folder)!r} holds no <subject>_<yyyymmdd>.mat files; point --data-dir at SEED's ExtractedFeatures")
    keys = [f"{feature}{t}" for t in range(1, 16)]
    recordings, sources, synthetic = [], [folder / "label.mat"], False
    for subject, paths in files.items():
        for session, path in enumerate(paths, start=1):
            mat = _loadmat(path, variable_names=[*keys, SYNTHETIC_NOTICE_KEY])
            synthetic |= _is_synthetic(mat)
            sources.append(path)
            for trial, key in enumerate(keys, start=1):
                feats = _trial_features(mat, key, path, len(SEED_CHANNELS), len(BANDS))
                recordings.append(EEGRecording(subject, session, trial, feats, labels[trial - 1]))
    if synthetic and dataset == "seed":  # files carrying the synthetic notice are never reported as SEED
        dataset = "seed-synthetic"
    return EEGCorpus(dataset, recordings, SEED_LABEL_NAMES, SEED_CHANNELS, "seed62", tuple(sources), synthetic=synthetic)


# --- SEED-IV --------------------------------------------------------------------------------------


def read_seed_iv(
    data_dir: str | os.PathLike[str], *, feature: str = "de_LDS", subjects: Iterable[int] | None = None
) -> EEGCorpus:
    """Read SEED-IV's ``eeg_feature_smooth/{1,2,3}`` (the folder itself or its parent): 15 x 3 x 24 trials."""
    folder = _resolve_dir(data_dir, "eeg_feature_smooth")
    session_dirs = [folder / str(s) for s in SEED_IV_SESSION_LABELS if (folder / str(s)).is_dir()]
    if not session_dirs:
        raise EEGFileNotFoundError(
            f"{str(folder)!r} has none of the session folders 1/, 2/, 3/; point --data-dir at SEED-IV's eeg_feature_smooth"
        )
    keys = [f"{feature}{t}" for t in range(1, 25)]
    recordings, sources = [], []
    for sdir in session_dirs:
        session = int(sdir.name)
        for subject, paths in _session_files(sdir).items():
            if not _keep(subject, subjects):
                continue
            if len(paths) != 1:
                raise EEGFormatError(f"{str(sdir)!r}: subject {subject} has {len(paths)} files, expected one per session")
            mat = _loadmat(paths[0], variable_names=keys)
            sources.append(paths[0])
            for trial, key in enumerate(keys, start=1):
                feats = _trial_features(mat, key, paths[0], len(SEED_CHANNELS), len(BANDS))
                recordings.append(EEGRecording(subject, session, trial, feats, SEED_IV_SESSION_LABELS[session][trial - 1]))
    if not recordings:
        raise EEGFileNotFoundError(f"{str(folder)!r}: no <subject>_<yyyymmdd>.mat files for the requested subjects")
    return EEGCorpus("seed-iv", recordings, SEED_IV_LABEL_NAMES, SEED_CHANNELS, "seed62", tuple(sources))


# --- raw-signal data sets (DEAP, DREAMER) -> DE -----------------------------------------------------


def _check_choice(value: str, name: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} {value!r} is not one of {tuple(choices)}")


def _trial_de(
    trial: np.ndarray, baseline: np.ndarray | None, fs: float, window_s: float, bands: Sequence[Sequence[float]]
) -> np.ndarray:
    """DE of a ``[C, S]`` trial; with a baseline, minus the baseline's mean DE per channel x band."""
    de = differential_entropy(trial, fs, window_s=window_s, bands=bands)
    if baseline is not None:
        de = de - differential_entropy(baseline, fs, window_s=window_s, bands=bands).mean(axis=0, keepdims=True)
    return de.astype(np.float32)


def _binarise(ratings: np.ndarray, threshold: float, where: str) -> np.ndarray:
    """1 where a rating is above ``threshold`` (high), else 0 (low)."""
    if not np.isfinite(ratings).all():
        raise LabelError(f"{where}: ratings contain NaN/inf")
    return (ratings > threshold).astype(np.int64)


def _deap_arrays(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``data`` and ``labels`` of one DEAP participant file (.mat, or .dat through the restricted unpickler)."""
    if path.suffix == ".mat":
        obj: Any = _loadmat(path, variable_names=["data", "labels"])
    else:
        obj = load_array_pickle(path)
        if not isinstance(obj, dict):
            raise EEGFormatError(f"{path.name}: expected a dict with 'data' and 'labels', got {type(obj).__name__}")
        obj = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}
    for key in ("data", "labels"):
        if key not in obj:
            raise EEGFormatError(f"{path.name}: key {key!r} is missing; DEAP's preprocessed files hold 'data' and 'labels'")
    data, labels = np.asarray(obj["data"]), np.asarray(obj["labels"])
    min_samples = int(_DEAP_FS * (_DEAP_BASELINE_S + 1))
    if data.ndim != 3 or data.shape[1] < _DEAP_EEG_CHANNELS or data.shape[2] < min_samples:
        raise ShapeError(
            f"{path.name}: 'data' has shape {data.shape}, expected (trials, >=32 channels, >= {min_samples} samples) "
            f"like DEAP's 40 x 40 x 8064"
        )
    if labels.ndim != 2 or labels.shape != (data.shape[0], len(DEAP_RATINGS)):
        raise ShapeError(f"{path.name}: 'labels' has shape {labels.shape}, expected ({data.shape[0]}, 4)")
    return data, labels


def read_deap(
    data_dir: str | os.PathLike[str],
    *,
    label: str = "valence",
    threshold: float = 5.0,
    baseline: str = "subtract",
    window_s: float = 1.0,
    bands: Sequence[Sequence[float]] = BAND_EDGES_HZ,
    subjects: Iterable[int] | None = None,
) -> EEGCorpus:
    """Read DEAP's preprocessed ``s##.mat`` (or ``s##.dat``) files -> DE per 1 s window; label = rating > threshold.

    ``baseline="subtract"`` removes the mean DE of the 3 s pre-trial baseline from every window (as in
    Yang et al. 2018); ``"none"`` only drops the baseline samples.
    """
    _check_choice(label, "label", DEAP_RATINGS)
    _check_choice(baseline, "baseline", _BASELINE_MODES)
    folder = _resolve_dir(data_dir, "data_preprocessed_matlab")
    if not any(_DEAP_FILE.match(p.name) for p in folder.iterdir()):
        folder = _resolve_dir(data_dir, "data_preprocessed_python")
    files: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        m = _DEAP_FILE.match(path.name)
        if m and _keep(int(m.group(1)), subjects):
            subject = int(m.group(1))
            if subject not in files or path.suffix == ".mat":  # prefer MATLAB files over pickles
                files[subject] = path
    if not files:
        raise EEGFileNotFoundError(f"{str(folder)!r} holds no DEAP s##.mat / s##.dat files; point --data-dir at them")
    n_base = int(_DEAP_FS * _DEAP_BASELINE_S)
    col = DEAP_RATINGS.index(label)
    recordings = []
    for subject, path in files.items():
        data, ratings = _deap_arrays(path)
        classes = _binarise(ratings[:, col].astype(np.float64), threshold, path.name)
        for t in range(data.shape[0]):
            eeg = data[t, :_DEAP_EEG_CHANNELS].astype(np.float64)
            base = eeg[:, :n_base] if baseline == "subtract" else None
            feats = _trial_de(eeg[:, n_base:], base, _DEAP_FS, window_s, bands)
            recordings.append(EEGRecording(subject, 1, t + 1, feats, int(classes[t])))
    return EEGCorpus(
        "deap", recordings, (f"low_{label}", f"high_{label}"), DEAP_CHANNELS, "deap32", tuple(files.values()),
        band_names=BANDS if tuple(map(tuple, bands)) == BAND_EDGES_HZ else tuple(f"{lo}-{hi}Hz" for lo, hi in bands),
    )


def _as_list(x: Any) -> list[Any]:
    """A MATLAB cell/struct array loaded with simplify_cells as a Python list (a single element stays one)."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return list(x.reshape(-1))
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _dreamer_signal(x: Any, where: str) -> np.ndarray:
    """One DREAMER signal (samples x 14) as ``[14, S]`` float64."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != len(DREAMER_CHANNELS):
        raise ShapeError(f"DREAMER.mat {where}: shape {arr.shape}, expected (samples, 14)")
    return arr.T


def read_dreamer(
    data_dir: str | os.PathLike[str],
    *,
    label: str = "valence",
    threshold: float = 3.0,
    baseline: str = "subtract",
    window_s: float = 1.0,
    bands: Sequence[Sequence[float]] = BAND_EDGES_HZ,
    subjects: Iterable[int] | None = None,
) -> EEGCorpus:
    """Read ``DREAMER.mat`` -> DE per 1 s window of each stimulus; label = score > threshold (scores are 1-5).

    ``baseline="subtract"`` removes the mean DE of the trial's own neutral-clip baseline recording.
    """
    _check_choice(label, "label", DREAMER_RATINGS)
    _check_choice(baseline, "baseline", _BASELINE_MODES)
    root = Path(data_dir)
    path = root if root.is_file() else root / "DREAMER.mat"
    if not path.is_file():
        raise EEGFileNotFoundError(f"{str(path)!r} is missing; pass the folder holding DREAMER.mat (or the file)")
    mat = _loadmat(path, simplify_cells=True)
    if "DREAMER" not in mat or not isinstance(mat["DREAMER"], dict) or "Data" not in mat["DREAMER"]:
        raise EEGFormatError(f"{path.name}: expected a struct 'DREAMER' with field 'Data'")
    top = mat["DREAMER"]
    fs = float(top.get("EEG_SamplingRate", 128))
    score_key = f"Score{label.capitalize()}"
    recordings = []
    for s, subj in enumerate(_as_list(top["Data"]), start=1):
        if not _keep(s, subjects):
            continue
        try:
            stimuli, bases = _as_list(subj["EEG"]["stimuli"]), _as_list(subj["EEG"]["baseline"])
            scores = np.atleast_1d(np.asarray(subj[score_key], dtype=np.float64)).reshape(-1)
        except (KeyError, TypeError, IndexError) as exc:
            raise EEGFormatError(f"{path.name}: subject {s} lacks EEG.stimuli / EEG.baseline / {score_key} ({exc})") from exc
        if not len(stimuli) == len(bases) == len(scores):
            raise ShapeError(f"{path.name}: subject {s} has {len(stimuli)} stimuli, {len(bases)} baselines, {len(scores)} scores")
        classes = _binarise(scores, threshold, f"{path.name} subject {s}")
        for t, (stim, base) in enumerate(zip(stimuli, bases), start=1):
            sig = _dreamer_signal(stim, f"subject {s} stimulus {t}")
            base_sig = _dreamer_signal(base, f"subject {s} baseline {t}") if baseline == "subtract" else None
            recordings.append(EEGRecording(s, 1, t, _trial_de(sig, base_sig, fs, window_s, bands), int(classes[t - 1])))
    return EEGCorpus(
        "dreamer", recordings, (f"low_{label}", f"high_{label}"), DREAMER_CHANNELS, "dreamer14", (path,),
        band_names=BANDS if tuple(map(tuple, bands)) == BAND_EDGES_HZ else tuple(f"{lo}-{hi}Hz" for lo, hi in bands),
    )

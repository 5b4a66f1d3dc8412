"""Reading the muxspace face set from its npz, checked, and the identity rule that groups its images by person.

The npz is opened with ``allow_pickle=False`` (an object array in it is refused, never unpickled). Every array is
checked against the layout SOURCE.md documents before anything uses it; a truncated or foreign file is a
:class:`~emozoo_face.errors.CorruptDataError` naming the file and the fix.

Identity rule: a file name ``<person>[_]<digits>.<jpg|jpeg|png>`` names its person (``AJ_Cook_0001.jpg`` ->
``ajcook``, ``HrithikRoshan_198.jpg`` -> ``hrithikroshan``): underscores dropped and lower-cased, so spelling variants
of one person fall in one group; the person part must hold a letter. A name without that pattern has no parseable identity and becomes its own group
(``?<file name>``): it can never share a person with another image, so it cannot leak; the count is reported.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CorruptDataError, FaceDataError
from .plugin import MUXSPACE_LABELS

__all__ = ["NPZ_NAME", "FaceSet", "find_npz", "load_faces", "person_of"]

NPZ_NAME = "faces_48x48.npz"
_PERSON = re.compile(r"^(?P<person>.+?)_?(?P<number>\d+)\.(?:jpe?g|png)$", re.IGNORECASE)
_FIX = "re-copy faces_48x48.npz from the data set's source (SOURCE.md says how it was made)"


def person_of(filename: str) -> str | None:
    """The person a file name names by the identity rule (module doc), or None when it names none."""
    m = _PERSON.match(os.path.basename(filename))
    if not m:
        return None
    person = m.group("person").replace("_", "").lower()
    return person if any(ch.isalpha() for ch in person) else None  # "12.jpg" names a number, not a person


@dataclass(frozen=True)
class FaceSet:
    """The whole set: uint8 images [N, 48, 48], int64 labels, class names, file names and person groups."""

    images: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]
    filenames: tuple[str, ...]
    persons: tuple[str, ...]
    unparsed: int
    path: Path

    def __len__(self) -> int:
        return len(self.labels)


def find_npz(data_dir: str | os.PathLike[str] | None) -> Path:
    """The npz of ``data_dir`` (the folder holding it, or the file itself)."""
    if data_dir is None:
        raise FaceDataError(
            "muxspace-faces: no data_dir given; pass the folder holding faces_48x48.npz (e.g. ../shared/data/facial-expressions-muxspace)"
        )
    p = Path(data_dir)
    path = p if p.suffix == ".npz" else p / NPZ_NAME
    if not path.is_file():
        raise FaceDataError(f"muxspace-faces: {str(path)!r} does not exist; pass the folder that holds {NPZ_NAME}")
    return path


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in ("images", "labels", "label_names", "filenames") if k not in npz.files]
            if missing:
                raise CorruptDataError(f"{str(path)!r} lacks the array(s) {missing}; {_FIX}")
            return {k: npz[k] for k in ("images", "labels", "label_names", "filenames")}
    except CorruptDataError:
        raise
    except ValueError as e:  # object arrays: np.load refuses to unpickle them
        raise CorruptDataError(f"{str(path)!r} holds an array that would need unpickling ({e}); it is refused. {_FIX}") from e
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise CorruptDataError(f"{str(path)!r} is not a readable npz ({type(e).__name__}: {e}); {_FIX}") from e


def _check(arrays: dict[str, np.ndarray], path: Path) -> None:
    images, labels, names, files = arrays["images"], arrays["labels"], arrays["label_names"], arrays["filenames"]
    where = repr(str(path))
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[0] == 0:
        raise CorruptDataError(f"{where}: images must be uint8 [N, H, W] with N >= 1, got {images.dtype} {list(images.shape)}; {_FIX}")
    if labels.dtype.kind not in "iu" or labels.shape != (images.shape[0],):
        raise CorruptDataError(f"{where}: labels must be integers, one per image ({images.shape[0]}), got {labels.dtype} {list(labels.shape)}; {_FIX}")
    if files.shape != (images.shape[0],) or names.ndim != 1:
        raise CorruptDataError(f"{where}: filenames must hold one name per image and label_names a list, got {list(files.shape)} / {list(names.shape)}; {_FIX}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(names)):
        raise CorruptDataError(f"{where}: labels reach {int(labels.min())}..{int(labels.max())} but there are {len(names)} class names; {_FIX}")
    if tuple(str(n) for n in names) != MUXSPACE_LABELS:
        raise CorruptDataError(f"{where}: label_names are {[str(n) for n in names]}, expected {list(MUXSPACE_LABELS)}; {_FIX}")
    if len(set(files.tolist())) != len(files):
        raise CorruptDataError(f"{where}: file names repeat, so images cannot be told apart in split manifests; {_FIX}")


def load_faces(data_dir: str | os.PathLike[str] | None) -> FaceSet:
    """Read and check the npz; group the images by person (identity rule in the module doc)."""
    path = find_npz(data_dir)
    arrays = _read_arrays(path)
    _check(arrays, path)
    files = tuple(str(f) for f in arrays["filenames"].tolist())
    persons, unparsed = [], 0
    for f in files:
        p = person_of(f)
        if p is None:
            unparsed += 1
            p = f"?{f}"
        persons.append(p)
    return FaceSet(
        images=arrays["images"], labels=arrays["labels"].astype(np.int64, copy=False),
        label_names=tuple(str(n) for n in arrays["label_names"].tolist()), filenames=files, persons=tuple(persons),
        unparsed=unparsed, path=path,
    )

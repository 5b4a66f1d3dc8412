"""The images a benchmark wrote beside its ``results.json``: which belong to it, and whether each is a readable image
(a browser would show a broken one), with its pixel size for the page's layout."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg")
#: Folders a benchmark writes that hold no pictures (cells and split manifests).
NOT_PICTURES = ("cells", "manifests")


def image_size(path: Path) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG, GIF or JPEG read from its header; ``(0, 0)`` for an SVG; None when unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    if path.suffix.lower() == ".svg" and b"<svg" in head:
        return (0, 0)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def pictures(folder: Path, listed: Iterable[str] | None, result_dirs: set[Path]) -> tuple[list[Path], list[str], list[str]]:
    """``(images, missing, left_out)`` of the results.json in ``folder``.

    With ``listed`` (the file's ``plots``), the listed files, each checked; without, every image in ``folder``. Either
    way, the images in sub-folders that hold no results.json of their own (a script's ``pictures/``, ``figures/``).
    ``missing``: listed files that are absent or unreadable, with why; ``left_out``: images beside the file that its
    ``plots`` list does not name (an earlier run's).
    """
    found: list[Path] = []
    missing: list[str] = []
    beside = sorted(p for p in folder.iterdir() if p.is_file() and is_image(p))
    if listed is None:
        candidates = beside
        left_out: list[str] = []
    else:
        names = list(dict.fromkeys(str(n) for n in listed))
        candidates = []
        for name in names:
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts or not pure.parts:
                missing.append(f"{name} (not a path inside the results folder)")
            elif not (folder / pure).is_file():
                missing.append(f"{name} (listed in plots, not on disk)")
            else:
                candidates.append(folder / pure)
        left_out = [p.name for p in beside if p not in candidates]
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in NOT_PICTURES and not p.name.startswith(".")):
        candidates += _loose(sub, result_dirs)
    for path in candidates:
        if image_size(path) is None:
            missing.append(f"{path.relative_to(folder).as_posix()} (not a readable PNG, JPEG, GIF or SVG)")
        else:
            found.append(path)
    return found, missing, left_out


def _loose(folder: Path, result_dirs: set[Path]) -> list[Path]:
    """Images under ``folder`` outside any folder that holds a results.json of its own."""
    if folder in result_dirs:
        return []
    out = sorted(p for p in folder.iterdir() if p.is_file() and is_image(p))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in NOT_PICTURES and not p.name.startswith(".")):
        out += _loose(sub, result_dirs)
    return out

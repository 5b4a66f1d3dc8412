"""Strict reading of corpus files: UTF-8 or a typed error naming the file, the byte and the fix."""

from __future__ import annotations

from pathlib import Path

from emozoo_text.errors import CorpusFormatError, TextDataError


def read_text(path: Path, corpus: str) -> str:
    """The file's text, decoded as UTF-8 (a leading BOM removed); a missing file or invalid UTF-8 is a typed error."""
    if not path.is_file():
        raise TextDataError(f"{corpus}: {path} does not exist; point data_dir at the folder holding the upstream files "
                            "(../shared/data/<corpus> beside a checkout)")  # fmt: skip
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusFormatError(f"{corpus}: {path.name} is not valid UTF-8 (byte {exc.start}, line {line}: {exc.reason}); "
                                "restore the upstream file (SOURCE.md gives its md5)") from None  # fmt: skip


def keep_text(text: str) -> bool:
    """The rule every reader applies: a text with no visible character (empty or whitespace only) is dropped and counted."""
    return bool(text.strip())

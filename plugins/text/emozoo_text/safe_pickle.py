"""A restricted unpickler for data-only pickles (IEMOCAP in the COSMIC/InstructERC text layout).

It admits only what the pickle opcodes build without naming a global: dict, list, tuple, set,
frozenset, str, bytes, int, float, bool and None. Any reference to a class or function (numpy arrays,
custom objects, ``os.system`` …) is refused before it can be imported, so loading cannot run code.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from emozoo.errors import InputError

MAX_PICKLE_BYTES = 256 * 1024 * 1024
_ALLOWED = (dict, list, tuple, set, frozenset, str, bytes, int, float, bool, type(None))


class UnsafePickleError(InputError):
    """A pickle referenced a class or function; only builtin containers, strings and numbers are admitted."""


class _DataOnlyUnpickler(pickle.Unpickler):
    """An Unpickler whose global and persistent-id look-ups always fail."""

    def find_class(self, module: str, name: str) -> Any:
        raise UnsafePickleError(
            f"refusing to unpickle a reference to {module}.{name}: emozoo loads only data pickles made of "
            "dict/list/tuple/str/int/float (e.g. COSMIC feature pickles hold numpy arrays); convert the file "
            "to JSON with the text-only fields (see emozoo_text.dialogue.IEMOCAPAdapter) and load that"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("refusing a pickle that uses persistent ids; only plain data pickles are admitted")


def load_data_pickle(path: str | Path) -> Any:
    """Unpickle ``path`` admitting only builtin containers, strings and numbers (latin-1 for py2 pickles)."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_PICKLE_BYTES:
        raise InputError(f"{path} is {size} bytes, over the {MAX_PICKLE_BYTES}-byte limit for data pickles")
    try:
        value = _DataOnlyUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as exc:
        raise InputError(f"{path} is not a readable data pickle ({exc})") from exc
    _check_plain(value, str(path))
    return value


def _check_plain(value: Any, where: str) -> None:
    """Walk the unpickled value and reject anything that is not plain data (defence in depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if not isinstance(item, _ALLOWED):
            raise UnsafePickleError(f"{where}: holds a {type(item).__name__}; only plain data is admitted")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)

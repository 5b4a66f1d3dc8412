"""A restricted unpickler for DEAP's Python ``.dat`` files: numpy arrays and builtin containers only.

Plain ``pickle.load`` runs whatever callable a file names; this unpickler resolves only the handful of
globals a pickled numeric ndarray needs and refuses every other global before anything is called.
"""

from __future__ import annotations

import codecs
import os
import pickle
from typing import Any

import numpy as np

from .errors import EEGFormatError, UnsafePickleError

__all__ = ["load_array_pickle"]


def _numpy_core(name: str) -> Any:
    """``numpy._core.multiarray.<name>`` (numpy 2) or ``numpy.core.multiarray.<name>`` (numpy 1)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray  # type: ignore[no-redef]
    return getattr(multiarray, name)


_ALLOWED: dict[tuple[str, str], Any] = {
    **{(mod, "_reconstruct"): "_reconstruct" for mod in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(mod, "scalar"): "scalar" for mod in ("numpy.core.multiarray", "numpy._core.multiarray")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    # Python 3 writes bytes in protocol <= 2 as _codecs.encode(str, "latin1"): a pure str -> bytes function
    ("_codecs", "encode"): codecs.encode,
    **{(mod, name): obj for mod in ("builtins", "__builtin__") for name, obj in (("set", set), ("frozenset", frozenset))},
}


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` admits only numpy array reconstruction and builtin containers."""

    def find_class(self, module: str, name: str) -> Any:
        """Resolve an allowed global, or refuse (nothing from the file has run at this point)."""
        obj = _ALLOWED.get((module, name))
        if obj is None:
            raise UnsafePickleError(
                f"refusing to unpickle global {module}.{name}: only numpy arrays and builtin containers are "
                f"allowed; this file is not a plain DEAP .dat (use the MATLAB s##.mat files if in doubt)"
            )
        return _numpy_core(obj) if isinstance(obj, str) else obj

    def persistent_load(self, pid: Any) -> Any:
        """Persistent ids never occur in DEAP files; refuse them."""
        raise UnsafePickleError("refusing a pickle with persistent ids; this is not a DEAP .dat file")


def _check_numeric(obj: Any, where: str) -> None:
    """Reject object arrays anywhere in the loaded structure."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind not in "biuf":
        raise UnsafePickleError(f"{where}: array of dtype {obj.dtype} is not numeric; refusing it")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_numeric(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(obj):
            _check_numeric(v, f"{where}[{i}]")


def load_array_pickle(path: str | os.PathLike[str]) -> Any:
    """Load a pickle of numeric numpy arrays in builtin containers (Python 2 pickles decoded as latin-1)."""
    try:
        with open(path, "rb") as fh:
            obj = _ArrayUnpickler(fh, encoding="latin1").load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise EEGFormatError(f"{os.fspath(path)!r} is not a readable pickle of arrays ({exc})") from exc
    _check_numeric(obj, os.path.basename(os.fspath(path)))
    return obj

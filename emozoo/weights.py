"""Reading a safetensors file into a model: strict key, shape and dtype-kind checks, typed errors.

Loading a saved model does not need random weights that are overwritten a moment later, so
``from_pretrained`` builds inside :func:`skip_weight_init` (as transformers' ``no_init_weights`` does).
The weights are copied into the model's own tensors rather than assigned from the memory-mapped file:
mapped tensors are not 64-byte aligned, and on CPU that changes kernels and the last bits of results. A warm load of
an unchanged file (the hash cache knows it) skips hashing it again, as git trusts its index.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path

import torch
from safetensors import SafetensorError
from torch import nn

from emozoo.errors import WeightsError

#: The ``torch.nn.init`` functions layers call from ``reset_parameters``; skipped while loading.
INIT_FUNCTIONS = (
    "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
)


def _keep(tensor: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
    return tensor


@contextlib.contextmanager
def skip_weight_init() -> Iterator[None]:
    """Make the ``torch.nn.init`` functions no-ops while a model that is about to be loaded is built.

    Process-wide while active (as transformers' ``no_init_weights``): do not build other models in other
    threads meanwhile. Values set without ``torch.nn.init`` (``torch.randn``, ``torch.arange``) are unaffected.
    """
    originals = {name: getattr(nn.init, name) for name in INIT_FUNCTIONS if hasattr(nn.init, name)}
    try:
        for name in originals:
            setattr(nn.init, name, _keep)
        yield
    finally:
        for name, fn in originals.items():
            setattr(nn.init, name, fn)


def load_weights(
    model: nn.Module,
    path: str | os.PathLike[str],
    *,
    map_location: str | torch.device = "cpu",
    expected_method: str | None = None,
    expected_sha256: str | None = None,
) -> None:
    """Strictly load a safetensors file into ``model``; any mismatch or corruption is a WeightsError.

    With ``expected_sha256`` the loaded bytes must hash to it. A file the hash cache knows by its stat (git's index
    rule, :mod:`emozoo.hash_cache`) is not hashed again: read from the descriptor that was checked (straight into the
    model's tensors when every name, dtype and shape matches; else parsed, memory-mapped above
    :data:`SMALL_WEIGHTS_BYTES`), and that open file's stat is checked again after its tensors are in the model: any
    change meanwhile and the file is loaded the slow way. Otherwise the file is
    read once, those bytes hashed, and exactly those bytes deserialized, so a file changed between check and load cannot
    slip in. Tied tensors (written once by ``save_model``) count as present when any of their names is in the file; ints
    and floats are never cast into each other, nor into a narrower type (precision would be lost); widening
    (float16 into float32) is exact and allowed.
    """
    path = Path(path)
    if expected_sha256 is not None and _load_known_file(model, path, map_location, expected_method, expected_sha256):
        return
    _load_tensors(model, path, _read_checked(path, expected_sha256, expected_method), map_location)


def _read_checked(path: Path, expected_sha256: str | None, expected_method: str | None) -> dict[str, torch.Tensor]:
    """Read ``path`` once, check those bytes (sha256, method tag) and deserialize them; the hash cache learns the file."""
    import time

    from safetensors.torch import load as load_bytes

    from emozoo import hash_cache
    from emozoo.artifact import read_verified

    started_ns = time.time_ns()
    try:
        before = os.stat(path) if expected_sha256 is not None and os.path.isfile(path) else None
        data = read_verified(path, expected_sha256, "weights")  # a hash mismatch is an ArtifactError, as for every file
        if before is not None:
            hash_cache.remember(before, os.stat(path), str(expected_sha256), started_ns)
    except OSError as exc:
        raise WeightsError(f"{path} cannot be read ({exc}); re-download or re-save the model") from exc
    try:
        _check_method(path, _header_metadata(data), expected_method)
        return load_bytes(data)
    except (SafetensorError, OSError, ValueError, RuntimeError, OverflowError) as exc:
        raise WeightsError(f"{path} is not a readable safetensors file ({exc}); re-download or re-save the model") from exc
    finally:
        del data


def _load_known_file(model: nn.Module, path: Path, map_location: str | torch.device, expected_method: str | None, expected_sha256: str) -> bool:
    """Load ``path`` without hashing it when the hash cache records ``expected_sha256`` for the very file held open, and that
    file's stat is unchanged after the tensors were copied into ``model``. False (nothing trusted) otherwise."""
    from safetensors import safe_open
    from safetensors.torch import load as load_bytes

    from emozoo import hash_cache

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        before = os.fstat(fd)
        if hash_cache.recorded_digest(before) != expected_sha256:
            return False
        try:
            if _read_into_model(model, fd, before.st_size, map_location, path, expected_method):
                tensors = None
            elif before.st_size <= SMALL_WEIGHTS_BYTES:  # one read and an in-memory parse beat setting up a mapping
                data = _read_all(fd, before.st_size)
                if not hash_cache.same_file(before, os.fstat(fd)):
                    return False
                _check_method(path, _header_metadata(data), expected_method)
                tensors = load_bytes(data)
                del data
            else:
                by_fd = f"/proc/self/fd/{fd}"  # the inode held open, whatever the name points at now
                with safe_open(by_fd if _proc_fd() else path, framework="pt") as fh:
                    _check_method(path, fh.metadata() or {}, expected_method)
                    tensors = dict(fh.get_tensors()) if hasattr(fh, "get_tensors") else {key: fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118
        except (SafetensorError, OSError, ValueError, RuntimeError, OverflowError):
            return False  # a file the cache vouched for that does not parse: judge it the slow way
        if tensors is not None:
            _load_tensors(model, path, tensors, map_location)
            del tensors
        after, named = os.fstat(fd), os.stat(path)
        # the open file unchanged since the entry vouched for it, and still the one the name points at; if not, the
        # caller loads again from bytes it hashes, overwriting what was copied in
        return hash_cache.same_file(before, after) and (named.st_dev, named.st_ino) == (before.st_dev, before.st_ino)
    except OSError:
        return False
    finally:
        os.close(fd)


#: Weights files up to this size are read and parsed in memory on a warm load; larger ones are memory-mapped.
SMALL_WEIGHTS_BYTES = 4 << 20

#: safetensors dtype names -> torch dtypes, for reading a file's bytes straight into tensors of exactly that dtype.
_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}  # fmt: skip


def _plain_loading(module: nn.Module) -> bool:
    """True when ``load_state_dict`` into ``module`` would only copy tensors: no load hooks, and no module that overrides
    ``_load_from_state_dict`` beyond torch's norm layers (whose overrides act only on keys that are absent or extra)."""
    from torch.nn.modules.batchnorm import _NormBase
    from torch.nn.modules.instancenorm import _InstanceNorm

    plain = (nn.Module._load_from_state_dict, _NormBase._load_from_state_dict, _InstanceNorm._load_from_state_dict)
    if type(module).load_state_dict is not nn.Module.load_state_dict:
        return False
    return all(
        type(m)._load_from_state_dict in plain and not m._load_state_dict_pre_hooks and not m._load_state_dict_post_hooks
        for m in module.modules()
    )


def _read_into_model(model: nn.Module, fd: int, size: int, map_location: str | torch.device, path: Path, expected_method: str | None) -> bool:
    """Read the open safetensors file's tensor bytes straight into ``model``'s own tensors (one ``preadv``) when that is
    exactly what ``load_state_dict`` would do: every file tensor has a destination of the same name, dtype and shape
    (contiguous, on the CPU), every model tensor is in the file (tied names as in :func:`_load_tensors`), and loading has
    no hooks. False (nothing read) when any of that does not hold; the general path then decides, with its errors.

    The file's bytes are copied once, kernel to model, instead of mapped, wrapped and copied again."""
    import json
    import sys

    if str(map_location) != "cpu" or sys.byteorder != "little" or not hasattr(os, "preadv") or size < 8:
        return False
    length = int.from_bytes(os.pread(fd, 8, 0), "little")
    if length > min(size - 8, 100 << 20):
        return False
    try:
        header = json.loads(os.pread(fd, length, 8))
    except ValueError:
        return False
    if not isinstance(header, dict):
        return False
    meta = header.pop("__metadata__", None)
    _check_method(path, meta if isinstance(meta, dict) else {}, expected_method)
    if not _plain_loading(model):
        return False
    state = model.state_dict(keep_vars=True)
    names_of: dict[int, list[str]] = {}
    for key, value in state.items():
        names_of.setdefault(id(value), []).append(key)
    if not header.keys() <= state.keys() or any(not any(n in header for n in names) for names in names_of.values()):
        return False
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            return False
        target, offsets = state[name], info.get("data_offsets")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)):
            return False
        if (_DTYPES.get(info.get("dtype")) is not target.dtype or list(target.shape) != info.get("shape")
                or target.device.type != "cpu" or target.layout is not torch.strided or not target.is_contiguous()
                or offsets[1] - offsets[0] != target.numel() * target.element_size()):  # fmt: skip
            return False
        entries.append((offsets[0], offsets[1], target))
    entries.sort(key=lambda e: e[0])
    position = 0
    for begin, end, _ in entries:  # the data region is exactly the tensors, back to back (as safetensors requires)
        if begin != position:
            return False
        position = end
    if position != size - 8 - length or _overlapping(t for _, _, t in entries):
        return False
    views = [memoryview(t.detach().reshape(-1).view(torch.uint8).numpy()) for _, _, t in entries if t.numel()]
    _preadv_all(fd, views, 8 + length)
    return True


def _overlapping(tensors: Iterator[torch.Tensor]) -> bool:
    """True when two of ``tensors`` share memory without being the same memory (tied names read the same bytes twice)."""
    spans = sorted({(t.data_ptr(), t.numel() * t.element_size()) for t in tensors})
    return any(a + n > b for (a, n), (b, _) in zip(spans, spans[1:]))


def _preadv_all(fd: int, views: list[memoryview], offset: int, limit: int | None = None) -> None:
    """Fill ``views`` in order from ``fd`` at ``offset``, ``limit`` buffers per call (default: the system's IOV_MAX), however
    the reads come back short; OSError at the file's end."""
    limit = limit or (os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024)
    first = 0
    while first < len(views):
        got = os.preadv(fd, views[first : first + limit], offset)
        if got <= 0:
            raise OSError(f"the file ended at byte {offset}")
        offset += got
        while first < len(views) and got >= len(views[first]):
            got -= len(views[first])
            first += 1
        if got:
            views[first] = views[first][got:]


def _read_all(fd: int, size: int) -> bytes:
    chunks, offset = [], 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            raise OSError(f"the file ended at byte {offset} of {size}")
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


@functools.lru_cache(maxsize=1)
def _proc_fd() -> bool:
    return os.path.isdir("/proc/self/fd")


def _check_method(path: Path, metadata: dict[str, str], expected_method: str | None) -> None:
    found = metadata.get("emozoo.method")
    if expected_method and found and found != expected_method:
        raise WeightsError(f"{path} holds weights of {found!r}, not {expected_method!r}")


def _load_tensors(model: nn.Module, path: Path, tensors: dict[str, torch.Tensor], map_location: str | torch.device) -> None:
    """Copy ``tensors`` into ``model`` after checking names, tied names and dtype kinds (never a lossy cast)."""
    if str(map_location) != "cpu":
        tensors = {k: v.to(map_location) for k, v in tensors.items()}
    state = model.state_dict(keep_vars=True)
    kind = [k for k, t in tensors.items() if k in state and not _lossless(t.dtype, state[k].dtype)]
    if kind:  # load_state_dict would silently cast ints to floats and back, or float64 to float32
        raise WeightsError(
            f"{path}: tensors {kind[:8]} have dtype {tensors[kind[0]].dtype}, but {type(model).__name__} holds "
            f"{state[kind[0]].dtype}; emozoo never casts on load (precision would be lost): convert the model with "
            "model.to(dtype) before saving, or load into a model of that dtype"
        )
    names_of: dict[int, list[str]] = {}
    for key, value in state.items():
        names_of.setdefault(id(value), []).append(key)
    present = {k for names in names_of.values() if any(n in tensors for n in names) for k in names}
    missing, unexpected = sorted(set(state) - present), sorted(set(tensors) - set(state))
    if missing or unexpected:
        raise WeightsError(
            f"{path} does not match {type(model).__name__}: missing keys {missing[:8]}, "
            f"unexpected keys {unexpected[:8]}; the config or plugin version differs from the one that saved it"
        )
    try:
        model.load_state_dict(tensors, strict=False)  # keys were checked above, tied names included
    except RuntimeError as exc:  # shape mismatches
        raise WeightsError(f"{path} does not fit {type(model).__name__}: {exc}") from exc


def canonical_header(path: str | os.PathLike[str]) -> None:
    """Rewrite a safetensors file's header in place with its ``__metadata__`` keys sorted.

    safetensors writes the metadata map in hash order, which changes from process to process, so two saves of the same
    tensors differ in bytes; sorted, they are identical (releases are pinned by sha256 and rebuilt by re-saving). The
    header keeps its length (same keys, same compact JSON, the same padding), so no tensor byte moves.
    """
    import json
    import struct

    with open(path, "r+b") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        raw = fh.read(size)
        header = json.loads(raw)
        if isinstance(header.get("__metadata__"), dict):
            header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
        text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if len(text) > size or json.loads(text) != json.loads(raw):
            return  # not the compact layout this expects: leave the file as safetensors wrote it
        fh.seek(8)
        fh.write(text.ljust(size, b" "))


def _header_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors header in ``data`` (empty when there is none); ValueError if malformed."""
    import json

    if len(data) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8 or size > 100 << 20:
        raise ValueError(f"header length {size} exceeds the file")
    header = json.loads(data[8 : 8 + size])
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    return meta if isinstance(meta, dict) else {}


def _lossless(source: torch.dtype, target: torch.dtype) -> bool:
    """True when every value of ``source`` is exactly representable in ``target`` of the same kind (int or float)."""
    if source == target:
        return True
    if source.is_floating_point != target.is_floating_point or source.is_complex or target.is_complex:
        return False
    return torch.promote_types(source, target) == target

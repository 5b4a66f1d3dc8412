"""Reading a safetensors file into a model: strict key, shape and dtype-kind checks, typed errors.

Loading a saved model does not need random weights that are overwritten a moment later, so
``from_pretrained`` builds inside :func:`skip_weight_init` (as transformers' ``no_init_weights`` does).
The weights are copied into the model's own tensors rather than assigned from the memory-mapped file:
mapped tensors are not 64-byte aligned, and on CPU that changes kernels and the last bits of results.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import torch
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

    The file is read once into memory; when ``expected_sha256`` is given those bytes must hash to it, and exactly
    those bytes are deserialized (safetensors' ``load``), so a file changed between check and load cannot slip in.
    Tied tensors (written once by ``save_model``) count as present when any of their names is in the file; ints
    and floats are never cast into each other, nor into a narrower type (precision would be lost); widening
    (float16 into float32) is exact and allowed.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load as load_bytes

    from emozoo.artifact import read_verified

    path = Path(path)
    try:
        data = read_verified(path, expected_sha256, "weights")  # a hash mismatch is an ArtifactError, as for every file
    except OSError as exc:
        raise WeightsError(f"{path} cannot be read ({exc}); re-download or re-save the model") from exc
    try:
        found = _header_metadata(data).get("emozoo.method")
        if expected_method and found and found != expected_method:
            raise WeightsError(f"{path} holds weights of {found!r}, not {expected_method!r}")
        tensors = load_bytes(data)
        if str(map_location) != "cpu":
            tensors = {k: v.to(map_location) for k, v in tensors.items()}
    except (SafetensorError, OSError, ValueError, RuntimeError, OverflowError) as exc:
        raise WeightsError(f"{path} is not a readable safetensors file ({exc}); re-download or re-save the model") from exc
    finally:
        del data
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

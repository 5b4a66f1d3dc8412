"""Tests for emozoo.data.manifest: digests, SplitManifest validation, round trips and atomic saves."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emozoo.data import manifest as mf
from emozoo.data.manifest import SplitManifest, sha256_array, sha256_file, sha256_files
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, InputError

ROOT = Path(__file__).resolve().parents[1]
SHA = "a" * 64


def make(**overrides) -> SplitManifest:
    """A small valid manifest, with fields overridable per test."""
    kwargs = dict(dataset="seed", protocol="subject-dependent", splits={"train": ["s1", "s2"], "test": ["s3"]},
                  data_sha256=SHA, seed=0, fold="1", extra={"note": "x"})
    kwargs.update(overrides)
    return SplitManifest(**kwargs)


# --- digests ---------------------------------------------------------------------------------------


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    p = tmp_path / "a.bin"
    p.write_bytes(b"hello" * 1000)
    assert sha256_file(p) == hashlib.sha256(b"hello" * 1000).hexdigest()


def test_sha256_files_order_independent_and_content_sensitive(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    d1 = sha256_files([a, b])
    assert d1 == sha256_files([b, a])
    assert d1 == sha256_files([tmp_path])  # a directory walks to the same files
    (tmp_path / "b.txt").write_text("B2")
    assert sha256_files([a, b]) != d1


def test_sha256_files_sees_renames_but_not_moves(tmp_path: Path) -> None:
    for root in ("x", "y"):
        (tmp_path / root).mkdir()
        (tmp_path / root / "a.txt").write_text("A")
    assert sha256_files([tmp_path / "x"]) == sha256_files([tmp_path / "y"])
    (tmp_path / "y" / "a.txt").rename(tmp_path / "y" / "c.txt")
    assert sha256_files([tmp_path / "x"]) != sha256_files([tmp_path / "y"])


def test_sha256_files_errors(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError):
        sha256_files([])
    with pytest.raises(InputError, match="does not exist"):
        sha256_files([tmp_path / "nope"])
    (tmp_path / "a").write_text("A")
    with pytest.raises(InputError, match="more than once"):
        sha256_files([tmp_path / "a", tmp_path / "a"])


def test_sha256_array_covers_dtype_shape_and_bytes() -> None:
    a = np.arange(6, dtype=np.float32)
    assert sha256_array(a) == sha256_array(a.copy())
    assert sha256_array(a) != sha256_array(a.reshape(2, 3))
    assert sha256_array(a) != sha256_array(a.astype(np.float64))
    assert sha256_array(a.reshape(2, 3).T) == sha256_array(np.ascontiguousarray(a.reshape(2, 3).T))
    assert sha256_array(a) == sha256_array(a.astype(">f4"))  # byte order is normalised
    with pytest.raises(DTypeError):
        sha256_array(np.array(["a", "b"]))


# --- validation -----------------------------------------------------------------------------------


def test_leak_between_train_and_test_is_named() -> None:
    ids = [f"id{i}" for i in range(8)]
    with pytest.raises(InputError, match="train/test leak") as err:
        make(splits={"train": ids, "test": ids[1:] + ["other"]})
    msg = str(err.value)
    assert "7 id(s)" in msg and "id1" in msg and "id5" in msg and "id6" not in msg  # first 5 only


def test_duplicates_and_bad_fields_raise() -> None:
    with pytest.raises(InputError, match="twice"):
        make(splits={"train": ["a", "a"], "test": ["b"]})
    with pytest.raises(InputError, match="non-empty"):
        make(splits={"": ["a"]})
    with pytest.raises(EmptyInputError):
        make(splits={})
    with pytest.raises(DTypeError):
        make(splits={"train": [1, 2]})
    with pytest.raises(DTypeError):
        make(splits={"train": "abc"})
    with pytest.raises(InputError, match="hex"):
        make(data_sha256="xyz")
    with pytest.raises(DTypeError):
        make(seed=True)
    with pytest.raises(ConfigError):
        make(extra={"bad": object()})
    with pytest.raises(ConfigError):
        make(extra={"nan": float("nan")})


def test_val_may_overlap_nothing_required_and_ids_become_tuples() -> None:
    m = make(splits={"train": ["a"], "val": ["a"], "test": []})
    assert m.splits == {"train": ("a",), "val": ("a",), "test": ()}
    assert m.split_names == ("train", "val", "test")


# --- serialisation ---------------------------------------------------------------------------------


def test_round_trip_equal() -> None:
    m = make(extra={"window": [1, 2], "nested": {"k": (3, 4)}})
    again = SplitManifest.from_dict(json.loads(json.dumps(m.to_dict())))
    assert again == m and again.digest() == m.digest() and hash(again) == hash(m)


def test_from_dict_is_strict() -> None:
    d = make().to_dict()
    with pytest.raises(ConfigError, match="unknown"):
        SplitManifest.from_dict({**d, "splitz": {}})
    d.pop("protocol")
    with pytest.raises(ConfigError, match="missing"):
        SplitManifest.from_dict(d)
    with pytest.raises(ConfigError, match="format_version"):
        SplitManifest.from_dict({**make().to_dict(), "format_version": 99})
    with pytest.raises(ConfigError):
        SplitManifest.from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_digest_is_stable_and_canonical() -> None:
    m = SplitManifest(dataset="d", protocol="p", splits={"train": ("a",), "test": ("b",)}, data_sha256="0" * 64)
    canonical = (
        '{"data_sha256":"' + "0" * 64 + '","dataset":"d","extra":{},"fold":null,"format_version":1,'
        '"protocol":"p","seed":null,"splits":{"test":["b"],"train":["a"]}}'
    )
    assert m.canonical_json() == canonical
    assert m.digest() == hashlib.sha256(canonical.encode()).hexdigest()
    assert m.digest() == "96b0c355d0bd969f7d340a334e71a57995e72aefd327711c799accd6456313eb"
    assert make(seed=1).digest() != make(seed=0).digest()


def test_save_load_atomic_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "split.json"
    m = make()
    assert m.save(path) == path
    assert SplitManifest.load(path) == m
    assert sorted(os.listdir(tmp_path)) == ["split.json"]
    assert json.loads(path.read_text())["dataset"] == "seed"


def test_failed_save_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "split.json"
    make().save(path)
    before = path.read_bytes()

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(mf.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        make(seed=7).save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["split.json"]


def test_load_rejects_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        SplitManifest.load(path)


def test_manifest_import_does_not_import_torch() -> None:
    code = ("import sys, emozoo.data.manifest; from emozoo.data import SplitManifest; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr

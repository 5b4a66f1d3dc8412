"""emozoo.hash_cache: an unchanged file is not re-read; any change, even with the old mtime put back, is seen."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import torch

import emozoo
from emozoo import hash_cache
from emozoo._fileio import sha256_file
from emozoo.artifact import WEIGHTS_NAME
from emozoo.errors import ArtifactError


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """Count the real hashing done through the cache; a private cache dir; no racy margin."""
    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 0.0)
    calls = []

    def counting(path):
        calls.append(os.fspath(path))
        return sha256_file(path)

    monkeypatch.setattr(hash_cache, "sha256_file", counting)
    return calls


def _settled_file(path, data: bytes):
    path.write_bytes(data)
    time.sleep(0.05)  # past the file system's timestamp tick, so the entry may be recorded
    return path


def test_hit_after_first_hash_and_miss_after_rewrite_with_old_mtime(counted, tmp_path):
    f = _settled_file(tmp_path / "w.bin", b"a" * 1000)
    expected = sha256_file(f)
    assert hash_cache.sha256_cached(f) == expected and len(counted) == 1
    assert hash_cache.sha256_cached(f) == expected and len(counted) == 1  # from the cache
    st = f.stat()
    time.sleep(0.05)
    f.write_bytes(b"b" * 1000)  # same size, and the old mtime put back: ctime still moves
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert hash_cache.sha256_cached(f) == sha256_file(f) != expected and len(counted) == 2


def test_the_cache_works_when_the_cache_folder_was_made_open_to_others(counted, tmp_path):
    """The embedded Hub's work folder and plugins' feature caches create ``$EMOZOO_CACHE`` with the usual 0755; the hash
    cache keeps its entries in a 0700 folder of its own below it, so it still records, and its file stays private."""
    root = tmp_path / "cache"
    (root / "embedded-hub").mkdir(parents=True)
    root.chmod(0o755)
    f = _settled_file(tmp_path / "w.bin", b"abc")
    hash_cache.sha256_cached(f)
    hash_cache.sha256_cached(f)
    assert len(counted) == 1
    assert hash_cache.cache_path().parent == root / "private"
    assert (root / "private").stat().st_mode & 0o777 == 0o700 and hash_cache.cache_path().stat().st_mode & 0o777 == 0o600


def test_fresh_files_are_not_recorded(counted, tmp_path, monkeypatch):
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 3600.0)
    f = tmp_path / "new.bin"
    f.write_bytes(b"x")
    hash_cache.sha256_cached(f)
    hash_cache.sha256_cached(f)
    assert len(counted) == 2
    assert not hash_cache.cache_path().exists()


def test_disabled_and_broken_caches_fall_back_to_hashing(counted, tmp_path, monkeypatch):
    f = _settled_file(tmp_path / "w.bin", b"abc")
    hash_cache.sha256_cached(f)
    monkeypatch.setenv("EMOZOO_HASH_CACHE", "0")
    hash_cache.sha256_cached(f)
    assert len(counted) == 2  # disabled: hashed again although the entry is there
    monkeypatch.delenv("EMOZOO_HASH_CACHE")
    hash_cache.sha256_cached(f)
    assert len(counted) == 2  # enabled again: the entry is used
    hash_cache.cache_path().write_text("{not json")
    assert hash_cache.sha256_cached(f) == sha256_file(f) and len(counted) == 3
    assert json.loads(hash_cache.cache_path().read_text())["format"] == 1  # rewritten whole


def _count_weight_reads(monkeypatch) -> list:
    import emozoo.artifact as artifact_mod

    reads, real = [], artifact_mod.read_verified

    def counting(path, *a, **k):
        if path.name == WEIGHTS_NAME:
            reads.append(path)
        return real(path, *a, **k)

    monkeypatch.setattr(artifact_mod, "read_verified", counting)
    return reads


def test_warm_load_skips_hashing_known_weights_and_a_tamper_after_it_is_still_refused(counted, registry, tmp_path, monkeypatch):
    reads = _count_weight_reads(monkeypatch)
    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "m")
    time.sleep(0.05)
    first = emozoo.from_pretrained(tmp_path / "m")
    assert len(reads) == 1  # cold: read once and those bytes hashed (and the file's stat recorded)
    assert [Path(p).name for p in counted] == ["README.md"]  # the card through the stat rule: hashed once, recorded
    second = emozoo.from_pretrained(tmp_path / "m")
    assert len(reads) == 1 and len(counted) == 1  # warm: weights read from the checked descriptor, nothing hashed again
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True))
    weights = tmp_path / "m" / WEIGHTS_NAME
    st, data = weights.stat(), bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    time.sleep(0.05)
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        emozoo.from_pretrained(tmp_path / "m")


@pytest.mark.parametrize("copier", ["_preadv_all", "_load_tensors"])
def test_weights_changed_during_a_warm_load_are_reloaded_the_slow_way_and_refused(counted, registry, tmp_path, monkeypatch, copier):
    """Whichever way the warm load copies the bytes in (read straight into the model, or parsed then copied), a change
    to the file before the re-check sends it down the slow path, which refuses it."""
    import emozoo.weights as weights_mod

    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "m")
    time.sleep(0.05)
    emozoo.from_pretrained(tmp_path / "m")  # the cache learns the file
    weights = tmp_path / "m" / WEIGHTS_NAME
    real, calls = getattr(weights_mod, copier), []

    def copy_then_tamper(*a, **k):
        real(*a, **k)
        if not calls:  # the copy is in the model; now the file changes in place before the re-check
            data = bytearray(weights.read_bytes())
            data[-1] ^= 0xFF
            with open(weights, "r+b") as fh:
                fh.write(bytes(data))
        calls.append(1)

    monkeypatch.setattr(weights_mod, copier, copy_then_tamper)
    if copier == "_load_tensors":
        monkeypatch.setattr(weights_mod, "_plain_loading", lambda module: False)  # the parse-then-copy path
    reads = _count_weight_reads(monkeypatch)
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        emozoo.from_pretrained(tmp_path / "m")
    assert len(calls) == 1 and len(reads) == 1  # the mapped load was not trusted: read afresh, hashed, refused

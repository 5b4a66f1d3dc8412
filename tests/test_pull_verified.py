"""A warm pull of a release's pinned commit: checked against its pin once per process, and again whenever any of its
files' stat changed since (emozoo.hub.pull's in-memory record, the hash cache's rule)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import emozoo.hub.pull as pull
from emozoo import hash_cache
from emozoo.artifact import ARTIFACT_FILES, WEIGHTS_NAME
from emozoo.catalogue import clear_cache
from emozoo.errors import ArtifactError

REPO = Path(__file__).resolve().parents[1]
NAME = "wearable-cnn1d-stress-predict"


@pytest.fixture
def cached_release(tmp_path, monkeypatch):
    """The committed release copied into a Hugging Face cache at its pinned commit (so no Hub is contacted), settled."""
    from emozoo.release.lookup import find_release

    monkeypatch.delenv("EMOZOO_REGISTRY", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "emozoo"))
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 0.0)
    monkeypatch.setattr(pull, "_VERIFIED", {})
    clear_cache()
    release = find_release(NAME)
    snap = tmp_path / "hf" / f"models--{release.repo_id.replace('/', '--')}" / "snapshots" / release.revision
    snap.mkdir(parents=True)
    for name in ARTIFACT_FILES:
        shutil.copyfile(REPO / "releases" / NAME / name, snap / name)
    time.sleep(0.05)
    checks = []
    real = pull.verify_pin
    monkeypatch.setattr(pull, "verify_pin", lambda *a, **k: checks.append(a[0]) or real(*a, **k))
    yield snap, checks
    clear_cache()


def _pull(snap: Path):
    return pull.download(NAME, cache_dir=snap.parents[2])


def test_a_second_pull_in_the_process_skips_the_check_of_unchanged_files(cached_release):
    snap, checks = cached_release
    first, second = _pull(snap), _pull(snap)
    assert len(checks) == 1 and first.directory == second.directory == snap
    assert first.pin == second.pin and second.commit == snap.name and second.revision == snap.name


def test_a_file_changed_after_the_check_is_checked_again_and_refused_with_both_hashes(cached_release):
    snap, checks = cached_release
    _pull(snap)
    weights = snap / WEIGHTS_NAME
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))  # same size; ctime moves whatever the mtime says
    with pytest.raises(ArtifactError, match=r"expected [0-9a-f]{64}, got [0-9a-f]{64}"):
        _pull(snap)
    assert len(checks) == 2


def test_a_replaced_file_with_the_same_bytes_is_checked_again(cached_release):
    snap, checks = cached_release
    _pull(snap)
    card = snap / "README.md"
    text = card.read_bytes()
    card.unlink()
    card.write_bytes(text)  # a new inode: what the record vouched for is gone
    _pull(snap)
    assert len(checks) == 2


def test_files_still_settling_are_not_recorded_and_the_hash_cache_switch_turns_it_off(cached_release, monkeypatch):
    snap, checks = cached_release
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 3600.0)  # every file changed "just now"
    _pull(snap), _pull(snap)
    assert len(checks) == 2
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 0.0)
    _pull(snap), _pull(snap)
    assert len(checks) == 3
    monkeypatch.setenv("EMOZOO_HASH_CACHE", "0")
    _pull(snap), _pull(snap)
    assert len(checks) == 5


def test_a_changed_pin_is_checked_again(cached_release, monkeypatch):
    snap, checks = cached_release
    _pull(snap)
    key = str(snap)
    files, stats = pull._VERIFIED[key]
    pull._VERIFIED[key] = ({**files, WEIGHTS_NAME: "0" * 64}, stats)  # recorded against another pin than today's
    _pull(snap)
    assert len(checks) == 2

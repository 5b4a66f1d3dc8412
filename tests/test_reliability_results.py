"""Issue 13, class 5: a benchmark's results folder cannot forge or break its tables.

A resumed cell is trusted only when its signature verifies and its structure is what a protocol writes; anything
else is reported and run again, and text from a cell is escaped in results.md.
"""

from __future__ import annotations

import json
import os

import pytest

import emozoo
from emozoo.bench.report import md_cell, results_table
from emozoo.bench.store import CellStore, cell_key

CONFIG = {"methods": {"toy-mlp": {"epochs": 4}}}


def _bench(out, **kw):
    return emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=1, config=CONFIG, out=out, **kw)


def _cell_path(out, fold="fold0"):
    return out / "cells" / f"{cell_key('toy-mlp', fold, 0)}.json"


def test_a_hand_edited_cell_is_not_trusted_on_resume(registry, tmp_path):
    first = _bench(tmp_path)
    path = _cell_path(tmp_path)
    cell = json.loads(path.read_text())
    true_acc = cell["records"][0]["metrics"]["ACC"]
    cell["records"][0]["metrics"]["ACC"] = 0.999  # a forged number, keeping the old signature
    path.write_text(json.dumps(cell))
    again = _bench(tmp_path)
    redone = {c["fold"]: c for c in again.cells}
    assert redone["fold0"]["resumed"] is False and redone["fold1"]["resumed"] is True
    assert redone["fold0"]["records"][0]["metrics"]["ACC"] == true_acc  # the real number, re-measured
    assert again.rows == first.rows
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["resume_problems"][0]["cell"] == cell_key("toy-mlp", "fold0", 0)
    assert "signature does not verify" in results["resume_problems"][0]["problem"]
    assert "## Cells run again on resume" in (tmp_path / "results.md").read_text() and "99.90" not in again.markdown


def test_a_forged_signature_does_not_help(registry, tmp_path):
    """Recomputing a plain sha256 of the edited file (what the old identity hash allowed) is not a valid signature."""
    import hashlib

    _bench(tmp_path)
    path = _cell_path(tmp_path)
    cell = json.loads(path.read_text())
    cell["records"][0]["metrics"]["ACC"] = 1.0
    cell["signature"] = hashlib.sha256(json.dumps({k: v for k, v in cell.items() if k != "signature"}, sort_keys=True).encode()).hexdigest()
    path.write_text(json.dumps(cell))
    assert _bench(tmp_path).cells[0]["resumed"] is False


@pytest.mark.parametrize("damage", [
    lambda raw: raw[: len(raw) // 2],  # truncated
    lambda raw: b"[1, 2, 3]",          # not an object
    lambda raw: b"\xff\xfe{",          # not UTF-8
    lambda raw: b"[" * 100000,         # a nesting bomb
    lambda raw: b"",                   # empty
], ids=["truncated", "array", "binary", "nested", "empty"])
def test_a_malformed_cell_is_reported_and_rerun_and_the_tables_are_written(registry, tmp_path, damage):
    _bench(tmp_path)
    path = _cell_path(tmp_path, "fold1")
    path.write_bytes(damage(path.read_bytes()))
    (tmp_path / "results.md").unlink()
    again = _bench(tmp_path)
    assert {c["fold"]: c["resumed"] for c in again.cells} == {"fold0": True, "fold1": False}
    assert (tmp_path / "results.md").exists() and json.loads((tmp_path / "results.json").read_text())["resume_problems"]


def test_a_signed_cell_with_a_broken_structure_is_rerun(registry, tmp_path):
    """Even a cell signed with this user's key (e.g. by an older emozoo) is checked for what a protocol writes."""
    _bench(tmp_path)
    store = CellStore(tmp_path)
    key = cell_key("toy-mlp", "fold0", 0)
    cell = json.loads(store.path(key).read_text())
    cell.pop("signature")
    cell["records"][0]["metrics"]["ACC"] = "99 %"
    store.save(key, cell)
    again = _bench(tmp_path)
    problem = json.loads((tmp_path / "results.json").read_text())["resume_problems"][0]["problem"]
    assert again.cells[0]["resumed"] is False and "metrics is not a mapping of names to numbers" in problem


def test_a_cell_renamed_to_another_fold_is_not_reused(registry, tmp_path):
    _bench(tmp_path)
    os.replace(_cell_path(tmp_path, "fold0"), _cell_path(tmp_path, "fold1"))  # fold0's numbers posing as fold1's
    again = _bench(tmp_path)
    assert {c["fold"]: c["resumed"] for c in again.cells} == {"fold0": False, "fold1": False}


def test_the_signing_key_is_private_and_a_shared_one_is_refused(registry):
    import emozoo._env as env
    from emozoo.bench.store import KEY_NAME, _signing_key

    key = _signing_key()
    path = env.path("EMOZOO_CACHE") / "private" / KEY_NAME
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600 and _signing_key() == key
    path.chmod(0o644)
    try:
        with pytest.raises(PermissionError, match="readable or writable by others"):
            _signing_key()
    finally:
        path.chmod(0o600)


def test_the_signing_key_works_when_the_cache_folder_is_open_to_others(tmp_path, monkeypatch):
    """Other writers (the embedded Hub's work folder, plugins' feature caches) create the cache folder 0755: the key lives
    in a private folder of its own, and a key an earlier version kept in the open folder is not adopted."""
    from emozoo.bench.store import KEY_NAME, _signing_key

    root = tmp_path / "cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(root))
    root.mkdir()
    root.chmod(0o755)
    (root / KEY_NAME).write_bytes(b"k" * 32)
    (root / KEY_NAME).chmod(0o600)
    key = _signing_key()
    assert key != b"k" * 32 and (root / "private").stat().st_mode & 0o777 == 0o700
    assert (root / KEY_NAME).exists() and _signing_key() == key


def test_a_private_legacy_key_is_moved_into_the_private_folder(tmp_path, monkeypatch):
    from emozoo.bench.store import KEY_NAME, _signing_key

    root = tmp_path / "cache"
    monkeypatch.setenv("EMOZOO_CACHE", str(root))
    root.mkdir()
    root.chmod(0o700)
    (root / KEY_NAME).write_bytes(b"k" * 32)
    (root / KEY_NAME).chmod(0o600)
    assert _signing_key() == b"k" * 32
    assert not (root / KEY_NAME).exists() and (root / "private" / KEY_NAME).read_bytes() == b"k" * 32


class _ScaledBlobs:
    """toy-blobs whose ``scale`` option changes the samples but not the manifest (like a normalisation switch)."""

    def folds(self, *, data_dir=None, protocol="recognition", scale: float = 1.0):
        import dataclasses

        from emozoo_toy.data import BlobsAdapter

        for fold in BlobsAdapter().folds(data_dir=data_dir, protocol=protocol):
            (x, y), (xt, yt) = fold.train, fold.test
            yield dataclasses.replace(fold, train=(x * scale, y), test=(xt * scale, yt))


class _ScaledPlugin:
    @emozoo.hookimpl
    def emozoo_register_datasets(self, register):
        register(emozoo.DatasetSpec(id="toy-scaled", name="scaled blobs", adapter_class="test_reliability_results:_ScaledBlobs",
                                    modality="physiological", modalities=("eeg",), label_names=("a", "b", "c")))


def test_a_cell_identity_covers_data_options_and_protocol_options(registry, tmp_path, monkeypatch):
    """An option that changes the data but not the split manifest (e.g. normalisation) must re-run the cell."""
    import sys

    monkeypatch.setitem(sys.modules, "test_reliability_results", sys.modules[__name__])
    registry.register_plugin(_ScaledPlugin(), name="scaled", distribution="emozoo-scaled", version="0.0.1")

    def run(config):
        return emozoo.benchmark(["toy-mlp"], "toy-scaled", seeds=1, out=tmp_path, config={**CONFIG, **config})

    run({})
    assert not any(c["resumed"] for c in run({"dataset": {"scale": 3.0}}).cells)
    assert all(c["resumed"] for c in run({"dataset": {"scale": 3.0}}).cells)
    assert not any(c["resumed"] for c in run({"dataset": {"scale": 3.0}, "methods": {"toy-mlp": {"epochs": 5}}}).cells)


def test_text_from_cells_is_escaped_in_tables():
    assert md_cell("a|b\nc ![img](http://x/y.png) <b>x</b> [link](u) `code`") == (
        "a\\|b c !\\[img\\](http://x/y.png) \\<b\\>x\\</b\\> \\[link\\](u) \\`code\\`")
    rows = [{"method": "m", "condition": "real|fake", "ratio": None, "classifier": "![x](y)", "n": 1,
             "metrics": {"ACC": {"mean": 0.5, "std": 0.0, "ci95": None}}}]
    table = results_table(rows)
    body = table.splitlines()[2]
    assert body.count(" | ") == 5 and "real\\|fake" in body and "!\\[x\\](y)" in body

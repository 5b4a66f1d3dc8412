"""Hub features that need no server: bundles (export/import, atomic, hostile tars), catalogue pins, pull errors."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest
import torch

import emozoo
from emozoo.errors import ArtifactError, ConfigError
from emozoo.hub import TrainingData, export_bundle, import_bundle, push_directory
from emozoo.hub.pins import write_pin
from emozoo.hub.pull import choose_pin, download, verify_pin

REPO = Path(__file__).resolve().parents[1]
FILES = {"README.md", "config.json", "emozoo.json", "model.safetensors"}


@pytest.fixture
def saved(registry, tmp_path):
    torch.manual_seed(0)
    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "saved", metadata={"training_data": TrainingData("toy", "CC0-1.0").to_dict()})
    return model, tmp_path / "saved"


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    """A copy of registry.json with an entry implementing toy-mlp, selected with EMOZOO_REGISTRY."""
    from emozoo.catalogue import clear_cache

    data = json.loads((REPO / "registry.json").read_text())
    data["methods"].append({"id": "toy", "ref": 9999, "artifacts": [], "implementation": {
        "status": "implemented", "plugin": "emozoo-toy", "methods": ["toy-mlp"], "install": "pip install emozoo-toy"}})
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    monkeypatch.setenv("EMOZOO_REGISTRY", str(path))
    clear_cache()
    yield path
    clear_cache()


def _pin(directory: Path, repo_id: str = "org/toy", variant: str = "default") -> dict:
    from emozoo._fileio import sha256_file

    return {"repo_id": repo_id, "revision": "a" * 40, "files": {n: sha256_file(directory / n) for n in sorted(FILES)},
            "variant": variant, "training_data": "toy"}


# --- bundles ------------------------------------------------------------------------------------


def test_bundle_round_trip_is_bit_exact(saved, tmp_path):
    model, directory = saved
    bundle = export_bundle(directory, tmp_path / "toy.tar")
    with tarfile.open(bundle) as tar:
        assert sorted(tar.getnames()) == sorted({"bundle.json", *FILES})
        manifest = json.loads(tar.extractfile("bundle.json").read())
    assert manifest["method"] == "toy-mlp" and set(manifest["files"]) == FILES
    loaded = emozoo.from_pretrained(import_bundle(bundle, tmp_path / "imported"))
    x = torch.randn(4, 8)
    assert torch.equal(model.eval()(x), loaded(x))


def _rewrite(bundle: Path, out: Path, change) -> Path:
    """Copy a bundle member by member, letting ``change(info, data)`` return a replacement (or None to drop)."""
    with tarfile.open(bundle) as src, tarfile.open(out, "w") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()
            replaced = change(info, data)
            if replaced is not None:
                info, data = replaced
                if info.isfile():
                    info.size = len(data)
                dst.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return out


def test_import_refuses_a_corrupt_bundle_and_writes_nothing(saved, tmp_path):
    _, directory = saved
    bundle = export_bundle(directory, tmp_path / "toy.tar")

    def flip(info, data):
        if info.name == "model.safetensors":
            data = data[:-1] + bytes([data[-1] ^ 1])
        return info, data

    bad = _rewrite(bundle, tmp_path / "bad.tar", flip)
    with pytest.raises(ArtifactError, match="model.safetensors does not match its sha256"):
        import_bundle(bad, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".emozoo-")]  # no temp directory left behind


def test_import_refuses_links_and_foreign_files(saved, tmp_path):
    _, directory = saved
    bundle = export_bundle(directory, tmp_path / "toy.tar")

    def to_symlink(info, data):
        if info.name == "config.json":
            link = tarfile.TarInfo("config.json")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            return link, b""
        return info, data

    with pytest.raises(ArtifactError, match="not a regular file"):
        import_bundle(_rewrite(bundle, tmp_path / "link.tar", to_symlink), tmp_path / "dest")
    with pytest.raises(ArtifactError, match="is not an emozoo bundle"):
        import_bundle(_rewrite(bundle, tmp_path / "fmt.tar", lambda i, d: (i, d.replace(b"emozoo-bundle", b"other-bundle"))
                                if i.name == "bundle.json" else (i, d)), tmp_path / "dest")
    with pytest.raises(ArtifactError, match="no bundle.json"):
        import_bundle(_rewrite(bundle, tmp_path / "none.tar", lambda i, d: None if i.name == "bundle.json" else (i, d)), tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_interrupted_import_keeps_the_previous_version(saved, tmp_path, monkeypatch):
    model, directory = saved
    bundle = export_bundle(directory, tmp_path / "toy.tar")
    dest = import_bundle(bundle, tmp_path / "dest")
    before = {p.name: p.read_bytes() for p in dest.iterdir()}

    torch.manual_seed(1)
    other = emozoo.load("toy-mlp")
    other.save_pretrained(tmp_path / "other", metadata={"training_data": TrainingData("toy", "CC0-1.0").to_dict()})
    newer = export_bundle(tmp_path / "other", tmp_path / "newer.tar")
    import emozoo.hub.bundle as bundle_mod

    calls = []
    real = bundle_mod._copy_member

    def dies_on_second_file(src, path, size):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("injected failure mid-import")
        return real(src, path, size)

    monkeypatch.setattr(bundle_mod, "_copy_member", dies_on_second_file)
    with pytest.raises(OSError, match="injected"):
        import_bundle(newer, dest)
    monkeypatch.setattr(bundle_mod, "_copy_member", real)
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == before
    x = torch.randn(2, 8)
    assert torch.equal(emozoo.from_pretrained(dest)(x), model.eval()(x))


def test_cli_export_import(saved, tmp_path, capsys):
    from emozoo.cli import main

    _, directory = saved
    assert main(["export", str(directory), str(tmp_path / "b.tar")]) == 0
    assert main(["import", str(tmp_path / "b.tar"), str(tmp_path / "dest")]) == 0
    assert "emozoo import" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == sorted(FILES)
    assert main(["import", str(tmp_path / "missing.tar"), str(tmp_path / "d2")]) == 2


# --- pins -----------------------------------------------------------------------------------------


def test_write_pin_replaces_same_repo_and_variant_and_keeps_the_file_valid(saved, catalogue):
    jsonschema = pytest.importorskip("jsonschema")
    _, directory = saved
    write_pin("toy-mlp", _pin(directory))
    write_pin("toy-mlp", {**_pin(directory), "revision": "b" * 40})
    write_pin("toy-mlp", _pin(directory, variant="small"))
    data = json.loads(catalogue.read_text())
    toy = next(m for m in data["methods"] if m["id"] == "toy")
    assert [(a["variant"], a["revision"][0]) for a in toy["artifacts"]] == [("default", "b"), ("small", "a")]
    schema = json.loads((REPO / "emozoo" / "registry.schema.json").read_text())
    jsonschema.validate(toy["artifacts"], {"type": "array", "items": schema["$defs"]["artifact"]})
    assert choose_pin("toy-mlp")["revision"] == "b" * 40
    assert choose_pin("toy-mlp", "small")["variant"] == "small"
    with pytest.raises(ArtifactError, match="no pinned variant 'big'"):
        choose_pin("toy-mlp", "big")
    with pytest.raises(ArtifactError, match="implements 'nope'"):
        write_pin("nope", _pin(directory))


def test_pin_writes_through_a_symlinked_catalogue(saved, catalogue, tmp_path, monkeypatch):
    link = tmp_path / "link.json"
    link.symlink_to(catalogue)
    _, directory = saved
    write_pin("toy-mlp", _pin(directory), registry_path=link)
    assert link.is_symlink() and "a" * 40 in catalogue.read_text()


def test_verify_pin_refuses_any_changed_or_missing_file(saved):
    _, directory = saved
    pin = _pin(directory)
    verify_pin(directory, pin)
    with pytest.raises(ArtifactError, match="does not match the sha256 pinned"):
        verify_pin(directory, {**pin, "files": {**pin["files"], "config.json": "0" * 64}})
    with pytest.raises(ArtifactError, match="lacks the pinned file extra.bin"):
        verify_pin(directory, {**pin, "files": {**pin["files"], "extra.bin": "0" * 64}})


def test_method_id_without_pins_says_what_to_do(registry, catalogue):
    with pytest.raises(ArtifactError, match=r"no published weights are pinned for 'toy-mlp'.*org/name"):
        emozoo.from_pretrained("toy-mlp")


def test_method_id_refuses_another_revision(saved, catalogue):
    _, directory = saved
    write_pin("toy-mlp", _pin(directory))
    with pytest.raises(ArtifactError, match="pass the repo id 'org/toy'"):
        download("toy-mlp", revision="main")


# --- pushes refused before anything is sent -------------------------------------------------------


def test_push_refuses_unpublishable_directories(registry, tmp_path):
    model = emozoo.load("toy-mlp")
    model.save_pretrained(tmp_path / "bare")
    with pytest.raises(ConfigError, match="training_data"):
        push_directory(tmp_path / "bare", "org/x", endpoint="http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="namespace"):
        push_directory(tmp_path / "bare", "x", endpoint="http://127.0.0.1:9")
    model.save_pretrained(tmp_path / "nolicence", metadata={"training_data": {"dataset": "toy"}})
    with pytest.raises(ConfigError, match="license"):
        push_directory(tmp_path / "nolicence", "org/x", endpoint="http://127.0.0.1:9")
    model.save_pretrained(tmp_path / "ok", metadata={"training_data": TrainingData("toy", "CC0-1.0").to_dict()})
    (tmp_path / "ok" / "config.json").write_text((tmp_path / "ok" / "config.json").read_text() + " ")
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        push_directory(tmp_path / "ok", "org/x", endpoint="http://127.0.0.1:9")


def test_training_data_records_the_split_manifest_digest():
    from emozoo.data.manifest import SplitManifest

    manifest = SplitManifest("toy", "holdout", {"train": ("a", "b"), "test": ("c",)}, data_sha256="c" * 64)
    record = TrainingData.from_manifest("toy", "CC0-1.0", manifest).to_dict()
    assert record["split_manifest_sha256"] == manifest.digest() and re.fullmatch(r"[0-9a-f]{64}", manifest.digest())

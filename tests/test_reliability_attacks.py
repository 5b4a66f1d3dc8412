"""The attack classes of issue #13: hostile Hub servers, self-disabling integrity, hanging or lying networks,
hostile bundles and destinations, and raw tracebacks at the model/hub boundaries. Each class is one mechanism;
the cases live in benchmarks/reliability.py (``attack_*``), which reports them per class."""

from __future__ import annotations

import json
import os
import time

import pytest
import torch

import emozoo
from emozoo.errors import ArtifactError, ConfigError, InputError, NetworkError, UnsafePathError, WeightsError


@pytest.fixture(scope="module")
def rel(reliability_checks):
    """The checks of benchmarks/reliability.py, with the toy plugin registered."""
    with reliability_checks.zoo_registry(with_plugins=False):
        yield reliability_checks


def _clean(tally, at_least):
    assert tally.failures == [], "\n".join(tally.failures)
    assert tally.tried >= at_least and tally.handled == tally.tried


# --- class 1: pulls never write outside the cache ---------------------------------------------------


def test_crafted_commit_ids_revisions_and_repo_ids_stay_in_the_cache(rel, tmp_path):
    _clean(rel.attack_pull_paths(tmp_path), 28)


def test_a_server_commit_id_with_dotdot_writes_nothing_outside(rel, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from emozoo.hub.pull import download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    rel.save_toy(tmp_path / "src")
    cache = tmp_path / "x" / "cache"
    with rel.HostileHub(rel._artifact_files(tmp_path / "src"), "../../../escaped") as hub:
        with pytest.raises(UnsafePathError, match="not 40 hex digits"):
            download("org/model", endpoint=hub.url, cache_dir=cache)
    assert not (tmp_path / "escaped").exists() and not list(tmp_path.glob("**/escaped*"))


def test_revision_with_dotdot_does_not_load_another_folder(rel, tmp_path):
    cache = tmp_path / "cache"
    (cache / "models--org--model" / "snapshots").mkdir(parents=True)
    rel.save_toy(tmp_path / "attacker")
    with pytest.raises(UnsafePathError, match="not a valid branch, tag or commit"):
        emozoo.from_pretrained("org/model", revision="../../../attacker", cache_dir=cache, local_files_only=True)


# --- class 2: integrity the artifact cannot switch off ------------------------------------------------


def test_integrity_attacks_are_all_refused(rel, tmp_path):
    _clean(rel.attack_integrity(tmp_path), 16)


def test_file_table_without_the_weights_is_refused(rel, tmp_path):
    rel.save_toy(tmp_path / "m")
    rel.save_toy(tmp_path / "evil", seed=5)
    (tmp_path / "m" / "model.safetensors").write_bytes((tmp_path / "evil" / "model.safetensors").read_bytes())
    meta = json.loads((tmp_path / "m" / "emozoo.json").read_text())
    del meta["files"]["model.safetensors"]
    (tmp_path / "m" / "emozoo.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="does not list"):
        emozoo.from_pretrained(tmp_path / "m")


def test_weights_swapped_after_the_check_are_not_loaded(rel, tmp_path, monkeypatch):
    import emozoo.model as model_mod

    rel.save_toy(tmp_path / "m")
    evil = rel.save_toy(tmp_path / "evil", seed=5)
    real = model_mod.verify_files

    def then_swap(*a, **k):
        real(*a, **k)
        (tmp_path / "m" / "model.safetensors").write_bytes((tmp_path / "evil" / "model.safetensors").read_bytes())

    monkeypatch.setattr(model_mod, "verify_files", then_swap)
    with pytest.raises(ArtifactError, match="does not match the sha256"):
        loaded = emozoo.from_pretrained(tmp_path / "m")
        assert rel._state(loaded) != rel._state(evil)


def test_hash_cache_is_private_and_a_shared_one_is_ignored(rel, tmp_path, monkeypatch):
    from emozoo import hash_cache
    from emozoo._fileio import sha256_file

    monkeypatch.setenv("EMOZOO_CACHE", str(tmp_path / "c"))
    monkeypatch.setattr(hash_cache, "RACY_SECONDS", 0.0)
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    time.sleep(0.05)
    hash_cache.sha256_cached(f)
    assert hash_cache.cache_path().stat().st_mode & 0o777 == 0o600
    assert hash_cache.cache_path().parent.stat().st_mode & 0o777 == 0o700
    st = f.stat()
    forged = {"format": 1, "entries": {f"{st.st_dev}:{st.st_ino}": [st.st_size, st.st_mtime_ns, st.st_ctime_ns, "0" * 64]}}
    hash_cache.cache_path().write_text(json.dumps(forged))
    os.chmod(hash_cache.cache_path(), 0o666)
    assert hash_cache.sha256_cached(f) == sha256_file(f)  # the world-writable entry is not trusted


def test_pin_with_an_empty_file_table_verifies_nothing_and_is_refused(rel, tmp_path):
    from emozoo.hub.pull import verify_pin

    rel.save_toy(tmp_path / "m")
    with pytest.raises(ArtifactError, match="does not list"):
        verify_pin(tmp_path / "m", {"repo_id": "org/toy", "revision": "a" * 40, "files": {}})


# --- class 3: bounded network reads, typed errors ---------------------------------------------------


def test_every_hostile_server_ends_in_a_network_error_within_the_bound(rel, tmp_path):
    _clean(rel.attack_network(tmp_path), 26)


def test_a_silent_server_times_out_naming_endpoint_and_repo(rel, tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.3)
    rel.save_toy(tmp_path / "src")
    with rel.HostileHub(rel._artifact_files(tmp_path / "src"), "e" * 40) as hub:
        hub.api = "hang"
        started = time.monotonic()
        with pytest.raises(NetworkError) as info:
            emozoo.from_pretrained("org/model", endpoint=hub.url, cache_dir=tmp_path / "cache")
        assert time.monotonic() - started < 5
    assert hub.url in str(info.value) and "org/model" in str(info.value)


# --- class 4: bundles and destinations -------------------------------------------------------------


def test_bundle_and_destination_attacks_are_refused(rel, tmp_path):
    _clean(rel.attack_bundles(tmp_path), 25)


def test_sparse_member_is_refused_before_anything_is_written(rel, tmp_path):
    from emozoo.hub.bundle import export_bundle, import_bundle

    rel.save_toy(tmp_path / "src")
    good = export_bundle(tmp_path / "src", tmp_path / "good.tar")
    sparse = rel._sparse_bundle(good, tmp_path / "sparse.tar")
    assert sparse.stat().st_size < 64 * 1024
    with pytest.raises(ArtifactError):
        import_bundle(sparse, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".emozoo-")]


def test_import_into_a_user_folder_is_refused_and_the_folder_kept(rel, tmp_path):
    from emozoo.hub.bundle import export_bundle, import_bundle

    rel.save_toy(tmp_path / "src")
    good = export_bundle(tmp_path / "src", tmp_path / "good.tar")
    user = tmp_path / "docs"
    user.mkdir()
    (user / "thesis.tex").write_text("years of work")
    with pytest.raises(UnsafePathError, match="holds no emozoo model"):
        import_bundle(good, user)
    assert [p.name for p in user.iterdir()] == ["thesis.tex"]


def test_save_keeps_mode_and_links_and_refuses_a_symlinked_target(rel, tmp_path):
    model = rel.save_toy(tmp_path / "m")
    os.chmod(tmp_path / "m", 0o755)
    os.symlink(tmp_path, tmp_path / "m" / "up")
    model.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "m" / "up").is_symlink()
    os.symlink(tmp_path / "m", tmp_path / "link")
    with pytest.raises(UnsafePathError, match="symbolic link"):
        model.save_pretrained(tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and not [p for p in tmp_path.iterdir() if ".old-" in p.name]


# --- class 7 (model/hub part): typed errors at the boundaries ---------------------------------------------


def test_boundary_attacks_end_in_typed_errors(rel, tmp_path):
    methods = [m for m in rel.installed_plugin_methods() if m in ("cwgan", "vae-d2gan")]
    _clean(rel.attack_boundaries(tmp_path, {m: rel.trained(m) for m in methods}), 45)


def test_config_values_are_type_and_range_checked_at_load(rel):
    with pytest.raises(ConfigError, match="expected int, got float"):
        emozoo.load("toy-mlp", hidden=1.5)
    with pytest.raises(ConfigError, match="outside its range"):
        emozoo.load("toy-mlp", hidden=10**12)
    with pytest.raises(ConfigError, match="outside its range"):
        emozoo.load("toy-mlp", epochs=-1)
    assert emozoo.load("toy-mlp", seed=2**62).config.seed == 2**62  # seeds declare a wider range


def test_weights_of_a_wider_float_are_refused_not_cast(rel, tmp_path):
    rel.save_toy(tmp_path / "m")
    rel._rewrite_weights(lambda s: {k: v.double() for k, v in s.items()})(tmp_path / "m")
    with pytest.raises(WeightsError, match="never casts"):
        emozoo.from_pretrained(tmp_path / "m")


def test_missing_local_path_is_a_path_error_not_a_hub_error(rel, tmp_path):
    with pytest.raises(ArtifactError, match="not an existing directory"):
        emozoo.from_pretrained(tmp_path / "missing" / "model")
    with pytest.raises(ArtifactError, match="not an existing directory"):
        emozoo.from_pretrained("./missing-model")


def test_predict_refuses_sparse_meta_and_empty_tensors(rel, tmp_path):
    from emozoo.errors import EmptyInputError

    model = emozoo.load("toy-mlp")
    with pytest.raises(InputError, match="dense"):
        model.predict(torch.randn(3, 8).to_sparse())
    with pytest.raises(InputError, match="meta device"):
        model.predict(torch.empty(3, 8, device="meta"))
    with pytest.raises(EmptyInputError):
        model.predict(torch.empty(0, 8))


def test_registry_pointing_at_a_fifo_does_not_hang(rel, tmp_path, monkeypatch):
    from emozoo import catalogue

    os.mkfifo(tmp_path / "fifo")
    monkeypatch.setenv("EMOZOO_REGISTRY", str(tmp_path / "fifo"))
    catalogue.clear_cache()
    with pytest.raises(ArtifactError, match="not a regular file"):
        catalogue.load_catalogue()
    catalogue.clear_cache()


def test_a_push_to_a_silent_server_is_a_network_error_within_the_bound(rel, tmp_path, monkeypatch):
    """huggingface_hub's own client waits forever (timeout=None); a push is bounded and names endpoint and repo."""
    import socket
    import threading

    import emozoo.hub._client as client
    from emozoo.hub.push import push_directory

    monkeypatch.setattr(client, "PUSH_TIMEOUT", 0.5)
    src = tmp_path / "src"
    rel.save_toy(tmp_path / "toy").save_pretrained(src, metadata={"training_data": {"dataset": "toy", "license": "CC0-1.0"}})
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # accept and never answer; bounded by the test's own lifetime
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    try:
        started = time.monotonic()
        with pytest.raises(NetworkError) as info:
            push_directory(src, "org/model", endpoint=url, token="t")
        assert time.monotonic() - started < 10
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
    assert url in str(info.value) and "org/model" in str(info.value)
    import huggingface_hub.utils._http as hf_http

    assert hf_http._GLOBAL_CLIENT_FACTORY is hf_http.default_client_factory  # restored after the push

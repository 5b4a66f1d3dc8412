"""Push -> git -> pull through real loopback servers -> strict load -> identical outputs.

Pushes go to ``tests/hub_support/servers.py: PushHub``, a protocol-level endpoint checked against the
huggingface_hub client (not against the Hub), which writes real git commits. Pulls go through olah, an
independent Hub mirror implementation serving those git repos. Both run on free 127.0.0.1 ports for the
session; olah lives in its own venv (``.venv-olah``, created with pip on first use).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import emozoo
from emozoo.errors import ArtifactError

REPO = Path(__file__).resolve().parents[1]
TOKEN = "test-token"


def _load_servers():
    spec = importlib.util.spec_from_file_location("emozoo_test_hub_servers", REPO / "tests" / "hub_support" / "servers.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


servers_mod = _load_servers()


@dataclasses.dataclass
class Hubs:
    push: object  # PushHub
    pull_url: str
    mirrors: Path


@pytest.fixture(scope="session")
def hubs(tmp_path_factory):
    """The push endpoint and olah over one mirrors folder, for the whole session."""
    try:
        cli = servers_mod.ensure_olah(REPO / ".venv-olah")
    except (subprocess.CalledProcessError, OSError) as exc:
        pytest.skip(f"olah could not be installed into .venv-olah (needs PyPI): {exc}")
    mirrors = tmp_path_factory.mktemp("mirrors")
    with servers_mod.PushHub(mirrors, token=TOKEN) as push, servers_mod.Olah(cli, mirrors, tmp_path_factory.mktemp("olah")) as olah:
        yield Hubs(push=push, pull_url=olah.url, mirrors=mirrors)


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """A fresh Hugging Face cache per test, online."""
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for var in ("HF_ENDPOINT", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return cache


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    """A copy of registry.json (plus an entry implementing toy-mlp) that EMOZOO_REGISTRY points at."""
    from emozoo.catalogue import clear_cache

    data = json.loads((REPO / "registry.json").read_text())
    data["methods"].append({
        "id": "toy", "ref": 9999, "implementation": {"status": "implemented", "plugin": "emozoo-toy", "methods": ["toy-mlp"],
                                                       "install": "pip install emozoo-toy"}, "artifacts": [],
    })
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    monkeypatch.setenv("EMOZOO_REGISTRY", str(path))
    clear_cache()
    yield path
    clear_cache()


def _block_network(monkeypatch) -> None:
    """From here on, every attempt to resolve a name or open a connection raises."""

    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def _toy_model(seed: int = 0):
    torch.manual_seed(seed)
    return emozoo.load("toy-mlp")


def _training():
    from emozoo.hub import TrainingData

    return TrainingData("toy", "CC0-1.0", note="synthetic Gaussian blobs, not EEG")


def _repo_files(hubs: Hubs, repo_id: str, commit: str) -> list[str]:
    return servers_mod.git(hubs.mirrors / "models" / repo_id, "ls-tree", "--name-only", commit).split()


def test_push_then_pull_through_olah_is_identical(registry, hubs, hf_cache):
    model = _toy_model(1)
    result = model.push_to_hub(
        "emozoo-test/toy-e2e", training_data=_training(), metrics={"ACC": 0.9}, endpoint=hubs.push.url, token=TOKEN
    )
    assert re.fullmatch(r"[0-9a-f]{40}", result.commit)
    assert _repo_files(hubs, "emozoo-test/toy-e2e", result.commit) == ["README.md", "config.json", "emozoo.json", "model.safetensors"]
    routes = {re.sub(r"/api/models/[^/]+/[^/]+/(\w+)/.*", r"/api/models/*/\1", p) for _, p in hubs.push.requests}
    assert routes == {"/api/repos/create", "/api/validate-yaml", "/api/models/*/preupload", "/api/models/*/commit"}

    loaded = emozoo.from_pretrained("emozoo-test/toy-e2e", revision=result.commit, endpoint=hubs.pull_url)
    x = torch.randn(16, 8)
    assert torch.equal(model.eval()(x), loaded(x))
    assert torch.equal(model.predict(x).labels, loaded.predict(x).labels)
    assert loaded.pretrained_source["commit"] == result.commit
    meta = loaded.pretrained_source["metadata"]
    assert meta["training_data"]["license"] == "CC0-1.0"
    assert meta["metrics"] == [{"dataset": "toy", "metric": "ACC", "value": 0.9}]
    card = (Path(loaded.pretrained_source["path"]) / "README.md").read_text()
    assert 'emozoo.from_pretrained("emozoo-test/toy-e2e")' in card
    assert "| toy | ACC | 100.00 | 90.00 | -10.00 |" in card

    # a second push is a second commit on main; the first stays loadable by its hash
    second = _toy_model(2).push_to_hub("emozoo-test/toy-e2e", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
    assert second.commit != result.commit
    assert servers_mod.git(hubs.mirrors / "models/emozoo-test/toy-e2e", "rev-parse", f"{second.commit}^") == result.commit
    again = emozoo.from_pretrained("emozoo-test/toy-e2e", revision=result.commit, endpoint=hubs.pull_url)
    assert torch.equal(again(x), loaded(x))

    # files in the repo beyond the artifact (code, pickles) are never even downloaded
    from huggingface_hub import CommitOperationAdd, HfApi

    extra = HfApi(endpoint=hubs.push.url, token=TOKEN).create_commit(
        "emozoo-test/toy-e2e", commit_message="add code",
        operations=[CommitOperationAdd("modeling_evil.py", b"raise SystemExit('executed')"),
                    CommitOperationAdd("pytorch_model.bin", b"not a pickle you want")],
    )
    third = emozoo.from_pretrained("emozoo-test/toy-e2e", revision=extra.oid, endpoint=hubs.pull_url)
    assert sorted(p.name for p in Path(third.pretrained_source["path"]).iterdir()) == [
        "README.md", "config.json", "emozoo.json", "model.safetensors"]



def test_save_pretrained_with_push_to_hub(registry, hubs, hf_cache, tmp_path):
    model = _toy_model(8)
    result = model.save_pretrained(
        tmp_path / "m", metadata={"training_data": _training().to_dict()}, push_to_hub=True, repo_id="emozoo-test/toy-save",
        endpoint=hubs.push.url, token=TOKEN,
    )
    assert 'emozoo.from_pretrained("emozoo-test/toy-save")' in (tmp_path / "m" / "README.md").read_text()
    loaded = emozoo.from_pretrained("emozoo-test/toy-save", revision=result.commit, endpoint=hubs.pull_url)
    x = torch.randn(2, 8)
    assert torch.equal(model.eval()(x), loaded(x))

def test_wrong_token_is_refused_and_nothing_is_written(registry, hubs, hf_cache):
    from huggingface_hub.errors import HfHubHTTPError

    with pytest.raises(HfHubHTTPError, match="401"):
        _toy_model().push_to_hub("emozoo-test/denied", training_data=_training(), endpoint=hubs.push.url, token="wrong")
    assert not (hubs.mirrors / "models/emozoo-test/denied").exists()


def test_cli_push_pin_pull_by_method_id_and_tamper(registry, hubs, hf_cache, catalogue, tmp_path, monkeypatch, capsys):
    from emozoo.cli import main

    saved = tmp_path / "saved"
    model = _toy_model(3)
    model.save_pretrained(saved)
    monkeypatch.setenv("HF_ENDPOINT", hubs.push.url)  # endpoint and token from the environment
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    rc = main(["publish", str(saved), "emozoo-test/toy-cli", "--training-data", "toy", "--data-license", "CC0-1.0",
               "--metric", "toy:ACC=0.75", "--pin", "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    pins = [a for m in json.loads(catalogue.read_text())["methods"] for a in m["artifacts"]]
    assert pins == [report["pin"]]
    assert pins[0]["revision"] == report["commit"] and set(pins[0]["files"]) == {"README.md", "config.json", "emozoo.json", "model.safetensors"}

    monkeypatch.setenv("HF_ENDPOINT", hubs.pull_url)  # pulls go through olah
    assert main(["pull", "toy-mlp", "--json"]) == 0
    pulled = json.loads(capsys.readouterr().out)
    assert pulled["commit"] == report["commit"] and pulled["pinned"] is True
    loaded = emozoo.from_pretrained("toy-mlp")
    x = torch.randn(5, 8)
    assert torch.equal(model.eval()(x), loaded(x))
    assert loaded.pretrained_source["commit"] == report["commit"]

    # tamper with the cached copy consistently (weights + emozoo.json hashes): only the pin can tell
    directory = Path(pulled["directory"])
    weights = (directory / "model.safetensors").resolve()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["net.0.bias"] += 1.0
    from safetensors.torch import save_file

    from emozoo._fileio import sha256_file

    weights.unlink()
    save_file(state, str(weights))
    meta_path = (directory / "emozoo.json").resolve()
    meta = json.loads(meta_path.read_text())
    meta["files"]["model.safetensors"] = sha256_file(weights)
    meta_path.unlink()
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="pinned in the catalogue"):
        emozoo.from_pretrained("toy-mlp")
    with pytest.raises(ArtifactError, match="pinned in the catalogue"):
        emozoo.from_pretrained("emozoo-test/toy-cli", revision=report["commit"])  # a repo id at a pinned commit is checked too
    assert main(["pull", "toy-mlp"]) == 2



def test_cli_pin_resolves_a_branch_through_olah(registry, hubs, hf_cache, catalogue, monkeypatch, capsys):
    from emozoo.cli import main

    result = _toy_model(7).push_to_hub("emozoo-test/toy-pin", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", hubs.pull_url)
    assert main(["pin", "emozoo-test/toy-pin", "--revision", "main", "--variant", "tiny", "--json"]) == 0
    pin = json.loads(capsys.readouterr().out)
    assert pin == {"repo_id": "emozoo-test/toy-pin", "revision": result.commit, "files": result.files, "variant": "tiny",
                   "training_data": "toy"}
    assert main(["pull", "emozoo-test/toy-pin", "--revision", "main", "--json"]) == 0
    pulled = json.loads(capsys.readouterr().out)
    assert pulled["pinned"] is True and pulled["commit"] == result.commit and pulled["revision"] == "main"
    assert main(["pull", "emozoo-test/no-such-repo"]) == 2
    assert "no repo 'emozoo-test/no-such-repo'" in capsys.readouterr().err

def test_offline_warm_cache_loads_with_sockets_blocked(registry, hubs, hf_cache, monkeypatch, tmp_path):
    from huggingface_hub import constants

    model = _toy_model(4)
    result = model.push_to_hub("emozoo-test/toy-offline", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
    emozoo.from_pretrained("emozoo-test/toy-offline", endpoint=hubs.pull_url)  # warm the cache by branch (records refs/main)

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    _block_network(monkeypatch)
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("127.0.0.1", 9))  # the block is real
    x = torch.randn(3, 8)
    for revision in (None, "main", result.commit):
        loaded = emozoo.from_pretrained("emozoo-test/toy-offline", revision=revision, endpoint=hubs.pull_url)
        assert torch.equal(model.eval()(x), loaded(x))
        assert loaded.pretrained_source["commit"] == result.commit

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cold"))
    with pytest.raises(ArtifactError, match=r"not in the local Hugging Face cache.*HF_HUB_OFFLINE=1.*emozoo export"):
        emozoo.from_pretrained("emozoo-test/toy-offline", revision=result.commit, endpoint=hubs.pull_url)


def test_interrupted_pull_leaves_nothing_that_loads(registry, hubs, hf_cache, monkeypatch):
    from emozoo.hub import _http

    model = _toy_model(5)
    result = model.push_to_hub("emozoo-test/toy-interrupt", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
    real_get = _http.get

    def dies_on_weights(url, *args, sink=None, **kwargs):
        if url.endswith("model.safetensors"):
            sink.write(b"\x00" * 64)  # half a file reaches the disk, then the connection dies
            raise ConnectionError("injected failure mid-download")
        return real_get(url, *args, sink=sink, **kwargs)

    monkeypatch.setattr(_http, "get", dies_on_weights)
    with pytest.raises(Exception, match="injected failure"):
        emozoo.from_pretrained("emozoo-test/toy-interrupt", revision=result.commit, endpoint=hubs.pull_url)
    with pytest.raises(ArtifactError):
        emozoo.from_pretrained("emozoo-test/toy-interrupt", revision=result.commit, local_files_only=True)

    monkeypatch.setattr(_http, "get", real_get)
    loaded = emozoo.from_pretrained("emozoo-test/toy-interrupt", revision=result.commit, endpoint=hubs.pull_url)
    x = torch.randn(3, 8)
    assert torch.equal(model.eval()(x), loaded(x))


def test_export_from_hub_and_import_offline(registry, hubs, hf_cache, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from emozoo.hub import export_bundle, import_bundle

    model = _toy_model(6)
    result = model.push_to_hub("emozoo-test/toy-bundle", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
    bundle = export_bundle("emozoo-test/toy-bundle", tmp_path / "toy.tar", revision=result.commit, endpoint=hubs.pull_url)
    manifest = json.loads(__import__("tarfile").open(bundle).extractfile("bundle.json").read())
    assert manifest["source"]["commit"] == result.commit

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    loaded = emozoo.from_pretrained(import_bundle(bundle, tmp_path / "imported"))
    x = torch.randn(3, 8)
    assert torch.equal(model.eval()(x), loaded(x))


# --- the real plugins ---------------------------------------------------------------------------

REAL_PLUGINS = ("vae-d2gan", "cwgan")


def _tensors(obj):
    """Every tensor inside an output (tensors, dataclasses, tuples, lists, dicts), in a fixed order."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    if dataclasses.is_dataclass(obj):
        return [t for f in dataclasses.fields(obj) for t in _tensors(getattr(obj, f.name))]
    if isinstance(obj, (list, tuple)):
        return [t for item in obj for t in _tensors(item)]
    if isinstance(obj, dict):
        return [t for k in sorted(obj) for t in _tensors(obj[k])]
    return []


def _outputs(model, spec):
    """generate(seed) and predict(x) outputs; x is shaped from the spec's first input (symbolic sizes from the config)."""
    outputs = []
    if spec.can_generate:  # untrained nets pass no quality filter: ask for the raw samples where a plugin filters
        raw = {"select": False} if "select" in inspect.signature(model.generate).parameters else {}
        outputs += _tensors(model.generate(6, seed=0, **raw))
    if spec.can_predict and spec.inputs:
        shape = [4 if d in ("N", "n") else (getattr(model.config, d) if isinstance(d, str) else d) for d in spec.inputs[0].shape]
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(0)).abs() + 0.1
        outputs += _tensors(model.predict(x))
    return outputs


@pytest.mark.parametrize("method_id", REAL_PLUGINS)
def test_real_plugin_push_pull_load_identical(method_id, hubs, hf_cache, monkeypatch):
    from emozoo import registry as registry_mod

    for var in ("EMOZOO_DISABLE_PLUGIN_AUTOLOAD", "EMOZOO_PLUGINS", "EMOZOO_PLUGINS_DISABLE"):
        monkeypatch.delenv(var, raising=False)
    registry_mod.reset_registry(None)
    try:
        try:
            spec = emozoo.get_spec(method_id)
        except emozoo.EmozooError:
            pytest.skip(f"plugin for {method_id} is not installed")
        model = emozoo.load(method_id)
        with torch.no_grad():  # stands in for fit(): random weights and the fitted flag, so outputs are defined
            g = torch.Generator().manual_seed(0)
            for p in model.parameters():
                p.add_(0.01 * torch.randn(p.shape, generator=g, dtype=p.dtype))
            for name, buf in model.named_buffers():
                if name.split(".")[-1] == "fitted":
                    buf.fill_(1)
        model.eval()
        result = model.push_to_hub(f"emozoo-test/{method_id}", training_data=_training(), endpoint=hubs.push.url, token=TOKEN)
        loaded = emozoo.from_pretrained(f"emozoo-test/{method_id}", revision=result.commit, endpoint=hubs.pull_url)
        assert type(loaded) is type(model)
        ours, theirs = model.state_dict(), loaded.state_dict()
        assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)
        a, b = _outputs(model, spec), _outputs(loaded, spec)
        assert a and len(a) == len(b) and all(torch.equal(u, v) for u, v in zip(a, b))
        card = (Path(loaded.pretrained_source["path"]) / "README.md").read_text()
        from emozoo.hub import validate_card

        validate_card(card)
    finally:
        registry_mod.reset_registry(None)

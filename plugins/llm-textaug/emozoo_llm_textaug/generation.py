"""Batched sampling from a causal LM, and a disk cache of what it generated (shared by emozoo's LLM text plugins).

Sampling is transformers' own ``generate`` (KV cache on, left-padded batches, nucleus sampling), one call per *chunk* of
prompts. A chunk's answers depend only on (the base model's sha256, the rendered prompts, the sampling settings, the
chunk's seed), so they are cached under the sha256 of exactly that: a rerun of an augmentation reads its texts instead of
generating them again, and a larger request re-uses the chunks a smaller one already made. The RNG is seeded per chunk
inside ``torch.random.fork_rng``, so generating never moves the caller's global RNG.

Prompt rule: a prompt whose rendered chat form has more than ``max_prompt_tokens`` tokens is refused (``InputError``);
callers shorten what they embed (a source text) first with :func:`truncate_to_tokens`, which keeps its first tokens.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emozoo.config import canonical_json
from emozoo.errors import ConfigError, InputError

CACHE_VERSION = 1
#: The chat turn used when a tokenizer has no chat template (e.g. the tests' tiny SentencePiece model).
PLAIN_TURN = "User: {instruction}\nAssistant:"


@dataclass(frozen=True)
class SamplingSettings:
    """Nucleus sampling settings (ours: temperature 1.0, top-p 0.95, the usual settings for diverse data generation)."""

    max_new_tokens: int = 40
    temperature: float = 1.0
    top_p: float = 0.95
    max_prompt_tokens: int = 384

    def __post_init__(self) -> None:
        for name, low in (("max_new_tokens", 1), ("max_prompt_tokens", 8)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
        if not isinstance(self.temperature, (int, float)) or not 0.0 < float(self.temperature) <= 5.0:
            raise ConfigError(f"temperature must be in (0, 5], got {self.temperature!r}")
        if not isinstance(self.top_p, (int, float)) or not 0.0 < float(self.top_p) <= 1.0:
            raise ConfigError(f"top_p must be in (0, 1], got {self.top_p!r}")


class GenerationCache:
    """One JSON file per chunk under ``directory``, named by the sha256 of its key material; written atomically."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    @staticmethod
    def key(material: dict[str, Any]) -> str:
        return hashlib.sha256(canonical_json(material).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, material: dict[str, Any]) -> list[str] | None:
        """The cached answers for ``material``, or None (a missing, unreadable or mismatching file is a miss)."""
        path = self._path(self.key(material))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        texts = entry.get("texts") if isinstance(entry, dict) else None
        if entry.get("material") != json.loads(canonical_json(material)) or not isinstance(texts, list) \
                or len(texts) != len(material["prompts"]) or not all(isinstance(t, str) for t in texts):  # fmt: skip
            return None
        return texts

    def put(self, material: dict[str, Any], texts: list[str]) -> None:
        from emozoo._fileio import atomic_write_text

        path = self._path(self.key(material))
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps({"material": json.loads(canonical_json(material)), "texts": texts}, ensure_ascii=False))


def default_cache_dir() -> Path:
    """``$EMOZOO_CACHE/generations`` (default ``~/.cache/emozoo/generations``)."""
    from emozoo._fileio import cache_dir

    return cache_dir() / "generations"


@dataclass
class GenerationStats:
    """What a generator did: chunks sampled or read from the cache, texts, new tokens and seconds spent sampling."""

    chunks: int = 0
    cache_hits: int = 0
    texts: int = 0
    new_tokens: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float]:
        d = asdict(self)
        d["cache_hit_share"] = self.cache_hits / self.chunks if self.chunks else 0.0
        return d


@dataclass
class TextGenerator:
    """Samples answers to chat instructions from ``model`` (a causal LM) with ``tokenizer``; ``identity`` is the base
    weights' sha256 (the cache key's model part)."""

    model: Any
    tokenizer: Any
    identity: str
    settings: SamplingSettings = field(default_factory=SamplingSettings)
    cache: GenerationCache | None = None
    stats: GenerationStats = field(default_factory=GenerationStats)
    greedy: bool = False
    """Greedy decoding (recognition by prompting) instead of sampling; the seed then changes nothing."""

    def render(self, instruction: str) -> str:
        """The instruction as one user turn in the tokenizer's chat template (``PLAIN_TURN`` without one)."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template([{"role": "user", "content": instruction}], tokenize=False, add_generation_prompt=True)
        return PLAIN_TURN.format(instruction=instruction)

    def sample(self, instructions: list[str], seed: int) -> list[str]:
        """One answer per instruction, sampled as one batch under ``seed`` (or read from the cache)."""
        if not instructions:
            return []
        prompts = [self.render(t) for t in instructions]
        material = {"version": CACHE_VERSION, "model": self.identity, "prompts": prompts, "seed": int(seed), "settings": asdict(self.settings)}
        if self.greedy:
            material["greedy"] = True
        self.stats.chunks += 1
        if self.cache is not None:
            hit = self.cache.get(material)
            if hit is not None:
                self.stats.cache_hits += 1
                self.stats.texts += len(hit)
                return hit
        texts = self._sample(prompts, int(seed))
        if self.cache is not None:
            self.cache.put(material, texts)
        return texts

    def _sample(self, prompts: list[str], seed: int) -> list[str]:
        import torch

        tok = self.tokenizer
        tok.padding_side = "left"
        enc = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=not getattr(tok, "chat_template", None))
        lengths = enc["attention_mask"].sum(1)
        if int(lengths.max()) > self.settings.max_prompt_tokens:
            worst = int(lengths.argmax())
            raise InputError(f"prompt {worst} has {int(lengths[worst])} tokens, more than max_prompt_tokens="
                             f"{self.settings.max_prompt_tokens}; shorten the embedded text (truncate_to_tokens) or raise the limit")  # fmt: skip
        s = self.settings
        start = time.perf_counter()
        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(seed)
            decoding = {"do_sample": False} if self.greedy else {"do_sample": True, "temperature": float(s.temperature), "top_p": float(s.top_p), "top_k": 0}
            out = self.model.generate(**enc, **decoding, max_new_tokens=s.max_new_tokens, pad_token_id=tok.pad_token_id, use_cache=True)
        self.stats.seconds += time.perf_counter() - start
        new = out[:, enc["input_ids"].shape[1]:]
        eos = {tok.eos_token_id, tok.pad_token_id} - {None}
        for row in new.tolist():
            self.stats.new_tokens += next((i + 1 for i, t in enumerate(row) if t in eos), len(row))
        self.stats.texts += len(prompts)
        return tok.batch_decode(new, skip_special_tokens=True)


def truncate_to_tokens(tokenizer: Any, text: str, max_tokens: int) -> tuple[str, bool]:
    """``text`` cut to its first ``max_tokens`` tokens (decoded back to text), and whether it was cut."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) <= max_tokens:
        return text, False
    return tokenizer.decode(ids[:max_tokens], skip_special_tokens=True).strip(), True


_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}


def load_base_once(base_model: str, revision: str = "", cache_dir: str = "", expected_sha256: str = "") -> tuple[Any, Any, str]:
    """(model, tokenizer, sha256) of a base LM (emozoo-instructerc's presets, a directory or a Hub id), loaded once per
    process: every generator of a benchmark shares one copy. A pinned ``expected_sha256`` that differs is refused."""
    from emozoo_instructerc.base_lm import load_base, resolve_base

    source = resolve_base(base_model, revision, cache_dir or None)
    key = (str(source.directory / (source.gguf_file or "")), source.sha256)
    if key not in _LOADED:
        _LOADED[key] = load_base(source, expected_sha256)
    elif expected_sha256 and expected_sha256 != source.sha256:
        load_base(source, expected_sha256)  # raises the mismatch error
    model, tokenizer = _LOADED[key]
    return model, tokenizer, source.sha256

"""``llm-paraphrase``: label-preserving LLM paraphrases of real training texts (survey [49] / [48], as issue #18 frames it).

Sources: the training texts of the class asked for (multi-label data: those carrying it; rating data: all texts), in an
order drawn from the seed, cycled with a new order when a request outruns them. Each prompt embeds one source, cut to
``max_source_tokens`` tokens (the cut is counted in ``truncated_sources``):

    Paraphrase the following {noun}: say the same thing in different words, keeping the feelings it expresses.
    Reply with the paraphrase only.

    {Noun}: {source}

A paraphrase inherits its source's labels (its full multi-label row) or ratings; one equal to its source after
normalising is rejected (``copy_of_source``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from emozoo.data.batches import TextBatch
from emozoo.errors import ConfigError, NotFittedError
from emozoo.evaluation.augmentation import derive_seed
from emozoo_llm_paraphrase.plugin import LLM_PARAPHRASE
from emozoo_llm_textaug.base import LLMAugConfig, LLMTextAugmenter
from emozoo_llm_textaug.generation import truncate_to_tokens
from emozoo_llm_textaug.prompts import STYLES

__all__ = ["LLMParaphrase", "paraphrase_prompt"]


def paraphrase_prompt(source: str, style: str) -> str:
    """The instruction asking for one paraphrase of ``source`` (module doc)."""
    noun = STYLES[style][1]
    return (f"Paraphrase the following {noun}: say the same thing in different words, keeping the feelings it expresses. "
            f"Reply with the paraphrase only.\n\n{noun.capitalize()}: {source}")  # fmt: skip


class LLMParaphrase(LLMTextAugmenter):
    """Label-preserving paraphrases of real training texts.

    Example::

        model = emozoo.load("llm-paraphrase")
        model.fit(fold.train)                          # the sources: this process's training texts
        batch = model.generate(16, condition="joy", seed=0)
    """

    spec = LLM_PARAPHRASE
    config_class = LLMAugConfig
    supports_ratings = True

    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> TextBatch:
        """Up to ``n`` paraphrases of training texts of class ``condition`` (rating data: of any text, ``condition`` None)."""
        self._check_ready(n, seed)
        if self._train is None:
            raise NotFittedError(f"{self.method_id} paraphrases training texts; call fit(train), or set_texts(train) after loading "
                                 "(the texts are data, not saved state)")  # fmt: skip
        c = self.config
        seed = c.seed if seed is None else int(seed)
        if c.task == "dimensional":
            if condition is not None:
                raise ConfigError(f"{self.method_id}: rating data has no classes; call generate(n) without condition")
            c_id, rows = None, np.arange(len(self._train))
        else:
            if condition is None:
                raise ConfigError(f"{self.method_id}: generate needs condition=, the class whose texts to paraphrase")
            c_id = self.class_id(condition)
            labels = self._train.labels
            rows = np.flatnonzero((labels[:, c_id] == 1).numpy() if labels.ndim == 2 else (labels == c_id).numpy())
            if len(rows) == 0:
                raise ConfigError(f"{self.method_id}: no training text carries class {c.label_names[c_id]!r}; nothing to paraphrase")
        order = self._order(rows, seed, c_id, cycles=1 + (c.max_attempts * n) // max(len(rows), 1))

        def chunk(k: int) -> tuple[list[str], list[str], list[int]]:
            picks = [int(order[(k * c.batch_size + j) % len(order)]) for j in range(c.batch_size)]
            prompts, sources = [], []
            for i in picks:
                text, cut = truncate_to_tokens(self.generator().tokenizer, self._train.texts[i], c.max_source_tokens)
                self._report["truncated_sources"] += int(cut)
                prompts.append(paraphrase_prompt(text, self.style))
                sources.append(self._train.texts[i])
            self.prompt_sources.extend(sources)
            return prompts, sources, picks

        kept = self._collect(n, derive_seed("class", seed, c_id), chunk, c_id)
        texts, picks = [t for t, _ in kept], torch.as_tensor([i for _, i in kept], dtype=torch.long)
        if c.task == "dimensional":
            return self._batch(texts, targets=self._train.targets[picks])
        return self._batch(texts, labels=self._train.labels[picks])

    @staticmethod
    def _order(rows: np.ndarray, seed: int, c_id: int | None, cycles: float) -> np.ndarray:
        """``rows`` in seeded random orders, one after another (each cycle a new permutation)."""
        rng = np.random.default_rng(derive_seed("sources", seed, c_id))
        return np.concatenate([rng.permutation(rows) for _ in range(int(cycles))])

"""``llm-gen-aug``: an LLM writes new training texts for one emotion class at a time (survey [249], as issue #18 frames it).

Each chunk is ``batch_size`` copies of the class's prompt (:func:`emozoo_llm_textaug.prompts.generation_prompt`); with
``examples_per_prompt`` > 0 each row shows that many real training texts of the class (few-shot, drawn per row by its
seed, each cut to ``max_source_tokens``), which the audit then checks for copies. The kept texts carry the class asked
for (multi-label data: that class alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from emozoo.data.batches import TextBatch
from emozoo.errors import ConfigError, NotFittedError
from emozoo.evaluation.augmentation import derive_seed
from emozoo_llm_textaug.base import LLMAugConfig, LLMTextAugmenter
from emozoo_llm_textaug.generation import truncate_to_tokens
from emozoo_llm_textaug.plugin import LLM_GEN_AUG
from emozoo_llm_textaug.prompts import generation_prompt


@dataclass
class LLMGenAugConfig(LLMAugConfig):
    """``examples_per_prompt``: real texts of the class shown in each prompt (0 = zero-shot, [249]'s setting)."""

    examples_per_prompt: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.examples_per_prompt, bool) or not isinstance(self.examples_per_prompt, int) or not 0 <= self.examples_per_prompt <= 8:
            raise ConfigError(f"examples_per_prompt must be an int in 0..8, got {self.examples_per_prompt!r}")


class LLMGenAug(LLMTextAugmenter):
    """Class-conditional LLM text generation for data augmentation.

    Example::

        model = emozoo.load("llm-gen-aug")                 # SmolLM2-135M-Instruct, shipped in a wheel
        model.fit(fold.train)                              # records the label set, pins the base LM
        batch = model.generate(32, condition="joy", seed=0)  # TextBatch: 32 texts labelled joy
    """

    spec = LLM_GEN_AUG
    config_class = LLMGenAugConfig

    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None) -> TextBatch:
        """Up to ``n`` new texts of class ``condition`` (id or name); fewer when the filter rejects more than
        ``max_attempts`` allows (see :meth:`generation_report`)."""
        self._check_ready(n, seed)
        c = self.config
        if condition is None:
            raise ConfigError(f"{self.method_id}: generate needs condition=, the class to write for (one of {list(c.label_names)})")
        c_id = self.class_id(condition)
        seed = c.seed if seed is None else int(seed)
        label = c.label_names[c_id]
        pool = self._class_texts(c_id) if c.examples_per_prompt else []

        def chunk(k: int) -> tuple[list[str], list[None], list[None]]:
            rows = []
            for row in range(c.batch_size):
                shots = self._shots(pool, derive_seed("shots", seed, c_id, k, row)) if pool else []
                rows.append(generation_prompt(label, self.style, shots))
            return rows, [None] * c.batch_size, [None] * c.batch_size

        texts = [t for t, _ in self._collect(n, derive_seed("class", seed, c_id), chunk, c_id)]
        return self._batch(texts, labels=self._class_rows(c_id, len(texts)))

    def _class_texts(self, c_id: int) -> list[str]:
        if self._train is None:
            raise NotFittedError(f"{self.method_id}: few-shot prompts (examples_per_prompt > 0) show training texts; call fit(train), "
                                 "or set_texts(train) after loading (the texts are data, not saved state)")  # fmt: skip
        labels = self._train.labels
        rows = np.flatnonzero((labels[:, c_id] == 1).numpy() if labels.ndim == 2 else (labels == c_id).numpy())
        return [self._train.texts[i] for i in rows]

    def _shots(self, pool: list[str], seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        k = min(self.config.examples_per_prompt, len(pool))
        shots = []
        for i in rng.choice(len(pool), size=k, replace=False):
            text, cut = truncate_to_tokens(self.generator().tokenizer, pool[int(i)], self.config.max_source_tokens)
            self._report["truncated_sources"] += int(cut)
            self.prompt_sources.append(pool[int(i)])
            shots.append(text)
        return shots

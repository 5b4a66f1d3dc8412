"""What emozoo's LLM text augmenters share: the frozen base LM, sampling, the filter, the cache and the report.

A subclass's ``generate`` builds the instructions of one chunk (a function of the chunk number, passed to
``_collect``) and labels each accepted text. The state is
only the ``fitted`` flag: the base LM is rebuilt from ``config.base_model`` and checked against ``config.base_sha256``
(pinned by ``fit``), so a saved augmenter is its config. Generating never trains anything.

Chunks always hold ``batch_size`` prompts and are seeded by (``seed``, chunk number), so the texts of a request for n are
a prefix of those for a larger n, and both are read from the cache (:mod:`emozoo_llm_textaug.generation`) on a rerun.
Chunks are sampled until ``n`` texts pass the filter (and the judge, when ``judge`` names a text method: fitted on the
training texts, it must predict the class asked for) or ``ceil(max_attempts * n / batch_size)`` chunks were tried; fewer
than ``n`` texts may come back (the shortfall is in :meth:`generation_report`), none is an ``AllRejectedError``.
``raw_answers`` counts the answers examined, up to the one that completed the request.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from emozoo.config import SEED
from emozoo.data.batches import TextBatch
from emozoo.data.source import DataSource
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, LabelError, ModalityError, NotFittedError
from emozoo.evaluation.augmentation import derive_seed
from emozoo.evaluation.text_audit import normalise
from emozoo.guards import check_generate
from emozoo.model import EmotionModel
from emozoo.runtime import History
from emozoo_llm_textaug.cleaning import REASONS, TextFilter
from emozoo_llm_textaug.generation import GenerationCache, SamplingSettings, TextGenerator, default_cache_dir, load_base_once
from emozoo_llm_textaug.prompts import STYLES, style_for

TASKS = ("single", "multilabel", "dimensional")
REJECTIONS = (*REASONS, "judge")


class AllRejectedError(EmptyInputError):
    """Every sampled answer was rejected by the filter."""


@dataclass
class LLMAugConfig:
    """Base LM, sampling, filter and cache settings; ``task``, the label set and ``base_sha256`` are set by ``fit``."""

    base_model: str = "smollm2-135m"
    base_revision: str = ""
    base_sha256: str = ""  # pinned by fit: the base files' sha256
    base_cache_dir: str = ""
    task: str = "multilabel"  # set by fit
    num_classes: int = 0  # set by fit (0 for ratings)
    label_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    dataset: str = ""  # set by fit: the training data's data set id (chooses the prompt style)
    style: str = "auto"  # "auto" (from the data set), or one of prompts.STYLES
    max_new_tokens: int = 32  # ours: GoEmotions comments average 13 words; EmoBank sentences 23
    temperature: float = 0.8  # ours: a 135M model strays off the class at 1.0 (card)
    top_p: float = 0.95
    max_prompt_tokens: int = 384
    max_source_tokens: int = 96  # a real text embedded in a prompt keeps its first 96 tokens
    batch_size: int = 16
    max_attempts: float = 3.0
    min_words: int = 3
    max_words: int = 60
    reject_training_copies: bool = True
    judge: str = ""  # a text method id (e.g. "tfidf-logreg") fitted on the training texts; keeps a text only if it predicts the class
    cache: bool = True
    cache_dir: str = ""  # "" = $EMOZOO_CACHE/generations
    seed: int = field(default=0, metadata=SEED)

    def __post_init__(self) -> None:
        self.label_names, self.target_names = tuple(self.label_names), tuple(self.target_names)
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {TASKS}, got {self.task!r}")
        if self.style != "auto" and self.style not in STYLES:
            raise ConfigError(f"style must be 'auto' or one of {sorted(STYLES)}, got {self.style!r}")
        for name, low in (("batch_size", 1), ("min_words", 1), ("max_words", 1), ("max_source_tokens", 4), ("num_classes", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
        if self.max_words < self.min_words:
            raise ConfigError(f"max_words ({self.max_words}) must be >= min_words ({self.min_words})")
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, (int, float)) or not 1.0 <= self.max_attempts <= 100:
            raise ConfigError(f"max_attempts must be a number in [1, 100] (chunks tried per text asked), got {self.max_attempts!r}")
        if not isinstance(self.judge, str):
            raise ConfigError(f"judge must be a text method id (e.g. 'tfidf-logreg') or '' (off), got {self.judge!r}")
        if not isinstance(self.base_model, str) or not self.base_model:
            raise ConfigError(f"base_model must be a preset name, a directory or a Hub id, got {self.base_model!r}")
        SamplingSettings(self.max_new_tokens, self.temperature, self.top_p, self.max_prompt_tokens)


def read_texts(method: str, data: Any, what: str) -> TextBatch:
    """``data`` as a labelled TextBatch, or a typed error naming the fix."""
    if not isinstance(data, TextBatch):
        if hasattr(data, "coarse_modality") or hasattr(data, "shape"):
            raise ModalityError(f"{what}: {method} reads texts; got {type(data).__name__}. Pass a TextBatch (emozoo-text's adapters give one)")
        raise DTypeError(f"{what}: {method} expected a TextBatch, got {type(data).__name__}")
    if data.labels is None and data.targets is None:
        raise LabelError(f"{what}: {method} generates labelled texts; pass a TextBatch with labels or targets")
    return data


class LLMTextAugmenter(EmotionModel):
    """The shared machinery (module doc); subclasses set ``spec`` and ``config_class`` and implement ``generate``."""

    config_class = LLMAugConfig
    supports_ratings = False

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self._train: TextBatch | None = None
        self._generator: TextGenerator | None = None
        self._training_norm: frozenset[str] = frozenset()
        self._judge: Any = None
        self._report: Counter = Counter()
        self._rejected: Counter = Counter()
        self.prompt_sources: list[str] = []
        """Real texts shown in prompts so far (few-shot examples, paraphrase sources): the audit checks copies of them."""

    # --- fit -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> History:
        """Record the label set (or rating names) and the training texts, and pin the base LM's sha256."""
        from emozoo_instructerc.base_lm import resolve_base

        batch = read_texts(self.method_id, train, "train")
        c = self.config
        if batch.labels is None:
            if not self.supports_ratings:
                raise LabelError(f"train: {self.method_id} writes texts for a class; these texts carry ratings only "
                                 "(targets). Use llm-paraphrase for rating data, whose paraphrases keep each source's ratings")  # fmt: skip
            c.task, c.num_classes, c.target_names = "dimensional", 0, tuple(batch.target_names or ())
        else:
            c.task = "multilabel" if batch.multi_label else "single"
            c.num_classes = int(batch.num_classes)
            names = tuple(batch.label_names or ())
            if len(names) != c.num_classes:
                raise LabelError(f"train: {self.method_id} names each class in its prompt; the batch has {c.num_classes} classes but "
                                 f"label_names {names!r}: build the TextBatch with label_names")  # fmt: skip
            c.label_names = names
        c.dataset = batch.source.dataset if batch.source is not None else ""
        sha = resolve_base(c.base_model, c.base_revision, c.base_cache_dir or None).sha256
        if c.base_sha256 and c.base_sha256 != sha:
            raise ConfigError(f"base_model {c.base_model!r} now has sha256 {sha[:12]}…, not the pinned {c.base_sha256[:12]}…; "
                              "set base_sha256='' to re-pin it")  # fmt: skip
        c.base_sha256 = sha
        with torch.no_grad():
            self.fitted.fill_(1)
        self.set_texts(batch)
        return History([{"epoch": 0, "steps": 0, "train_samples": len(batch)}])

    def set_texts(self, train: Any) -> None:
        """Give a fitted or loaded augmenter its training texts (prompt examples, paraphrase sources, the copy filter):
        they are data, not saved state. The batch must have the label set (or rating names) the config records."""
        batch = read_texts(self.method_id, train, "train")
        c = self.config
        same = (batch.labels is None and c.task == "dimensional") or (
            batch.labels is not None and c.task == ("multilabel" if batch.multi_label else "single")
            and tuple(batch.label_names or ()) == c.label_names)  # fmt: skip
        if not same:
            raise LabelError(f"train: these texts' labels ({batch.label_names or 'ratings'}) are not the label set this model was "
                             f"fitted on ({list(c.label_names) or 'ratings'}); fit it on them instead")  # fmt: skip
        self._train = batch
        self._training_norm = frozenset(normalise(t) for t in batch.texts) if c.reject_training_copies else frozenset()
        self._report, self._rejected = Counter(), Counter()
        self.prompt_sources = []
        self._judge = self._fit_judge(batch) if c.judge else None

    def _fit_judge(self, batch: TextBatch) -> Any:
        """The label-consistency judge: ``config.judge`` fitted on the training texts (labelled data only)."""
        import emozoo

        if batch.labels is None:
            raise ConfigError(f"{self.method_id}: judge={self.config.judge!r} checks classes; rating data has none: set judge=''")
        fields = {f.name for f in dataclasses.fields(emozoo.get_spec(self.config.judge).load_config_class())}
        judge = emozoo.load(self.config.judge, **({"seed": self.config.seed} if "seed" in fields else {}))
        judge.fit(batch)
        return judge

    def _judged(self, texts: list[str], c_id: int | None) -> list[bool]:
        """Whether the judge predicts class ``c_id`` for each text (all True without a judge or a class)."""
        if self._judge is None or c_id is None or not texts:
            return [True] * len(texts)
        labels = self._judge.predict(list(texts)).labels
        hits = labels[:, c_id] == 1 if labels.ndim == 2 else labels == c_id
        return [bool(h) for h in hits.tolist()]

    # --- generation ------------------------------------------------------------------------------

    @property
    def style(self) -> str:
        return style_for(self.config.dataset) if self.config.style == "auto" else self.config.style

    def generator(self) -> TextGenerator:
        """The sampler over the pinned base LM (loaded once per process)."""
        if self._generator is None:
            c = self.config
            model, tokenizer, sha = load_base_once(c.base_model, c.base_revision, c.base_cache_dir, c.base_sha256)
            cache = GenerationCache(c.cache_dir or default_cache_dir()) if c.cache else None
            settings = SamplingSettings(c.max_new_tokens, float(c.temperature), float(c.top_p), c.max_prompt_tokens)
            self._generator = TextGenerator(model, tokenizer, sha, settings, cache)
        return self._generator

    def _check_ready(self, n: Any, seed: Any) -> None:
        check_generate(self.method_id, n, seed)
        if not isinstance(n, int):
            raise DTypeError(f"{self.method_id}: generate needs n, the number of texts (an int >= 1)")
        if not int(self.fitted[0]):
            raise NotFittedError(f"{self.method_id} cannot generate before fit(); call model.fit(train) (it records the label set)")

    def class_id(self, condition: Any) -> int:
        """``condition`` (a class id or label name) as a class id of the fitted label set."""
        names = self.config.label_names
        if isinstance(condition, str):
            if condition not in names:
                raise LabelError(f"{self.method_id}: unknown class {condition!r}; the label set is {list(names)}")
            return names.index(condition)
        if isinstance(condition, bool) or not isinstance(condition, numbers.Integral):
            raise LabelError(f"{self.method_id}: condition must be a class id (int) or label name, got {condition!r}")
        if not 0 <= condition < self.config.num_classes:
            raise LabelError(f"{self.method_id}: class id {condition} is outside 0..{self.config.num_classes - 1}")
        return int(condition)

    def _collect(self, n: int, seed: int, chunk: Callable[[int], tuple[list[str], list[str | None], list[Any]]],
                 c_id: int | None = None) -> list[tuple[str, Any]]:  # fmt: skip
        """Sample chunks until ``n`` texts pass the filter and the judge (module doc); (text, the chunk's row tag) pairs."""
        c = self.config
        gen = self.generator()
        filt = TextFilter(min_words=c.min_words, max_words=c.max_words, training=self._training_norm)  # one per call: deterministic
        accepted: list[tuple[str, Any]] = []
        raw = 0
        for k in range(math.ceil(c.max_attempts * n / c.batch_size)):
            instructions, sources, tags = chunk(k)
            answers = gen.sample(instructions, derive_seed("chunk", seed, k))
            for answer, source, tag in zip(answers, sources, tags):
                raw += 1
                text = filt(answer, source)
                if text is None:
                    continue
                if not self._judged([text], c_id)[0]:
                    filt.rejected["judge"] += 1
                    continue
                accepted.append((text, tag))
                if len(accepted) == n:
                    break
            if len(accepted) == n:
                break
        self._report.update({"requested": n, "raw_answers": raw, "returned": len(accepted), "short": n - len(accepted)})
        self._rejected.update(filt.rejected)
        if not accepted:
            raise AllRejectedError(f"{self.method_id}: all {raw} sampled answers were rejected by the filter "
                                   f"({dict(filt.rejected)}); raise max_attempts, or loosen min_words / max_words")  # fmt: skip
        return accepted

    def _batch(self, texts: list[str], labels: torch.Tensor | None = None, targets: torch.Tensor | None = None) -> TextBatch:
        c = self.config
        source = DataSource(c.dataset or "generated", name=f"{self.method_id} generations ({c.base_model})",
                            license="generated text; the base LM's licence applies", synthetic=True)  # fmt: skip
        return TextBatch(texts=tuple(texts), labels=labels, targets=targets, label_names=c.label_names or None,
                         target_names=c.target_names or None, source=source)  # fmt: skip

    def _class_rows(self, c_id: int, n: int) -> torch.Tensor:
        """Labels of ``n`` texts of class ``c_id``: one-hot rows (multi-label data) or ids."""
        if self.config.task == "multilabel":
            rows = torch.zeros(n, self.config.num_classes)
            rows[:, c_id] = 1.0
            return rows
        return torch.full((n,), c_id, dtype=torch.long)

    def generation_report(self) -> dict[str, Any]:
        """Counts since ``fit``: asked, sampled, returned and short; rejections by reason and their shares; cache hits,
        new tokens and sampling seconds."""
        r = self._report
        rejected = {k: int(self._rejected.get(k, 0)) for k in REJECTIONS}
        raw = r.get("raw_answers", 0)
        n_rejected = sum(rejected.values())
        stats = self._generator.stats.to_dict() if self._generator is not None else {}
        out: dict[str, Any] = {k: int(r.get(k, 0)) for k in ("requested", "raw_answers", "returned", "short", "truncated_sources")}
        out.update({"rejected": rejected, "rejected_share": n_rejected / raw if raw else 0.0,
                    "unparseable_share": (rejected["empty"] + rejected["refusal"]) / raw if raw else 0.0, **stats})  # fmt: skip
        if stats.get("seconds"):
            out["new_tokens_per_s"] = stats["new_tokens"] / stats["seconds"]
        return out

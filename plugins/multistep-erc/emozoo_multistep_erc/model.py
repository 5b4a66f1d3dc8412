"""``multistep-erc`` (and ``zero-shot-erc``): emotion recognition by prompting a frozen LLM, no task training [252].

``predict`` builds each labelled utterance's context (:mod:`emozoo_multistep_erc.prompts`; every utterance cut to its
first ``max_utterance_tokens`` tokens, counted in ``truncated_utterances``), asks step 1 for a description and step 2
for the label (the single-step preset asks step 2 directly), decoding greedily in batches of ``batch_size`` with
emozoo-llm-textaug's generator (answers cached by prompt). Each answer is mapped to the label set by emozoo-instructerc's
parser: exact label, a label word inside the answer, else the closest label by edit distance; an answer whose closest
label is still far (similarity below ``parse_cutoff``) is *unparseable*: it gets that closest label too, so every
utterance has a prediction, and is counted (``Prediction.extra["unparseable"]``), never hidden.

``fit`` trains nothing: it records the label set, pins the base LM's sha256 and, with ``examples_per_class`` > 0,
draws that many labelled training utterances per class (by ``seed``) to show in step 2 (few-shot); they are saved with
the model (the ``examples`` buffer), so a loaded model prompts exactly as the fitted one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch

from emozoo.config import SEED
from emozoo.data.batches import DialogueBatch, TextBatch
from emozoo.errors import ConfigError, DTypeError, EmptyInputError, LabelError, ModalityError, NotFittedError
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import History
from emozoo_instructerc.parsing import parse_label, parse_report
from emozoo_llm_textaug.generation import GenerationCache, SamplingSettings, TextGenerator, default_cache_dir, load_base_once, truncate_to_tokens
from emozoo_multistep_erc.plugin import MULTISTEP_ERC
from emozoo_multistep_erc.prompts import context, decide_prompt, describe_prompt

STEPS = ("multistep", "single")


@dataclass
class MultistepERCConfig:
    """Prompting settings (ours where [252]'s text gives none; see the card); ``label_names`` is set by ``fit``."""

    base_model: str = "smollm2-135m"
    base_revision: str = ""
    base_sha256: str = ""  # pinned by fit
    base_cache_dir: str = ""
    label_names: tuple[str, ...] = ()
    steps: Literal["multistep", "single"] = "multistep"
    window: int = 8  # earlier utterances shown before the target
    examples_per_class: int = 0  # labelled training utterances per class shown in step 2 (0: zero-shot)
    describe_tokens: int = 40
    answer_tokens: int = 16  # a 135M model answers "The label that best fits ... is X": room for the label
    max_utterance_tokens: int = 64
    max_prompt_tokens: int = 1024
    batch_size: int = 8
    parse_cutoff: float = 0.5
    cache: bool = True
    cache_dir: str = ""  # "" = $EMOZOO_CACHE/generations
    seed: int = field(default=0, metadata=SEED)
    examples_bytes: int = 0  # set by fit: size of the stored few-shot examples (UTF-8 JSON)

    def __post_init__(self) -> None:
        self.label_names = tuple(self.label_names)
        if self.steps not in STEPS:
            raise ConfigError(f"steps must be one of {STEPS}, got {self.steps!r}")
        for name, low in (("window", 0), ("examples_per_class", 0), ("examples_bytes", 0), ("describe_tokens", 1), ("answer_tokens", 1),
                          ("max_utterance_tokens", 4), ("max_prompt_tokens", 16), ("batch_size", 1)):  # fmt: skip
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")
        if not isinstance(self.parse_cutoff, (int, float)) or not 0.0 <= float(self.parse_cutoff) <= 1.0:
            raise ConfigError(f"parse_cutoff must be in [0, 1], got {self.parse_cutoff!r}")
        if len(set(self.label_names)) != len(self.label_names):
            raise ConfigError(f"label_names must be distinct, got {self.label_names!r}")


@dataclass(frozen=True)
class _Item:
    history: tuple[tuple[str, str], ...]
    target: tuple[str | None, str]


class MultistepERC(EmotionModel):
    """Multistep prompting of a frozen LLM for emotion recognition (in conversation or of single texts).

    Example::

        model = emozoo.load("multistep-erc")          # SmolLM2-135M-Instruct, shipped in a wheel
        model.fit(train)                              # records the label set; no training
        model.predict(test).labels                    # one label id per labelled utterance
    """

    spec = MULTISTEP_ERC
    config_class = MultistepERCConfig

    def __init__(self, config: Any = None) -> None:
        super().__init__(config)
        self.register_buffer("fitted", torch.zeros(1, dtype=torch.uint8))
        self.register_buffer("examples", torch.zeros(self.config.examples_bytes, dtype=torch.uint8))
        self._generators: dict[str, TextGenerator] = {}

    # --- fit -------------------------------------------------------------------------------------

    def fit(self, train: Any, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> History:
        """Record the label set and pin the base LM (no training); draw the few-shot examples when asked."""
        from emozoo_instructerc.base_lm import resolve_base

        c = self.config
        names, items = self._labelled(train, "train")
        c.label_names = names
        c.base_sha256 = resolve_base(c.base_model, c.base_revision, c.base_cache_dir or None).sha256
        shown = self._draw_examples(items) if c.examples_per_class else []
        data = json.dumps(shown, ensure_ascii=False).encode("utf-8") if shown else b""
        c.examples_bytes = len(data)
        self.examples = torch.frombuffer(bytearray(data), dtype=torch.uint8).clone() if data else torch.zeros(0, dtype=torch.uint8)
        with torch.no_grad():
            self.fitted.fill_(1)
        return History([{"epoch": 0, "steps": 0, "train_samples": len(items)}])

    def _labelled(self, data: Any, what: str) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
        """(label names, [(text, label name)] of every labelled utterance or text)."""
        if isinstance(data, DialogueBatch):
            return tuple(data.label_names), [(d.utterances[p].text, d.utterances[p].label) for d, p in data.targets()]
        if isinstance(data, TextBatch):
            if data.labels is None or not data.label_names:
                raise LabelError(f"{what}: {self.method_id} needs labelled texts with label_names")
            names = tuple(data.label_names)
            rows = data.labels.numpy()
            first = rows.argmax(1) if rows.ndim == 2 else rows
            return names, [(t, names[int(k)]) for t, k in zip(data.texts, first)]
        raise self._wrong_input(data, what)

    def _wrong_input(self, data: Any, what: str) -> Exception:
        if hasattr(data, "coarse_modality") or hasattr(data, "shape"):
            return ModalityError(f"{what}: {self.method_id} reads dialogues or texts; got {type(data).__name__}. Pass a DialogueBatch or TextBatch")
        return DTypeError(f"{what}: {self.method_id} expected a DialogueBatch or TextBatch, got {type(data).__name__}")

    def _draw_examples(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        rng = np.random.default_rng(self.config.seed)
        out = []
        for name in self.config.label_names:
            pool = [t for t, label in items if label == name]
            for i in rng.permutation(len(pool))[: self.config.examples_per_class]:
                out.append((pool[int(i)], name))
        order = rng.permutation(len(out))
        return [out[int(i)] for i in order]

    @property
    def shown_examples(self) -> list[tuple[str, str]]:
        """The few-shot (text, label) pairs step 2 shows, kept in the weights as UTF-8 JSON (their data's licence applies)."""
        if not self.examples.numel():
            return []
        return [tuple(pair) for pair in json.loads(bytes(self.examples.tolist()).decode("utf-8"))]

    # --- predict ---------------------------------------------------------------------------------

    def _generator(self, kind: str, max_new_tokens: int) -> TextGenerator:
        if kind not in self._generators:
            c = self.config
            model, tokenizer, sha = load_base_once(c.base_model, c.base_revision, c.base_cache_dir, c.base_sha256)
            cache = GenerationCache(c.cache_dir or default_cache_dir()) if c.cache else None
            settings = SamplingSettings(max_new_tokens=max_new_tokens, max_prompt_tokens=c.max_prompt_tokens)
            self._generators[kind] = TextGenerator(model, tokenizer, sha, settings, cache, greedy=True)
        return self._generators[kind]

    def _items(self, inputs: Any) -> tuple[list[_Item], str]:
        names = self.config.label_names
        if isinstance(inputs, DialogueBatch):
            if tuple(inputs.label_names) != names:
                raise LabelError(f"inputs: label set {list(inputs.label_names)} differs from the fitted {list(names)}")
            w = self.config.window
            items = [_Item(tuple((u.speaker, u.text) for u in d.utterances[max(0, p - w) : p]), (d.utterances[p].speaker, d.utterances[p].text))
                     for d, p in inputs.targets()]  # fmt: skip
            return items, "dialogue"
        if isinstance(inputs, TextBatch):
            if inputs.label_names is not None and tuple(inputs.label_names) != names:
                raise LabelError(f"inputs: label set {list(inputs.label_names)} differs from the fitted {list(names)}")
            return [_Item((), (None, t)) for t in inputs.texts], "multilabel" if inputs.multi_label else "text"
        raise self._wrong_input(inputs, "inputs")

    @torch.no_grad()
    def predict(self, inputs: Any) -> Prediction:
        """One label per labelled utterance (``inputs.targets()`` order) or per text; parse counts in ``extra``."""
        c = self.config
        if not c.label_names:
            raise NotFittedError(f"{self.method_id} has no label set; call fit(train) or pass label_names=")
        items, kind = self._items(inputs)
        if not items:
            raise EmptyInputError("inputs: no labelled utterance to recognise")
        answer = self._generator("answer", c.answer_tokens)
        tok = answer.tokenizer
        truncated = 0

        def cut(text: str) -> str:
            nonlocal truncated
            out, was_cut = truncate_to_tokens(tok, text, c.max_utterance_tokens)
            truncated += int(was_cut)
            return out

        contexts = [context(tuple((s, cut(t)) for s, t in it.history), (it.target[0], cut(it.target[1]))) for it in items]
        examples = [(cut(t), label) for t, label in self.shown_examples]
        descriptions: list[str | None] = [None] * len(items)
        if c.steps == "multistep":
            describe = self._generator("describe", c.describe_tokens)
            descriptions = self._run(describe, [describe_prompt(x, it.target[0]) for x, it in zip(contexts, items)])
            descriptions = [(d.strip().splitlines() or [""])[0] for d in descriptions]
        answers = self._run(answer, [decide_prompt(x, c.label_names, d, examples) for x, d in zip(contexts, descriptions)])
        parsed = [parse_label(a, c.label_names, float(c.parse_cutoff)) for a in answers]
        ids = torch.tensor([c.label_names.index(p.label) for p in parsed], dtype=torch.long)
        if kind == "multilabel":
            labels = torch.zeros(len(ids), len(c.label_names), dtype=torch.long)
            labels[torch.arange(len(ids)), ids] = 1
        else:
            labels = ids
        counts = parse_report(parsed)
        extra = {"parse_report": counts, "unparseable": counts["unparseable"], "unparseable_share": counts["unparseable"] / len(parsed),
                 "truncated_utterances": truncated, "answers": answers, "descriptions": descriptions}  # fmt: skip
        return Prediction(labels=labels, label_names=c.label_names, extra=extra)

    def _run(self, generator: TextGenerator, prompts: list[str]) -> list[str]:
        size = self.config.batch_size
        out: list[str] = []
        for k in range(math.ceil(len(prompts) / size)):
            out += generator.sample(prompts[k * size : (k + 1) * size], seed=0)
        return out

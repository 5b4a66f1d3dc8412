"""A fitted TF-IDF vectoriser as plain tensors: the vocabulary as UTF-8 bytes (one term per line) and the idf weights,
so a saved model is safetensors only and loading rebuilds scikit-learn's vectoriser from them (no pickle)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from emozoo.errors import WeightsError


def vectoriser(ngram_max: int, min_df: int, max_features: int, sublinear_tf: bool, vocabulary: dict[str, int] | None = None) -> Any:
    """scikit-learn's TfidfVectorizer with emozoo's settings: lower-cased word uni- to ``ngram_max``-grams (its default
    token pattern, words of 2+ characters), l2-normalised rows, smoothed idf."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(lowercase=True, ngram_range=(1, ngram_max), min_df=min_df, max_features=max_features,
                           sublinear_tf=sublinear_tf, dtype=np.float64, vocabulary=vocabulary)  # fmt: skip


def encode_vocabulary(vocabulary: dict[str, int]) -> torch.Tensor:
    """uint8 [bytes]: the terms in index order joined by newlines (terms never contain one: they are word n-grams)."""
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    return torch.frombuffer(bytearray("\n".join(terms).encode("utf-8")), dtype=torch.uint8).clone()


def decode_vocabulary(data: torch.Tensor, size: int) -> dict[str, int]:
    """The term -> column map that :func:`encode_vocabulary` stored; a size that does not match is corrupt weights."""
    terms = bytes(data.cpu().numpy().tobytes()).decode("utf-8").split("\n") if data.numel() else []
    if len(terms) != size or len(set(terms)) != size:
        raise WeightsError(f"the stored vocabulary holds {len(terms)} distinct terms, the config says {size}; the weights are corrupt")
    return {t: i for i, t in enumerate(terms)}

"""Token-level text augmentation after EDA (Wei & Zou 2019) without its synonym operations.

EDA has four operations: synonym replacement, random insertion (of a synonym), random swap and random deletion. WordNet
cannot be installed offline here, so ours keeps the three that need no lexicon, with insertion drawing the inserted word
from the same text instead of from a synonym list (stated in the card). Each augmented copy applies ONE operation,
chosen uniformly (EDA splits its n_aug copies evenly over the operations), with EDA's strength alpha: n = max(1,
round(alpha * L)) swaps or insertions for a text of L tokens, or each token deleted with probability alpha (at least one
token kept). Tokens are whitespace-separated words (punctuation stays attached), so the copy is a plain string again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emozoo.errors import ConfigError

OPERATIONS: tuple[str, ...] = ("swap", "delete", "insert")


@dataclass
class TokenAugmentConfig:
    """EDA's settings: alpha 0.1 and 4 copies per text are its recommendation for training sets of 5,000+ texts."""

    alpha: float = 0.1
    copies: int = 4
    operations: tuple[str, ...] = OPERATIONS

    def __post_init__(self) -> None:
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)) or not 0.0 < float(self.alpha) <= 0.5:
            raise ConfigError(f"TokenAugmentConfig.alpha must be in (0, 0.5] (EDA uses 0.05-0.1), got {self.alpha!r}")
        if isinstance(self.copies, bool) or not isinstance(self.copies, int) or not 1 <= self.copies <= 32:
            raise ConfigError(f"TokenAugmentConfig.copies must be an int in 1..32, got {self.copies!r}")
        ops = tuple(self.operations)
        if not ops or any(op not in OPERATIONS for op in ops) or len(set(ops)) != len(ops):
            raise ConfigError(f"TokenAugmentConfig.operations must be distinct names from {OPERATIONS}, got {self.operations!r}")
        self.operations = ops


def _count(alpha: float, length: int) -> int:
    return max(1, int(np.floor(alpha * length + 0.5)))


def augment_text(text: str, operation: str, alpha: float, rng: np.random.Generator) -> str:
    """One copy of ``text`` with one operation applied; a text of one token is returned as is (nothing to move)."""
    tokens = text.split()
    if len(tokens) < 2:
        return text
    if operation == "swap":
        for _ in range(_count(alpha, len(tokens))):
            i, j = rng.choice(len(tokens), size=2, replace=False)
            tokens[i], tokens[j] = tokens[j], tokens[i]
    elif operation == "delete":
        keep = rng.random(len(tokens)) >= alpha
        if not keep.any():
            keep[rng.integers(len(tokens))] = True
        tokens = [t for t, k in zip(tokens, keep) if k]
    elif operation == "insert":
        for _ in range(_count(alpha, len(tokens))):
            tokens.insert(int(rng.integers(len(tokens) + 1)), tokens[int(rng.integers(len(tokens)))])
    else:
        raise ConfigError(f"augment_text: unknown operation {operation!r}; use one of {OPERATIONS}")
    return " ".join(tokens)


def augment_texts(texts: tuple[str, ...] | list[str], config: TokenAugmentConfig, seed: int) -> tuple[list[str], np.ndarray]:
    """``config.copies`` augmented copies of every text, copy-major, and for each copy the position of its source text."""
    rng = np.random.default_rng([seed, 7])
    out, sources = [], []
    for _ in range(config.copies):
        for i, text in enumerate(texts):
            op = config.operations[int(rng.integers(len(config.operations)))]
            out.append(augment_text(text, op, config.alpha, rng))
            sources.append(i)
    return out, np.asarray(sources, dtype=np.int64)

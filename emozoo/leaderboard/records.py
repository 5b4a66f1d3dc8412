"""What the leaderboard reads out of a ``results.json``, whatever its layout: rows of statistics, paper/ours/gap
comparisons, and the block (one benchmark on one data set) that holds them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Conditions that score the generated data itself (distribution distances, text audits), not a classifier: they go
#: into their own "generated-data checks" table, not the leaderboard.
DIAGNOSTIC_CONDITIONS = ("distribution", "feature-distance", "audit")
#: Conditions that train the protocol's classifier without a generator (real data alone, or a classical stand-in).
BASELINE_CONDITIONS = ("real", "real+noise", "real+token-aug")
BASELINE_PREFIXES = ("real+oversample",)


@dataclass(frozen=True)
class Stat:
    """One metric of one row as recorded: the mean, the sample std and the 95 % CI half-width (fractions for the
    percent metrics of :data:`emozoo.metrics.PERCENT_METRICS`, as :mod:`emozoo.bench.report` writes them)."""

    mean: float
    std: float | None = None
    ci95: float | None = None

    @classmethod
    def read(cls, value: Any) -> Stat | None:
        """A Stat from ``{"mean", "std", "ci95"}`` (a bare number: a single value); None when no finite mean."""
        if isinstance(value, dict):
            mean, std, ci = (finite(value.get(k)) for k in ("mean", "std", "ci95"))
        else:
            mean, std, ci = finite(value), None, None
        return None if mean is None else cls(mean, std, ci)


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True)
class Row:
    """One leaderboard row: a method under one condition (ratio, classifier) with its metrics.

    ``method`` is None for a generator-independent row (real-only baseline, ceilings) that every generator's cells
    recorded with the same numbers: it is shown once.
    """

    method: str | None
    metrics: dict[str, Stat]
    condition: str | None = None
    ratio: float | None = None
    classifier: str | None = None
    n: int | None = None
    units: int | None = None
    setting: str = ""  # a layout's own words for the condition, when it has no (condition, ratio, classifier)

    @property
    def kind(self) -> str:
        """'ceiling', 'baseline', 'check' (generated-data diagnostics) or 'method'."""
        condition = self.condition or ""
        if condition.startswith("ceiling"):
            return "ceiling"
        if condition in BASELINE_CONDITIONS or condition.startswith(BASELINE_PREFIXES):
            return "baseline"
        if condition in DIAGNOSTIC_CONDITIONS:
            return "check"
        return "method"

    @property
    def label(self) -> str:
        """The condition in words: 'real+synthetic @ 0.5 · pooled_cnn' ('' for a recognition test)."""
        parts = [self.setting] if self.setting else []
        if self.condition and self.condition != "test":
            parts.append(self.condition + ("" if self.ratio is None else f" @ {self.ratio:g}"))
        elif self.ratio is not None:
            parts.append(f"@ {self.ratio:g}")
        if self.classifier:
            parts.append(self.classifier)
        return " · ".join(parts)


@dataclass(frozen=True)
class Comparison:
    """A recorded paper / ours / gap line (values in the paper's units, as :mod:`emozoo.bench.compare` writes them)."""

    method: str
    metric: str
    paper: float | None
    ours: float | None
    gap: float | None
    paper_dataset: str = ""
    paper_source: str = ""
    data_note: str = ""


@dataclass(frozen=True)
class Block:
    """One benchmark on one data set: a whole runner ``results.json``, or one stage of a merged one."""

    source: str  # the results.json's label (its path under the results root), " › stage" for a merged stage
    dataset: str | None  # the data set id; None when the file does not name it
    rows: tuple[Row, ...]
    protocol: str | None = None
    dataset_name: str = ""
    synthetic: bool = False
    data_license: str = ""
    headline: str | None = None
    comparisons: tuple[Comparison, ...] = ()
    plugins: dict[str, str] = field(default_factory=dict)  # method id -> plugin distribution, as recorded
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One readable ``results.json``: its blocks, the images the benchmark wrote beside it, and what was left out."""

    label: str
    path: Path
    layout: str
    blocks: tuple[Block, ...]
    images: tuple[Path, ...] = ()
    missing: tuple[str, ...] = ()  # images it lists that are absent or unreadable, with why
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A ``results.json`` (or a part of one) that is not shown, and why."""

    source: str
    reason: str

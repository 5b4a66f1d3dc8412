"""Quality selection of generated samples (the "partial usage" strategy of Luo et al. 2020, sWGAN).

A generated sample conditioned on class ``y`` is kept only if it passes every enabled test:

* ``"classifier"``: a classifier trained on the *real* training data gives class ``y`` a probability of at least
  ``threshold`` (the generated sample is recognisably of the class it was asked to be);
* ``"distance"``: its distance to the real class-``y`` centroid (in z-scored feature space) is at most that class's
  ``quantile`` radius, i.e. no farther than that fraction of the real class-``y`` samples (no outliers).

:func:`select_until` oversamples, tests and repeats (bounded) until every requested position is filled in order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch

from emozoo.errors import EmozooError

__all__ = [
    "SELECTION_CRITERIA",
    "SelectionError",
    "SelectionReport",
    "class_radii",
    "confidence_pass",
    "distance_pass",
    "select_until",
]

SELECTION_CRITERIA: tuple[str, ...] = ("classifier", "distance")


class SelectionError(EmozooError, RuntimeError):
    """Too few generated samples passed the quality tests within the allowed number of attempts."""


@dataclass
class SelectionReport:
    """What one selective generation did: candidates drawn, kept, and how many each test rejected."""

    requested: int
    criteria: tuple[str, ...]
    candidates: int = 0
    passed: int = 0
    attempts: int = 0
    rejected_by: dict[str, int] = field(default_factory=dict)
    per_class_candidates: dict[int, int] = field(default_factory=dict)
    per_class_passed: dict[int, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float:
        """Fraction of drawn candidates that passed every test."""
        return self.passed / self.candidates if self.candidates else float("nan")

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "requested": self.requested,
            "criteria": list(self.criteria),
            "candidates": self.candidates,
            "passed": self.passed,
            "kept": min(self.passed, self.requested),
            "attempts": self.attempts,
            "acceptance_rate": self.acceptance_rate,
            "rejected_by": dict(self.rejected_by),
            "per_class_candidates": {str(k): v for k, v in sorted(self.per_class_candidates.items())},
            "per_class_passed": {str(k): v for k, v in sorted(self.per_class_passed.items())},
        }


def confidence_pass(probabilities: torch.Tensor, labels: torch.Tensor, threshold: float) -> torch.Tensor:
    """True where ``probabilities[i, labels[i]] >= threshold`` (the judge agrees with the condition, confidently)."""
    return probabilities.gather(1, labels.view(-1, 1)).squeeze(1) >= threshold


@torch.no_grad()
def class_radii(z: torch.Tensor, labels: torch.Tensor, num_classes: int, quantile: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-class centroids [K, D] of real samples ``z`` [N, D] and the ``quantile`` of their distances to it [K].

    A class without samples gets a zero centroid and radius 0 (nothing generated for it can pass).
    """
    centroids = torch.zeros(num_classes, z.shape[1], dtype=z.dtype, device=z.device)
    radii = torch.zeros(num_classes, dtype=z.dtype, device=z.device)
    for c in range(num_classes):
        members = z[labels == c]
        if len(members):
            centroids[c] = members.mean(0)
            radii[c] = torch.quantile((members - centroids[c]).norm(dim=1), quantile)
    return centroids, radii


def distance_pass(z: torch.Tensor, labels: torch.Tensor, centroids: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """True where ``||z_i - centroid[labels_i]|| <= radius[labels_i]``."""
    return (z - centroids[labels]).norm(dim=1) <= radii[labels]


def select_until(
    labels: torch.Tensor,
    draw: Callable[[torch.Tensor], torch.Tensor],
    tests: Callable[[torch.Tensor, torch.Tensor], Mapping[str, torch.Tensor]],
    *,
    oversample: float,
    max_attempts: int,
    criteria: tuple[str, ...],
) -> tuple[torch.Tensor, SelectionReport]:
    """Fill one passing sample per entry of ``labels`` [n], in order; returns (samples [n, D], report).

    Each attempt draws ``ceil(oversample * remaining)`` candidates (labels tiled over the unfilled positions), runs
    ``tests(candidates, candidate_labels) -> {name: bool mask}`` and puts the candidates passing all tests into the
    unfilled positions of their class. Raises :class:`SelectionError` if positions remain after ``max_attempts``.
    """
    n = int(labels.numel())
    report = SelectionReport(requested=n, criteria=tuple(criteria))
    out: torch.Tensor | None = None
    filled = torch.zeros(n, dtype=torch.bool)
    labels_cpu = labels.cpu()
    while not bool(filled.all()):
        if report.attempts >= max_attempts:
            missing = {int(c): int(((labels_cpu == c) & ~filled).sum()) for c in labels_cpu[~filled].unique().tolist()}
            raise SelectionError(
                f"only {int(filled.sum())} of {n} generated samples passed the quality tests {list(criteria)} in "
                f"{max_attempts} attempts ({report.passed} of {report.candidates} candidates passed; still missing per class: "
                f"{missing}); train the GAN longer, lower confidence_threshold, raise distance_quantile, raise "
                f"max_select_attempts/select_oversample, or generate with select=False"
            )
        report.attempts += 1
        todo = (~filled).nonzero().squeeze(1)
        m = math.ceil(oversample * len(todo))
        cand_labels = labels_cpu[todo].repeat(math.ceil(m / len(todo)))[:m]
        cands = draw(cand_labels)
        masks = {name: mask.cpu() for name, mask in tests(cands, cand_labels.to(cands.device)).items()}
        ok = torch.ones(m, dtype=torch.bool)
        for name, mask in masks.items():
            report.rejected_by[name] = report.rejected_by.get(name, 0) + int((~mask).sum())
            ok &= mask
        report.candidates += m
        report.passed += int(ok.sum())
        if out is None:
            out = torch.empty(n, cands.shape[1], dtype=cands.dtype, device=cands.device)
        for c in cand_labels.unique().tolist():
            is_c = cand_labels == c
            report.per_class_candidates[c] = report.per_class_candidates.get(c, 0) + int(is_c.sum())
            good = (is_c & ok).nonzero().squeeze(1)
            report.per_class_passed[c] = report.per_class_passed.get(c, 0) + len(good)
            slots = ((labels_cpu == c) & ~filled).nonzero().squeeze(1)
            k = min(len(good), len(slots))
            if k:
                out[slots[:k].to(out.device)] = cands[good[:k].to(cands.device)]
                filled[slots[:k]] = True
    assert out is not None, "select_until needs at least one label"
    return out, report

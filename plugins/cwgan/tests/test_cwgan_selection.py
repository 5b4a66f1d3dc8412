"""Quality selection: the tests by hand, the oversample-and-fill loop, its counts and its typed error."""

from __future__ import annotations

import pytest
import torch
from emozoo_cwgan.selection import SelectionError, class_radii, confidence_pass, distance_pass, select_until


def test_confidence_pass_by_hand():
    probs = torch.tensor([[0.95, 0.05], [0.6, 0.4], [0.1, 0.9], [0.1, 0.9]])
    labels = torch.tensor([0, 0, 1, 0])
    assert confidence_pass(probs, labels, 0.9).tolist() == [True, False, True, False]


def test_class_radii_and_distance_pass_by_hand():
    z = torch.tensor([[0.0, 0.0], [2.0, 0.0], [10.0, 10.0], [10.0, 12.0]])
    labels = torch.tensor([0, 0, 1, 1])
    centroids, radii = class_radii(z, labels, 3, quantile=1.0)
    assert torch.allclose(centroids, torch.tensor([[1.0, 0.0], [10.0, 11.0], [0.0, 0.0]]))
    assert torch.allclose(radii, torch.tensor([1.0, 1.0, 0.0]))
    cands = torch.tensor([[1.5, 0.0], [1.0, 1.5], [10.0, 11.0], [0.0, 0.0]])
    assert distance_pass(cands, torch.tensor([0, 0, 1, 2]), centroids, radii).tolist() == [True, False, True, True]


def _counter_draw():
    """draw(labels) -> candidates [m, 2]: column 0 the label, column 1 a running counter (odd counters 'fail')."""
    state = {"i": 0}

    def draw(labels):
        out = torch.stack([labels.float(), torch.arange(state["i"], state["i"] + len(labels)).float()], 1)
        state["i"] += len(labels)
        return out

    return draw


def test_select_until_fills_in_order_and_counts():
    labels = torch.tensor([1, 0, 1, 1])

    def tests(cands, lab):
        return {"odd": cands[:, 1] % 2 == 0, "label": cands[:, 0] == lab.float()}

    out, report = select_until(labels, _counter_draw(), tests, oversample=1.0, max_attempts=10, criteria=("odd", "label"))
    assert out[:, 0].tolist() == [1.0, 0.0, 1.0, 1.0]  # each position holds a sample of its own class
    assert bool((out[:, 1] % 2 == 0).all())  # every returned sample passed
    assert report.requested == 4 and report.passed >= 4
    assert report.candidates == sum(report.per_class_candidates.values())
    assert report.passed == sum(report.per_class_passed.values())
    assert report.rejected_by["odd"] == report.candidates - report.passed and report.rejected_by["label"] == 0
    assert report.attempts >= 2  # half the candidates fail, so one attempt at oversample 1 cannot fill all
    assert report.to_dict()["kept"] == 4


def test_select_until_raises_when_too_few_pass():
    with pytest.raises(SelectionError, match="only 0 of 3"):
        select_until(
            torch.tensor([0, 1, 0]), _counter_draw(), lambda c, y: {"never": torch.zeros(len(c), dtype=torch.bool)},
            oversample=2.0, max_attempts=3, criteria=("never",),
        )

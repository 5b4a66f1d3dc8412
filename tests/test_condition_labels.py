"""emozoo.guards.condition_labels: the one rule every class-conditional generator applies to ``generate(condition=...)``."""

from __future__ import annotations

import pytest
import torch

from emozoo.errors import DTypeError, EmptyInputError, InputError, LabelError, ShapeError
from emozoo.guards import condition_labels


def test_conditions_become_class_ids() -> None:
    assert condition_labels("m", 5, None, 3).tolist() == [0, 1, 2, 0, 1]  # balanced
    assert condition_labels("m", 4, None, 8, cycle=[2, 5]).tolist() == [2, 5, 2, 5]  # only the classes seen in training
    assert condition_labels("m", 3, 1, 3).tolist() == [1, 1, 1] and condition_labels("m", None, 2, 3).tolist() == [2]
    assert condition_labels("m", None, torch.tensor([2, 0]), 3).dtype == torch.int64


@pytest.mark.parametrize(("n", "condition", "error"), [
    (None, None, InputError), (2, 1.0, DTypeError), (2, True, DTypeError), (2, 3, LabelError), (2, -1, LabelError),
    (2, object(), DTypeError), (None, [], EmptyInputError), (3, [0, 1], ShapeError), (None, [0, 5], LabelError),
])
def test_bad_conditions_raise_typed_errors_naming_the_method(n, condition, error) -> None:
    with pytest.raises(error, match="my-gan"):
        condition_labels("my-gan", n, condition, 3)

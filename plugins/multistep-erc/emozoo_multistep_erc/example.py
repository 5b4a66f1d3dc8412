"""The conformance kit's examples: InstructERC's three toy dialogues on the tiny base LM (no disk cache)."""

from __future__ import annotations

from emozoo.testing import Example


def _example(**extra: object) -> Example:
    from emozoo_instructerc.example import _NOT_TEXT, _TEXT_ONLY, DIALOGUES, LABELS, tiny_base

    config = {"base_model": str(tiny_base()), "label_names": LABELS, "describe_tokens": 4, "answer_tokens": 3, "batch_size": 4,
              "cache": False, **extra}  # fmt: skip
    return Example(config=config, train=DIALOGUES, test=DIALOGUES, invalid={"modality": _NOT_TEXT}, not_applicable=dict(_TEXT_ONLY))


def multistep_example() -> Example:
    """multistep-erc: describe, then decide."""
    return _example()


def zero_shot_example() -> Example:
    """zero-shot-erc: decide in one step, with one labelled example per class."""
    return _example(examples_per_class=1)

"""The conformance kit's example: paraphrases of the toy comments on the tiny base LM (emozoo-llm-textaug's example)."""

from __future__ import annotations

from emozoo.testing import Example
from emozoo_llm_textaug.example import _NOT_TEXT, _TEXT_ONLY, tiny_config, toy_comments


def paraphrase_example() -> Example:
    """llm-paraphrase on the tiny LM: generate(3, condition=0) paraphrases joy comments."""
    batch = toy_comments()
    return Example(config=tiny_config(), train=batch, test=batch, generate={"n": 3, "condition": 0, "seed": 0},
                   invalid={"modality": _NOT_TEXT}, not_applicable=dict(_TEXT_ONLY),
                   after_load=lambda model: model.set_texts(batch))  # the sources are data, not state  # fmt: skip

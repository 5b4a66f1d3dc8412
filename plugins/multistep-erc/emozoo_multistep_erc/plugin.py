"""Hook implementations of emozoo-multistep-erc (imports no torch)."""

from __future__ import annotations

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

PAPER = Paper(
    "Emotion Recognition in Conversation with Multi-step Prompting Using Large Language Model", 2024,
    authors="Hama, K., Otsuka, A., Ishii, R.", venue="HCII 2024, Social Computing and Social Media, LNCS 14703, pp. 338-346",
    url="https://doi.org/10.1007/978-3-031-61281-7_24", survey_ref=252,
)  # fmt: skip

_COMMON = dict(
    model_class="emozoo_multistep_erc.model:MultistepERC", family="LLM", modality="text", modalities=("text",),
    tasks=("recognition",), paper=PAPER, can_generate=False, can_predict=True,
    inputs=(TensorSpec("dialogues", ("N",), "DialogueBatch", "dialogues (each labelled utterance is recognised in its context) or a TextBatch"),),
    outputs=(TensorSpec("labels", ("U",), "int64", "label ids per labelled utterance ([N, K] 0/1 with one label per row for a "
                        "multi-label TextBatch)"),),
    datasets=("meld", "emorynlp", "iemocap", "goemotions", "goemotions-ekman"),
)  # fmt: skip

MULTISTEP_ERC = MethodSpec(
    id="multistep-erc",
    summary="An LLM, not trained on the task, first describes how the speaker of the target utterance feels in the "
    "dialogue context, then picks the emotion label given that description (chain-of-thought style steps); answers are "
    "parsed to the label set, unparseable ones counted.",
    example="emozoo_multistep_erc.example:multistep_example",
    **_COMMON,
)
ZERO_SHOT_ERC = MethodSpec(
    id="zero-shot-erc",
    preset={"steps": "single"},
    baseline=True,
    summary="Baseline for multistep-erc: the same LLM asked for the label in one step (no description step).",
    example="emozoo_multistep_erc.example:zero_shot_example",
    **_COMMON,
)


@hookimpl
def emozoo_register_methods(register):
    """Register multistep-erc and its single-step baseline."""
    register(MULTISTEP_ERC)
    register(ZERO_SHOT_ERC)

"""Hook implementations of emozoo-llm-textaug (imports no torch): class-conditional LLM text generation [249]."""

from __future__ import annotations

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

PAPER = Paper(
    "Exploring Text-Generating Large Language Models (LLMs) for Emotion Recognition in Affective Intelligent Agents", 2024,
    authors="Pico, A., Vivancos, E., García-Fornes, A., Botti, V. J.", venue="ICAART 2024 (1), pp. 491-498",
    url="https://www.scitepress.org/publishedPapers/2024/125968/", survey_ref=249,
)  # fmt: skip

LLM_GEN_AUG = MethodSpec(
    id="llm-gen-aug",
    model_class="emozoo_llm_textaug.model:LLMGenAug",
    family="LLM",
    modality="text",
    modalities=("text",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="A text-generating LLM writes new training texts for each emotion class (zero- or few-shot prompt), a stated "
    "filter drops refusals, fragments and copies, and the kept texts are added to the real training data.",
    can_generate=True,
    can_predict=False,
    inputs=(TensorSpec("texts", ("N",), "TextBatch", "labelled training texts (single- or multi-label); fit records the label set"),),
    outputs=(
        TensorSpec("labels", ("n", "num_classes"), "float32", "generate(n, condition=c): the class of each text (multi-label data: "
                   "one-hot rows; single-label data: [n] int64 ids)"),
    ),
    datasets=("goemotions", "goemotions-ekman"),
    example="emozoo_llm_textaug.example:gen_aug_example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register llm-gen-aug."""
    register(LLM_GEN_AUG)

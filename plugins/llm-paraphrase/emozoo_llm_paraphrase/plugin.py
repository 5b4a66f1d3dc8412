"""Hook implementations of emozoo-llm-paraphrase (imports no torch)."""

from __future__ import annotations

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

PAPER = Paper(
    "CLARIN-Emo: Training Emotion Recognition Models Using Human Annotation and ChatGPT", 2023,
    authors="Koptyra, B., Ngo, A., Radliński, Ł., Kocoń, J.", venue="ICCS 2023, LNCS 14073, pp. 365-379",
    url="https://doi.org/10.1007/978-3-031-35995-8_26", survey_ref=49,
)  # fmt: skip

LLM_PARAPHRASE = MethodSpec(
    id="llm-paraphrase",
    model_class="emozoo_llm_paraphrase.model:LLMParaphrase",
    family="LLM",
    modality="text",
    modalities=("text",),
    tasks=("data_augmentation",),
    paper=PAPER,
    summary="An LLM rewrites real training texts of a class in other words; each paraphrase keeps its source's labels (or "
    "V/A/D ratings) and is added to the real data, after a filter that drops copies of the source, refusals and fragments.",
    can_generate=True,
    can_predict=False,
    inputs=(TensorSpec("texts", ("N",), "TextBatch", "labelled or rated training texts: the paraphrase sources"),),
    outputs=(
        TensorSpec("labels", ("n", "num_classes"), "float32", "generate(n, condition=c): each paraphrase's labels, its source's "
                   "(multi-label rows carry c and the source's other classes; single-label: [n] int64)"),
        TensorSpec("targets", ("n", "num_targets"), "float32", "rating data (generate(n)): each paraphrase's source ratings"),
    ),
    datasets=("goemotions", "goemotions-ekman", "emobank"),
    example="emozoo_llm_paraphrase.example:paraphrase_example",
)


@hookimpl
def emozoo_register_methods(register):
    """Register llm-paraphrase."""
    register(LLM_PARAPHRASE)

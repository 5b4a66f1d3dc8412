"""Hook implementations of emozoo-text-baselines: the TF-IDF + linear baselines, plain and augmented (imports no torch)."""

from __future__ import annotations

from emozoo import MethodSpec, Paper, TensorSpec, hookimpl

TFIDF_PAPER = Paper("A statistical interpretation of term specificity and its application in retrieval", 1972,
                    authors="Sparck Jones, K.", venue="Journal of Documentation 28(1)")  # fmt: skip
EDA_PAPER = Paper("EDA: Easy Data Augmentation Techniques for Boosting Performance on Text Classification Tasks", 2019,
                  authors="Wei, J., Zou, K.", venue="EMNLP-IJCNLP 2019", url="https://arxiv.org/abs/1901.11196")  # fmt: skip

_INPUTS = (TensorSpec("texts", ("N",), "TextBatch", "texts with labels [N] (single-label), [N, K] 0/1 (multi-label) or targets [N, D]"),)
_OUTPUTS = (
    TensorSpec("probabilities", ("N", "num_classes"), "float32", "softmax (single-label) or per-class sigmoid (multi-label)"),
    TensorSpec("labels", ("N", "num_classes"), "int64", "multi-label: 0/1 per class at the threshold ([N] ids for single-label data)"),
    TensorSpec("values", ("N", "num_targets"), "float32", "dimensional data: predicted ratings (e.g. V, A, D)"),
)
_COMMON = dict(family="other", modality="text", modalities=("text",), tasks=("recognition",), can_generate=False, can_predict=True,
               baseline=True, inputs=_INPUTS, outputs=_OUTPUTS, datasets=("goemotions", "goemotions-ekman", "emobank"))  # fmt: skip

TFIDF_LOGREG = MethodSpec(
    id="tfidf-logreg", model_class="emozoo_text_baselines.model:TfidfLinear", paper=TFIDF_PAPER,
    summary="Baseline: word uni- and bigram TF-IDF -> logistic regression (one-vs-rest for multi-label; ridge for ratings).",
    example="emozoo_text_baselines.example:example_plain", **_COMMON,
)  # fmt: skip
TFIDF_LOGREG_AUG = MethodSpec(
    id="tfidf-logreg-aug", model_class="emozoo_text_baselines.model:TfidfLinear", paper=EDA_PAPER,
    code_url="https://github.com/jasonwei20/eda_nlp", preset={"augment": True},
    summary="tfidf-logreg trained on the texts plus token-level augmented copies (random swap, deletion, insertion; EDA "
            "without WordNet synonyms), labels kept.",
    example="emozoo_text_baselines.example:example_aug", **_COMMON,
)  # fmt: skip


@hookimpl
def emozoo_register_methods(register):
    """Register the text baselines."""
    register(TFIDF_LOGREG)
    register(TFIDF_LOGREG_AUG)

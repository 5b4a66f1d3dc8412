"""Hook implementations of emozoo-text: registers GoEmotions (28 labels and the Ekman grouping) and EmoBank (no torch)."""

from __future__ import annotations

from emozoo import DatasetSpec, hookimpl

_GOEMOTIONS_CITE = ("D. Demszky, D. Movshovitz-Attias, J. Ko, A. Cowen, G. Nemade, S. Ravi. GoEmotions: A Dataset of Fine-Grained "
                    "Emotions. ACL 2020.")  # fmt: skip
_GOEMOTIONS_URL = "https://github.com/google-research/google-research/tree/master/goemotions"
_EMOTIONS = ("admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity", "desire",
             "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear", "gratitude", "grief", "joy",
             "love", "nervousness", "optimism", "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral")  # fmt: skip

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="goemotions", name="GoEmotions: Reddit comments, 27 emotions + neutral (multi-label)", paper_dataset="GoEmotions",
        adapter_class="emozoo_text.adapters:GoEmotionsAdapter", modality="text", modalities=("text",), label_names=_EMOTIONS,
        metric="MF1", license="Apache-2.0", url=_GOEMOTIONS_URL, citation=_GOEMOTIONS_CITE,
        description=("58k Reddit comments (43,410 train / 5,426 dev / 5,427 test, the official split), each with one or more "
                     "of 28 labels; macro-F1 over the 28 labels is the paper's headline (BERT 0.46). Multi-label: "
                     "TextBatch labels [N, 28] 0/1."),
    ),
    DatasetSpec(
        id="goemotions-ekman", name="GoEmotions, Ekman grouping (6 basic emotions + neutral, multi-label)",
        paper_dataset="GoEmotions (Ekman)", adapter_class="emozoo_text.adapters:GoEmotionsEkmanAdapter", modality="text",
        modalities=("text",), label_names=("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral"), metric="MF1",
        license="Apache-2.0", url=_GOEMOTIONS_URL, citation=_GOEMOTIONS_CITE,
        description="GoEmotions with the paper's Ekman mapping of the 27 emotions (6 groups + neutral), multi-label [N, 7].",
    ),
    DatasetSpec(
        id="emobank", name="EmoBank: 10,062 English sentences with valence, arousal, dominance (1-5)", paper_dataset="EmoBank",
        adapter_class="emozoo_text.adapters:EmoBankAdapter", modality="text", modalities=("text",), task="regression",
        metric="Corr", license="CC-BY-SA-4.0 (derivatives of the data stay CC-BY-SA)", url="https://github.com/JULIELab/EmoBank",
        citation=("S. Buechel, U. Hahn. EmoBank: Studying the Impact of Annotation Perspective and Representation Format on "
                  "Dimensional Emotion Analysis. EACL 2017."),
        description="MASC and SemEval-2007 sentences, weighted reader + writer VAD ratings; official 8,062 / 1,000 / 1,000 split.",
    ),
)  # fmt: skip


@hookimpl
def emozoo_register_datasets(register):
    """Register the text corpora this plugin reads."""
    for spec in DATASETS:
        register(spec)

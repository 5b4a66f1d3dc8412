"""Hook implementations of emozoo-text: registers GoEmotions (28 labels and the Ekman grouping), EmoBank, and the
conversation corpora MELD, EmoryNLP and IEMOCAP (no torch)."""

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


_MELD_CITE = "S. Poria et al. MELD: A Multimodal Multi-Party Dataset for Emotion Recognition in Conversation. ACL 2019."

#: The conversation corpora (moved here from emozoo-instructerc, which reads them through emozoo_text.dialogue).
DIALOGUE_DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        id="meld",
        paper_dataset="MELD",
        metric="WF1",  # the standard headline of MELD results
        name="MELD (text)",
        adapter_class="emozoo_text.dialogue:MELDAdapter",
        modality="text",
        label_names=("neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"),
        modalities=("text",),
        license="GPL-3.0",
        url="https://github.com/declare-lab/MELD",
        citation=_MELD_CITE,
        description="Friends dialogues, 7 emotions; upstream train/dev/test CSVs. A subset is bundled in data/meld-subset.",
        bundled=True,
    ),
    DatasetSpec(
        id="emorynlp",
        paper_dataset="EmoryNLP",
        metric="WF1",
        name="EmoryNLP Emotion Detection",
        adapter_class="emozoo_text.dialogue:EmoryNLPAdapter",
        modality="text",
        label_names=("Joyful", "Mad", "Peaceful", "Neutral", "Sad", "Powerful", "Scared"),
        modalities=("text",),
        license="GPL-3.0 (as redistributed with MELD)",
        url="https://github.com/declare-lab/MELD",
        citation="S. Zahiri, J. D. Choi. Emotion Detection on TV Show Transcripts with Sequence-based CNNs. AAAI Workshops 2018.",
        description="Friends scenes, 7 emotions; upstream splits. A subset is bundled in data/emorynlp-subset.",
        bundled=True,
    ),
    DatasetSpec(
        id="iemocap",
        paper_dataset="IEMOCAP",
        metric="WF1",
        name="IEMOCAP (text, COSMIC/InstructERC layout)",
        adapter_class="emozoo_text.dialogue:IEMOCAPAdapter",
        modality="text",
        label_names=("happy", "sad", "neutral", "angry", "excited", "frustrated"),
        modalities=("text",),
        license="IEMOCAP licence (request from USC SAIL; not redistributable)",
        url="https://sail.usc.edu/iemocap/",
        citation="C. Busso et al. IEMOCAP: Interactive emotional dyadic motion capture database. LRE 2008.",
        description="Bring your own copy: a data-only pickle (restricted unpickler) or its JSON conversion.",
    ),
)


@hookimpl
def emozoo_register_datasets(register):
    """Register the text corpora this plugin reads."""
    for spec in (*DATASETS, *DIALOGUE_DATASETS):
        register(spec)

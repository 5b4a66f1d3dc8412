"""Hook implementations of emozoo-instructerc (no torch import here, as the plugin contract requires); its data sets
(MELD, EmoryNLP, IEMOCAP) are registered by emozoo-text."""

from emozoo import MethodSpec, Paper, ReportedResult, TensorSpec, hookimpl

PAPER = Paper(
    "InstructERC: Reforming Emotion Recognition in Conversation with a Retrieval Multi-task LLMs Framework",
    2023,
    authors="Lei, S., Dong, G., Wang, X., Wang, K., Wang, S.",
    venue="arXiv 2309.11911",
    url="https://arxiv.org/abs/2309.11911",
    survey_ref=253,
)


INSTRUCTERC = MethodSpec(
    id="instructerc",
    model_class="emozoo_instructerc.model:InstructERC",
    family="LLM",
    modality="text",
    modalities=("text",),
    tasks=("recognition", "feature_extraction"),
    paper=PAPER,
    summary="ERC as generation: a LoRA-tuned causal LM answers with the emotion label of a target utterance, "
    "given the dialogue window and a retrieved training demonstration.",
    can_generate=True,
    can_predict=True,
    code_url="https://github.com/LIN-SHANG/InstructERC",
    inputs=(TensorSpec("dialogues", ("N",), "DialogueBatch", "dialogues with speakers, texts and labels"),),
    outputs=(
        TensorSpec("probabilities", ("U", "num_labels"), "float32", "predict(): label-word probabilities per labelled utterance"),
        TensorSpec("labels", ("U",), "int64", "predict(): label ids per labelled utterance"),
        TensorSpec("text", ("n",), "str", "generate(n): n sampled continuations of the prompt"),
    ),
    reported=(
        ReportedResult("MELD", "WF1", 69.15, note="LLaMA-2-7B LoRA"),
        ReportedResult("EmoryNLP", "WF1", 41.37, note="LLaMA-2-7B LoRA"),
    ),
    datasets=("meld", "emorynlp", "iemocap"),
    example="emozoo_instructerc.example:instructerc_example",
)

MINILM_LINEAR = MethodSpec(
    id="minilm-linear",
    model_class="emozoo_instructerc.baseline:SentenceEmbeddingLinear",
    family="other",
    modality="text",
    modalities=("text",),
    tasks=("recognition",),
    paper=Paper(
        "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks", 2019,
        authors="Reimers, N., Gurevych, I.", venue="EMNLP 2019",
    ),
    summary="Baseline: a linear head on frozen all-MiniLM-L6-v2 embeddings of each utterance or text (no context); softmax "
    "for single-label data, one sigmoid per class for multi-label texts (GoEmotions).",
    can_generate=False,
    can_predict=True,
    baseline=True,
    inputs=(TensorSpec("dialogues", ("N",), "DialogueBatch", "dialogues (each labelled utterance classified alone) or a TextBatch"),),
    outputs=(
        TensorSpec("probabilities", ("U", "num_labels"), "float32", "softmax over the label set per labelled utterance (sigmoid per class for multi-label texts)"),
        TensorSpec("labels", ("U",), "int64", "argmax label ids ([N, K] 0/1 for multi-label texts)"),
    ),
    datasets=("meld", "emorynlp", "iemocap", "goemotions", "goemotions-ekman"),
    example="emozoo_instructerc.example:minilm_linear_example",
)


@hookimpl
def emozoo_register_methods(register):
    register(INSTRUCTERC)
    register(MINILM_LINEAR)

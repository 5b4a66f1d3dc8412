"""The conformance kit's examples: three toy dialogues, and for InstructERC a tiny Llama LM (2 layers, width 32)
with a SentencePiece tokenizer trained on the bundled MELD subset, so the kit fits the real method in seconds."""

from __future__ import annotations

import functools
import io
import tempfile
from pathlib import Path
from typing import Any

from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.testing import Example

LABELS = ("neutral", "joy", "anger")
DIALOGUES = DialogueBatch(
    (
        Dialogue("a", (Utterance("Speaker_0", "I love it", "joy"), Utterance("Speaker_1", "Stop that now", "anger"))),
        Dialogue("b", (Utterance("Speaker_0", "It is Monday", "neutral"), Utterance("Speaker_1", "Great news", "joy"))),
        Dialogue("c", (Utterance("Speaker_0", "Get out", "anger"), Utterance("Speaker_1", "The door is open", "neutral"))),
    ),
    LABELS,
)
#: Not a DialogueBatch: what a caller passes by mistake, e.g. EEG features.
_NOT_TEXT = [[0.1, 0.2], [0.3, 0.4]]
_TEXT_ONLY = {
    "nan": "dialogue text has no NaN",
    "shape": "a dialogue batch has no tensor shape",
    "dtype": "Utterance refuses non-str text when the batch is built, before the model sees it",
}


def instructerc_example() -> Example:
    """InstructERC on the tiny base LM: one epoch of LoRA training on three dialogues."""
    config = {
        "base_model": str(tiny_base()), "label_names": LABELS, "retrieval_encoder": "hashing", "window": 2,
        "max_prompt_tokens": 192, "batch_size": 6, "lr": 5e-2, "warmup_ratio": 0.0, "epochs": 1, "lora_dropout": 0.0,
        "lora_r": 2, "lora_alpha": 2, "max_new_tokens": 4,
    }
    return Example(
        config=config, train=DIALOGUES, test=DIALOGUES, generate={"prompt": "Speaker_0: I love it", "n": 2, "seed": 0, "max_new_tokens": 4},
        invalid={"modality": _NOT_TEXT}, not_applicable=_TEXT_ONLY,
        after_load=lambda model: model.index_demonstrations(DIALOGUES),  # the retrieval base is data, not state
    )


def minilm_linear_example() -> Example:
    """The linear baseline with the hashing encoder (no sentence-transformer download)."""
    config = {"encoder": "hashing", "hashing_dim": 32, "label_names": LABELS, "epochs": 3, "batch_size": 8}
    return Example(
        config=config, train=DIALOGUES, test=DIALOGUES, invalid={"modality": _NOT_TEXT}, not_applicable=_TEXT_ONLY
    )


@functools.lru_cache(maxsize=None)
def tiny_base() -> Path:
    """Build the tiny base LM once per process, in a temporary directory."""
    from emozoo_text.dialogue import MELDAdapter, bundled_subset

    meld_train = MELDAdapter(bundled_subset("meld")).load("train")
    return build_tiny_base(Path(tempfile.mkdtemp(prefix="emozoo-instructerc-tiny-")), meld_train)


def build_tiny_base(out: Path, meld_train: Any) -> Path:
    """A 2-layer LlamaForCausalLM + a 600-piece unigram SentencePiece tokenizer, saved as a plain HF directory."""
    import sentencepiece as spm
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaTokenizer

    from emozoo_text.dialogue import MELD_LABELS
    from emozoo_instructerc.prompts import HISTORY_HEADER, INSTRUCTION

    texts = [u.text for d in meld_train.dialogues for u in d.utterances]
    texts += [INSTRUCTION + HISTORY_HEADER, "Please select the emotional label of from", ", ".join(MELD_LABELS)] * 20
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=buf, vocab_size=600, model_type="unigram", character_coverage=1.0,
        byte_fallback=True, unk_id=0, bos_id=1, eos_id=2, pad_id=3, num_threads=1, minloglevel=2,
        user_defined_symbols=["Speaker_0", "Speaker_1", "Speaker_2", "Speaker_3"],
    )
    (out / "tokenizer.model").write_bytes(buf.getvalue())
    tokenizer = LlamaTokenizer.from_pretrained(str(out))
    tokenizer.pad_token = "<pad>"
    tokenizer.save_pretrained(str(out))
    config = LlamaConfig(
        vocab_size=600, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=1024, initializer_range=0.5, bos_token_id=1, eos_token_id=2, pad_token_id=3,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(str(out))
    return out

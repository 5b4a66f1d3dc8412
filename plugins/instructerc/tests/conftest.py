"""Fixtures: the bundled MELD subset, and a tiny Llama LM with a SentencePiece tokenizer trained on its text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from emozoo_instructerc.datasets import MELD_LABELS, MELDAdapter, bundled_subset
from emozoo_instructerc.prompts import HISTORY_HEADER, INSTRUCTION


@pytest.fixture(scope="session")
def meld_train():
    return MELDAdapter(bundled_subset("meld")).load("train")


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, meld_train) -> Path:
    """A tiny Llama LM with a SentencePiece tokenizer trained on the bundled MELD text (see build_tiny_base)."""
    return build_tiny_base(tmp_path_factory.mktemp("tiny-llama"), meld_train)


def build_tiny_base(out: Path, meld_train) -> Path:
    """A 2-layer LlamaForCausalLM + a 600-piece unigram SentencePiece tokenizer, saved as a plain HF directory."""
    import sentencepiece as spm
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaTokenizer

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

"""The InstructERC model on a tiny Llama LM with a SentencePiece tokenizer: LoRA-only training, overfitting,
bit-exact adapter round trip, base pinning, inference outputs and typed errors."""

import json
import shutil

import pytest
import torch
from emozoo_instructerc.example import DIALOGUES as TOY  # the kit's example doubles as the toy
from emozoo_instructerc.example import LABELS
from emozoo_instructerc.model import InstructERC, InstructERCConfig, target_loss
from emozoo_instructerc.retrieval import HashingEncoder
from safetensors import safe_open

import emozoo
from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.errors import ArtifactError, InputError, LabelError, NotFittedError


def make(base, **kw):
    cfg = dict(
        base_model=str(base), label_names=LABELS, retrieval_encoder="hashing", window=2, max_prompt_tokens=192,
        batch_size=6, lr=5e-2, warmup_ratio=0.0, epochs=14, lora_dropout=0.0, seed=0,
        lora_target_modules=("q_proj", "k_proj", "v_proj", "o_proj", "up_proj", "down_proj"),
    )
    cfg.update(kw)
    return InstructERC(InstructERCConfig(**cfg))


@pytest.fixture(scope="module")
def fitted(tiny_base):
    model = make(tiny_base)
    base_before = {k: v.clone() for k, v in model.lm.get_base_model().state_dict().items() if "lora_" not in k}
    history = model.fit(TOY)
    return model, history, base_before


def test_only_adapter_parameters_are_state_and_trainable(fitted):
    model, _, _ = fitted
    names = [n for n in model.state_dict() if not n.startswith("demonstration_")]  # the stored retrieval base: buffers
    assert names and all(n.startswith("adapter.") and "lora_" in n for n in names)
    assert {n for n, _ in model.named_buffers()} == {"demonstration_texts", "demonstration_embeddings"}
    trainable = [n for n, p in model.lm.named_parameters() if p.requires_grad]
    assert len(trainable) == len(names) and all("lora_" in n for n in trainable)
    assert {id(p) for p in model.parameters()} == {id(p) for p in model.lm.parameters() if p.requires_grad}


def test_fit_changes_adapter_but_not_base(fitted):
    model, _, base_before = fitted
    after = model.lm.get_base_model().state_dict()
    for k, v in base_before.items():
        assert torch.equal(after[k], v), k
    assert any(p.abs().sum() > 0 for n, p in model.adapter.items() if "lora_B" in n)  # B starts at zero
    # the demonstration base is exactly the labelled utterances of the training batch passed to fit
    assert model.retriever.texts == [d.utterances[p].text for d, p in TOY.targets()]


def test_tiny_lm_overfits_a_handful_of_dialogues(fitted):
    model, history, _ = fitted
    losses = history.series("loss")
    assert losses[-1] < 0.2 * losses[0]
    model.config.decode = "generate"
    pred = model.predict(TOY)
    assert pred.label_strings() == [u.label for d in TOY.dialogues for u in d.utterances]
    assert pred.extra["parse_report"]["unparseable"] == 0
    assert pred.probabilities.shape == (6, 3)
    assert torch.allclose(pred.probabilities.sum(-1), torch.ones(6))
    assert torch.equal(pred.extra["score_labels"], pred.labels)
    assert model.evaluate(TOY)["ACC"] == 1.0


def test_predict_utterance_and_generate(fitted):
    model, _, _ = fitted
    out = model.predict_utterance(TOY.dialogues[0], 1)
    assert out["label"] == "anger" and set(out["scores"]) == set(LABELS)
    assert abs(sum(out["scores"].values()) - 1) < 1e-5
    text = model.generate(prompt="Hello there")
    assert isinstance(text, str) and text == model.generate(condition="Hello there")
    assert model.generate(2, prompt="Hi", seed=3, max_new_tokens=5) == model.generate(2, prompt="Hi", seed=3, max_new_tokens=5)
    with pytest.raises(InputError):
        model.generate()


def test_adapter_round_trip_is_bit_exact(fitted, tmp_path):
    model, _, _ = fitted
    model.save_pretrained(tmp_path / "m")
    with safe_open(str(tmp_path / "m" / "model.safetensors"), "pt") as fh:
        keys = list(fh.keys())
    assert sorted(keys) == sorted(model.state_dict())  # the adapter only, no base weight
    meta = json.loads((tmp_path / "m" / "emozoo.json").read_text())
    assert meta["base_model"] == {"id": str(model.config.base_model), "revision": "local", "sha256": model.config.base_sha256, "adapter": "lora"}
    loaded = emozoo.from_pretrained(tmp_path / "m")
    assert isinstance(loaded, InstructERC)
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k
    # the retrieval base travelled with the adapter: the loaded model retrieves and predicts as the fitted one
    assert loaded.config.demonstrations_count == len(model.retriever.texts) == 6
    model.config.decode = loaded.config.decode = "score"
    assert torch.equal(loaded.predict(TOY).probabilities, model.predict(TOY).probabilities)
    assert loaded.retriever.texts == model.retriever.texts and torch.equal(loaded.retriever.embeddings, model.retriever.embeddings)


def test_without_stored_demonstrations_the_artifact_is_the_adapter_alone(tiny_base, tmp_path):
    model = make(tiny_base, epochs=1, max_steps=1, store_demonstrations=False)
    model.fit(TOY)
    model.save_pretrained(tmp_path / "m")
    with safe_open(str(tmp_path / "m" / "model.safetensors"), "pt") as fh:
        assert all(k.startswith("adapter.") for k in fh.keys())
    loaded = emozoo.from_pretrained(tmp_path / "m")
    with pytest.raises(NotFittedError):  # the retrieval base is training data, not state, in this mode
        loaded.predict(TOY)
    loaded.index_demonstrations(TOY, HashingEncoder())
    model.config.decode = loaded.config.decode = "score"
    assert torch.equal(loaded.predict(TOY).probabilities, model.predict(TOY).probabilities)


def test_changed_base_files_are_refused(fitted, tiny_base, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(tiny_base, base)
    model = make(base, epochs=1)
    model.save_pretrained(tmp_path / "m")
    (base / "config.json").write_text((base / "config.json").read_text().replace('"rms_norm_eps"', '"rms_norm_eps" ', 1))
    with pytest.raises(ArtifactError, match="sha256"):
        InstructERC.from_pretrained(tmp_path / "m")


def test_same_seed_same_training(tiny_base):
    a, b = make(tiny_base, epochs=1, max_steps=2), make(tiny_base, epochs=1, max_steps=2)
    a.fit(TOY)
    b.fit(TOY)
    for k, v in a.state_dict().items():
        assert torch.equal(b.state_dict()[k], v), k


def test_target_loss_equals_the_full_causal_lm_loss(tiny_base):
    model = make(tiny_base, use_demonstrations=False, lora_dropout=0.0)
    main, _ = model.build_examples(TOY)
    batch = model._collate(main[:4])  # prompts of different lengths: targets at different positions
    assert (batch["labels"] != -100).sum() > 4
    model.train()
    full = model.lm(**batch).loss
    full.backward()
    grads = {n: p.grad.clone() for n, p in model.adapter.items()}
    model.lm.zero_grad()
    ours = target_loss(model.lm, batch)
    ours.backward()
    assert torch.allclose(ours, full, rtol=1e-5, atol=1e-6)
    for n, p in model.adapter.items():
        assert torch.allclose(p.grad, grads[n], rtol=1e-4, atol=1e-7), n


def test_auxiliary_tasks_build_examples(tiny_base):
    model = make(tiny_base, speaker_task="mixed", emotion_prediction=True, use_demonstrations=False)
    main, speaker = model.build_examples(TOY)
    assert len(main) == 6 + 3 and len(speaker) == 6
    assert [t for _, t in speaker] == ["Speaker_0", "Speaker_1"] * 3
    decoded = model.tokenizer.decode(main[6][0], skip_special_tokens=True)
    assert "next utterance is spoken by <Speaker_1>" in decoded and "Stop that now" not in decoded
    history = make(tiny_base, speaker_task="two_stage", use_demonstrations=False, epochs=1, speaker_epochs=1).fit(TOY)
    assert [r["stage"] for r in history] == ["speaker", "emotion"]


def test_typed_errors(fitted):
    model, _, _ = fitted
    other = DialogueBatch((Dialogue("x", (Utterance("A", "hi", "happy"),)),), ("happy", "sad"))
    with pytest.raises(LabelError):
        model.predict(other)
    with pytest.raises(InputError):
        model.fit([1, 2])
    with pytest.raises(InputError):
        InstructERC(InstructERCConfig(base_model="no/such/thing/here"))

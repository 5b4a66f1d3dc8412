"""Conversation adapters on the bundled real MELD / EmoryNLP subsets, the IEMOCAP layout, the restricted unpickler."""

import json
import pickle

import pytest

import emozoo
from emozoo.errors import InputError, LabelError
from emozoo_text.dialogue import EMORYNLP_LABELS, MELD_LABELS, EmoryNLPAdapter, IEMOCAPAdapter, MELDAdapter, bundled_subset
from emozoo_text.safe_pickle import UnsafePickleError, load_data_pickle


def test_meld_subset_dialogues_in_order_and_anonymised():
    train = MELDAdapter(bundled_subset("meld")).load("train")
    assert len(train) == 40 and train.num_utterances == 413 and train.label_names == MELD_LABELS
    first = train.dialogues[0]
    assert first.dialogue_id == "meld-train-0"
    assert first.utterances[0].text.startswith("also I was the point person")
    assert [u.speaker for u in first.utterances[:4]] == ["Speaker_0", "Speaker_1", "Speaker_0", "Speaker_1"]
    assert first.utterances[0].label == "neutral"
    for d in train.dialogues:  # speakers numbered by first appearance
        seen = []
        for u in d.utterances:
            if u.speaker not in seen:
                assert u.speaker == f"Speaker_{len(seen)}"
                seen.append(u.speaker)
    assert {len(MELDAdapter().load(s)) for s in ("dev", "test")} == {15, 30}


def test_emorynlp_subset_scenes_and_speakers():
    train = EmoryNLPAdapter().load("train")
    assert len(train) == 40 and train.num_utterances == 501 and train.label_names == EMORYNLP_LABELS
    d = train.dialogues[0]
    assert d.dialogue_id == "emorynlp-train-s1e2c1"
    assert d.utterances[0].speaker == "Speaker_0" and d.utterances[0].label == "Joyful"
    assert EmoryNLPAdapter.speaker_name("['Monica Geller', 'Ross Geller']") == "Monica Geller & Ross Geller"
    with pytest.raises(InputError):
        EmoryNLPAdapter().load("validation")


def test_registered_datasets():
    ids = {s.id for s in emozoo.list_datasets()}
    assert {"meld", "emorynlp", "iemocap"} <= ids


IEMOCAP = [
    {"v1": ["M", "F", "M"], "v2": ["F", "M"], "v3": ["M"]},
    {"v1": [0, 5, 2], "v2": [3, -1], "v3": [1]},
    {"v1": ["Hi.", "Ugh.", "Okay."], "v2": ["No!", "Fine."], "v3": ["Sigh."]},
    ["v1"],
    ["v2"],
    ["v3"],
]


def test_iemocap_pickle_layout(tmp_path):
    path = tmp_path / "iemocap.pkl"
    path.write_bytes(pickle.dumps(IEMOCAP, protocol=4))
    train = IEMOCAPAdapter(path).load("train")
    assert [(u.speaker, u.text, u.label) for u in train.dialogues[0].utterances] == [
        ("Speaker_0", "Hi.", "happy"),
        ("Speaker_1", "Ugh.", "frustrated"),
        ("Speaker_0", "Okay.", "neutral"),
    ]
    test = IEMOCAPAdapter(path).load("test")
    assert [u.label for u in test.dialogues[0].utterances] == ["angry", None]
    assert IEMOCAPAdapter(path).load("dev").dialogues[0].dialogue_id == "iemocap-v3"


def test_iemocap_json_layout_and_bad_label(tmp_path):
    keys = ("speakers", "labels", "sentences", "train", "test", "valid")
    path = tmp_path / "iemocap.json"
    path.write_text(json.dumps(dict(zip(keys, IEMOCAP))))
    assert IEMOCAPAdapter(path).load("train").num_utterances == 3
    bad = [dict(x) if isinstance(x, dict) else x for x in IEMOCAP]
    bad[1] = {**IEMOCAP[1], "v1": [0, 9, 2]}
    path.write_text(json.dumps(dict(zip(keys, bad))))
    with pytest.raises(LabelError):
        IEMOCAPAdapter(path).load("train")


class Evil:
    def __reduce__(self):  # eval, not print: an imported Ray replaces builtins.print with its own in the test process
        return (eval, ("print('pwned')",))


def test_restricted_unpickler_refuses_globals(tmp_path, capsys):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps([{"v1": Evil()}], protocol=4))
    with pytest.raises(UnsafePickleError, match="builtins.eval"):
        load_data_pickle(path)
    assert "pwned" not in capsys.readouterr().out
    path.write_bytes(pickle.dumps({"a": [1, 2.5, "x", (None, True)], "b": {1, 2}}))
    assert load_data_pickle(path) == {"a": [1, 2.5, "x", (None, True)], "b": {1, 2}}
    path.write_bytes(b"not a pickle")
    with pytest.raises(InputError):
        load_data_pickle(path)

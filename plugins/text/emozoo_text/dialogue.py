"""Data set adapters for emotion recognition in conversation: MELD, EmoryNLP and IEMOCAP → DialogueBatch (moved here
from emozoo-instructerc, which reads them through this module).

Each adapter reads the files a user holds (nothing is downloaded), builds dialogues in their original
order, replaces speaker names by ``Speaker_k`` (k = order of first appearance in the dialogue, as
InstructERC does) and keeps the upstream train/dev/test splits.
"""

from __future__ import annotations

import ast
import csv
import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

from emozoo.data.batches import Dialogue, DialogueBatch, Utterance
from emozoo.errors import InputError, LabelError

SPLITS = ("train", "dev", "test")
MELD_LABELS = ("neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger")
EMORYNLP_LABELS = ("Joyful", "Mad", "Peaceful", "Neutral", "Sad", "Powerful", "Scared")
IEMOCAP_LABELS = ("happy", "sad", "neutral", "angry", "excited", "frustrated")


def anonymise(dialogue_id: str, turns: list[tuple[str, str, str | None]]) -> Dialogue:
    """Build a Dialogue whose speakers are ``Speaker_k`` in order of first appearance."""
    names: dict[str, str] = {}
    utts = []
    for speaker, text, label in turns:
        alias = names.setdefault(speaker, f"Speaker_{len(names)}")
        utts.append(Utterance(alias, text, label))
    return Dialogue(dialogue_id, tuple(utts))


def bundled_subset(name: str) -> Path:
    """Path of a subset bundled in the package (``data/<name>-subset``; in the source tree a link to the root's data/)."""
    root = Path(__file__).resolve().parent / "data" / f"{name}-subset"
    if not root.is_dir():
        raise InputError(f"no bundled subset at {root}; pass root= pointing at your copy of the {name} CSV files")
    return root


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise InputError(f"split {split!r} is not one of {SPLITS}")
    return split


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError(f"{path} does not exist; point root= at the folder holding the upstream CSV files")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _check_label(label: str, names: tuple[str, ...], where: str) -> str:
    if label not in names:
        raise LabelError(f"{where}: label {label!r} is not one of {names}")
    return label


class _UpstreamFolds:
    """``folds()`` for ``emozoo bench``: the upstream train/dev/test split as one fold (optionally the first N dialogues)."""

    dataset_id: str
    files: dict[str, str]

    def __init__(self, root: str | Path | None = None) -> None:
        raise NotImplementedError

    def load(self, split: str) -> DialogueBatch:
        raise NotImplementedError

    def folds(
        self, *, data_dir: str | Path | None, protocol: str, train_dialogues: int | None = None, test_dialogues: int | None = None, **_: Any
    ) -> Any:
        """Yield the single ``upstream`` fold (train, test; dev as validation) with its split manifest."""
        from emozoo.data.folds import Fold
        from emozoo.data.manifest import SplitManifest, sha256_files

        adapter = type(self)(data_dir) if data_dir is not None else self
        train = _first(adapter.load("train"), train_dialogues)
        val = adapter.load("dev")
        test = _first(adapter.load("test"), test_dialogues)
        manifest = SplitManifest(
            dataset=self.dataset_id, protocol=protocol, fold="upstream",
            splits={name: tuple(d.dialogue_id for d in b.dialogues) for name, b in (("train", train), ("val", val), ("test", test))},
            data_sha256=sha256_files([adapter.root / f for f in adapter.files.values()]),
            extra={"train_dialogues": train_dialogues, "test_dialogues": test_dialogues, "root": str(adapter.root)},
        )
        yield Fold("upstream", train, test, manifest, val=val)


def _first(batch: DialogueBatch, n: int | None) -> DialogueBatch:
    """The first ``n`` dialogues (all when n is None), in upstream order."""
    return batch if n is None else DialogueBatch(tuple(batch.dialogues[:n]), batch.label_names)


class MELDAdapter(_UpstreamFolds):
    """MELD text (``{train,dev,test}_sent_emo.csv`` from declare-lab/MELD): one dialogue per Dialogue_ID."""

    dataset_id = "meld"
    label_names = MELD_LABELS
    files = {"train": "train_sent_emo.csv", "dev": "dev_sent_emo.csv", "test": "test_sent_emo.csv"}

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else bundled_subset("meld")

    def load(self, split: str) -> DialogueBatch:
        """The dialogues of ``split`` in upstream order, utterances sorted by Utterance_ID."""
        rows = _read_csv(self.root / self.files[_check_split(split)])
        groups: OrderedDict[str, list[tuple[int, str, str, str]]] = OrderedDict()
        for i, r in enumerate(rows):
            where = f"{self.files[split]} row {i + 2}"
            label = _check_label(r["Emotion"].strip(), self.label_names, where)
            groups.setdefault(r["Dialogue_ID"], []).append((int(r["Utterance_ID"]), r["Speaker"], r["Utterance"], label))
        dialogues = [
            anonymise(f"meld-{split}-{did}", [(s, t, lab) for _, s, t, lab in sorted(turns, key=lambda x: x[0])])
            for did, turns in groups.items()
        ]
        return DialogueBatch(tuple(dialogues), self.label_names)


class EmoryNLPAdapter(_UpstreamFolds):
    """EmoryNLP (``emorynlp_{train,dev,test}_final.csv``): one dialogue per (Season, Episode, Scene_ID)."""

    dataset_id = "emorynlp"
    label_names = EMORYNLP_LABELS
    files = {"train": "emorynlp_train_final.csv", "dev": "emorynlp_dev_final.csv", "test": "emorynlp_test_final.csv"}

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else bundled_subset("emorynlp")

    @staticmethod
    def speaker_name(raw: str) -> str:
        """The speaker column is a list literal such as "['Monica Geller']"; several speakers are joined by ' & '."""
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            return raw.strip()
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
            return " & ".join(value)
        return raw.strip()

    def load(self, split: str) -> DialogueBatch:
        """The scenes of ``split`` in upstream order, utterances sorted by Utterance_ID."""
        rows = _read_csv(self.root / self.files[_check_split(split)])
        groups: OrderedDict[tuple[str, str, str], list[tuple[int, str, str, str]]] = OrderedDict()
        for i, r in enumerate(rows):
            where = f"{self.files[split]} row {i + 2}"
            label = _check_label(r["Emotion"].strip(), self.label_names, where)
            key = (r["Season"], r["Episode"], r["Scene_ID"])
            groups.setdefault(key, []).append((int(r["Utterance_ID"]), self.speaker_name(r["Speaker"]), r["Utterance"], label))
        dialogues = [
            anonymise(f"emorynlp-{split}-s{s}e{e}c{c}", [(sp, t, lab) for _, sp, t, lab in sorted(turns, key=lambda x: x[0])])
            for (s, e, c), turns in groups.items()
        ]
        return DialogueBatch(tuple(dialogues), self.label_names)


class IEMOCAPAdapter:
    """IEMOCAP in the text layout of COSMIC / InstructERC, which users obtain themselves (no redistribution).

    Accepted files: a data pickle ``[speakers, labels, sentences, train_ids, test_ids, valid_ids]`` (dicts keyed
    by video id; speakers 'M'/'F'; labels 0-5 = happy, sad, neutral, angry, excited, frustrated), read with a
    restricted unpickler that refuses anything but builtin data; or the same content as JSON
    ``{"speakers", "labels", "sentences", "train", "test", "valid"}``. COSMIC's feature pickles also hold
    numpy arrays and are refused: export their text fields to the JSON form (see the card).
    """

    label_names = IEMOCAP_LABELS
    _split_keys = {"train": "train", "dev": "valid", "test": "test"}

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path} does not exist; pass the IEMOCAP text pickle or JSON you hold")

    def _content(self) -> dict[str, Any]:
        if self.path.suffix.lower() == ".json":
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise InputError(f"{self.path}: expected a JSON object with speakers/labels/sentences/train/test/valid")
            return data
        from emozoo_text.safe_pickle import load_data_pickle

        data = load_data_pickle(self.path)
        if not isinstance(data, (list, tuple)) or len(data) != 6:
            got = f"a {type(data).__name__} of length {len(data)}" if isinstance(data, (list, tuple)) else type(data).__name__
            raise InputError(
                f"{self.path}: expected [speakers, labels, sentences, train_ids, test_ids, valid_ids], got {got}; "
                "convert other layouts to the JSON form"
            )
        keys = ("speakers", "labels", "sentences", "train", "test", "valid")
        return dict(zip(keys, data))

    def load(self, split: str) -> DialogueBatch:
        """The dialogues of ``split`` ('dev' reads the validation ids) with anonymised speakers."""
        content = self._content()
        missing = [k for k in ("speakers", "labels", "sentences", "train", "test", "valid") if k not in content]
        if missing:
            raise InputError(f"{self.path}: missing fields {missing}")
        ids = content[self._split_keys[_check_split(split)]]
        dialogues = []
        for vid in ids:
            speakers, labels, sentences = content["speakers"][vid], content["labels"][vid], content["sentences"][vid]
            if not len(speakers) == len(labels) == len(sentences):
                raise InputError(f"{self.path}: dialogue {vid!r} has {len(speakers)} speakers, {len(labels)} labels, {len(sentences)} sentences")
            turns = []
            for pos, (sp, lab, text) in enumerate(zip(speakers, labels, sentences)):
                if lab is None or (isinstance(lab, int) and lab < 0):
                    name = None
                elif isinstance(lab, int) and not isinstance(lab, bool) and lab < len(self.label_names):
                    name = self.label_names[lab]
                else:
                    raise LabelError(f"{self.path}: dialogue {vid!r} utterance {pos}: label {lab!r} is not in 0..{len(self.label_names) - 1}")
                turns.append((str(sp), str(text), name))
            dialogues.append(anonymise(f"iemocap-{vid}", turns))
        return DialogueBatch(tuple(dialogues), self.label_names)

"""GoEmotions and EmoBank readers and adapters: the real files' documented counts, the Ekman grouping, the low-resource
subset, and every bad-input rule (on small files written here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from emozoo.errors import ConfigError, InputError
from emozoo_text import emobank, goemotions
from emozoo_text.adapters import EmoBankAdapter, GoEmotionsAdapter, subset_positions
from emozoo_text.errors import CorpusFormatError, TextDataError

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
real_goemotions = pytest.mark.skipif(not (SHARED / "goemotions" / "train.tsv").is_file(), reason="../shared/data/goemotions absent")
real_emobank = pytest.mark.skipif(not (SHARED / "emobank" / "emobank.csv").is_file(), reason="../shared/data/emobank absent")


def _goemotions(tmp_path: Path, train: str, dev: str = "ok text\t27\td1\n", test: str = "fine\t0,27\tt1\n") -> Path:
    (tmp_path / "emotions.txt").write_text("\n".join(goemotions.EMOTIONS) + "\n", encoding="utf-8")
    for name, body in (("train.tsv", train), ("dev.tsv", dev), ("test.tsv", test)):
        (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


@real_goemotions
def test_real_goemotions_matches_its_documented_counts() -> None:
    fold = next(GoEmotionsAdapter().folds(data_dir=SHARED / "goemotions"))
    assert (len(fold.train), len(fold.val), len(fold.test)) == (43410, 5426, 5427)
    per_row = fold.test.labels.sum(1).long()
    assert torch.bincount(per_row).tolist()[1:] == [4590, 774, 61, 2]  # SOURCE.md: 1, 2, 3 and 4 labels per test row
    assert fold.train.label_names == goemotions.EMOTIONS and fold.train.multi_label
    assert "My favourite food is anything I didn't have to cook myself." == fold.train.texts[0]
    assert fold.manifest.extra["dropped_empty"] == {"train": [], "dev": [], "test": []}
    ekman = next(GoEmotionsAdapter().folds(data_dir=SHARED / "goemotions", labels="ekman"))
    assert ekman.train.label_names == goemotions.EKMAN and ekman.train.labels.shape == (43410, 7)
    assert ekman.manifest.dataset == "goemotions-ekman"
    import emozoo

    registered = emozoo.load_folds("goemotions-ekman", data_dir=SHARED / "goemotions")[0]
    assert registered.train.label_names == goemotions.EKMAN and torch.equal(registered.test.labels, ekman.test.labels)


def test_ekman_grouping_covers_every_emotion_once() -> None:
    members = [e for group in goemotions.EKMAN_GROUPS.values() for e in group]
    assert sorted(members) == sorted(goemotions.EMOTIONS) and len(members) == 28
    ids = {e: i for i, e in enumerate(goemotions.EMOTIONS)}
    assert goemotions.to_ekman((ids["annoyance"], ids["curiosity"])) == (0, 5)  # anger group, surprise group
    assert goemotions.to_ekman((ids["joy"], ids["love"])) == (3,)  # both joy: counted once
    assert goemotions.to_ekman((ids["neutral"],)) == (6,)


def test_goemotions_rules_on_written_files(tmp_path: Path) -> None:
    root = _goemotions(tmp_path, 'a "quoted, text"\t2,2,17\tc1\n   \t27\tc2\nthird\t3\tc3\n')
    fold = next(GoEmotionsAdapter().folds(data_dir=root))
    assert fold.train.texts == ('a "quoted, text"', "third")  # the whitespace-only row is dropped and counted
    assert fold.manifest.extra["dropped_empty"]["train"] == ["c2"]
    assert fold.train.labels[0].nonzero().flatten().tolist() == [2, 17]  # the repeated id counts once
    for body, match in (("x\t28\tc\n", "not one of 0..27"), ("x\t\tc\n", "no emotion id"), ("x\t-1\tc\n", "not one of"),
                        ("x\t1\n", "3 tab-separated columns"), ("x\tjoy\tc\n", "not one of")):  # fmt: skip
        with pytest.raises(CorpusFormatError, match=match):
            next(GoEmotionsAdapter().folds(data_dir=_goemotions(tmp_path, body)))
    (tmp_path / "train.tsv").write_bytes(b"caf\xe9\t1\tc1\n")
    with pytest.raises(CorpusFormatError, match="not valid UTF-8.*line 1"):
        GoEmotionsAdapter().load("train", data_dir=tmp_path)
    (tmp_path / "emotions.txt").write_text("joy\nanger\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="differ from the paper's 28"):
        GoEmotionsAdapter().load("dev", data_dir=tmp_path)
    with pytest.raises(TextDataError, match="does not exist"):
        GoEmotionsAdapter().load("dev", data_dir=tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="labels="):
        GoEmotionsAdapter().load("dev", data_dir=root, labels="plutchik")
    with pytest.raises(CorpusFormatError, match="split 'val'"):
        goemotions.read_split(root, "val")
    assert issubclass(CorpusFormatError, InputError)


@real_emobank
def test_real_emobank_matches_its_documented_counts() -> None:
    splits = EmoBankAdapter().load_all(data_dir=SHARED / "emobank")
    assert {s: len(b) for s, b in splits.items()} == {"train": 8062, "dev": 1000, "test": 1000}
    dev = dict(zip(splits["dev"].ids, splits["dev"].texts))
    assert dev["easy_money_13624_13628"] == "None"  # a sentence, never a missing value (pandas' default reads NaN)
    targets = torch.cat([b.targets for b in splits.values()])
    assert targets.shape == (10062, 3) and float(targets.min()) >= 1.0 and float(targets.max()) <= 5.0
    assert splits["train"].target_names == ("V", "A", "D")


def test_emobank_rules_on_written_files(tmp_path: Path) -> None:
    header = "id,split,V,A,D,text\n"
    (tmp_path / "emobank.csv").write_text(header + "a,train,3.0,3.1,2.9,NA\nb,train,2,2,2,  \nc,dev,4,4,4,\"x, y\"\nd,test,1,5,3,z\n", encoding="utf-8")
    fold = next(EmoBankAdapter().folds(data_dir=tmp_path))
    assert fold.train.texts == ("NA",) and fold.manifest.extra["dropped_empty"]["train"] == ["b"]
    assert fold.val.texts == ("x, y",) and fold.test.targets.tolist() == [[1.0, 5.0, 3.0]]
    for body, match in (("e,train,6,3,3,t\n", "not a rating in"), ("e,train,x,3,3,t\n", "not a rating"),
                        ("e,val,3,3,3,t\n", "split 'val'"), ("a,train,3,3,3,t\na,dev,3,3,3,u\n", "appears twice")):  # fmt: skip
        (tmp_path / "emobank.csv").write_text(header + body, encoding="utf-8")
        with pytest.raises(CorpusFormatError, match=match):
            emobank.read_all(tmp_path)
    (tmp_path / "emobank.csv").write_text("id,split,V,A,text\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="lacks column"):
        emobank.read_all(tmp_path)


def test_low_resource_subset_is_seeded_sized_and_ordered(tmp_path: Path) -> None:
    rows = "".join(f"text {i}\t{i % 28}\tc{i}\n" for i in range(40))
    root = _goemotions(tmp_path, rows)
    a = next(GoEmotionsAdapter().folds(data_dir=root, train_fraction=0.1, subset_seed=3))
    b = next(GoEmotionsAdapter().folds(data_dir=root, train_fraction=0.1, subset_seed=3))
    c = next(GoEmotionsAdapter().folds(data_dir=root, train_fraction=0.1, subset_seed=4))
    assert len(a.train) == 4 and a.train.ids == b.train.ids and a.train.ids != c.train.ids
    assert list(a.train.ids) == sorted(a.train.ids, key=lambda s: int(s[1:]))  # file order kept
    assert a.manifest.seed == 3 and a.manifest.splits["train"] == a.train.ids
    assert np.array_equal(subset_positions(10, 1.0, 0), np.arange(10)) and len(subset_positions(10, 0.01, 0)) == 1
    assert len(subset_positions(10, 0.25, 0)) == 3  # round half up: 2.5 -> 3
    for bad in (0, 1.5, True, "0.1"):
        with pytest.raises(ConfigError, match="train_fraction"):
            next(GoEmotionsAdapter().folds(data_dir=root, train_fraction=bad))

"""The muxspace face set: checked reading, the identity rule, corrupt files refused, person-disjoint folds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emozoo_face.adapters import MuxspaceFacesAdapter, carve_same_units, group_split
from emozoo_face.dataset import load_faces, person_of
from emozoo_face.errors import CorruptDataError, FaceDataError

import emozoo
from emozoo.data.batches import ImageBatch
from emozoo.errors import ConfigError, LabelError

NAMES = np.array(["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"])
SOURCE_COUNTS = {"neutral": 6864, "happiness": 5693, "surprise": 366, "sadness": 267, "anger": 251, "disgust": 207, "fear": 20, "contempt": 9}


@pytest.mark.parametrize(
    "name, person",
    [("AJ_Cook_0001.jpg", "ajcook"), ("HrithikRoshan_198.jpg", "hrithikroshan"), ("George_W_Bush_0520.JPG", "georgewbush"),
     ("face7.png", "face"), ("portrait.jpg", None), ("12.jpg", None), ("x_12.gif", None)],
)
def test_identity_rule(name, person) -> None:
    assert person_of(name) == person


def test_the_real_set_matches_its_source_md(face_dir) -> None:
    faces = load_faces(face_dir)
    assert faces.images.shape == (13677, 48, 48) and faces.images.dtype == np.uint8
    counts = dict(zip(faces.label_names, np.bincount(faces.labels, minlength=8).tolist()))
    assert counts == SOURCE_COUNTS
    assert faces.unparsed == 0 and len(set(faces.persons)) == 5613
    assert emozoo.get_registry().get_dataset("muxspace-faces").label_names == faces.label_names


def test_unparseable_names_become_their_own_group(toy_npz) -> None:
    faces = load_faces(toy_npz(["a_1.jpg", "a_2.jpg", "odd.jpg", "other.png"], [0, 1, 2, 3]))
    assert faces.persons == ("a", "a", "?odd.jpg", "?other.png") and faces.unparsed == 2


@pytest.mark.parametrize(
    "override, match",
    [
        ({"images": np.zeros((3, 48, 48), np.float32)}, "uint8"),
        ({"labels": np.array([0, 1, 9])}, "labels reach"),
        ({"labels": np.array([0, 1])}, "one per image"),
        ({"label_names": NAMES[::-1]}, "expected"),
        ({"filenames": np.array(["a_1.jpg", "a_1.jpg", "b_1.jpg"])}, "repeat"),
    ],
)
def test_bad_arrays_are_refused(toy_npz, override, match) -> None:
    folder = toy_npz(["a_1.jpg", "a_2.jpg", "b_1.jpg"], [0, 1, 2], override)
    with pytest.raises(CorruptDataError, match=match):
        load_faces(folder)


def test_corrupt_and_foreign_files_are_refused(toy_npz, tmp_path) -> None:
    folder = toy_npz(["a_1.jpg", "a_2.jpg", "b_1.jpg"], [0, 1, 2])
    path = folder / "faces_48x48.npz"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(CorruptDataError, match="not a readable npz"):
        load_faces(folder)
    path.write_bytes(b"not a zip at all")
    with pytest.raises(CorruptDataError):
        load_faces(folder)
    np.savez(path, images=np.zeros((1, 48, 48), np.uint8))  # arrays missing
    with pytest.raises(CorruptDataError, match="lacks"):
        load_faces(folder)
    np.savez(path, images=np.zeros((1, 48, 48), np.uint8), labels=np.zeros(1, np.int64), label_names=NAMES,
             filenames=np.array([{"x": 1}], dtype=object))  # an object array: would need unpickling
    with pytest.raises(CorruptDataError, match="unpickling"):
        load_faces(folder)
    with pytest.raises(FaceDataError, match="does not exist"):
        load_faces(tmp_path / "nowhere")
    with pytest.raises(FaceDataError, match="no data_dir"):
        load_faces(None)


def test_same_units_carve_rule(toy_npz) -> None:
    files = [f"p_{i}.jpg" for i in range(1, 5)] + ["q_1.jpg", "q_2.jpg", "r_1.jpg"]
    faces = load_faces(toy_npz(files, [0, 0, 0, 0, 1, 1, 2]))
    kept, pooled = carve_same_units(np.arange(7), faces, 0.5)
    # p (4 of class 0): k = 2 at positions floor(0.5 * 4 / 2) = 1 and floor(1.5 * 4 / 2) = 3 -> p_2, p_4; q (2): k = 1 -> q_2; r alone stays
    assert [faces.filenames[i] for i in pooled] == ["p_2.jpg", "p_4.jpg", "q_2.jpg"]
    assert sorted(kept.tolist() + pooled.tolist()) == list(range(7))


@pytest.fixture(scope="module")
def fold1(face_dir):
    return next(MuxspaceFacesAdapter().folds(data_dir=face_dir, protocol="augmentation", folds=[1], ceilings=True))


def test_folds_are_person_disjoint_and_cover_the_set(face_dir, fold1) -> None:
    faces = load_faces(face_dir)
    person = dict(zip(faces.filenames, faces.persons))
    splits = fold1.manifest.splits
    parts = ["train", "val", "test", "pool_same_units", "pool_new_units"]
    names = [n for p in parts for n in splits[p]]
    assert sorted(names) == sorted(faces.filenames)  # every image in exactly one split
    people = {p: {person[n] for n in splits[p]} for p in parts}
    for a in ("val", "test", "pool_new_units"):
        for b in parts:
            if a != b and not {a, b} == {"train", "pool_same_units"}:
                assert not people[a] & people[b], (a, b)
    assert people["pool_same_units"] <= people["train"]  # more faces of the training people
    extra = fold1.manifest.extra
    assert extra["unparsed_identities"] == 0 and extra["persons"] == 5613
    assert extra["class_counts"]["test"] == np.bincount(fold1.test.labels.numpy(), minlength=8).tolist()


def test_fold_batches_hold_the_stored_pixels(face_dir, fold1) -> None:
    faces = load_faces(face_dir)
    index = {n: i for i, n in enumerate(faces.filenames)}
    assert isinstance(fold1.train, ImageBatch) and fold1.train.images.shape[1:] == (1, 48, 48)
    pick = [index[n] for n in fold1.manifest.splits["test"][:5]]
    assert torch.equal(fold1.test.images[:5, 0], torch.from_numpy(faces.images[pick].astype(np.float32) / 255.0))
    assert fold1.test.labels[:5].tolist() == faces.labels[pick].tolist()
    assert fold1.train.source.dataset == "muxspace-faces" and "Apache" in fold1.train.source.license


def test_test_parts_partition_the_set(face_dir) -> None:
    faces = load_faces(face_dir)
    parts = group_split(faces.labels, faces.persons, 5, 0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(faces)))
    persons = [set(np.asarray(faces.persons)[p].tolist()) for p in parts]
    assert all(not persons[i] & persons[j] for i in range(5) for j in range(i + 1, 5))


def test_bad_fold_options(face_dir, toy_npz) -> None:
    adapter = MuxspaceFacesAdapter()
    for kw, match in (({"folds": [6]}, "1..5"), ({"n_folds": 1}, "n_folds"), ({"val_fraction": 1.5}, "between 0 and 1"),
                      ({"ceilings": True, "pool_fraction": 0}, "between 0 and 1")):
        with pytest.raises(ConfigError, match=match):
            next(adapter.folds(data_dir=face_dir, protocol="recognition", **kw))
    # a class left with no training image after the carve-outs is refused for generators, named
    folder = toy_npz([f"p{i}_1.jpg" for i in range(12)], [0] * 6 + [1] * 5 + [2])
    with pytest.raises(LabelError, match="no training image"):
        list(adapter.folds(data_dir=folder, protocol="augmentation", n_folds=2, val_fraction=None))

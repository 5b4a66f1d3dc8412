"""Learnable stand-ins for CMU-MOSI/MOSEI in the published shapes (no open MOSI/MOSEI features exist here).

The sentiment is a sum of four components, s = u_shared + u_text + u_audio + u_vision, rounded to MOSI's 1/3 grid
in [-3, 3]. Every modality observes a *shared* latent sequence (a random walk, a per-sample constant and u_shared)
through its own fixed random map, plus a *private* latent sequence (its own walk and its own u_m) through a second
map, plus noise. So

- the shared part of a missing modality can be recovered from the others (recovery can beat zero-fill), its private
  part cannot (recovery is only ever partial), and
- every modality carries label information (u_m) that no other modality has, so losing one costs accuracy.

Before this split every modality was a map of one latent, so zero-filling lost nothing a fusion model needed.

With ``speakers`` every utterance belongs to a speaker, and each speaker adds its own constant offset to the shared
latent (so it shows in every modality). Utterances of one speaker are then not independent, so the independent unit
of a benchmark is the speaker: :func:`speaker_folds` splits speakers, never utterances, between train and test and
names each fold's test speaker as its ``Fold.unit``. Without ``speakers`` the data are exactly the old toy's.
Everything built from this module is synthetic and must be called so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from emozoo.data.batches import MultimodalBatch
from emozoo.data.folds import Fold
from emozoo.data.manifest import SplitManifest, sha256_array
from emozoo.errors import ConfigError

MOSI_DIMS = (768, 5, 20)
MOSEI_DIMS = (768, 74, 35)
SHARED_RANGE = 1.5  # u_shared ~ U(-1.5, 1.5)
PRIVATE_RANGE = 0.5  # u_m ~ U(-0.5, 0.5) per modality, so s lies in [-3, 3]


def make_toy(
    n: int,
    seed: int,
    dims: tuple[int, int, int] = MOSI_DIMS,
    length: int = 50,
    latent: int = 4,
    noise: tuple[float, float, float] = (0.3, 0.6, 0.5),
    world_seed: int = 1234,
    temporal: float = 0.6,
    static: float = 0.0,
    private: float = 0.5,
    speakers: Sequence[int] | None = None,
    speaker_scale: float = 0.5,
) -> MultimodalBatch:
    """``n`` samples; ``world_seed`` fixes the modality maps (shared by splits), ``seed`` the samples.

    Shared latent: ``temporal`` x a normalised random walk + ``static`` x a per-sample constant + u_shared along a
    fixed direction. Private latent of modality m: ``temporal`` x its own walk + u_m along its own direction, scaled
    by ``private`` (0 makes every modality a map of the shared latent alone, the old toy). ``speakers``: the speaker
    ids the utterances belong to, in equal contiguous blocks (:func:`speaker_of`); speaker s adds ``speaker_scale``
    x its own offset (fixed by ``world_seed`` and s, whatever the split) to the shared latent. None: no speakers."""
    offsets = None if speakers is None else speaker_offsets(speaker_of(n, speakers), latent, world_seed, speaker_scale)
    world = np.random.default_rng(world_seed)

    def direction() -> np.ndarray:
        d = world.normal(size=latent)
        return d / np.linalg.norm(d)

    shared_dir = direction()
    shared_maps = [world.normal(size=(latent, d)) / np.sqrt(latent) for d in dims]
    private_dirs = [direction() for _ in dims]
    private_maps = [world.normal(size=(latent, d)) / np.sqrt(latent) for d in dims]
    rng = np.random.default_rng(seed)
    norm = np.sqrt(np.arange(1, length + 1))[None, :, None]

    def walk() -> np.ndarray:
        return rng.normal(size=(n, length, latent)).cumsum(axis=1) / norm

    u_shared = rng.uniform(-SHARED_RANGE, SHARED_RANGE, size=n)
    u_private = rng.uniform(-PRIVATE_RANGE, PRIVATE_RANGE, size=(3, n))
    # each component is scaled to the same latent amplitude, so a unit of sentiment is equally visible everywhere
    h_shared = temporal * walk() + static * rng.normal(size=(n, 1, latent)) + (u_shared / SHARED_RANGE * 1.5)[:, None, None] * shared_dir
    if offsets is not None:
        h_shared = h_shared + offsets[:, None, :]
    feats = {}
    for i, (name, sd) in enumerate(zip(("text", "audio", "vision"), noise)):
        h_own = temporal * walk() + (u_private[i] / PRIVATE_RANGE * 1.5)[:, None, None] * private_dirs[i]
        x = h_shared @ shared_maps[i] + private * (h_own @ private_maps[i]) + sd * rng.normal(size=(n, length, dims[i]))
        feats[name] = torch.from_numpy(x.astype(np.float32))
    s = np.clip(u_shared + u_private.sum(axis=0), -3.0, 3.0)
    return MultimodalBatch(features=feats, labels=torch.from_numpy(np.round(s * 3) / 3).float())


def speaker_of(n: int, speakers: Sequence[int]) -> np.ndarray:
    """The speaker id of each of ``n`` utterances: ``speakers`` in order, in equal contiguous blocks."""
    ids = np.asarray(list(speakers), dtype=np.int64)
    if ids.ndim != 1 or len(ids) == 0 or len(set(ids.tolist())) != len(ids):
        raise ConfigError(f"speakers: expected distinct speaker ids, got {list(speakers)!r}; pass e.g. range(16)")
    if n < len(ids):
        raise ConfigError(f"speakers: {len(ids)} speakers for {n} utterances; give every speaker at least one utterance")
    return ids[np.arange(n) * len(ids) // n]


def speaker_offsets(ids: np.ndarray, latent: int, world_seed: int, scale: float) -> np.ndarray:
    """[N, latent]: each utterance's speaker offset, ``scale`` x N(0, I) drawn from (``world_seed``, speaker id)."""
    table = {int(s): np.random.default_rng([world_seed, 7, int(s)]).normal(size=latent) for s in np.unique(ids)}
    return scale * np.stack([table[int(s)] for s in ids])


def speaker_split(
    n_train_speakers: int,
    n_test_speakers: int,
    per_speaker: int,
    *,
    dims: tuple[int, int, int] = MOSI_DIMS,
    length: int = 50,
    seeds: tuple[int, int] = (100, 200),
    **toy: object,
) -> tuple[MultimodalBatch, MultimodalBatch, np.ndarray, np.ndarray]:
    """(train, test, train speaker of each utterance, test speaker of each utterance), speaker-disjoint.

    Train speakers are ``0 .. n_train_speakers - 1``, test speakers the next ``n_test_speakers``; each speaker has
    ``per_speaker`` utterances; ``seeds`` draw the train and test utterances; ``toy`` goes to :func:`make_toy`."""
    if min(n_train_speakers, n_test_speakers, per_speaker) < 1:
        raise ConfigError(
            f"speaker_split: need at least one train speaker, one test speaker and one utterance per speaker, got "
            f"{n_train_speakers}, {n_test_speakers}, {per_speaker}"
        )
    train_ids = list(range(n_train_speakers))
    test_ids = list(range(n_train_speakers, n_train_speakers + n_test_speakers))
    n_train, n_test = n_train_speakers * per_speaker, n_test_speakers * per_speaker
    train = make_toy(n_train, seed=seeds[0], dims=dims, length=length, speakers=train_ids, **toy)  # type: ignore[arg-type]
    test = make_toy(n_test, seed=seeds[1], dims=dims, length=length, speakers=test_ids, **toy)  # type: ignore[arg-type]
    return train, test, speaker_of(n_train, train_ids), speaker_of(n_test, test_ids)


def speaker_folds(n_train_speakers: int, n_test_speakers: int, per_speaker: int, **kwargs: object) -> list[Fold]:
    """Speaker-grouped folds of the toy (:func:`speaker_split`): one fold per test speaker, ``Fold.unit`` = it.

    No speaker is in both train and test (the manifests' leak check enforces it). Every fold shares the same
    ``train`` batch (the same object), so a benchmark may fit once and score each fold's test speaker; a fold's
    ``test`` holds only its speaker's utterances. Intervals over these units measure how a result varies over new
    speakers for one training set (and its seeds), not over training sets."""
    train, test, train_who, test_who = speaker_split(n_train_speakers, n_test_speakers, per_speaker, **kwargs)  # type: ignore[arg-type]
    parts = [b.features[m].numpy().ravel() for b in (train, test) for m in sorted(b.features)]
    digest = sha256_array(np.concatenate(parts + [train.labels.numpy(), test.labels.numpy()]))
    train_utts = tuple(f"{speaker_unit(s)}/{i}" for i, s in enumerate(train_who))
    folds = []
    for s in np.unique(test_who):
        rows = np.flatnonzero(test_who == s)
        unit = speaker_unit(s)
        manifest = SplitManifest(
            dataset="synthetic-mosi-speakers", protocol="completion", fold=unit, data_sha256=digest,
            splits={"train": train_utts, "test": tuple(f"{unit}/{i}" for i in rows)},
            extra={"n_train_speakers": n_train_speakers, "per_speaker": per_speaker},
        )  # fmt: skip
        folds.append(Fold(unit, train, test.index(rows.tolist()), manifest, unit=unit))
    return folds


def speaker_unit(speaker: int) -> str:
    """The unit name of a speaker id (``spk007``), as :func:`speaker_folds` names folds and units."""
    return f"spk{int(speaker):03d}"

"""Reliability and security checks of emozoo: fuzzed bad inputs, hostile artifacts, injected faults, determinism, soak.

The test suite (``tests/test_reliability_*.py``) runs these checks with small counts; run this script to
repeat them at larger counts and write ``benchmarks/results/reliability.{json,md}``:

    python benchmarks/reliability.py [--examples 1000] [--soak 1000]

Every check returns a tally (tried / handled / failures). A *failure* is an exception that is not an
``emozoo.errors.EmozooError`` (an internal traceback), a bad input that was silently accepted, or an
accepted input whose output is not finite. Nothing here downloads anything: the only servers are the hostile
Hubs of the issue #13 attack classes (``attack_*``), on 127.0.0.1, which stop by themselves.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import hashlib
import json
import math
import os
import pickle
import platform
import re
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

REPO = Path(__file__).resolve().parents[1]
TOY_SRC = REPO / "tests" / "fixtures" / "emozoo-toy"
RESULTS = REPO / "benchmarks" / "results"
PLUGIN_METHODS = ("cwgan", "vae-d2gan", "imder")
SENTINEL_ENV = "EMOZOO_RELIABILITY_SENTINEL"


# --- bookkeeping ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    """Counts of one check: distinct inputs tried, handled (typed error or valid output), and failures."""

    name: str
    tried: int = 0
    handled: int = 0
    errors: Counter = dataclasses.field(default_factory=Counter)
    failures: list[str] = dataclasses.field(default_factory=list)
    _seen: set = dataclasses.field(default_factory=set, repr=False)

    def record(self, key: str, outcome: str | None, failure: str | None = None) -> None:
        """Count one input once (by its repr key); ``outcome`` names the typed error or 'accepted'."""
        if key in self._seen:
            return
        self._seen.add(key)
        self.tried += 1
        if failure is None:
            self.handled += 1
            self.errors[outcome or "accepted"] += 1
        else:
            self.failures.append(failure)

    def to_dict(self) -> dict[str, Any]:
        return {"tried": self.tried, "handled": self.handled, "outcomes": dict(sorted(self.errors.items())),
                "failures": self.failures[:20]}


def _key(value: Any) -> str:
    """A stable identity of a fuzzed input (tensors by dtype, shape and bytes)."""
    if isinstance(value, torch.Tensor):
        return f"T{value.dtype}{tuple(value.shape)}{value.detach().cpu().numpy().tobytes().hex()[:256]}"
    if isinstance(value, np.ndarray):
        return f"A{value.dtype}{value.shape}{value.tobytes().hex()[:256] if value.dtype != object else repr(value.tolist())}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_key(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__ + "[" + ",".join(_key(v) for v in value) + "]"
    return f"{type(value).__name__}:{value!r}"


def classify(tally: Tally, key: str, call: Callable[[], Any], valid: Callable[[Any], str | None], *, must_fail: bool) -> None:
    """Run ``call`` once: a typed EmozooError is handled; any other exception, or accepted garbage, is a failure."""
    from emozoo.errors import EmozooError

    try:
        out = call()
    except EmozooError as exc:
        tally.record(key, type(exc).__name__)
        return
    except Exception as exc:  # the very thing this check hunts for
        where = traceback.extract_tb(exc.__traceback__)[-1]
        tally.record(key, None, f"{type(exc).__name__}: {str(exc)[:160]} at {Path(where.filename).name}:{where.lineno} [{key[:120]}]")
        return
    if must_fail:
        tally.record(key, None, f"accepted a bad input silently [{key[:160]}]")
        return
    problem = valid(out)
    tally.record(key, "accepted", None if problem is None else f"garbage output: {problem} [{key[:160]}]")


def run_property(strategy: st.SearchStrategy, body: Callable[[Any], None], examples: int, seed: int = 0) -> None:
    """Drive ``body`` with ``examples`` inputs drawn from ``strategy`` (hypothesis, derandomised, no deadline)."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True, print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(case: Any) -> None:
        body(case)

    prop()


# --- registry -------------------------------------------------------------------------------------


@contextlib.contextmanager
def zoo_registry(with_plugins: bool = True) -> Iterator[Any]:
    """A process registry with the toy fixture plugin (and the installed plugins), one torch thread; restored afterwards."""
    import importlib

    from emozoo import registry as registry_mod

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models gain nothing from threads; on shared cores they lose a lot
    sys.path.insert(0, str(TOY_SRC))
    try:
        reg = registry_mod.Registry(autoload=with_plugins)
        reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
        registry_mod.reset_registry(reg)
        yield reg
    finally:
        torch.set_num_threads(threads)
        registry_mod.reset_registry(None)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(TOY_SRC))


def installed_plugin_methods() -> list[str]:
    """The plugin methods of :data:`PLUGIN_METHODS` that are installed here."""
    from emozoo.registry import get_registry

    known = {s.id for s in get_registry().list_methods()}
    return [m for m in PLUGIN_METHODS if m in known]


# --- strategies -----------------------------------------------------------------------------------

_DTYPES = [np.float32, np.float64, np.int64, np.int8, np.uint8, np.bool_, np.complex64, np.dtype("U3")]
_FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=32)


def _arrays(max_dims: int = 4, max_side: int = 4) -> st.SearchStrategy:
    shapes = hnp.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side)
    return st.sampled_from(_DTYPES).flatmap(lambda dt: hnp.arrays(dt, shapes))


def garbage() -> st.SearchStrategy:
    """Values a caller might wrongly pass where a tensor belongs."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _FLOATS, st.text(max_size=4), st.binary(max_size=4))
    return st.one_of(
        scalars,
        _arrays(),
        _arrays().map(lambda a: torch.from_numpy(a) if a.dtype.kind in "biufc" else a),
        st.lists(st.lists(_FLOATS, max_size=3), max_size=3),  # ragged nested lists
        st.dictionaries(st.text(max_size=3), scalars, max_size=2),
        st.lists(scalars, max_size=3),
    )


def _near_valid(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Float arrays of about ``shape`` with a chance of NaN/inf, a wrong size, or zero rows."""
    sizes = st.tuples(*[st.sampled_from([s, 0, 1, s + 1]) for s in shape])
    extra = st.sampled_from([(), (1,), (2, 2)])
    return st.tuples(sizes, extra, st.booleans()).flatmap(
        lambda t: hnp.arrays(np.float32, t[0] + (t[1] if t[2] else ()), elements=_FLOATS if t[2] else st.floats(-3, 3, width=32))
    )


def _nonfinite(shape: tuple[int, ...]) -> st.SearchStrategy:
    """Float arrays of exactly ``shape`` with one NaN or infinity in them (a finiteness check must catch it)."""
    size = int(np.prod(shape))
    return st.tuples(st.integers(0, size - 1), st.sampled_from([np.nan, np.inf, -np.inf])).map(
        lambda t: np.where(np.arange(size) == t[0], t[1], 0.5).astype(np.float32).reshape(shape)
    )


def _finite(x: Any) -> bool:
    if isinstance(x, torch.Tensor):
        return bool(torch.isfinite(x).all()) if x.is_floating_point() else True
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, dict):
        return all(_finite(v) for v in x.values())
    return True


# --- 1. bad inputs to the public API --------------------------------------------------------------


def _plausible_features(x: Any) -> bool:
    """True when ``x`` could be valid physiological features: real numbers, 2-4 dims, no empty dim, finite."""
    if isinstance(x, (str, bytes, dict)) or x is None:
        return False
    try:
        arr = x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
        if arr.dtype.kind not in "biuf":
            return False
        with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is judged below, like the batch does
            arr = arr.astype(np.float32)
    except (ValueError, TypeError, OverflowError):
        return False
    return arr.ndim in (2, 3, 4) and 0 not in arr.shape and bool(np.isfinite(arr).all())


def fuzz_batches(examples: int) -> Tally:
    """EEGBatch / PhysioBatch / MultimodalBatch / DialogueBatch constructors with garbage and near-valid input."""
    from emozoo.data import batches as B

    t = Tally("batches")
    labels = st.one_of(garbage(), st.lists(st.integers(-3, 1 << 40), min_size=0, max_size=4),
                       st.lists(st.integers(-2, 4), min_size=3, max_size=3), st.lists(st.floats(-1, 3), min_size=3, max_size=3))

    def eeg(case: Any) -> None:
        feats, lab, modality = case
        bad = modality != "eeg" or not _plausible_features(feats)

        def valid(b: Any) -> str | None:
            if not _finite(b.features) or b.features.ndim not in (2, 3, 4) or len(b) == 0:
                return f"features {b.features.shape}"
            if b.labels is not None and (b.labels.dtype != torch.int64 or bool((b.labels < 0).any()) or len(b.labels) != len(b)):
                return f"labels {b.labels}"
            return None

        classify(t, "eeg" + _key(case), lambda: B.EEGBatch(features=feats, labels=lab, modality=modality), valid, must_fail=bad)

    modality = st.sampled_from(["eeg", "eeg", "EEG", "ecg", ""])
    run_property(st.tuples(garbage(), st.one_of(st.none(), labels), modality), eeg, examples // 2)
    near = st.one_of(_near_valid((3, 4, 5)), _near_valid((3, 6)), _near_valid((3, 2, 3, 3)), _nonfinite((3, 4, 5)))
    near_labels = st.one_of(st.none(), st.lists(st.integers(-2, 4), min_size=3, max_size=3), st.lists(st.integers(0, 2), min_size=2, max_size=4))
    run_property(st.tuples(near, near_labels, st.sampled_from(["eeg", "eeg", "eeg", "ecg"])), eeg, examples)

    def mm(case: Any) -> None:
        feats, available = case
        classify(t, "mm" + _key(case), lambda: B.MultimodalBatch(features=feats, available=available),
                 lambda b: None if _finite(b.features) and all(m.dtype == torch.bool for m in b.available.values()) else "features/mask",
                 must_fail=False)

    mods = st.sampled_from(["text", "audio", "vision", "Text", "video", "eeg"])
    mm_feats = st.one_of(garbage(), st.dictionaries(mods, st.one_of(_near_valid((2, 3, 4)), garbage()), max_size=3))
    masks = st.one_of(st.none(), garbage(), st.dictionaries(mods, st.one_of(garbage(), st.lists(st.integers(-1, 2), max_size=3)), max_size=3))
    run_property(st.tuples(mm_feats, masks), mm, examples // 2)
    near_feats = st.dictionaries(mods, _near_valid((2, 3, 4)), min_size=1, max_size=3)
    near_masks = st.one_of(st.none(), st.dictionaries(mods, st.lists(st.sampled_from([True, False, 1, 0, 2]), min_size=1, max_size=3), max_size=3))
    run_property(st.tuples(near_feats, near_masks), mm, examples)

    def dialogue(case: Any) -> None:
        turns, names = case

        def build() -> Any:
            utts = [B.Utterance(speaker=s, text=x, label=lab) for s, x, lab in turns]
            return B.DialogueBatch(dialogues=[B.Dialogue("d0", utts)], label_names=names)

        classify(t, "dlg" + _key(case), build, lambda b: None if b.num_utterances == len(turns) else "lost turns", must_fail=False)

    text = st.one_of(st.text(max_size=3), garbage())
    turns = st.lists(st.tuples(text, text, st.one_of(st.none(), st.sampled_from(["joy", "anger", "jy"]), garbage())), max_size=3)
    names = st.one_of(garbage(), st.lists(st.one_of(st.sampled_from(["joy", "anger", "joy"]), garbage()), max_size=3))
    run_property(st.tuples(turns, names), dialogue, examples // 2)
    word = st.sampled_from(["joy", "anger", "jy", "", "neutral"])
    near_turns = st.lists(st.tuples(word, word, st.one_of(st.none(), word)), min_size=0, max_size=3)
    run_property(st.tuples(near_turns, st.lists(word, max_size=3)), dialogue, examples)
    return t


def fuzz_metrics(examples: int) -> Tally:
    """Every metric with garbage, NaN/inf, empty, mismatched and constant inputs."""
    from emozoo import metrics as M

    t = Tally("metrics")
    names = ["ACC", "UAR", "WF1", "MF1", "CCC", "MAE", "Corr", "RMSE", "ACC2", "Acc-7", "nope"]
    vectors = st.one_of(garbage(), st.lists(st.integers(-3, 3), max_size=5), st.lists(_FLOATS, max_size=5),
                        hnp.arrays(np.float64, st.integers(0, 5), elements=st.floats(-3, 3)))
    same_length = st.integers(1, 6).flatmap(lambda n: st.tuples(
        *[st.one_of(st.lists(st.integers(0, 3), min_size=n, max_size=n), st.lists(st.sampled_from([-3.0, 0.0, 0.5, 2.0, 3.0]),
                    min_size=n, max_size=n)) for _ in range(2)]))
    pairs = st.one_of(st.tuples(vectors, vectors), same_length)

    def body(case: Any) -> None:
        name, (y_true, y_pred) = case
        fn = {"report": M.classification_report, "sentiment": M.sentiment_report}.get(name)
        call = (lambda: fn(y_true, y_pred)) if fn else (lambda: M.compute([name], y_true, y_pred))
        classify(t, name + _key((y_true, y_pred)), call, lambda out: None if _finite(out) else f"{out}", must_fail=False)

    run_property(st.tuples(st.sampled_from([*names, "report", "sentiment"]), pairs), body, examples)
    return t


def json_values(depth: int = 2) -> st.SearchStrategy:
    """Arbitrary JSON-like data (the payloads a hostile config.json / emozoo.json could hold)."""
    leaves = st.one_of(st.none(), st.booleans(), st.integers(-(1 << 70), 1 << 70), st.floats(allow_nan=True), st.text(max_size=6))
    return st.recursive(leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=8)


def fuzz_parsers(examples: int) -> Tally:
    """config_from_dict, SplitManifest.from_dict, read_metadata and the catalogue loader on fuzzed JSON and bytes."""
    from emozoo import catalogue
    from emozoo.artifact import read_metadata
    from emozoo.config import config_from_dict, config_to_dict
    from emozoo.data.manifest import SplitManifest
    from emozoo.registry import get_registry

    t = Tally("parsers")
    classes = [get_registry().get_method(m).load_config_class() for m in ["toy-mlp", *installed_plugin_methods()]]

    def keyed(cls: type) -> st.SearchStrategy:
        fields = [f.name for f in dataclasses.fields(cls)]
        return st.dictionaries(st.sampled_from([*fields, "hiden", ""]), json_values(), max_size=3)

    def config_case(case: Any) -> None:
        cls, data = case
        classify(t, "cfg" + cls.__name__ + _key(data), lambda: config_to_dict(config_from_dict(cls, data)), lambda _: None, must_fail=False)

    run_property(st.sampled_from(classes).flatmap(lambda c: st.tuples(st.just(c), st.one_of(keyed(c), json_values()))), config_case, examples)

    manifest_keys = ["dataset", "protocol", "splits", "data_sha256", "fold", "seed", "extra", "format_version", "x"]
    manifests = st.one_of(json_values(), st.dictionaries(st.sampled_from(manifest_keys), json_values(), max_size=7))
    run_property(manifests, lambda d: classify(t, "man" + _key(d), lambda: SplitManifest.from_dict(d).digest(), lambda _: None, must_fail=False), examples)

    with tempfile.TemporaryDirectory(prefix="emozoo-fuzz-") as tmp:
        root = Path(tmp)

        def file_case(case: Any) -> None:
            kind, payload = case
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            if kind == "metadata":
                (root / "emozoo.json").write_bytes(raw)
                classify(t, "meta" + _key(payload), lambda: read_metadata(root), lambda _: None, must_fail=False)
            else:
                path = root / f"registry-{t.tried}.json"
                path.write_bytes(raw)
                catalogue.clear_cache()
                classify(t, "cat" + _key(payload), lambda: [e.results_text() for e in catalogue.load_catalogue(path)], lambda _: None, must_fail=False)

        meta_keys = ["format", "method", "plugin", "files", "config_sha256"]
        structured = st.one_of(
            st.fixed_dictionaries({"format": st.sampled_from([1, 1, 2, "1"]), "method": json_values(), "plugin": json_values(),
                                   "files": json_values(), "config_sha256": json_values()}),
            st.dictionaries(st.sampled_from(meta_keys), json_values(), max_size=5),
            st.fixed_dictionaries({"methods": st.lists(st.one_of(json_values(), st.fixed_dictionaries(
                {"id": json_values(), "ref": json_values(), "results": json_values(), "implementation": json_values()})), max_size=2)}),
        )
        payload = st.one_of(json_values(), structured, st.binary(max_size=32))
        run_property(st.tuples(st.sampled_from(["metadata", "catalogue"]), payload), file_case, examples)
        catalogue.clear_cache()
    return t


# --- tiny trained models of the installed plugins --------------------------------------------------


def tiny_config(method: str) -> dict[str, Any]:
    """Overrides that make a plugin's model train in about a second on one CPU core."""
    return {
        "toy-mlp": {"epochs": 2},
        "cwgan": {"num_channels": 4, "num_bands": 5, "latent_dim": 8, "generator_hidden": (16,), "critic_hidden": (16,),
                  "batch_size": 16, "epochs": 1, "judge_options": {"hidden": (8,)}, "judge_epochs": 1, "classifier": "mlp",
                  "classifier_options": {"hidden": (8,)}, "classifier_epochs": 1, "synthetic_ratio": 0.5, "select": False},
        "vae-d2gan": {"latent_dim": 8, "width": 8, "batch_size": 16, "epochs": 1, "classifier_epochs": 1, "device": "cpu"},
        "imder": {"feature_dims": (12, 5, 8), "width": 8, "num_heads": 2, "fusion_layers": 1, "memory_layers": 1,
                  "score_channels": (8,), "time_embed_dim": 8, "score_attn_layers": 1, "refine_blocks": 1, "refine_reduction": 4,
                  "sample_steps": 2, "train_sample_steps": 2, "stage1_steps": 2, "stage2_steps": 2, "batch_size": 16,
                  "embed_dropout": 0.0, "attn_dropout_audio": 0.0},
    }[method]


def training_data(method: str, n: int = 24, seed: int = 0) -> Any:
    """A small learnable training set in the input format ``method`` expects."""
    from emozoo.data.batches import EEGBatch

    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    if method == "toy-mlp":
        return torch.randn(n, 8, generator=g) + y[:, None].float(), y
    if method == "imder":
        from emozoo_imder.toy import make_toy

        return make_toy(n, seed, dims=(12, 5, 8), length=6)
    shape = (4, 5) if method == "cwgan" else (62, 5)
    return EEGBatch(features=torch.randn(n, *shape, generator=g) + y[:, None, None].float(), labels=y)


def trained(method: str, seed: int = 0) -> Any:
    """A tiny model of ``method`` fitted on :func:`training_data` (CPU, quiet runtime)."""
    import emozoo
    from emozoo.runtime import Runtime, seed_everything

    seed_everything(seed)  # the initial weights too
    model = emozoo.load(method, **tiny_config(method))
    runtime = Runtime(device="cpu", seed=seed, progress=False)
    model.fit(training_data(method, seed=seed), runtime=runtime)
    return model


def fuzz_models(examples: int, models: dict[str, Any]) -> Tally:
    """predict / generate / fit of fitted tiny models with garbage, wrong-shape, NaN and wrong-modality input."""
    from emozoo.data.batches import EEGBatch, MultimodalBatch, PhysioBatch

    t = Tally("models")

    def valid_prediction(p: Any) -> str | None:
        for name in ("probabilities", "values"):
            value = getattr(p, name, None)
            if value is not None and not _finite(value):
                return f"{name} not finite"
        return None

    def valid_generated(g: Any) -> str | None:
        if isinstance(g, (EEGBatch, PhysioBatch)):
            return None if _finite(g.features) else "samples not finite"
        return None

    for method, model in models.items():
        good = training_data(method, n=6, seed=1)
        eeg_shape = {"cwgan": (4, 5), "vae-d2gan": (62, 5)}.get(method)

        def inputs() -> st.SearchStrategy:
            if method == "imder":
                dims = model.config.feature_dims
                feats = st.fixed_dictionaries({}, optional={m: st.one_of(_near_valid((3, 6, d)), garbage())
                                                            for m, d in zip(("text", "audio", "vision"), dims)})
                wrapped = st.tuples(feats, st.one_of(st.none(), st.dictionaries(st.sampled_from(["text", "audio", "vision"]),
                                                                                 st.lists(st.booleans(), min_size=3, max_size=3), max_size=3)))
                finite = st.integers(1, 3).flatmap(lambda n: st.fixed_dictionaries(
                    {m: hnp.arrays(np.float32, (n, 6, d), elements=st.floats(-1e3, 1e3, width=32)) for m, d in zip(("text", "audio", "vision"), dims)}))
                return st.one_of(garbage(), wrapped.map(lambda c: _try(lambda: MultimodalBatch(features=c[0], available=c[1]))),
                                 finite.map(lambda f: MultimodalBatch(features=f)))
            if eeg_shape is None:  # toy: [N, 8] tensors
                return st.one_of(garbage(), _near_valid((3, 8)).map(torch.from_numpy))
            as_batch = _near_valid((3, *eeg_shape)).map(lambda a: _try(lambda: EEGBatch(features=a)))
            wrong_mod = _near_valid((3, *eeg_shape)).map(lambda a: _try(lambda: PhysioBatch(features=a, modality="ecg")))
            finite = st.integers(1, 4).flatmap(lambda n: hnp.arrays(np.float32, (n, *eeg_shape), elements=st.floats(-1e3, 1e3, width=32)))
            return st.one_of(garbage(), _near_valid((3, *eeg_shape)), _near_valid((3, *eeg_shape)).map(torch.from_numpy), as_batch, wrong_mod,
                             finite, finite.map(lambda a: EEGBatch(features=a)))

        def predict_case(x: Any, method: str = method, model: Any = model) -> None:
            if x is _INVALID:
                return
            classify(t, f"{method}.predict" + _key(x), lambda: model.predict(x), valid_prediction, must_fail=False)

        run_property(inputs(), predict_case, examples)
        if model.can_generate:
            conds = st.one_of(st.none(), st.integers(-2, 5), st.lists(st.integers(-2, 4), max_size=3), garbage())
            ns = st.one_of(st.none(), st.integers(-2, 4), st.floats(allow_nan=True), st.text(max_size=2), st.booleans())

            def generate_case(case: Any, method: str = method, model: Any = model) -> None:
                n, cond = case
                if method == "imder":
                    call = lambda: model.generate(n, condition=cond, batch=good)
                else:
                    call = lambda: model.generate(n, condition=cond, seed=0)
                classify(t, f"{method}.generate" + _key(case), call, valid_generated, must_fail=False)

            run_property(st.tuples(ns, conds), generate_case, examples)

        def fit_case(x: Any, method: str = method) -> None:
            import emozoo

            fresh = emozoo.load(method, **tiny_config(method))
            classify(t, f"{method}.fit" + _key(x), lambda: fresh.fit(x), lambda _: None, must_fail=True)

        for bad in _bad_training_sets(good):  # unlabelled, labels out of range
            fit_case(bad)
        run_property(garbage(), fit_case, max(4, examples // 4))
    return t


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid>"


_INVALID = _Invalid()


def _try(make: Callable[[], Any]) -> Any:
    """Build a batch for a model input; inputs the batch constructor already refuses are skipped."""
    from emozoo.errors import EmozooError

    try:
        return make()
    except EmozooError:
        return _INVALID


def _bad_training_sets(data: Any) -> list[Any]:
    """The training data without labels, and (for class labels) with labels beyond the model's classes."""
    if isinstance(data, tuple):
        return [data[0], (data[0], data[1] + 7)]
    out = [dataclasses.replace(data, labels=None)]
    if data.labels is not None and not data.labels.is_floating_point():
        out.append(dataclasses.replace(data, labels=data.labels + 7))
    return out


# --- 2. hostile artifacts -------------------------------------------------------------------------

_EVIL_PY = "import os, pathlib\npathlib.Path(os.environ['{env}']).write_text('pwned')\n"


class _Evil:
    """Pickles to a call that writes the sentinel file: proves nothing ever unpickles it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({self.path!r}, 'w').write('pwned')",))


def save_toy(directory: Path, seed: int = 0) -> Any:
    """Save a toy model to ``directory`` and return it."""
    import emozoo

    torch.manual_seed(seed)
    model = emozoo.load("toy-mlp")
    model.save_pretrained(directory)
    return model


def _edit_json(name: str, change: Callable[[dict], Any]) -> Callable[[Path], None]:
    def apply(d: Path) -> None:
        data = json.loads((d / name).read_text())
        out = change(data)
        (d / name).write_text(json.dumps(data if out is None else out))
    return apply


def _set_plugin(dist: str, requires: str, method: str | None = None) -> Callable[[dict], None]:
    def change(meta: dict) -> None:
        meta["plugin"] = {"distribution": dist, "version": "9.0.0", "requires": requires}
        if method:
            meta["method"] = method
    return change


def _rewrite_weights(make: Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]) -> Callable[[Path], None]:
    """Replace the weights and re-hash them in emozoo.json, so only the strict loader stands in the way."""
    def apply(d: Path) -> None:
        from safetensors.torch import load_file, save_file

        from emozoo._fileio import sha256_file

        save_file(make(load_file(str(d / "model.safetensors"))), str(d / "model.safetensors"))
        meta = json.loads((d / "emozoo.json").read_text())
        meta["files"]["model.safetensors"] = sha256_file(d / "model.safetensors")
        (d / "emozoo.json").write_text(json.dumps(meta))
    return apply


def _rehash(name: str, mutate: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Corrupt a file and fix its hash in emozoo.json (an attacker who controls the whole repo)."""
    def apply(d: Path) -> None:
        from emozoo._fileio import sha256_file

        (d / name).write_bytes(mutate((d / name).read_bytes()))
        meta = json.loads((d / "emozoo.json").read_text())
        meta["files"][name] = sha256_file(d / name)
        (d / "emozoo.json").write_text(json.dumps(meta))
    return apply


def _header_len(big: int) -> Callable[[bytes], bytes]:
    return lambda b: big.to_bytes(8, "little") + b[8:]


def hostile_cases() -> dict[str, tuple[Callable[[Path], None], tuple[str, ...]]]:
    """name -> (how to spoil a saved toy model directory, the error types that may refuse it)."""
    A, W, C, P, V, U = "ArtifactError", "WeightsError", "ConfigError", "PluginNotInstalledError", "PluginVersionError", "UnknownMethodError"
    big = b'{"a": "' + b"x" * (8 * 1024 * 1024 + 16) + b'"}'
    return {
        "emozoo.json not JSON": (lambda d: (d / "emozoo.json").write_text("{oops"), (A,)),
        "emozoo.json a JSON list": (lambda d: (d / "emozoo.json").write_text("[1, 2]"), (A,)),
        "emozoo.json binary": (lambda d: (d / "emozoo.json").write_bytes(b"\x00\xff\xfe" * 10), (A,)),
        "emozoo.json oversized": (lambda d: (d / "emozoo.json").write_bytes(big), (A,)),
        "emozoo.json deeply nested": (lambda d: (d / "emozoo.json").write_text("[" * 100000 + "]" * 100000), (A,)),
        "emozoo.json future format": (_edit_json("emozoo.json", lambda m: m.update(format=99)), (A,)),
        "emozoo.json method not a string": (_edit_json("emozoo.json", lambda m: m.update(method=["toy-mlp"])), (A,)),
        "emozoo.json plugin not installed": (_edit_json("emozoo.json", _set_plugin("emozoo-nope", "emozoo-nope>=1.0,<2", "nope-method")), (P,)),
        "emozoo.json incompatible plugin version": (_edit_json("emozoo.json", _set_plugin("emozoo-toy", "emozoo-toy>=9.0,<10")), (V,)),
        "emozoo.json garbage version range": (_edit_json("emozoo.json", _set_plugin("emozoo-toy", "emozoo-toy@@!!")), (A, V)),
        "emozoo.json path-traversal file name": (_edit_json("emozoo.json", lambda m: m["files"].update({"../../etc/passwd": "0" * 64})), (A,)),
        "emozoo.json requires another distribution": (_edit_json("emozoo.json", _set_plugin("emozoo-toy", "emozoo-other>=0.1")), (A, V)),
        "emozoo.json lists a missing file": (_edit_json("emozoo.json", lambda m: m["files"].update({"extra.bin": "0" * 64})), (A,)),
        "config.json not JSON": (_rehash("config.json", lambda b: b"{nope"), (A,)),
        "config.json oversized": (lambda d: (d / "config.json").write_bytes(big), (A,)),
        "config.json unknown field (hash fixed)": (_rehash("config.json", lambda b: json.dumps({**json.loads(b), "evil": 1}).encode()), (C,)),
        "config.json wrong type (hash fixed)": (_rehash("config.json", lambda b: json.dumps({**json.loads(b), "hidden": "16"}).encode()), (C,)),
        "config.json tampered": (lambda d: (d / "config.json").write_text('{"hidden": 99}'), (A,)),
        "model.safetensors truncated": (lambda d: (d / "model.safetensors").write_bytes((d / "model.safetensors").read_bytes()[:50]), (A,)),
        "model.safetensors truncated (hash fixed)": (_rehash("model.safetensors", lambda b: b[: len(b) // 2]), (W,)),
        "model.safetensors header corrupt (hash fixed)": (_rehash("model.safetensors", lambda b: b[:8] + b"\xff" * 16 + b[24:]), (W,)),
        "model.safetensors huge header length (hash fixed)": (_rehash("model.safetensors", _header_len(1 << 60)), (W,)),
        "model.safetensors empty (hash fixed)": (_rehash("model.safetensors", lambda b: b""), (W,)),
        "safetensors tensor renamed": (_rewrite_weights(lambda s: {("x." + k if k.endswith("bias") else k): v for k, v in s.items()}), (W,)),
        "safetensors tensor reshaped": (_rewrite_weights(lambda s: {k: (v[:-1] if k == "net.0.weight" else v) for k, v in s.items()}), (W,)),
        "safetensors extra tensor": (_rewrite_weights(lambda s: {**s, "payload": torch.zeros(3)}), (W,)),
        "safetensors wrong dtype": (_rewrite_weights(lambda s: {k: v.to(torch.int32) for k, v in s.items()}), (W,)),
        "emozoo.json other method": (_edit_json("emozoo.json", lambda m: m.update(method="cwgan")), (A, C, P, U, W)),
        "weights replaced by a pickle (hash fixed)": (_rehash("model.safetensors", lambda b: pickle.dumps(_Evil(os.environ[SENTINEL_ENV]))), (W,)),
        "directory is a file": (None, (A,)),  # handled specially
    }


def hostile_artifacts(root: Path) -> Tally:
    """Spoil a saved model in every way of :func:`hostile_cases` and check each load is refused, running nothing."""
    import emozoo

    t = Tally("hostile_artifacts")
    sentinel = root / "pwned"
    os.environ[SENTINEL_ENV] = str(sentinel)
    base = root / "base"
    save_toy(base)
    for i, (name, (spoil, allowed)) in enumerate(hostile_cases().items()):
        d = root / f"case{i}"
        _copy_tree(base, d)
        if spoil is None:
            d = d / "model.safetensors"
        else:
            spoil(d)

        def outcome(d: Path = d) -> Any:
            return emozoo.from_pretrained(d)

        _classify_refusal(t, name, outcome, allowed)
    # code and pickles in a repo are never imported or unpickled; the model still loads from its safetensors
    d = root / "with-code"
    _copy_tree(base, d)
    (d / "modeling_emozoo.py").write_text(_EVIL_PY.format(env=SENTINEL_ENV))
    (d / "__init__.py").write_text(_EVIL_PY.format(env=SENTINEL_ENV))
    (d / "pytorch_model.bin").write_bytes(pickle.dumps(_Evil(str(sentinel))))
    (d / "features.pkl").write_bytes(pickle.dumps(_Evil(str(sentinel))))
    _classify_refusal(t, "repo with .py and pickle files (loads, runs nothing)", lambda: emozoo.from_pretrained(d), ("accepted",))
    for name, loader, allowed in _pickle_loaders():
        path = root / f"evil-{name}.pkl"
        path.write_bytes(pickle.dumps({"x": _Evil(str(sentinel))}))
        _classify_refusal(t, f"malicious __reduce__ pickle via {name}", lambda loader=loader, path=path: loader(path), allowed)
    if sentinel.exists():
        t.failures.append("SECURITY: a hostile file executed code (sentinel written)")
    return t


def _copy_tree(src: Path, dst: Path) -> None:
    import shutil

    shutil.copytree(src, dst)


def _classify_refusal(t: Tally, name: str, call: Callable[[], Any], allowed: tuple[str, ...]) -> None:
    from emozoo.errors import EmozooError

    try:
        call()
    except EmozooError as exc:
        kind = type(exc).__name__
        t.record(name, kind, None if kind in allowed else f"{name}: {kind} ({exc}) not one of {allowed}")
        return
    except Exception as exc:
        t.record(name, None, f"{name}: internal {type(exc).__name__}: {str(exc)[:160]}")
        return
    t.record(name, "accepted", None if "accepted" in allowed else f"{name}: loaded without complaint")


def _pickle_loaders() -> list[tuple[str, Callable[[Path], Any], tuple[str, ...]]]:
    """The restricted unpicklers of the installed plugins (eeg, imder, instructerc)."""
    found = []
    for module, func in (("emozoo_eeg.safe_pickle", "load_array_pickle"), ("emozoo_imder.data", "load_mmsa_pickle"),
                         ("emozoo_text.safe_pickle", "load_data_pickle")):
        with contextlib.suppress(ImportError):
            mod = __import__(module, fromlist=[func])
            found.append((module.split(".")[0], getattr(mod, func), ("UnsafePickleError",)))
    return found


# --- 3. broken plugins ----------------------------------------------------------------------------


def broken_plugins(root: Path, slow_seconds: float = 0.3) -> Tally:
    """A good plugin next to ones whose import raises, whose hook raises, that duplicate an id, or import slowly."""
    t = Tally("broken_plugins")
    site = root / "site"
    hook = textwrap.dedent("""
        from emozoo import MethodSpec, Paper, hookimpl
        {pre}
        @hookimpl
        def emozoo_register_methods(register):
            {body}
            register(MethodSpec(id={mid!r}, model_class="x:Y", config_class="x:C", family="GAN", modality="physiological",
                                tasks=("recognition",), paper=Paper("p", 2020)))
    """)
    plugins = {
        "good": dict(pre="", body="pass", mid="good-method"),
        "import-raises": dict(pre="raise RuntimeError('broken at import')", body="pass", mid="a-method"),
        "hook-raises": dict(pre="", body="raise KeyError('broken hook')", mid="b-method"),
        "duplicate": dict(pre="", body="pass", mid="good-method"),
        "slow": dict(pre=f"import time; time.sleep({slow_seconds})", body="pass", mid="slow-method"),
        "syntax-error": dict(pre="def (:", body="pass", mid="c-method"),
    }
    for name, parts in plugins.items():
        mod = f"rel_{name.replace('-', '_')}"
        (site / mod).mkdir(parents=True)
        (site / mod / "__init__.py").write_text(hook.format(**parts))
        dist = site / f"emozoo_rel_{name.replace('-', '_')}-0.1.0.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: emozoo-rel-{name}\nVersion: 0.1.0\n")
        (dist / "entry_points.txt").write_text(f"[emozoo.plugins]\n{name} = {mod}\n")
    code = textwrap.dedent(f"""
        import json, sys, time
        sys.path.insert(0, {str(site)!r})
        from emozoo.registry import Registry
        import os
        os.environ["EMOZOO_PLUGINS"] = ",".join({[*plugins]!r})
        reg = Registry()
        print(json.dumps({{"methods": sorted(s.id for s in reg.list_methods()),
                          "problems": [[p.plugin, p.stage, p.message] for p in reg.problems],
                          "import_seconds": {{k: v.import_seconds for k, v in reg.plugins.items()}}}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_clean_env())
    if out.returncode != 0:
        t.record("host", None, f"host crashed: {out.stderr[-400:]}")
        return t
    report = json.loads(out.stdout.strip().splitlines()[-1])
    problems = {p: s for p, s, _ in report["problems"]}
    expect = {"import-raises": "import", "hook-raises": "register_methods", "syntax-error": "import"}
    for name, stage in expect.items():
        t.record(name, f"reported:{stage}", None if problems.get(name) == stage else f"{name}: not reported as {stage} ({problems})")
    dup = [m for p, s, m in report["problems"] if s == "duplicate"]  # whichever loads second is the one reported
    ok = len(dup) == 1 and "'duplicate'" in dup[0] and "'good'" in dup[0]
    t.record("duplicate", "reported:duplicate", None if ok else f"duplicate id not reported naming both plugins: {dup}")
    listed = set(report["methods"])
    t.record("good listed", "listed", None if {"good-method", "slow-method"} <= listed else f"good plugins missing: {listed}")
    slow = report["import_seconds"].get("slow", 0.0)
    t.record("slow measured", "timed", None if slow >= slow_seconds * 0.9 else f"slow import not measured ({slow})")
    return t


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOZOO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(TOY_SRC), env.get("PYTHONPATH", "")])
    return env


# --- 4. injected faults ---------------------------------------------------------------------------


def _state(model: Any) -> dict[str, bytes]:
    return {k: v.detach().cpu().numpy().tobytes() for k, v in model.state_dict().items()}


def _survived(t: Tally, name: str, target: Path, before: dict[str, bytes] | None) -> None:
    """After a fault: the target loads with exactly the previous weights (or is absent), and no temp dirs linger."""
    import emozoo

    leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".emozoo-") or p.name.endswith(".tmp")]
    problem = f"temp files left: {leftovers}" if leftovers else None
    if before is None:
        if target.exists():
            problem = problem or f"{target.name} exists after a failed first write"
    else:
        try:
            problem = problem or (None if _state(emozoo.from_pretrained(target)) == before else "previous version changed")
        except Exception as exc:
            problem = problem or f"previous version unloadable: {type(exc).__name__}: {exc}"
    t.record(name, "survived", None if problem is None else f"{name}: {problem}")


def inject_faults(root: Path) -> Tally:
    """Fail save_pretrained, export, import (the pull path) and a benchmark at several points; check nothing is half-done."""
    import emozoo
    import emozoo._fileio as fileio
    import emozoo.model as model_mod
    from emozoo.hub import bundle as bundle_mod

    t = Tally("faults")
    target = root / "model"
    old = save_toy(target, seed=0)
    before = _state(old)
    new = emozoo.load("toy-mlp")
    with torch.no_grad():
        new.net[0].weight.add_(1.0)

    def boom(*a: Any, **k: Any) -> Any:
        raise OSError("injected fault")

    save_points = {
        "save: weights write": (model_mod.EmotionModel, "_save_pretrained"),
        "save: card render": (model_mod.EmotionModel, "render_card"),
        "save: hashing": (model_mod, "sha256_file"),
        "save: fsync": (fileio, "_fsync_tree"),
        "save: carry-over of old files": (fileio, "_carry_over"),
    }
    for name, (owner, attr) in save_points.items():
        with _patched(owner, attr, boom):
            _expect_raise(lambda: new.save_pretrained(target))
        _survived(t, name, target, before)
    with _patched(fileio.os, "replace", _fail_nth(2)):  # the old directory moved aside, the new one not yet in
        _expect_raise(lambda: new.save_pretrained(target))
    _survived_or_restorable(t, "save: crash between the two renames", target, before)
    with _patched(model_mod.EmotionModel, "_save_pretrained", boom):
        _expect_raise(lambda: new.save_pretrained(root / "fresh"))
    _survived(t, "save: first save fails", root / "fresh", None)

    # a real crash: the process dies (os._exit) in the middle of writing the files
    for point in ("weights", "card", "metadata"):
        code = _crash_save_code(target, point)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_clean_env())
        if out.returncode != 17:
            t.record(f"os._exit mid-save ({point})", None, f"crash child exited {out.returncode}: {out.stderr[-300:]}")
            continue
        _sweep_tmp(root)  # what a killed writer leaves are hidden temp dirs; they are never loadable
        _survived(t, f"os._exit mid-save ({point})", target, before)

    # export: a bundle write that fails leaves no bundle; a truncated bundle is refused on import
    bundle = root / "m.emozoo"
    with _patched(bundle_mod.tarfile.TarFile, "addfile", _fail_nth(3)):
        _expect_raise(lambda: bundle_mod.export_bundle(target, bundle))
    t.record("export: crash while writing", "survived", None if not bundle.exists() and not _tmp_files(root) else "half bundle left")
    bundle_mod.export_bundle(target, bundle)
    data = bundle.read_bytes()
    with bundle_mod.tarfile.open(bundle) as tar:
        members = tar.getmembers()
    cuts = [100, members[1].offset + 300, members[-1].offset_data + members[-1].size // 2]  # in a header, in data, in the last file
    for cut in cuts:
        part = root / f"cut{cut}.emozoo"
        part.write_bytes(data[:cut])
        dest = root / f"imported{cut}"
        _classify_refusal(t, f"import of a bundle cut at {cut} bytes", lambda p=part, d=dest: bundle_mod.import_bundle(p, d), ("ArtifactError",))
        if dest.exists():
            t.failures.append(f"import of cut bundle left {dest.name}")
    # pull: a download killed midway leaves a partial Hugging Face cache snapshot; loading it is refused
    for name, spoil in (("weights not yet written", lambda d: (d / "model.safetensors").unlink()),
                        ("weights half written", lambda d: (d / "model.safetensors").write_bytes((d / "model.safetensors").read_bytes()[:300])),
                        ("only emozoo.json fetched", lambda d: [(d / f).unlink() for f in ("model.safetensors", "config.json", "README.md")])):
        cache = root / f"hf-cache-{len(t._seen)}"
        snap = _fake_snapshot(cache, "org/model", target)
        spoil(snap)
        _classify_refusal(t, f"pull killed mid-download ({name})",
                          lambda c=cache: emozoo.from_pretrained("org/model", cache_dir=c, local_files_only=True), ("ArtifactError",))
    # import (the offline pull): a crash while unpacking over an existing copy leaves that copy intact
    with _patched(bundle_mod, "_copy_member", _fail_nth(3)):
        _expect_raise(lambda: bundle_mod.import_bundle(bundle, target))
    _survived(t, "pull/import: crash while unpacking over an existing copy", target, before)
    bench = bench_fault(root / "bench")
    for key, value in bench.items():
        t.record(f"bench: {key}", "survived", None if value is True else f"bench {key}: {value}")
    return t


def _fake_snapshot(cache: Path, repo_id: str, source: Path) -> Path:
    """Lay out ``source``'s files as the Hugging Face cache snapshot of ``repo_id`` at main (what a pull writes)."""
    import shutil

    commit = "c0ffee" + "0" * 34
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snap = repo / "snapshots" / commit
    shutil.copytree(source, snap)
    return snap


def _survived_or_restorable(t: Tally, name: str, target: Path, before: dict[str, bytes]) -> None:
    """A crash between the renames leaves the old version either in place or in a hidden backup; never a mix."""
    import emozoo

    if target.exists():
        _survived(t, name, target, before)
        return
    backups = [p for p in target.parent.iterdir() if p.name.startswith(f".emozoo-{target.name}.old-")]
    ok = len(backups) == 1 and _state(emozoo.from_pretrained(backups[0])) == before
    t.record(name, "survived", None if ok else f"{name}: target gone and no intact backup ({[b.name for b in backups]})")
    for b in backups:
        os.replace(b, target)
    _sweep_tmp(target.parent)


def _tmp_files(root: Path) -> list[str]:
    return [p.name for p in root.iterdir() if p.name.endswith(".tmp") or ".tmp-" in p.name]


def _sweep_tmp(root: Path) -> None:
    import shutil

    for p in root.iterdir():
        if p.name.startswith(".emozoo-") and ".tmp-" in p.name:
            shutil.rmtree(p, ignore_errors=True)


def _crash_save_code(target: Path, point: str) -> str:
    hook = {"weights": "emozoo.model.EmotionModel._save_pretrained", "card": "emozoo.model.EmotionModel.render_card",
            "metadata": "emozoo.model.sha256_file"}[point]
    owner, attr = hook.rsplit(".", 1)
    return textwrap.dedent(f"""
        import os, importlib, torch, emozoo, emozoo.model
        from emozoo import registry as r
        reg = r.Registry(autoload=False)
        reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
        r.reset_registry(reg)
        m = emozoo.load("toy-mlp")
        with torch.no_grad():
            m.net[0].weight.add_(5.0)
        owner = {owner}
        real = getattr(owner, {attr!r})
        def die(*a, **k):
            real(*a, **k) if {point!r} == "weights" else None
            os._exit(17)
        setattr(owner, {attr!r}, die)
        m.save_pretrained({str(target)!r})
    """)


def _fail_nth(n: int) -> Callable[..., Any]:
    """A stand-in that calls through, except that its n-th call raises."""
    calls = {"n": 0}

    def wrap(real: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == n:
                raise OSError(f"injected fault at call {calls['n']}")
            return real(*a, **k)
        return inner

    wrap.wraps = True  # type: ignore[attr-defined]
    return wrap


@contextlib.contextmanager
def _patched(owner: Any, attr: str, replacement: Callable[..., Any]) -> Iterator[None]:
    real = getattr(owner, attr)
    setattr(owner, attr, replacement(real) if getattr(replacement, "wraps", False) else replacement)
    try:
        yield
    finally:
        setattr(owner, attr, real)


def _expect_raise(call: Callable[[], Any]) -> None:
    try:
        call()
    except (OSError, KeyboardInterrupt, Exception):
        return
    raise AssertionError("the injected fault did not surface")


def bench_fault(out: Path) -> dict[str, Any]:
    """Kill a benchmark in the middle of its third cell; a resumed run finishes without redoing finished cells."""
    from emozoo.bench import benchmark
    from emozoo_toy.model import ToyClassifier

    real_fit = ToyClassifier.fit
    calls = {"n": 0}

    def dying_fit(self: Any, *a: Any, **k: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("injected: the job was killed")
        return real_fit(self, *a, **k)

    config = {"methods": {"toy-mlp": {"epochs": 2}}}
    ToyClassifier.fit = dying_fit  # type: ignore[method-assign]
    try:
        benchmark(["toy-mlp"], "toy-blobs", seeds=2, out=out, config=config, progress=False)
        return {"interrupted": "the injected interrupt did not stop the run"}
    except KeyboardInterrupt:
        pass
    finally:
        ToyClassifier.fit = real_fit  # type: ignore[method-assign]
    finished = sorted(p.name for p in (out / "cells").glob("*.json"))
    calls["n"] = 0
    ToyClassifier.fit = lambda self, *a, **k: (calls.__setitem__("n", calls["n"] + 1), real_fit(self, *a, **k))[1]  # type: ignore[method-assign]
    try:
        result = benchmark(["toy-mlp"], "toy-blobs", seeds=2, out=out, config=config, progress=False)
    finally:
        ToyClassifier.fit = real_fit  # type: ignore[method-assign]
    resumed = sum(bool(c.get("resumed")) for c in result.cells)
    return {
        "finished cells kept after the kill": len(finished) == 2 or f"{finished}",
        "resume reruns only unfinished cells": (calls["n"] == len(result.cells) - 2 and resumed == 2) or f"fits {calls['n']}, resumed {resumed}",
        "resumed run complete": (all(c["status"] == "ok" for c in result.cells) and len(result.cells) == 4) or f"{result.cells}",
    }


def concurrent_saves(root: Path, workers: int = 2, rounds: int = 3) -> Tally:
    """Processes saving, and importing, the same model directory at once end with one complete, loadable version."""
    import emozoo
    from emozoo.hub.bundle import export_bundle

    t = Tally("concurrency")
    target = root / "shared-model"
    seeds = list(range(1, workers + 1))
    states = {}
    for s in seeds:
        d = root / f"src{s}"
        states[s] = _state(save_toy(d, seed=s))
        export_bundle(d, root / f"src{s}.emozoo")
    for mode in ("save", "import"):
        for r in range(rounds):
            code = _concurrent_code(root, target, mode)
            procs = [subprocess.Popen([sys.executable, "-c", code, str(s)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=_clean_env()) for s in seeds]
            results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
            errs = [e[-300:] for _, e, rc in results if rc != 0]
            try:
                got = _state(emozoo.from_pretrained(target))
                ok = any(got == st_ for st_ in states.values())
                problem = None if ok else "the result mixes two saves"
            except Exception as exc:
                problem = f"unloadable after concurrent {mode}: {type(exc).__name__}: {exc}"
            if errs and problem is None:
                problem = f"a concurrent {mode} failed: {errs[0]}"
            t.record(f"{mode} round {r}", "consistent", problem)
    return t


def _concurrent_code(root: Path, target: Path, mode: str) -> str:
    return textwrap.dedent(f"""
        import sys, importlib, torch, emozoo
        from emozoo import registry as r
        seed = int(sys.argv[1])
        if {mode!r} == "import":
            from emozoo.hub.bundle import import_bundle
            for _ in range(5):
                import_bundle({str(root)!r} + f"/src{{seed}}.emozoo", {str(target)!r})
        else:
            reg = r.Registry(autoload=False)
            reg.register_plugin(importlib.import_module("emozoo_toy.plugin"), name="toy", distribution="emozoo-toy", version="0.3.1")
            r.reset_registry(reg)
            m = emozoo.from_pretrained({str(root)!r} + f"/src{{seed}}")
            for _ in range(5):
                m.save_pretrained({str(target)!r})
    """)


# --- 5. determinism and 6. soak -------------------------------------------------------------------


def determinism(methods: list[str]) -> dict[str, dict[str, bool]]:
    """Train each method twice with the same seed: bit-identical weights; equal seeds give equal samples."""
    out: dict[str, dict[str, bool]] = {}
    for method in methods:
        a, b = trained(method, seed=3), trained(method, seed=3)
        row = {"weights_identical": _state(a) == _state(b)}
        if a.can_generate and method != "imder":
            ga, gb = a.generate(5, condition=1, seed=11), b.generate(5, condition=1, seed=11)
            row["samples_identical"] = bool(torch.equal(ga.features, gb.features))
        elif method == "imder":
            batch = training_data("imder", n=4, seed=5)
            ra, rb = a.predict(batch, seed=2).values, b.predict(batch, seed=2).values
            row["predictions_identical"] = bool(torch.equal(ra, rb))
        out[method] = row
    return out


def rss_bytes() -> int:
    """Resident set size of this process (psutil when installed, else /proc/self/statm)."""
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")


def soak(root: Path, cycles: int, warmup: int = 20) -> dict[str, Any]:
    """Load a saved toy model and predict, ``cycles`` times; report RSS growth after ``warmup`` cycles."""
    import emozoo

    path = root / "soak-model"
    save_toy(path)
    x = torch.randn(32, 8)
    first = None
    samples = []
    start = time.perf_counter()
    for i in range(cycles + warmup):
        model = emozoo.from_pretrained(path)
        p = model.predict(x)
        assert p.probabilities is not None and bool(torch.isfinite(p.probabilities).all())
        del model, p
        if i == warmup:
            gc.collect()
            first = rss_bytes()
        if i > warmup and (i - warmup) % max(1, cycles // 10) == 0:
            samples.append(rss_bytes())
    gc.collect()
    last = rss_bytes()
    return {"cycles": cycles, "rss_start_mib": first / 2**20, "rss_end_mib": last / 2**20,
            "growth_mib": (last - first) / 2**20, "samples_mib": [round(s / 2**20, 2) for s in samples],
            "seconds": time.perf_counter() - start}


# --- 7. the attack classes of issue #13 (hostile Hub servers, integrity, network, bundles, boundaries) ------------
#
# Each function tries one class of attacks and returns a Tally: a case is *handled* when it ends in the outcome
# the class promises (a typed error naming the problem, nothing written outside its place, or a correct load).

ATTACK_CLASSES = ("pull_paths", "integrity", "network", "bundles", "boundaries")
ATTACK_TITLES = {
    "pull_paths": "1. pulls stay in the cache",
    "integrity": "2. integrity the artifact cannot switch off",
    "network": "3. bounded network reads",
    "bundles": "4. bundles and destinations",
    "results": "5. results folders cannot forge or break tables",
    "discovery": "6. plugins that hang, exit or are heavy",
    "boundaries": "7. typed errors at model/hub boundaries",
    "mutants": "8. planted benchmark bugs caught by the suite",
}
NET_TIMEOUT = 0.5  # seconds per socket operation while the hostile servers run (HF_HUB_DOWNLOAD_TIMEOUT)


class HostileHub:
    """A tiny Hub on 127.0.0.1 that serves one repo and misbehaves on request; it stops by itself on exit.

    ``api`` and ``files[name]`` choose a behaviour: ``ok``, ``hang`` (never answer), ``trickle`` (a byte at a time),
    ``loop`` (redirect to itself), ``chain`` (redirects to ever new URLs), ``scheme`` (redirect to file://),
    ``notjson``, ``huge`` (declare 1 TB), ``endless`` (no length, more than any bound), ``more`` (more bytes than
    declared), ``short`` (fewer), ``500``. ``sha`` is the commit id the API answers with.
    """

    def __init__(self, files: dict[str, bytes], sha: Any, repo_id: str = "org/model") -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.files, self.sha, self.repo_id = dict(files), sha, repo_id
        self.api, self.modes = "ok", {}
        self.stop = threading.Event()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                try:
                    hub.answer(self)
                except OSError:
                    pass  # the client hung up: what a hostile server sees when the bounds work

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> HostileHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def answer(self, h: Any) -> None:
        path = h.path.split("?")[0]
        if path.startswith("/api/models/"):
            body = json.dumps({"id": self.repo_id, "sha": self.sha, "siblings": [{"rfilename": n} for n in self.files]}).encode()
            return self.send(h, self.api, body)
        name = path.rsplit("/", 1)[-1]
        if name not in self.files:
            h.send_response(404)
            h.send_header("X-Error-Code", "EntryNotFound")
            h.end_headers()
            return None
        return self.send(h, self.modes.get(name, "ok"), self.files[name])

    def send(self, h: Any, mode: str, body: bytes) -> None:
        wait = lambda seconds: self.stop.wait(seconds)  # noqa: E731  (bounded: the server's stop ends every wait)
        if mode == "hang":
            wait(30)
            return
        if mode == "trickle":
            h.wfile.write(b"HTTP/1.0 200 OK\r\n")
            for _ in range(300):
                h.wfile.write(b"X")
                h.wfile.flush()
                if wait(0.1):
                    return
            return
        if mode in ("loop", "chain", "scheme"):
            h.send_response(302)
            target = {"loop": h.path, "chain": f"{h.path.split('?')[0]}?hop={uuid_hex()}", "scheme": "file:///etc/passwd"}[mode]
            h.send_header("Location", target)
            h.end_headers()
            return
        if mode == "500":
            h.send_response(500)
            h.end_headers()
            h.wfile.write(b"boom")
            return
        h.send_response(200)
        if mode == "huge":
            h.send_header("Content-Length", str(10**12))
            h.end_headers()
            return
        if mode == "endless":
            h.end_headers()  # HTTP/1.0 without a length: the body runs until the server closes
            block = b"\x00" * (1 << 20)
            for _ in range(64):
                h.wfile.write(block)
            return
        if mode == "notjson":
            body = b"<html>not json</html>"
        declared = {"short": len(body) * 2}.get(mode, len(body))
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        if mode == "slowbody":  # the headers promptly, then the body a byte at a time
            for i in range(min(len(body), 300)):
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                if wait(0.1):
                    return
            return
        h.wfile.write(body + (b"\x00" * 4096 if mode == "more" else b""))


def uuid_hex() -> str:
    import uuid

    return uuid.uuid4().hex


@contextlib.contextmanager
def _net_timeout(seconds: float) -> Iterator[None]:
    from huggingface_hub import constants

    old = constants.HF_HUB_DOWNLOAD_TIMEOUT
    constants.HF_HUB_DOWNLOAD_TIMEOUT = seconds
    try:
        yield
    finally:
        constants.HF_HUB_DOWNLOAD_TIMEOUT = old


@contextlib.contextmanager
def _online() -> Iterator[None]:
    from huggingface_hub import constants

    old = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = False
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = old


def _artifact_files(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in ("model.safetensors", "config.json", "emozoo.json", "README.md")}


def _tree(root: Path, skip: Path | None = None) -> set[str]:
    """Every path under ``root`` (links not followed), except those under ``skip``."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if skip is not None and Path(dirpath).resolve().is_relative_to(skip.resolve()):
            continue
        out.update(os.path.join(dirpath, n) for n in dirnames + filenames)
    return out


def _expect(t: Tally, name: str, call: Callable[[], Any], allowed: tuple[str, ...], check: Callable[[Any], str | None] | None = None) -> None:
    """Run one attack: handled when it ends in one of ``allowed`` (error class names, or 'accepted') and ``check`` passes."""
    from emozoo.errors import EmozooError

    try:
        out = call()
        kind, exc = "accepted", None
    except EmozooError as error:
        out, kind, exc = None, type(error).__name__, error
    except Exception as error:  # the raw traceback the classes are about
        where = traceback.extract_tb(error.__traceback__)[-1]
        t.record(name, None, f"{name}: raw {type(error).__name__}: {str(error)[:160]} at {Path(where.filename).name}:{where.lineno}")
        return
    names = {c.__name__ for c in type(exc).__mro__} if exc is not None else {"accepted"}
    ok = bool(names & set(allowed))
    problem = None if ok else f"{name}: ended in {kind} ({str(exc)[:160] if exc else 'no error'}), expected {allowed}"
    if problem is None and check is not None:
        problem = check(exc if exc is not None else out)
        problem = f"{name}: {problem}" if problem else None
    t.record(name, kind, problem)


def attack_pull_paths(root: Path) -> Tally:
    """Class 1: crafted commit ids, revisions and repo ids never place a file outside the cache, nor load another folder."""
    import emozoo
    from emozoo.hub.pull import download

    t = Tally("pull_paths")
    source = root / "source"
    save_toy(source)
    files = _artifact_files(source)
    cache = root / "a" / "b" / "hf-cache"
    cache.mkdir(parents=True)
    attacker = root / "attacker"
    _copy_tree(source, attacker)
    before = _tree(root, skip=cache)

    def outside_untouched(_: Any) -> str | None:
        extra = sorted(_tree(root, skip=cache) - before)
        return f"files appeared outside the cache: {extra[:4]}" if extra else None

    crafted = {
        "commit id ../../../escaped": "../../../escaped",
        "commit id ../../../../attacker (an existing folder)": "../../../../attacker",
        "commit id absolute path": str(root / "abs-escape"),
        "commit id with a NUL": "a" * 20 + "\x00" + "b" * 19,
        "commit id uppercase hex": "A" * 40,
        "commit id 41 hex digits": "a" * 41,
        "commit id not a string": 12345,
        "commit id missing": None,
    }
    with _net_timeout(NET_TIMEOUT), _online():
        for name, sha in crafted.items():
            with HostileHub(files, sha) as hub:
                _expect(t, f"server answers {name}", lambda hub=hub: download("org/model", endpoint=hub.url, cache_dir=cache),
                        ("UnsafePathError",), outside_untouched)
        good = "c" * 40
        with HostileHub(files, good) as hub:
            for revision in ("../../../../attacker", "main/../../x", "..", "/etc", "refs/../../../x", "a\\b", "main\x00", " main",
                             ".hidden", "x" * 300):
                _expect(t, f"revision {revision[:40]!r} online", lambda r=revision, hub=hub: download("org/model", revision=r, endpoint=hub.url,
                        cache_dir=cache), ("UnsafePathError",), outside_untouched)
            for repo in ("org/../../attacker", "../x/y", "org/na--me", "org/name/../../x"):
                _expect(t, f"repo id {repo!r}", lambda r=repo, hub=hub: download(r, endpoint=hub.url, cache_dir=cache),
                        ("UnsafePathError",), outside_untouched)
            # the legitimate pull still works, then hostile state in the cache is refused offline
            _expect(t, "a well-formed pull loads", lambda hub=hub: emozoo.from_pretrained("org/model", endpoint=hub.url, cache_dir=cache),
                    ("accepted",), outside_untouched)
    repo_dir = cache / "models--org--model"
    for revision in ("../../../../attacker", "../snapshots/" + "c" * 40, "..", "main/../.."):
        _expect(t, f"revision {revision!r} offline", lambda r=revision: emozoo.from_pretrained("org/model", revision=r, cache_dir=cache,
                local_files_only=True), ("UnsafePathError",))
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "snapshots").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / "evil").write_text("../../../../attacker")
    _expect(t, "cached ref naming a folder outside", lambda: download("org/model", revision="evil", cache_dir=cache, local_files_only=True),
            ("UnsafePathError",))
    link = repo_dir / "snapshots" / ("d" * 40)
    os.symlink(attacker, link)
    _expect(t, "cached snapshot that is a link out of the cache", lambda: download("org/model", revision="d" * 40, cache_dir=cache,
            local_files_only=True), ("UnsafePathError",))
    if (root / "escaped").exists() or (root / "abs-escape").exists():
        t.failures.append("SECURITY: a pull wrote outside the cache")
    return t


def attack_network(root: Path) -> Tally:
    """Class 3: silent, slow, oversized, short, looping and failing servers end in a NetworkError naming endpoint and repo,
    within a bound set by the timeout; a server that sends more than it declared is read only up to what it declared."""
    import emozoo
    from emozoo.hub.pull import download

    t = Tally("network")
    source = root / "source"
    save_toy(source)
    files = _artifact_files(source)
    commit = "e" * 40
    bound = 12 * NET_TIMEOUT + 2.0  # watchdogs: 2 x timeout for headers, timeout + size / MIN_RATE for a body

    def names_it(hub: HostileHub) -> Callable[[Any], str | None]:
        def check(exc: Any) -> str | None:
            text = str(exc)
            if hub.url not in text or "org/model" not in text:
                return f"the error does not name the endpoint and repo: {text[:160]}"
            return None
        return check

    cases = [("api", mode) for mode in ("hang", "trickle", "loop", "chain", "scheme", "notjson", "huge", "endless", "500")]
    cases += [(name, mode) for name in ("model.safetensors", "emozoo.json") for mode in ("hang", "trickle", "slowbody", "short", "huge", "loop", "500")]
    cases += [("config.json", "endless")]
    with _net_timeout(NET_TIMEOUT), _online():
        for i, (where, mode) in enumerate(cases):
            cache = root / f"cache-{i}"
            with HostileHub(files, commit) as hub:
                if where == "api":
                    hub.api = mode
                else:
                    hub.modes[where] = mode
                started = time.monotonic()
                check = names_it(hub)

                def timed(exc: Any, check: Callable = check, started: float = started) -> str | None:
                    took = time.monotonic() - started
                    return check(exc) or (f"took {took:.1f}s, over the {bound:.1f}s bound" if took > bound else None)

                _expect(t, f"{where} answers {mode}", lambda hub=hub, cache=cache: download("org/model", endpoint=hub.url, cache_dir=cache),
                        ("NetworkError",), timed)
            snap = cache / "models--org--model" / "snapshots" / commit
            if where != "api" and (snap / where).exists():
                t.failures.append(f"{where} answers {mode}: a partial {where} was left in the cache")
        with HostileHub(files, commit) as hub:
            hub.modes["model.safetensors"] = "more"
            ref = emozoo.load("toy-mlp")
            _expect(t, "weights with more bytes than declared (read to the declared length, verified)",
                    lambda hub=hub: emozoo.from_pretrained("org/model", endpoint=hub.url, cache_dir=root / "cache-more"), ("accepted",),
                    lambda m: None if _state(m) == _state(emozoo.from_pretrained(source)) else "loaded other weights")
            del ref
        dead = f"http://127.0.0.1:{_free_port()}"
        _expect(t, "nothing listens at the endpoint", lambda: download("org/model", endpoint=dead, cache_dir=root / "cache-dead"),
                ("NetworkError",), lambda exc: None if dead in str(exc) and "org/model" in str(exc) else f"not named: {exc}")
    return t


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def attack_integrity(root: Path) -> Tally:
    """Class 2: an artifact cannot switch its own checks off; what loads is the bytes that were verified."""
    import emozoo
    import emozoo.model as model_mod
    from emozoo import hash_cache
    from emozoo._fileio import sha256_file
    from emozoo.hub.pull import verify_pin

    t = Tally("integrity")
    base = root / "base"
    genuine = save_toy(base, seed=0)
    evil_state = _state(save_toy(root / "evil", seed=9))
    evil_weights = (root / "evil" / "model.safetensors").read_bytes()

    def copy(name: str) -> Path:
        d = root / name
        _copy_tree(base, d)
        return d

    def not_evil(m: Any) -> str | None:
        return "loaded the tampered weights" if m is not None and not isinstance(m, Exception) and _state(m) == evil_state else None

    for dropped in (("model.safetensors",), ("config.json",), ("README.md",), ("model.safetensors", "config.json", "README.md")):
        d = copy(f"omit-{len(t._seen)}")
        (d / "model.safetensors").write_bytes(evil_weights)
        meta = json.loads((d / "emozoo.json").read_text())
        for name in dropped:
            meta["files"].pop(name)
        (d / "emozoo.json").write_text(json.dumps(meta))
        _expect(t, f"emozoo.json table omits {', '.join(dropped)} (weights tampered)", lambda d=d: emozoo.from_pretrained(d), ("ArtifactError",), not_evil)
    d = copy("bad-hash")
    _edit_json("emozoo.json", lambda m: m["files"].update({"model.safetensors": "not-a-hash"}))(d)
    _expect(t, "emozoo.json weights hash not hex", lambda: emozoo.from_pretrained(d), ("ArtifactError",))

    pin = {"repo_id": "org/toy", "revision": "a" * 40, "files": {}, "variant": "default", "training_data": "toy"}
    _expect(t, "catalogue pin with an empty file table", lambda: verify_pin(base, pin), ("ArtifactError",))
    partial = {**pin, "files": {"model.safetensors": sha256_file(base / "model.safetensors")}}
    _expect(t, "catalogue pin listing only the weights", lambda: verify_pin(base, partial), ("ArtifactError",))
    full = {**pin, "files": {n: sha256_file(base / n) for n in ("model.safetensors", "config.json", "emozoo.json", "README.md")}}
    _expect(t, "catalogue pin covering every file (genuine)", lambda: verify_pin(base, full), ("accepted",))

    # the weights change after they were checked and before they are deserialized
    d = copy("swap")
    real_verify = model_mod.verify_files

    def verify_then_swap(*a: Any, **k: Any) -> Any:
        out = real_verify(*a, **k)
        (d / "model.safetensors").write_bytes(evil_weights)
        return out

    with _patched(model_mod, "verify_files", lambda *a, **k: verify_then_swap(*a, **k)):
        _expect(t, "weights swapped between the check and the load", lambda: emozoo.from_pretrained(d), ("ArtifactError",), not_evil)
    d = copy("swap-config")
    real_read = model_mod.read_metadata

    def read_then_swap(*a: Any, **k: Any) -> Any:
        out = real_read(*a, **k)
        (d / "config.json").write_text(json.dumps({**json.loads((d / "config.json").read_text()), "hidden": 17}))
        return out

    import emozoo.artifact as artifact_mod  # emozoo.from_pretrained reads it there, the model class's load reuses that read

    with _patched(model_mod, "read_metadata", lambda *a, **k: read_then_swap(*a, **k)), \
            _patched(artifact_mod, "read_metadata", lambda *a, **k: read_then_swap(*a, **k)):
        _expect(t, "config swapped after the metadata was read", lambda: emozoo.from_pretrained(d), ("ArtifactError",))

    # forged and shared hash-cache entries
    with tempfile.TemporaryDirectory(prefix="emozoo-hc-") as cache_root, _env("EMOZOO_CACHE", cache_root), \
            _patched(hash_cache, "RACY_SECONDS", 0.0):
        os.chmod(cache_root, 0o700)
        d = copy("forged")
        target = d / "model.safetensors"
        good = sha256_file(target)
        forged_at = _forge_after_tamper(target, evil_weights, good)
        # a warm load trusts the user's own (0600) cache as git trusts its index: whoever can write it as the user could
        # as well rewrite the installed code, so a forged private entry is out of reach only with the cache off
        with _env("EMOZOO_HASH_CACHE", "0"):
            _expect(t, "forged private hash-cache entry + tampered weights (stat restored), cache off", lambda: emozoo.from_pretrained(d),
                    ("ArtifactError",), not_evil)
        _expect(t, "forged hash-cache entry vs. the catalogue pin check", lambda: verify_pin(d, {**full}), ("ArtifactError",))
        os.chmod(hash_cache.cache_path(), 0o666)
        _expect(t, "world-writable hash-cache file is ignored", lambda: _hash_or_forged(target, forged_at), ("accepted",),
                lambda v: None if v == sha256_file(target) else "the forged entry was trusted")
        os.chmod(hash_cache.cache_path(), 0o600)
        os.chmod(hash_cache.cache_path().parent, 0o777)
        _expect(t, "hash cache in a world-writable folder is ignored", lambda: _hash_or_forged(target, forged_at), ("accepted",),
                lambda v: None if v == sha256_file(target) else "the forged entry was trusted")
        os.chmod(hash_cache.cache_path().parent, 0o700)
        d = copy("mmap")
        _mmap_flip(d / "model.safetensors")
        _expect(t, "weights changed through a memory map (stat kept)", lambda: emozoo.from_pretrained(d), ("ArtifactError",))
        fresh = root / "fresh-save"
        genuine.save_pretrained(fresh)
        hash_cache.sha256_cached(fresh / "README.md")
        mode = oct(hash_cache.cache_path().stat().st_mode & 0o777)
        t.record("hash cache written 0600 in a 0700 folder", "accepted", None if mode == "0o600" else f"cache file mode {mode}")
    return t


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _forge_after_tamper(path: Path, data: bytes, claimed: str) -> list:
    """Overwrite ``path`` with ``data`` (same mtime), then write a cache entry claiming its hash is ``claimed``."""
    from emozoo import hash_cache

    st = path.stat()
    with open(path, "r+b") as fh:
        fh.write(data[: st.st_size].ljust(st.st_size, b"\0"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    entry = [after.st_size, after.st_mtime_ns, after.st_ctime_ns, claimed]
    hash_cache._record(hash_cache.cache_path(), {f"{after.st_dev}:{after.st_ino}": entry})
    if not hash_cache.cache_path().exists():  # _record refuses a shared folder: forge the file by hand then
        hash_cache.cache_path().write_text(json.dumps({"format": 1, "entries": {f"{after.st_dev}:{after.st_ino}": entry}}))
    hash_cache._memory_stamp = None
    return entry


def _hash_or_forged(path: Path, entry: list) -> str:
    from emozoo import hash_cache

    st = path.stat()
    data = {"format": 1, "entries": {f"{st.st_dev}:{st.st_ino}": [st.st_size, st.st_mtime_ns, st.st_ctime_ns, entry[3]]}}
    store = hash_cache.cache_path()
    mode = store.stat().st_mode & 0o777
    with open(store, "w") as fh:  # rewrite in place: the mode stays what the case set
        fh.write(json.dumps(data))
    os.chmod(store, mode)
    hash_cache._memory_stamp = None
    return hash_cache.sha256_cached(path)


def _mmap_flip(path: Path) -> None:
    import mmap

    st = path.stat()
    with open(path, "r+b") as fh, mmap.mmap(fh.fileno(), 0) as mm:
        mm[-1] = mm[-1] ^ 0xFF
        mm.flush()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _sparse_bundle(good: Path, out: Path, name: str = "config.json", realsize: int = 5 << 30) -> Path:
    """A bundle of a few KiB whose ``name`` member is sparse and declares ``realsize`` bytes (PAX GNU sparse 1.0)."""
    import io
    import tarfile

    with tarfile.open(good) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "bundle.json":
                manifest = json.loads(data)
                manifest["files"][name]["size"] = realsize
                data = json.dumps(manifest).encode()
                member.size = len(data)
            if member.name == name:
                sparse = b"1\n0\n0\n".ljust(512, b"\0")
                info = tarfile.TarInfo(f"GNUSparseFile.0/{name}")
                info.size = len(sparse)
                info.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": name,
                                    "GNU.sparse.realsize": str(realsize)}
                dst.addfile(info, io.BytesIO(sparse))
                continue
            dst.addfile(member, io.BytesIO(data))
    return out


def _rewrite_manifest(good: Path, out: Path, change: Callable[[dict], None]) -> Path:
    import io
    import tarfile

    with tarfile.open(good) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "bundle.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def attack_bundles(root: Path) -> Tally:
    """Class 4: bundle members are checked against the manifest before a byte is written; destinations are refused
    unless absent, empty or an emozoo model; saves keep the folder's mode and never follow links."""
    import emozoo
    import emozoo._fileio as fileio
    from emozoo.hub.bundle import export_bundle, import_bundle

    t = Tally("bundles")
    src = root / "src"
    model = save_toy(src, seed=0)
    good = export_bundle(src, root / "good.tar")
    sparse = _sparse_bundle(good, root / "sparse.tar")

    def absent(dest: Path) -> Callable[[Any], str | None]:
        return lambda _: f"{dest.name} was written" if dest.exists() else None

    _expect(t, "sparse member declaring 5 GiB (manifest agrees)", lambda: import_bundle(sparse, root / "d-sparse"), ("ArtifactError",),
            absent(root / "d-sparse"))
    _expect(t, "sparse weights member declaring 5 GiB", lambda: import_bundle(_sparse_bundle(good, root / "sparse-w.tar", "model.safetensors"),
            root / "d-sparse-w"), ("ArtifactError",), absent(root / "d-sparse-w"))
    manifests = {
        "manifest size smaller than the member": lambda m: m["files"]["model.safetensors"].update(size=10),
        "manifest size larger than the member": lambda m: m["files"]["README.md"].update(size=10**6),
        "manifest size over the format's bound": lambda m: m["files"]["config.json"].update(size=1 << 40),
        "manifest size negative": lambda m: m["files"]["config.json"].update(size=-1),
        "manifest size a string": lambda m: m["files"]["config.json"].update(size="12"),
        "manifest sha256 missing": lambda m: m["files"]["config.json"].pop("sha256"),
    }
    for i, (name, change) in enumerate(manifests.items()):
        dest = root / f"d-man{i}"
        _expect(t, name, lambda c=change, i=i, dest=dest: import_bundle(_rewrite_manifest(good, root / f"man{i}.tar", c), dest),
                ("ArtifactError",), absent(dest))

    user = root / "user"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    (user / "sub").mkdir()
    listing = sorted(p.name for p in user.iterdir())

    def user_intact(_: Any) -> str | None:
        ok = sorted(p.name for p in user.iterdir()) == listing and (user / "notes.txt").read_text() == "mine"
        return None if ok else "the user's folder changed"

    with contextlib.chdir(user):
        _expect(t, "import into '.'", lambda: import_bundle(good, "."), ("ArtifactError",), user_intact)
        _expect(t, "import into '..'", lambda: import_bundle(good, ".."), ("ArtifactError",), user_intact)
        _expect(t, "import into 'sub/..'", lambda: import_bundle(good, "sub/.."), ("ArtifactError",), user_intact)
    _expect(t, "import into an existing file", lambda: import_bundle(good, user / "notes.txt"), ("ArtifactError",), user_intact)
    _expect(t, "import into a non-model folder", lambda: import_bundle(good, user), ("ArtifactError",), user_intact)
    (root / "empty").mkdir()
    _expect(t, "import into an empty folder", lambda: emozoo.from_pretrained(import_bundle(good, root / "empty")), ("accepted",))
    _expect(t, "import over an existing model", lambda: emozoo.from_pretrained(import_bundle(good, root / "empty")), ("accepted",))

    # saves: links stay links, no save through a link, the folder keeps its mode, late files survive
    target = root / "model"
    model.save_pretrained(target)
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "data.bin").write_bytes(b"x")
    os.symlink(elsewhere, target / "data")
    os.symlink(elsewhere / "data.bin", target / "data.bin")
    _expect(t, "save over a folder holding symlinks", lambda: model.save_pretrained(target), ("accepted",),
            lambda _: None if (target / "data").is_symlink() and (target / "data.bin").is_symlink() else "a link became a real file or folder")
    link = root / "link"
    os.symlink(target, link)
    _expect(t, "save through a symlinked target", lambda: model.save_pretrained(link), ("ArtifactError",),
            lambda _: None if link.is_symlink() and not [p for p in root.iterdir() if ".old-" in p.name] else "link replaced or .old left")
    os.chmod(target, 0o755)
    _expect(t, "save keeps the folder's mode (0755)", lambda: model.save_pretrained(target), ("accepted",),
            lambda _: None if target.stat().st_mode & 0o777 == 0o755 else f"mode became {oct(target.stat().st_mode & 0o777)}")
    fresh = root / "fresh"
    umask = os.umask(0o022)
    os.umask(umask)
    _expect(t, "a new folder gets the umask's mode, not 0700", lambda: model.save_pretrained(fresh), ("accepted",),
            lambda _: None if fresh.stat().st_mode & 0o777 == 0o777 & ~umask else f"mode {oct(fresh.stat().st_mode & 0o777)}")
    real_carry = fileio._carry_over
    calls = {"n": 0}

    def carry_then_write(old: Path, new: Path) -> None:
        real_carry(old, new)
        calls["n"] += 1
        if calls["n"] == 1:
            (old / "written-meanwhile.txt").write_text("late")

    with _patched(fileio, "_carry_over", lambda *a: carry_then_write(*a)):
        _expect(t, "a file written into the folder during a save survives", lambda: model.save_pretrained(target), ("accepted",),
                lambda _: None if (target / "written-meanwhile.txt").exists() else "the file written meanwhile was deleted")
    with contextlib.chdir(user):
        _expect(t, "save to '.'", lambda: model.save_pretrained("."), ("ArtifactError",), user_intact)
    _expect(t, "save onto a non-model folder", lambda: model.save_pretrained(user), ("ArtifactError",), user_intact)
    _expect(t, "export onto an existing folder", lambda: export_bundle(src, user), ("ArtifactError",), user_intact)
    _expect(t, "export onto an existing non-bundle file", lambda: export_bundle(src, user / "notes.txt"), ("ArtifactError",), user_intact)
    _expect(t, "export over an existing bundle", lambda: export_bundle(src, good), ("accepted",))
    return t


def attack_boundaries(root: Path, models: dict[str, Any] | None = None) -> Tally:
    """Class 7 (model/hub part): config values, float widths, missing paths, generate/predict arguments, export
    targets and EMOZOO_REGISTRY end in typed errors, not raw tracebacks."""
    import emozoo
    from emozoo import catalogue
    from emozoo.hub.bundle import export_bundle

    t = Tally("boundaries")
    overrides = {"hidden": [10**12, 1 << 40, -1, -(10**9), 1.5, 2.0, True, "16", None, [16]], "epochs": [-1, 1 << 30, 0.5],
                 "seed": [-1, 1 << 64, 1.5], "lr": ["fast", float("nan"), float("inf")], "in_features": [0 - 3, 10**15]}
    for name, values in overrides.items():
        for value in values:
            _expect(t, f"load(toy-mlp, {name}={value!r})", lambda n=name, v=value: emozoo.load("toy-mlp", **{n: v}), ("ConfigError",))
    toy_config = type(emozoo.load("toy-mlp").config)
    for value in (-3, 1 << 40, 2.5):
        _expect(t, f"ToyModel(Config(hidden={value!r}))", lambda v=value: emozoo.load("toy-mlp", config=toy_config(hidden=v)), ("ConfigError",))
    _expect(t, "load(toy-mlp, seed=2**62) (a large valid seed)", lambda: emozoo.load("toy-mlp", seed=1 << 62), ("accepted",))
    base = root / "base"
    save_toy(base)
    for i, value in enumerate((1 << 40, -5, 1.5)):
        d = root / f"cfg{i}"
        _copy_tree(base, d)
        _rehash("config.json", lambda b, v=value: json.dumps({**json.loads(b), "hidden": v}).encode())(d)
        _expect(t, f"config.json hidden={value!r} (hash fixed)", lambda d=d: emozoo.from_pretrained(d), ("ConfigError", "ArtifactError"))
    d = root / "f64"
    _copy_tree(base, d)
    _rewrite_weights(lambda s: {k: v.double() for k, v in s.items()})(d)
    _expect(t, "float64 weights into a float32 model", lambda: emozoo.from_pretrained(d), ("WeightsError",))
    d = root / "f16"
    _copy_tree(base, d)
    _rewrite_weights(lambda s: {k: v.half() for k, v in s.items()})(d)
    _expect(t, "float16 weights into a float32 model (exact widening)", lambda: emozoo.from_pretrained(d), ("accepted",))
    for missing in (root / "no" / "such" / "dir", str(root / "nope"), "./missing-model", "models/missing/dir", "~/no-such-emozoo-model"):
        _expect(t, f"from_pretrained({str(missing)[-30:]!r}) of a missing path", lambda p=missing: emozoo.from_pretrained(p), ("ArtifactError",),
                lambda exc: None if "not an existing directory" in str(exc) else f"not a path error: {str(exc)[:120]}")
    toy = emozoo.from_pretrained(base)
    import torch as _torch

    sparse = _torch.randn(3, 8).to_sparse()
    meta = _torch.empty(3, 8, device="meta")
    for label, x in (("sparse", sparse), ("meta", meta), ("zero batch", _torch.empty(0, 8)), ("sparse in a tuple", (sparse, _torch.zeros(3)))):
        _expect(t, f"toy predict with a {label} tensor", lambda x=x: toy.predict(x), ("InputError",))
    for method, model in (models or {}).items():
        if method in ("cwgan", "vae-d2gan"):
            for n in (10**12, 1 << 21):
                _expect(t, f"{method}.generate(n={n})", lambda m=model, n=n: m.generate(n, seed=0), ("InputError",))
            for seed in (-1, 1 << 63, 1 << 80, 1.5, "0"):
                _expect(t, f"{method}.generate(seed={seed!r})", lambda m=model, s=seed: m.generate(2, seed=s), ("InputError",))
            shape = (4, 5) if method == "cwgan" else (62, 5)
            for label, x in (("sparse", _torch.randn(3, *shape).to_sparse()), ("meta", _torch.empty(3, *shape, device="meta")),
                             ("zero batch", _torch.empty(0, *shape))):
                _expect(t, f"{method}.predict({label})", lambda m=model, x=x: m.predict(x), ("InputError",))
        if method == "imder":
            batch = training_data("imder", n=4, seed=5)
            for bs in (0, -1, 1.5, 1 << 40):
                _expect(t, f"imder.predict(batch_size={bs!r})", lambda m=model, bs=bs: m.predict(batch, batch_size=bs), ("InputError",))
            _expect(t, "imder.predict(seed=-1)", lambda m=model: m.predict(batch, seed=-1), ("InputError",))
    folder = root / "export-folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("k")
    _expect(t, "export onto an existing folder", lambda: export_bundle(base, folder), ("ArtifactError",),
            lambda _: None if (folder / "keep.txt").read_text() == "k" else "folder changed")
    (root / "some.txt").write_text("user data")
    _expect(t, "export onto an existing file", lambda: export_bundle(base, root / "some.txt"), ("ArtifactError",),
            lambda _: None if (root / "some.txt").read_text() == "user data" else "file overwritten")
    fifo = root / "registry.fifo"
    os.mkfifo(fifo)
    for label, target in (("a folder", root), ("an endless device", Path("/dev/zero")), ("a FIFO", fifo), ("a missing file", root / "none.json")):
        def listing(target: Path = target) -> Any:
            catalogue.clear_cache()
            with _env("EMOZOO_REGISTRY", str(target)):
                return catalogue.load_catalogue()
        _expect(t, f"EMOZOO_REGISTRY pointing at {label}", listing, ("ArtifactError",))
    catalogue.clear_cache()
    return t


def attack_results(root: Path) -> Tally:
    """Class 5: a results folder whose cells were edited, forged, damaged or renamed; text that would inject markup."""
    import emozoo
    from emozoo.bench.report import md_cell
    from emozoo.bench.store import cell_key

    t = Tally("results")
    config = {"methods": {"toy-mlp": {"epochs": 2}}}

    def bench() -> Any:
        return emozoo.benchmark(["toy-mlp"], "toy-blobs", seeds=1, config=config, out=root, progress=False)

    first = bench()
    path = root / "cells" / f"{cell_key('toy-mlp', 'fold0', 0)}.json"
    good = path.read_bytes()

    def edit(raw: bytes) -> bytes:
        cell = json.loads(raw)
        cell["records"][0]["metrics"]["ACC"] = 0.999
        return json.dumps(cell).encode()

    def forge(raw: bytes) -> bytes:
        cell = json.loads(edit(raw))
        cell["signature"] = hashlib.sha256(json.dumps(cell, sort_keys=True).encode()).hexdigest()
        return json.dumps(cell).encode()

    damages = {"hand-edited number": edit, "forged signature": forge, "truncated": lambda raw: raw[: len(raw) // 2],
               "not an object": lambda raw: b"[1, 2]", "binary": lambda raw: b"\xff\xfe{", "nesting bomb": lambda raw: b"[" * 200000,
               "empty": lambda raw: b"", "status forged": lambda raw: raw.replace(b'"status": "ok"', b'"status": "done"')}
    for name, damage in damages.items():
        path.write_bytes(damage(good))
        (root / "results.md").unlink(missing_ok=True)
        try:
            again = bench()
            redone = next(c for c in again.cells if c["fold"] == "fold0")
            ok = (not redone["resumed"] and again.rows == first.rows and (root / "results.md").exists()
                  and json.loads((root / "results.json").read_text())["resume_problems"])
            t.record(name, "re-run and reported" if ok else None, None if ok else f"results: {name} was trusted or broke the run")
        except Exception as exc:  # noqa: BLE001 - a crash is exactly what this counts
            t.record(name, None, f"results: {name}: {type(exc).__name__}: {exc}")
        path.write_bytes(good)
    path.rename(path.with_name(f"{cell_key('toy-mlp', 'fold1', 0)}.json"))
    renamed = bench()
    ok = not any(c["resumed"] for c in renamed.cells)
    t.record("renamed to another fold", "re-run" if ok else None, None if ok else "results: a renamed cell was reused")
    for text in ("a|b", "![x](http://evil/x.png)", "<script>x</script>", "[link](u)", "line\nbreak", "`code`"):
        escaped = md_cell(text)
        unescaped = re.sub(r"\\.", "", escaped)  # what is left once every backslash-escaped character is dropped
        ok = not any(ch in unescaped for ch in "|[]<>`") and "\n" not in escaped
        t.record(f"markdown {text!r}", "escaped" if ok else None, None if ok else f"results: {text!r} reached the table as {escaped!r}")
    return t


def attack_discovery(root: Path) -> Tally:
    """Class 6: plugins that hang, exit, parse the command line, take long or import torch at discovery."""
    t = Tally("discovery")
    bodies = {
        "hangs at import": ("import time\ntime.sleep(60)\n", "did not finish within"),
        "calls sys.exit": ("import sys\nsys.exit(3)\n", "SystemExit"),
        "parses sys.argv": ("import argparse\nargparse.ArgumentParser().parse_args()\n" + _GOOD_BODY, None),
        "slow import": ("import time\ntime.sleep(0.7)\n" + _GOOD_BODY, "slow_import"),
        "imports torch": ("import torch\n" + _GOOD_BODY, "heavy_import"),
        "misspelled hook": ("from emozoo import hookimpl\n@hookimpl\ndef emozoo_register_method(register):\n    pass\n", "not an emozoo hook"),
    }
    for i, (name, (body, expect)) in enumerate(bodies.items()):
        folder = root / f"p{i}"
        folder.mkdir()
        dist, module = f"emozoo-evil{i}", f"evil_plugin_{i}"
        info = folder / f"emozoo_evil{i}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[emozoo.plugins]\n{dist} = {module}\n")
        (folder / f"{module}.py").write_text(body.replace("EVIL_ID", f"evil-{i}"))
        env = {**_clean_env(), "PYTHONPATH": os.pathsep.join([str(folder), str(REPO)]), "EMOZOO_PLUGIN_IMPORT_TIMEOUT": "1"}
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "emozoo", "doctor", "--json"], env=env, capture_output=True, text=True, timeout=120)
        seconds = time.monotonic() - start
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            t.record(name, None, f"discovery: {name}: doctor printed no report ({proc.stderr[-300:]})")
            continue
        mine = [p for p in report["problems"] if p["plugin"] == dist]
        listed = {m for p in report["plugins"] for m in p["methods"]}
        others_ok = "cwgan" in listed or any(p["distribution"] != dist for p in report["plugins"])
        named = expect is None or any(expect in f"{p['stage']} {p['message']}" for p in mine)
        ok = named and others_ok and seconds < 30 and "Traceback" not in proc.stderr
        if expect is None:
            ok = ok and f"evil-{i}" in listed
        t.record(name, "named by doctor" if ok else None, None if ok else f"discovery: {name}: {mine} ({seconds:.1f} s)")
    return t


_GOOD_BODY = """
from emozoo import MethodSpec, Paper, hookimpl

@hookimpl
def emozoo_register_methods(register):
    register(MethodSpec(id="EVIL_ID", model_class="m:M", family="GAN", modality="physiological",
                        tasks=("data_augmentation",), paper=Paper("t", 2020)))
"""


def mutation_audit() -> Tally:
    """Class 8: plant each bug of ``benchmarks/mutants.py`` and count those the test suite catches."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("emozoo_mutants", Path(__file__).with_name("mutants.py"))
    mutants = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mutants)
    t = Tally("mutants")
    env = {**_clean_env(), "PYTHONPATH": os.pathsep.join([str(REPO / "benchmarks"), str(REPO)])}
    base = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "mutants"]
    files = sorted({m[3] for m in mutants.MUTANTS.values()})
    clean = subprocess.run([*base, *files], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    if clean.returncode != 0:
        t.record("unmutated suite", None, f"mutants: the tests fail without a mutant:\n{clean.stdout[-800:]}")
        return t
    for name, (_, _, _, test_file) in mutants.MUTANTS.items():
        proc = subprocess.run([*base, test_file], cwd=REPO, env={**env, "EMOZOO_MUTANT": name}, capture_output=True, text=True, timeout=900)
        planted = "is not (exactly once)" not in proc.stdout + proc.stderr
        ok = proc.returncode != 0 and planted
        t.record(name, "caught" if ok else None, None if ok else f"mutants: {name} {'not planted' if not planted else 'passed the suite'}")
    return t


def attacks(root: Path, models: dict[str, Any] | None = None) -> dict[str, Tally]:
    """Every attack class of issue #13 (each in its own folder under ``root``)."""
    out = {}
    for name, run in (("pull_paths", attack_pull_paths), ("integrity", attack_integrity), ("network", attack_network),
                      ("bundles", attack_bundles)):
        (root / name).mkdir()
        out[name] = run(root / name)
    (root / "boundaries").mkdir()
    out["boundaries"] = attack_boundaries(root / "boundaries", models)
    for name, run in EXTRA_ATTACKS.items():
        (root / name).mkdir()
        out[name] = run(root / name)
    return out


#: The classes that need no trained models (``--only`` runs any of them and merges into the recorded figures).
EXTRA_ATTACKS: dict[str, Callable[[Path], Tally]] = {
    "results": attack_results, "discovery": attack_discovery, "mutants": lambda root: mutation_audit(),
}


def run_only(names: list[str], out: Path) -> dict[str, Any]:
    """Run only the ``EXTRA_ATTACKS`` named and merge them into ``out/reliability.json``'s recorded figures."""
    summary = json.loads((out / "reliability.json").read_text())
    by_class = summary.setdefault("attacks", {}).setdefault("by_class", {})
    with zoo_registry(), tempfile.TemporaryDirectory(prefix="emozoo-reliability-") as tmp:
        for name in names:
            (Path(tmp) / name).mkdir()
            by_class[name] = EXTRA_ATTACKS[name](Path(tmp) / name).to_dict()
    summary["attacks"]["tried"] = sum(t["tried"] for t in by_class.values())
    summary["attacks"]["handled"] = sum(t["handled"] for t in by_class.values())
    return summary


# --- the figures ----------------------------------------------------------------------------------

SOAK_BOUND_MIB = 16.0


def run_all(examples: int, soak_cycles: int) -> dict[str, Any]:
    """Every check at the given counts; returns the JSON-ready summary."""
    with zoo_registry(), tempfile.TemporaryDirectory(prefix="emozoo-reliability-") as tmp:
        root = Path(tmp)
        methods = installed_plugin_methods()
        tallies = [fuzz_batches(examples), fuzz_metrics(examples), fuzz_parsers(examples)]
        models = {m: trained(m) for m in ["toy-mlp", *methods]}
        tallies.append(fuzz_models(max(8, examples // 4), {m: v for m, v in models.items() if m != "toy-mlp"}))
        for name, d in (("hostile", "h"), ("broken", "b"), ("faults", "f"), ("concurrency", "c")):
            (root / d).mkdir()
        hostile = hostile_artifacts(root / "h")
        broken = broken_plugins(root / "b")
        faults = inject_faults(root / "f")
        conc = concurrent_saves(root / "c")
        (root / "attacks").mkdir()
        attack = attacks(root / "attacks", {m: v for m, v in models.items() if m != "toy-mlp"})
        det = determinism(["toy-mlp", *methods])
        mem = soak(root, soak_cycles)
    inputs = {t.name: t.to_dict() for t in tallies}
    return {
        "environment": {"python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
                        "cpu_threads": torch.get_num_threads()},
        "plugins_checked": ["toy-mlp", *methods],
        "bad_inputs": {"tried": sum(t.tried for t in tallies), "handled": sum(t.handled for t in tallies), "by_check": inputs},
        "hostile_files": hostile.to_dict(),
        "broken_plugins": broken.to_dict(),
        "faults": faults.to_dict(),
        "concurrency": conc.to_dict(),
        "attacks": {"tried": sum(t.tried for t in attack.values()), "handled": sum(t.handled for t in attack.values()),
                    "by_class": {name: tally.to_dict() for name, tally in attack.items()}},
        "determinism": det,
        "soak": {**mem, "bound_mib": SOAK_BOUND_MIB, "within_bound": mem["growth_mib"] <= SOAK_BOUND_MIB},
    }


def markdown(r: dict[str, Any]) -> str:
    """The human-readable table of :func:`run_all`'s summary."""
    b, s = r["bad_inputs"], r["soak"]
    lines = ["# Reliability figures", "", f"Plugins checked: {', '.join(r['plugins_checked'])}. "
             f"Python {r['environment']['python']}, torch {r['environment']['torch']}, CPU. "
             "Reproduce: `python benchmarks/reliability.py` (the test suite runs the same checks at small counts).", "",
             "| check | tried | handled | failures |", "|---|---:|---:|---:|"]
    for name, t in b["by_check"].items():
        lines.append(f"| bad inputs: {name} | {t['tried']} | {t['handled']} | {len(t['failures'])} |")
    for key in ("hostile_files", "broken_plugins", "faults", "concurrency"):
        t = r[key]
        lines.append(f"| {key.replace('_', ' ')} | {t['tried']} | {t['handled']} | {len(t['failures'])} |")
    for name, t in r.get("attacks", {}).get("by_class", {}).items():
        lines.append(f"| issue #13 attacks: {ATTACK_TITLES.get(name, name)} | {t['tried']} | {t['handled']} | {len(t['failures'])} |")
    lines += ["", "Determinism (same seed, CPU): " + "; ".join(f"{m}: " + ", ".join(f"{k}={v}" for k, v in row.items())
                                                              for m, row in r["determinism"].items()),
              "", f"Soak: {s['cycles']} load+predict cycles, RSS {s['rss_start_mib']:.1f} -> {s['rss_end_mib']:.1f} MiB "
              f"(growth {s['growth_mib']:+.2f} MiB; bound {s['bound_mib']} MiB: {'ok' if s['within_bound'] else 'EXCEEDED'}).", ""]
    fails = [f for k in ("hostile_files", "broken_plugins", "faults", "concurrency") for f in r[k]["failures"]]
    fails += [f for t in b["by_check"].values() for f in t["failures"]]
    fails += [f for t in r.get("attacks", {}).get("by_class", {}).values() for f in t["failures"]]
    lines += ["Failures:" if fails else "No failures.", *[f"- {f}" for f in fails[:30]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="hypothesis examples per fuzzed entry point")
    parser.add_argument("--soak", type=int, default=1000, help="load/predict cycles of the soak")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--only", nargs="+", choices=sorted(EXTRA_ATTACKS),
                        help="run only these attack classes and merge them into the recorded reliability.json")
    args = parser.parse_args(argv)
    summary = run_only(args.only, args.out) if args.only else run_all(args.examples, args.soak)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "reliability.json").write_text(json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    (args.out / "reliability.md").write_text(markdown(summary))
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

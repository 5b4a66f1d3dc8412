"""Planted bugs for the mutation audit of issue #13 class 8, and the pytest plugin that plants one.

Each mutant is a plausible one-line bug in what the benchmark trains and scores on, what a resumed benchmark
reuses, which number becomes "ours", or how plugins and data sets are filtered: ``(module, original text,
mutated text, the test file that must catch it)``. ``python -m pytest -p benchmarks.mutants`` with
``EMOZOO_MUTANT=<name>`` re-executes the module's source with the one replacement before any test imports it;
``benchmarks/reliability.py --only mutants`` runs every mutant and counts how many the suite catches.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: name -> (module, original source text, mutated text, test file expected to fail)
MUTANTS: dict[str, tuple[str, str, str, str]] = {
    "tstr-keeps-real": (
        "emozoo.bench.protocols.augmentation",
        'scorer.records("synthetic", opts.synthetic_only_ratio, xs, ys, seed, 0)',
        'scorer.records("synthetic", opts.synthetic_only_ratio, torch.cat([x_train, xs]), torch.cat([y_train, ys]), seed, 0)',
        "tests/test_reliability_bench.py",
    ),
    "test-set-holds-training-data": (
        "emozoo.bench.protocols.augmentation",
        "scorer = _Scorer(opts, x_test, y_test, num_classes, runtime)",
        "scorer = _Scorer(opts, torch.cat([x_test, x_train]), torch.cat([y_test, y_train]), num_classes, runtime)",
        "tests/test_reliability_bench.py",
    ),
    "ceiling-from-the-training-data": (
        "emozoo.bench.protocols.augmentation",
        'xp, yp = _labelled(pools[pool_name], f"fold {fold.name} pool {pool_name}")',
        "xp, yp = x.clone(), y.clone()",
        "tests/test_reliability_bench.py",
    ),
    "gain-against-another-classifier": (
        "emozoo.bench.report",
        'base = real.get(record.get("classifier")) if record["condition"] != "real" else None',
        'base = next(iter(real.values()), None) if record["condition"] != "real" else None',
        "tests/test_reliability_bench.py",
    ),
    "headline-from-any-condition": (
        "emozoo.bench.compare",
        'mine = [r for r in mine if r["condition"] == "real+synthetic" and r["classifier"] == (classifiers or [None])[0]]',
        'mine = [r for r in mine if r["classifier"] == (classifiers or [None])[0]]',
        "tests/test_reliability_bench.py",
    ),
    "interval-over-folds-not-units": (
        "emozoo.bench.report",
        'unit = str(cell.get("unit") or cell["fold"])',
        'unit = str(cell["fold"])',
        "tests/test_reliability_bench.py",
    ),
    "baselines-keyed-by-name-only": (
        "emozoo.bench.protocols.augmentation",
        '"data": _data_digest(x, y, scorer.x_test, scorer.y_test)',
        '"data": None',
        "tests/test_reliability_bench.py",
    ),
    "cell-identity-ignores-data-options": (
        "emozoo.bench.runner",
        '"data_options": data_options or {},',
        '"data_options": {},',
        "tests/test_reliability_results.py",
    ),
    "resume-trusts-unsigned-cells": (
        "emozoo.bench.store",
        "if not isinstance(signature, str) or not hmac.compare_digest(signature, sign(cell, self.key)):",
        "if False:",
        "tests/test_reliability_results.py",
    ),
    "tables-unescaped": (
        "emozoo.bench.report",
        'return _MARKDOWN_SPECIALS.sub(r"\\\\\\1", text)',
        "return text",
        "tests/test_reliability_results.py",
    ),
    "plugin-names-compared-as-typed": (
        "emozoo.registry",
        'return re.sub(r"[-_.]+", "-", name).lower()',
        "return name",
        "tests/test_registry.py",
    ),
    "dataset-filter-coarse-only": (
        "emozoo.registry",
        "if not modality or modality in {d.modality, *d.modalities})",
        "if not modality or modality == d.modality)",
        "tests/test_reliability_bench.py",
    ),
}


def plant(name: str) -> None:
    """Re-execute the mutant's module with its one replacement (raises if the original text is gone)."""
    module_name, original, mutated, _ = MUTANTS[name]
    module = importlib.import_module(module_name)
    # Only this checkout's own emozoo modules are ever re-executed: the text comes from their source files here,
    # with one replacement from the table above; nothing from a Hub, an artifact or the network runs.
    origin = Path(module.__file__).resolve()
    if not module_name.startswith("emozoo") or REPO not in origin.parents:
        raise RuntimeError(f"mutant {name!r}: {module_name} ({origin}) is not a module of this checkout; refusing to plant")
    source = origin.read_text(encoding="utf-8")
    if source.count(original) != 1:
        raise RuntimeError(f"mutant {name!r}: the original text is not (exactly once) in {module_name}; update benchmarks/mutants.py")
    before = dict(module.__dict__)
    exec(compile(source.replace(original, mutated), str(origin), "exec"), module.__dict__)  # noqa: S102 - see the check above
    # modules that imported a name from it (``from emozoo.bench.store import CellStore``) get the mutated one too
    replaced = {id(value): module.__dict__[name] for name, value in before.items() if module.__dict__.get(name) is not value}
    for other in list(sys.modules.values()):
        if other is module or not getattr(other, "__name__", "").startswith("emozoo"):
            continue
        for attr, value in list(vars(other).items()):
            if id(value) in replaced:
                setattr(other, attr, replaced[id(value)])


if os.environ.get("EMOZOO_MUTANT"):  # as a pytest plugin (-p benchmarks.mutants): plant before tests import
    plant(os.environ["EMOZOO_MUTANT"])

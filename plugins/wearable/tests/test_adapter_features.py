"""Folds (subject-disjoint, normalisation, pools), the registered spec, and window_features on toy signals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emozoo.errors import ConfigError, EmptyInputError, ShapeError
from emozoo_wearable.adapters import StressPredictAdapter
from emozoo_wearable.features import fill_nan, fit_fill, window_features


def _subjects(batch) -> set[int]:
    return set(batch.subjects.tolist())


def test_loso_folds_are_subject_disjoint_and_train_normalised(toy_dir: Path) -> None:
    folds = list(StressPredictAdapter().folds(data_dir=toy_dir, protocol="augmentation", val_fraction=0.34))
    assert [f.name for f in folds] == ["S01", "S02", "S03", "S04"]
    for f in folds:
        assert _subjects(f.test) == {int(f.name[1:])}
        assert not (_subjects(f.train) & _subjects(f.test)) and not (_subjects(f.val) & _subjects(f.train))
        assert f.train.layout == "channels_time" and f.train.band_names == ("bvp", "eda", "temp", "hr")
        x = f.train.features.double()
        np.testing.assert_allclose(x.mean((0, 2)).numpy(), 0, atol=1e-5)
        np.testing.assert_allclose(x.std((0, 2), unbiased=False).numpy(), 1, atol=1e-4)
        assert f.manifest.extra["subjects"]["test"] == [f.name] and f.train.source.license.startswith("MIT")


def test_subject_normalisation_uses_calibration(toy_dir: Path) -> None:
    raw = next(iter(StressPredictAdapter().folds(data_dir=toy_dir, protocol="recognition", normalise="none", val_fraction=None)))
    sub = next(iter(StressPredictAdapter().folds(data_dir=toy_dir, protocol="recognition", normalise="subject", val_fraction=None)))
    from emozoo_wearable.windows import load_subject

    cal = load_subject(toy_dir, "S01")
    x, z = raw.test.features.numpy(), sub.test.features.numpy()
    expected_hr = (x[:, 3] - cal.calib_mean[3]) / max(cal.calib_std[3], 0.1 * raw.train.features[:, 3].std(unbiased=False).item())
    np.testing.assert_allclose(z[:, 3], expected_hr, rtol=1e-4, atol=1e-4)


def test_kfold_and_ceiling_pools(toy_dir: Path) -> None:
    folds = list(StressPredictAdapter().folds(data_dir=toy_dir, protocol="augmentation", split="kfold", n_folds=2,
                                              val_fraction=None, ceilings=True, new_units_fraction=0.5))
    assert len(folds) == 2
    seen = set()
    for f in folds:
        seen |= _subjects(f.test)
        assert _subjects(f.pools["new_units"]).isdisjoint(_subjects(f.train) | _subjects(f.test))
        assert _subjects(f.pools["same_units"]) <= _subjects(f.train)
        m = f.manifest.splits
        assert not set(m["pool_same_units"]) & set(m["train"])
    assert seen == {1, 2, 3, 4}


def test_adapter_config_errors(toy_dir: Path) -> None:
    ad = StressPredictAdapter()
    with pytest.raises(ConfigError, match="random window splits are not offered"):
        next(ad.folds(data_dir=toy_dir, protocol="x", split="random"))
    with pytest.raises(ConfigError, match="no data_dir"):
        next(ad.folds(data_dir=None, protocol="x"))
    with pytest.raises(ConfigError, match="'subject' only with frontend='raw'"):
        next(ad.folds(data_dir=toy_dir, protocol="x", frontend="features", normalise="subject"))


def test_spec_registered() -> None:
    import emozoo

    spec = next(d for d in emozoo.list_datasets() if d.id == "stress-predict")
    assert spec.label_names == ("no_stress", "stress") and spec.modality == "physiological" and spec.metric == "UAR"


def _toy_windows(rate: int = 16, seconds: int = 60) -> np.ndarray:
    t = np.arange(rate * seconds) / rate
    bvp = 50 * np.sin(2 * np.pi * 1.25 * t)  # 75 bpm, perfectly regular
    eda_calm = 0.5 + 0.001 * t
    bursts = sum(0.5 * np.exp(-((t - c) ** 2) / 2.0) for c in (10, 25, 40, 52))
    temp = 33 + 0.01 * t
    hr = 70 + 2 * np.sin(2 * np.pi * t / 30)
    return np.stack([np.stack([bvp, eda_calm, temp, hr]), np.stack([bvp, eda_calm + bursts, temp, hr])])


def test_window_features_against_hand_values() -> None:
    f, names = window_features(_toy_windows(), ("bvp", "eda", "temp", "hr"), 16)
    v = dict(zip(names, f[0]))
    assert f.shape == (2, 15) and f.dtype == np.float32
    assert v["hrv_mean_hr"] == pytest.approx(75, abs=1.5) and v["hrv_mean_nn"] == pytest.approx(800, abs=15)
    assert v["hrv_rmssd"] < 20  # regular beats
    assert v["temp_mean"] == pytest.approx(33 + 0.01 * 59.97 / 2, abs=1e-3) and v["temp_slope"] == pytest.approx(0.01, rel=1e-3)
    assert v["hr_mean"] == pytest.approx(70, abs=0.05) and v["hr_max"] == pytest.approx(72, abs=0.01)
    bursty = dict(zip(names, f[1]))
    assert bursty["eda_scr_count"] >= 3 and bursty["eda_scr_count"] > v["eda_scr_count"]


def test_window_features_bad_input_and_fill_rule() -> None:
    with pytest.raises(ShapeError, match=r"expected \[N, C, T\]"):
        window_features(np.zeros((4, 960)), ("bvp",), 16)
    with pytest.raises(EmptyInputError):
        window_features(np.zeros((0, 1, 960)), ("bvp",), 16)
    with pytest.raises(ShapeError, match="unknown"):
        window_features(np.zeros((1, 1, 960)), ("acc",), 16)
    f, _ = window_features(np.zeros((1, 1, 960)), ("bvp",), 16)  # a flat pulse: no beats -> NaN
    assert np.isnan(f).all()
    med = fit_fill(np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]]))
    np.testing.assert_array_equal(med, [2.0, 0.0])
    np.testing.assert_array_equal(fill_nan(np.array([[np.nan, 5.0]]), med), [[2.0, 5.0]])


def test_features_frontend_fills_normalises_and_caches(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opts = dict(data_dir=toy_dir, protocol="augmentation", split="kfold", n_folds=2, val_fraction=None, frontend="features")
    f = next(iter(StressPredictAdapter().folds(**opts)))
    assert f.train.layout == "flat" and f.train.features.shape[1] == 15 and f.train.modality == "wrist"
    assert len(f.manifest.extra["feature_names"]) == 15
    x = f.train.features.double()
    assert abs(x.mean(0)).max() < 1e-4
    hr = f.manifest.extra["feature_names"].index("hr_mean")
    assert x[f.train.labels == 1, hr].mean() > x[f.train.labels == 0, hr].mean() + 1  # class-dependent toy HR

    import emozoo_wearable.features as feats

    monkeypatch.setattr(feats, "window_features", lambda *a, **k: (_ for _ in ()).throw(AssertionError("not cached")))
    again = next(iter(StressPredictAdapter().folds(**opts)))
    assert again.train.features.numpy().tobytes() == f.train.features.numpy().tobytes()
